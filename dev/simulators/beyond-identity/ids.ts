/**
 * Identifier generators shaped like the real service's (docs/contracts/beyond-identity.md §2.1): 16 hex characters for
 * realms, identities, jobs and credentials; UUIDs for applications and authenticator configs;
 * 24 alphanumerics for client ids and 48 for client secrets. Clients must treat all of them as
 * opaque; these shapes only make logs and demos look familiar.
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newHexId(): string {
  return randomBytes(8).toString('hex');
}

export function newUuid(): string {
  return randomUUID();
}

function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export const newClientId = (): string => randomAlphanumeric(24);
export const newClientSecret = (): string => randomAlphanumeric(48);

/** Unguessable, URL-safe: authorization codes, binding-link tokens. */
export function newOpaqueToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A stable 16-hex id derived from a seed, so seeded objects keep their ids across restarts without a state file. */
export function derivedHexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

/** A stable UUID-shaped id derived from a seed (same reason as derivedHexId). */
export function derivedUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Compares secrets without leaking, through timing, how much of a guess was right. */
export function sameSecret(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(given));
}
