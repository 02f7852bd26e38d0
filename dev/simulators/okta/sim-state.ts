/**
 * `GET /_sim/state`: everything the org holds, for people and tests, with client secrets masked.
 * Service apps hold public keys only; issued access tokens are never shown, only the OAuth counters.
 */
import type { FastifyInstance } from 'fastify';
import type { OktaContext } from './context';
import type { IdpBody } from './idp-schema';
import type { OAuthFigures } from './oauth/figures';
import type { ConcurrencyLimiter, RateLimiter } from './rate-limits';

const MASK = '********';

export function registerSimState(
  app: FastifyInstance,
  context: OktaContext,
  limiter: RateLimiter,
  concurrency: ConcurrencyLimiter,
  oauthFigures: () => OAuthFigures,
): void {
  app.get('/_sim/state', async () => {
    // The System Log is read through GET /api/v1/logs; here only its size, so the state stays small.
    const { logEvents, ...held } = context.store.state;
    const state = structuredClone(held);
    for (const idp of state.idps) {
      const client = (idp.body as IdpBody).protocol?.credentials?.client;
      if (client?.client_secret !== undefined) client.client_secret = MASK;
    }
    return {
      orgUrl: context.orgUrl(),
      ...state,
      logEventCount: logEvents.length,
      rateLimits: {
        config: limiter.config,
        buckets: limiter.snapshot(),
        totals: limiter.totalsSnapshot(),
        concurrency: concurrency.figures(),
      },
      oauth: oauthFigures(),
    };
  });
}
