/**
 * RS256 id_token verification against a JWKS, with node:crypto only (jose is ESM-only and jest
 * here cannot load it). Checks the signature and the time claims; the caller checks iss, aud and
 * nonce so it can say precisely which one is wrong.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';

export class TokenRejected extends Error {}

function jsonSegment(segment: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new TokenRejected(`the id_token's ${what} is not a base64url JSON object`);
}

/** The token's claims once its RS256 signature verifies with a key of `jwks` and it is within its validity (± `skewSeconds`). */
export function verifyRs256(
  token: string,
  jwks: unknown,
  jwksUrl: string,
  nowSeconds: number,
  skewSeconds: number,
): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3)
    throw new TokenRejected('the id_token is not a JWS compact serialization (three dot-separated parts)');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonSegment(headerPart, 'header');
  if (header.alg !== 'RS256')
    throw new TokenRejected(`the id_token is signed with ${JSON.stringify(header.alg)}, not RS256`);
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new TokenRejected(`${jwksUrl} did not answer a JSON Web Key Set (no "keys" array)`);
  const candidates = (keys as JsonWebKey[]).filter(
    (key) => key?.kty === 'RSA' && (header.kid === undefined || (key as { kid?: unknown }).kid === header.kid),
  );
  if (candidates.length === 0)
    throw new TokenRejected(`no RSA key at ${jwksUrl} has the id_token's kid ${JSON.stringify(header.kid)}`);
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  const verified = candidates.some((jwk) => {
    try {
      return verify('sha256', signed, createPublicKey({ key: jwk, format: 'jwk' }), signature);
    } catch {
      return false;
    }
  });
  if (!verified) throw new TokenRejected(`the id_token's signature does not verify with the keys at ${jwksUrl}`);
  const claims = jsonSegment(payloadPart, 'payload');
  if (typeof claims.exp !== 'number') throw new TokenRejected('the id_token has no exp claim');
  if (nowSeconds > claims.exp + skewSeconds)
    throw new TokenRejected(`the id_token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (typeof claims.nbf === 'number' && nowSeconds + skewSeconds < claims.nbf) {
    throw new TokenRejected(`the id_token is not valid before ${new Date(claims.nbf * 1000).toISOString()}`);
  }
  return claims;
}
