/**
 * The tenant's RS256 signing key, with node:crypto only (jose is ESM-only and jest here cannot
 * load it). It signs id tokens and client-credentials access tokens, verifies the latter when
 * they come back as bearer tokens, and is published as a JWKS. It is kept in the state file so
 * tokens issued before a restart still verify.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { StoredSigningKey } from './model';

const generateRsa = promisify(generateKeyPair);

export interface PublicJwk {
  kty: string;
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: 'RS256';
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const required =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

export class SigningKey {
  private readonly publicJwk: PublicJwk;

  private constructor(private readonly privateKey: KeyObject) {
    const exported = createPublicKey(privateKey).export({ format: 'jwk' });
    this.publicJwk = {
      kty: 'RSA',
      n: String(exported.n),
      e: String(exported.e),
      kid: jwkThumbprint(exported),
      use: 'sig',
      alg: 'RS256',
    };
  }

  static async generate(): Promise<SigningKey> {
    const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    return new SigningKey(privateKey);
  }

  static fromStored(stored: StoredSigningKey): SigningKey {
    return new SigningKey(createPrivateKey({ key: stored.private_jwk as JsonWebKey, format: 'jwk' }));
  }

  get kid(): string {
    return this.publicJwk.kid;
  }

  toStored(): StoredSigningKey {
    return { kid: this.kid, private_jwk: this.privateKey.export({ format: 'jwk' }) as Record<string, unknown> };
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  sign(claims: Record<string, unknown>): string {
    const header = base64urlJson({ alg: 'RS256', typ: 'JWT', kid: this.kid });
    const payload = base64urlJson(claims);
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  /** The claims of a JWT this key signed, or undefined for anything else. Expiry is the caller's business. */
  verify(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const decodedHeader = parseJsonSegment(header);
    if (!decodedHeader || decodedHeader.alg !== 'RS256' || decodedHeader.kid !== this.kid) return undefined;
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      createPublicKey(this.privateKey),
      Buffer.from(signature, 'base64url'),
    );
    return valid ? parseJsonSegment(payload) : undefined;
  }
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function parseJsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
