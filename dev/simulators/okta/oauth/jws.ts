/**
 * Reading and verifying the compact JWTs clients send (client assertions, DPoP proofs) with jose:
 * the header and claims are read first (to find the key), and the signature is verified against
 * that key before any claim is trusted.
 */
import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { algFitsKey, SIGNING_ALGS, type SigningAlg } from './jwk';

/** Leeway for claims that must not lie in the future (iat, exp's one-hour ceiling): clocks differ a little. */
export const CLOCK_SKEW_SECONDS = 5;

export interface ReadJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The header and claims of a compact JWS, unverified; undefined when it is not one. */
export function readJwt(compact: string): ReadJwt | undefined {
  const parts = compact.split('.');
  if (parts.length !== 3) return undefined;
  const header = jsonObject(parts[0]!);
  const claims = jsonObject(parts[1]!);
  return header && claims ? { header, claims } : undefined;
}

export function isSigningAlg(alg: unknown): alg is SigningAlg {
  return typeof alg === 'string' && (SIGNING_ALGS as readonly string[]).includes(alg);
}

/** Only the members that make up the public key, whatever else the JWK carries (kid, use, alg, …). */
function publicMembers(jwk: Record<string, unknown>): JWK {
  const member = (name: string) => (typeof jwk[name] === 'string' ? (jwk[name] as string) : undefined);
  return jwk.kty === 'RSA'
    ? { kty: 'RSA', n: member('n'), e: member('e') }
    : { kty: String(jwk.kty), crv: member('crv'), x: member('x'), y: member('y') };
}

/** Whether `compact` is signed with `alg` by the private half of `jwk`. */
export async function signatureVerifies(
  compact: string,
  jwk: Record<string, unknown>,
  alg: SigningAlg,
): Promise<boolean> {
  if (!algFitsKey(alg, jwk)) return false;
  try {
    const key = await importJWK(publicMembers(jwk), alg);
    await compactVerify(compact, key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}

/** RFC 7638 SHA-256 thumbprint (what `cnf.jkt` holds). */
export function thumbprint(jwk: Record<string, unknown>): Promise<string> {
  return calculateJwkThumbprint(publicMembers(jwk), 'sha256');
}
