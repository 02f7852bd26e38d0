/**
 * Okta's rate-limit buckets (docs/contracts/okta.md §0.4) and how its headers feed the shared pacer.
 * The bucket a request counts against decides which window the pacer must respect.
 */
import type { HttpMethod, Pacing } from '../http/json-client';
import { RateLimitPacer, type RateLimitObservation } from '../http/rate-limit-pacer';
import type { PacerObserver } from '../http/observer';
import { headerValue, serverNow, type ResponseHeaders } from '../http/headers';

export type OktaBucket =
  'users-collection' | 'user-by-id' | 'user-mutations' | 'groups-collection' | 'group-by-id' | 'logs' | 'other';

/** Okta's table: `/api/v1/groups/{id}` alone has a bucket; the rest of `/api/v1/groups` (members included) shares one. */
function groupsBucket(path: string): OktaBucket | undefined {
  if (path !== '/api/v1/groups' && !path.startsWith('/api/v1/groups/')) return undefined;
  const rest = path.slice('/api/v1/groups/'.length);
  return rest !== '' && rest !== 'rules' && !rest.includes('/') ? 'group-by-id' : 'groups-collection';
}

export function oktaBucket(method: HttpMethod, path: string): OktaBucket {
  const usersPath = path.replace(/\/+$/, '');
  const groups = groupsBucket(usersPath);
  if (groups) return groups;
  if (usersPath === '/api/v1/users') return 'users-collection';
  // The System Log has a bucket of its own (docs/contracts/okta.md §13).
  if (usersPath === '/api/v1/logs') return 'logs';
  if (usersPath.startsWith('/api/v1/users/')) {
    const rest = usersPath.slice('/api/v1/users/'.length);
    if (method === 'GET') return rest.includes('/') ? 'other' : 'user-by-id';
    return 'user-mutations';
  }
  return 'other';
}

/**
 * Limit, remaining and reset from an Okta response; reset converted to our clock via the `Date`
 * header. A 429 with `X-Rate-Limit-Limit: 0` is Okta's concurrency limit (too many requests in
 * flight across the org), not the bucket's: its limit is not the bucket's and is not recorded.
 */
export function observeOktaHeaders(
  status: number,
  headers: ResponseHeaders,
  receivedAtMs: number,
): RateLimitObservation | undefined {
  const limit = Number(headerValue(headers, 'x-rate-limit-limit'));
  const remaining = Number(headerValue(headers, 'x-rate-limit-remaining'));
  const reset = headerValue(headers, 'x-rate-limit-reset');
  if (!reset || !/^\d+$/.test(reset.trim()) || Number.isNaN(remaining)) return undefined;
  const resetAtMs = receivedAtMs + (Number(reset) * 1000 - serverNow(headers, receivedAtMs));
  if (status === 429 && limit === 0) return { concurrency: true, refused: true, remaining, resetAtMs };
  return {
    limit: Number.isNaN(limit) ? undefined : limit,
    remaining,
    resetAtMs,
    ...(status === 429 ? { refused: true } : {}),
  };
}

/** Requests one process keeps in flight to the org at once, unless configured (OKTA_MAX_IN_FLIGHT). */
export const DEFAULT_OKTA_MAX_IN_FLIGHT = 16;

/**
 * One pacer for the whole process: every Okta call of every activity shares the org's budget.
 * The first call's `maxInFlight` and `observer` count (the worker passes OKTA_MAX_IN_FLIGHT and its metrics).
 */
let processPacer: RateLimitPacer | undefined;
export function sharedOktaPacer(maxInFlight = DEFAULT_OKTA_MAX_IN_FLIGHT, observer?: PacerObserver): RateLimitPacer {
  processPacer ??= new RateLimitPacer({ reserve: 1, maxInFlight, observer });
  return processPacer;
}

export function oktaPacing(pacer: RateLimitPacer = sharedOktaPacer()): Pacing {
  return { pacer, bucketOf: oktaBucket, observe: observeOktaHeaders };
}
