/** Authorization codes: single-use, short-lived, bound to the application, client and redirect URI. Memory only. */
import { newOpaqueToken } from '../ids';

export interface CodeGrant {
  applicationId: string;
  clientId: string;
  redirectUri: string;
  identityId: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'plain' | 'S256';
  authTime: number;
  expiresAt: number;
}

export class AuthorizationCodes {
  private readonly grants = new Map<string, CodeGrant>();

  issue(grant: CodeGrant): string {
    this.sweep(grant.authTime);
    const code = newOpaqueToken(32);
    this.grants.set(code, grant);
    return code;
  }

  /** The grant, removed so a code works once; undefined when unknown or expired. */
  redeem(code: string, nowMs: number): CodeGrant | undefined {
    const grant = this.grants.get(code);
    this.grants.delete(code);
    return grant && grant.expiresAt > nowMs ? grant : undefined;
  }

  private sweep(nowMs: number): void {
    for (const [code, grant] of this.grants) if (grant.expiresAt <= nowMs) this.grants.delete(code);
  }
}
