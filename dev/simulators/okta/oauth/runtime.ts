/**
 * The OAuth machinery's memory, which is not org state and is not persisted: issued tokens, used
 * `jti`s, the DPoP nonce, the counters, and the token lifetime option.
 */
import { AccessTokenStore } from './access-tokens';
import { DpopNonces } from './dpop-nonces';
import { OAuthCounters } from './figures';
import { ReplayCache } from './replay';

/** Okta's access tokens for its own APIs live one hour, fixed (docs/contracts/okta.md §8.3). */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

export const TOKEN_PATH = '/oauth2/v1/token';

export interface OAuthRuntime {
  tokens: AccessTokenStore;
  assertionJtis: ReplayCache;
  proofJtis: ReplayCache;
  nonces: DpopNonces;
  counters: OAuthCounters;
  accessTokenLifetimeSeconds: number;
}

export function createOAuthRuntime(accessTokenLifetimeSeconds: number): OAuthRuntime {
  return {
    tokens: new AccessTokenStore(),
    assertionJtis: new ReplayCache(),
    proofJtis: new ReplayCache(),
    nonces: new DpopNonces(),
    counters: new OAuthCounters(),
    accessTokenLifetimeSeconds,
  };
}
