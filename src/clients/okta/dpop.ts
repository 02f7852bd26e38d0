/**
 * DPoP proofs (RFC 9449, docs/contracts/okta.md §8.4) signed with a key of this process's own: an ephemeral
 * ES256 pair made at first use and never stored. Not the client key: that one only signs client
 * assertions (what the app's JWKS vouches for) and may be RSA or EC, while a proof key is anything
 * the proof header carries; a token bound to it (`cnf.jkt`) is worthless to whoever copies it out
 * of this process, even with the client key; and ES256 signs fast, which matters since every
 * request and every retry carries a new proof.
 */
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/**
 * `htu`: the origin and the request path, percent-decoded, without query or fragment. Okta decodes
 * the path before comparing (okta-sdk-python#541, okta-sdk-nodejs#521), so a proof for
 * `/api/v1/users/a%40b.example` must say `/api/v1/users/a@b.example`.
 */
export function dpopHtu(url: string): string {
  const parsed = new URL(url);
  let path = parsed.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape: Okta could not decode it either; the path as sent.
  }
  return `${parsed.origin}${path}`;
}

/** `ath`: base64url(SHA-256(access token)). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class DpopProver {
  private key: Promise<{ privateKey: KeyLike; jwk: JWK }> | undefined;

  /** A proof for one request: new `jti` and `iat` every time, `nonce` when the server asked for one, `ath` with a token. */
  async proof(method: string, url: string, extra: { nonce?: string; accessToken?: string } = {}): Promise<string> {
    const { privateKey, jwk } = await this.keyPair();
    return new SignJWT({
      htm: method,
      htu: dpopHtu(url),
      jti: randomUUID(),
      ...(extra.nonce ? { nonce: extra.nonce } : {}),
      ...(extra.accessToken ? { ath: accessTokenHash(extra.accessToken) } : {}),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .setIssuedAt()
      .sign(privateKey);
  }

  private keyPair(): Promise<{ privateKey: KeyLike; jwk: JWK }> {
    this.key ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const { kty, crv, x, y } = await exportJWK(publicKey);
      return { privateKey, jwk: { kty, crv, x, y } };
    })();
    return this.key;
  }
}
