/**
 * A client's public signing keys (docs/contracts/okta.md §9.1, spec `OAuth2ClientJsonWebKey*Request`): RSA or
 * EC JWKs, `use: sig`, an `alg` that fits the key, no private members. What is kept is the public
 * part only, so nothing secret can ever reach the state file or `/_sim/state`.
 */
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import type { FieldProblem } from '../errors';
import { parsePart } from '../validation';

export const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** The curve each ECDSA algorithm signs with (RFC 7518 §3.4). */
const CURVE_OF: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Members that only a private (or symmetric) key has. */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The spec allows up to 50 keys per client (docs/contracts/okta.md §8.2, Okta's service-app guide). */
export const MAX_KEYS = 50;

const jwkInput = z.looseObject({
  kty: z.enum(['RSA', 'EC']),
  kid: z.string().min(1).max(255).nullish(),
  alg: z.enum(SIGNING_ALGS).optional(),
  use: z.literal('sig').optional(),
  status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
  n: z.string().min(1).optional(),
  e: z.string().min(1).optional(),
  crv: z.enum(['P-256', 'P-384', 'P-521']).optional(),
  x: z.string().min(1).optional(),
  y: z.string().min(1).optional(),
});

export interface AcceptedJwk {
  kid: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  /** Public members only. */
  jwk: Record<string, string>;
}

/** Whether `alg` can be verified with this public key (RS* with RSA, ES* with the matching curve). */
export function algFitsKey(alg: string, jwk: Record<string, unknown>): boolean {
  if (alg.startsWith('RS')) return jwk.kty === 'RSA';
  return jwk.kty === 'EC' && CURVE_OF[alg] === jwk.crv;
}

/** The key's public part, or the problems with it under `field` (e.g. `settings.oauthClient.jwks.keys.0`). */
export function acceptPublicJwk(value: unknown, field: string): AcceptedJwk | FieldProblem[] {
  const parsed = parsePart(jwkInput, value, field);
  if ('problems' in parsed) return parsed.problems;
  const key = parsed.data;
  const privateMembers = PRIVATE_MEMBERS.filter((member) => member in key);
  if (privateMembers.length > 0)
    return [
      {
        field,
        message: `A client key must be a public key; remove its private members (${privateMembers.join(', ')}).`,
      },
    ];
  const jwk: Record<string, string> =
    key.kty === 'RSA'
      ? { kty: 'RSA', n: key.n ?? '', e: key.e ?? '' }
      : { kty: 'EC', crv: key.crv ?? '', x: key.x ?? '', y: key.y ?? '' };
  const missing = Object.entries(jwk)
    .filter(([, member]) => member === '')
    .map(([name]) => name);
  if (missing.length > 0)
    return missing.map((name) => ({ field: `${field}.${name}`, message: `An ${key.kty} key needs ${name}.` }));
  if (key.alg !== undefined && !algFitsKey(key.alg, jwk))
    return [
      {
        field: `${field}.alg`,
        message: `${key.alg} does not fit an ${key.kty} key${key.crv ? ` on ${key.crv}` : ''}.`,
      },
    ];
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return [{ field, message: `Not a valid ${key.kty} public key.` }];
  }
  if (key.alg !== undefined) jwk.alg = key.alg;
  jwk.use = 'sig';
  return { kid: key.kid ?? null, status: key.status ?? 'ACTIVE', jwk };
}
