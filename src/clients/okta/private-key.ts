/**
 * The service app's private key, as an operator gives it: PEM (PKCS#8, PKCS#1 RSA, SEC1 EC) or a
 * private JWK (JSON). Answers the key, the algorithm its assertions are signed with and the JWK's
 * `kid`, or a problem in words that never quotes the key.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { OktaSigningAlg } from './credentials';

export type ParsedPrivateKey =
  { ok: true; key: KeyObject; alg: OktaSigningAlg; kid?: string } | { ok: false; problem: string };

const NOT_A_KEY =
  'not a private RSA or EC key: give a PEM (PKCS#8 "BEGIN PRIVATE KEY", PKCS#1 "BEGIN RSA PRIVATE KEY" or SEC1 "BEGIN EC PRIVATE KEY") or a private JWK (JSON with "d")';
const EC_ALGS: Record<string, OktaSigningAlg> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const RSA_ALGS = new Set<string>(['RS256', 'RS384', 'RS512']);

export function parsePrivateKey(text: string): ParsedPrivateKey {
  // A PEM pasted into an env file often arrives with its newlines as the two characters `\n`.
  const trimmed = (text.includes('\n') ? text : text.replace(/\\n/g, '\n')).trim();
  let key: KeyObject;
  let jwk: { alg?: unknown; kid?: unknown } | undefined;
  try {
    if (trimmed.startsWith('{')) {
      jwk = JSON.parse(trimmed) as { alg?: unknown; kid?: unknown };
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else {
      key = createPrivateKey(trimmed);
    }
  } catch {
    // Node's own message may quote parts of the input: never shown.
    return { ok: false, problem: NOT_A_KEY };
  }
  const kid = typeof jwk?.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined;
  const wanted = typeof jwk?.alg === 'string' ? jwk.alg : undefined;
  if (key.asymmetricKeyType === 'rsa') {
    if (wanted !== undefined && !RSA_ALGS.has(wanted))
      return {
        ok: false,
        problem: `the JWK's alg ${wanted} is not one Okta takes for an RSA key (RS256, RS384, RS512)`,
      };
    return { ok: true, key, alg: (wanted as OktaSigningAlg | undefined) ?? 'RS256', kid };
  }
  if (key.asymmetricKeyType === 'ec') {
    const alg = EC_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!alg) return { ok: false, problem: 'an EC key on a curve Okta does not take: use P-256, P-384 or P-521' };
    if (wanted !== undefined && wanted !== alg)
      return { ok: false, problem: `the JWK's alg ${wanted} does not match its curve (${alg})` };
    return { ok: true, key, alg, kid };
  }
  return { ok: false, problem: NOT_A_KEY };
}
