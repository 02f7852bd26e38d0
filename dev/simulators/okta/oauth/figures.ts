/**
 * Counters of the OAuth machinery, for tests and the benchmark (`/_sim/state` → `oauth`,
 * `RunningOktaSimulator.oauthFigures()`): what the token endpoint was asked and gave, and why
 * requests were refused. Since the start; never tokens or keys.
 */
import type { TokenScheme } from './principal';

const REFUSAL_REASONS = [
  // Token endpoint (docs/contracts/okta.md §8.3).
  'token.invalid_request',
  'token.unsupported_grant_type',
  'token.invalid_client',
  'token.assertion_replayed',
  'token.invalid_scope',
  'token.invalid_dpop_proof',
  'token.dpop_proof_replayed',
  // Resource calls with an access token (docs/contracts/okta.md §8.4, §10).
  'resource.invalid_token',
  'resource.scheme_mismatch',
  'resource.invalid_dpop_proof',
  'resource.dpop_proof_replayed',
  'resource.insufficient_scope',
  'resource.missing_role',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface OAuthFigures {
  tokenRequests: number;
  tokensIssued: Record<TokenScheme, number>;
  /** 400 use_dpop_nonce answers. */
  nonceChallenges: number;
  /** Resource calls an access token authenticated and authorized. */
  resourceCalls: Record<TokenScheme, number>;
  refusals: Record<RefusalReason, number>;
}

export class OAuthCounters {
  private readonly figures: OAuthFigures = {
    tokenRequests: 0,
    tokensIssued: { Bearer: 0, DPoP: 0 },
    nonceChallenges: 0,
    resourceCalls: { Bearer: 0, DPoP: 0 },
    refusals: Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, 0])) as Record<RefusalReason, number>,
  };

  tokenRequest(): void {
    this.figures.tokenRequests += 1;
  }

  tokenIssued(scheme: TokenScheme): void {
    this.figures.tokensIssued[scheme] += 1;
  }

  nonceChallenge(): void {
    this.figures.nonceChallenges += 1;
  }

  resourceCall(scheme: TokenScheme): void {
    this.figures.resourceCalls[scheme] += 1;
  }

  refused(reason: RefusalReason): void {
    this.figures.refusals[reason] += 1;
  }

  snapshot(): OAuthFigures {
    return structuredClone(this.figures);
  }
}
