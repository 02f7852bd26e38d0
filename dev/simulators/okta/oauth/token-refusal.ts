/**
 * A refusal at the token endpoint, in OAuth's shape (docs/contracts/okta.md §8.3): `{error, error_description}`
 * with the status of the contract's table, and the counter it goes to (none for a nonce
 * challenge, which is counted as such).
 */
import type { RefusalReason } from './figures';

export type TokenError =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

export class TokenRefusal extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: TokenError,
    readonly description: string,
    readonly reason: RefusalReason | undefined,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${error}: ${description}`);
  }
}

export const invalidClient = (description: string, reason: RefusalReason = 'token.invalid_client'): TokenRefusal =>
  new TokenRefusal(401, 'invalid_client', description, reason);
export const invalidRequest = (description: string): TokenRefusal =>
  new TokenRefusal(400, 'invalid_request', description, 'token.invalid_request');
export const invalidScope = (description: string): TokenRefusal =>
  new TokenRefusal(400, 'invalid_scope', description, 'token.invalid_scope');
