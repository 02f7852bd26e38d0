/**
 * Access tokens the token endpoint issued. Opaque random strings (clients must not parse them,
 * docs/contracts/okta.md §8.3), kept in memory only: after a restart every token is unknown and clients renew
 * on the 401, as they must when a real token expires. A token names its client and app, its
 * scopes, when it expires, and for DPoP tokens the thumbprint of the key it is bound to.
 */
import { randomBytes } from 'node:crypto';
import type { TokenScheme } from './principal';

export interface AccessToken {
  scheme: TokenScheme;
  clientId: string;
  appId: string;
  scopes: string[];
  expiresAtMs: number;
  /** The RFC 7638 SHA-256 thumbprint of the DPoP proof key (`cnf.jkt`), for DPoP tokens. */
  jkt?: string;
}

export class AccessTokenStore {
  private readonly tokens = new Map<string, AccessToken>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  issue(token: AccessToken): string {
    this.sweep();
    const value = randomBytes(32).toString('base64url');
    this.tokens.set(value, token);
    return value;
  }

  /** The token's record while it is valid; undefined when unknown or expired. */
  find(value: string): AccessToken | undefined {
    const token = this.tokens.get(value);
    if (!token) return undefined;
    if (token.expiresAtMs <= this.now()) {
      this.tokens.delete(value);
      return undefined;
    }
    return token;
  }

  private sweep(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + 10_000;
    for (const [value, token] of this.tokens) if (token.expiresAtMs <= now) this.tokens.delete(value);
  }
}
