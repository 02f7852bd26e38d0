/**
 * Okta's per-org rate limits (docs/contracts/okta.md §0.4): each request under /api/v1 counts against one
 * bucket; each bucket has a ceiling per fixed window. Windows are aligned to multiples of
 * `windowSeconds` since the epoch, so `X-Rate-Limit-Reset` (epoch seconds of the window end) is
 * the same for every request in a window, as it is on a real org.
 */
export type RateLimitBucket =
  'usersCollection' | 'userById' | 'userMutations' | 'groupsCollection' | 'groupById' | 'other' | 'oauthToken' | 'logs';
const RATE_LIMIT_BUCKETS: readonly RateLimitBucket[] = [
  'usersCollection',
  'userById',
  'userMutations',
  'groupsCollection',
  'groupById',
  'other',
  'oauthToken',
  'logs',
];

export interface RateLimitConfig {
  usersCollection: number;
  userById: number;
  userMutations: number;
  groupsCollection: number;
  groupById: number;
  other: number;
  /** `POST /oauth2/v1/token`: Okta counts the org authorization server's token endpoint in a bucket of its own. */
  oauthToken: number;
  /** `GET /api/v1/logs`: a bucket of its own (docs/contracts/okta.md §13: 120 per minute on a Workforce org). */
  logs: number;
  windowSeconds: number;
}

/**
 * Okta's org-wide concurrency limit: requests in flight at once across every bucket (documented
 * as 35 for Integrator Free orgs, 75 for others). Over it, a 429 E0000047 whose headers say limit 0,
 * remaining 0, and a reset that is only an estimate (a minute on).
 */
export const DEFAULT_CONCURRENCY_LIMIT = 75;

export interface ConcurrencyFigures {
  limit: number;
  inFlight: number;
  /** The most requests ever in flight at once. */
  peak: number;
  refused: number;
}

/** Requests in flight across the org, against its concurrency limit. */
export class ConcurrencyLimiter {
  private inFlight = 0;
  private peak = 0;
  private refused = 0;

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a place in flight, or answers false (and counts a refusal) when the org is at its limit. */
  enter(): boolean {
    if (this.inFlight >= this.limit) {
      this.refused += 1;
      return false;
    }
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    return true;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** The headers of a concurrency refusal: no bucket's figures, a reset that is an estimate. */
  refusalState(): Pick<RateLimitState, 'limit' | 'remaining' | 'reset'> {
    return { limit: 0, remaining: 0, reset: Math.ceil(this.now() / 1000) + 60 };
  }

  figures(): ConcurrencyFigures {
    return { limit: this.limit, inFlight: this.inFlight, peak: this.peak, refused: this.refused };
  }
}

/**
 * Shaped like a Workforce Identity org's per-minute limits (docs/contracts/okta.md §0.4 table; the groups rows
 * from developer.okta.com/docs/reference/rl-global-mgmt: 500 to create or list groups, 1,000 to
 * get, update or delete one by id).
 */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  usersCollection: 600,
  userById: 2000,
  userMutations: 600,
  groupsCollection: 500,
  groupById: 1000,
  other: 1200,
  oauthToken: 600,
  logs: 120,
  windowSeconds: 60,
};

export interface RateLimitState {
  bucket: RateLimitBucket;
  limit: number;
  remaining: number;
  /** UTC epoch seconds at which the current window ends. */
  reset: number;
}

/** Totals since start, for benchmarks and soak runs: how many requests counted and how many got 429. */
export interface RateLimitTotals {
  bucket: RateLimitBucket;
  counted: number;
  refused: number;
}

const API_PREFIX = '/api/v1/';

/**
 * The bucket a request counts against, or undefined outside /api/v1:
 * GET/POST /api/v1/users → usersCollection; GET /api/v1/users/{idOrLogin} → userById;
 * POST/PUT/DELETE /api/v1/users/{id} and below → userMutations; /api/v1/groups/{id} exactly →
 * groupById; /api/v1/groups and everything else below it (members included: Okta's table says
 * "/api/v1/groups except /api/v1/groups/{id}") → groupsCollection; /api/v1/logs → logs; everything else → other.
 * Outside /api/v1: the token endpoint → oauthToken; client role assignments
 * (/oauth2/v1/clients/…, a management API) → other.
 */
export function bucketFor(method: string, path: string): RateLimitBucket | undefined {
  if (path === '/oauth2/v1/token') return 'oauthToken';
  if (path.startsWith('/oauth2/v1/clients/')) return 'other';
  if (!path.startsWith(API_PREFIX) && path !== '/api/v1') return undefined;
  const segments = path.split('/').filter(Boolean); // ['api', 'v1', 'users', ...]
  if (segments[2] === 'logs') return 'logs';
  if (segments[2] === 'groups')
    return segments.length === 4 && segments[3] !== 'rules' ? 'groupById' : 'groupsCollection';
  if (segments[2] !== 'users') return 'other';
  const verb = method.toUpperCase();
  if (segments.length === 3) return verb === 'GET' || verb === 'POST' ? 'usersCollection' : 'other';
  if (verb === 'GET') return segments.length === 4 ? 'userById' : 'other';
  return verb === 'POST' || verb === 'PUT' || verb === 'DELETE' ? 'userMutations' : 'other';
}

export class RateLimiter {
  private readonly used = new Map<RateLimitBucket, { windowStart: number; count: number }>();
  private readonly totals = new Map<RateLimitBucket, { counted: number; refused: number }>();

  constructor(
    readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request if the bucket has room; a refused request does not count. */
  consume(bucket: RateLimitBucket): RateLimitState & { allowed: boolean } {
    const window = this.window(bucket);
    const limit = this.config[bucket];
    const allowed = window.count < limit;
    if (allowed) window.count += 1;
    const totals = this.totals.get(bucket) ?? { counted: 0, refused: 0 };
    if (allowed) totals.counted += 1;
    else totals.refused += 1;
    this.totals.set(bucket, totals);
    return { ...this.describe(bucket, window), allowed };
  }

  totalsSnapshot(): RateLimitTotals[] {
    return RATE_LIMIT_BUCKETS.map((bucket) => ({ bucket, counted: 0, refused: 0, ...this.totals.get(bucket) }));
  }

  /** The bucket's state without counting (for responses that did not reach the counter). */
  peek(bucket: RateLimitBucket): RateLimitState {
    return this.describe(bucket, this.window(bucket));
  }

  snapshot(): RateLimitState[] {
    return RATE_LIMIT_BUCKETS.map((bucket) => this.peek(bucket));
  }

  private window(bucket: RateLimitBucket): { windowStart: number; count: number } {
    const windowMs = this.config.windowSeconds * 1000;
    const windowStart = Math.floor(this.now() / windowMs) * windowMs;
    let window = this.used.get(bucket);
    if (!window || window.windowStart !== windowStart) {
      window = { windowStart, count: 0 };
      this.used.set(bucket, window);
    }
    return window;
  }

  private describe(bucket: RateLimitBucket, window: { windowStart: number; count: number }): RateLimitState {
    const limit = this.config[bucket];
    return {
      bucket,
      limit,
      remaining: Math.max(0, limit - window.count),
      reset: Math.ceil((window.windowStart + this.config.windowSeconds * 1000) / 1000),
    };
  }
}

export function rateLimitHeaders(state: Pick<RateLimitState, 'limit' | 'remaining' | 'reset'>): Record<string, string> {
  return {
    'x-rate-limit-limit': String(state.limit),
    'x-rate-limit-remaining': String(state.remaining),
    'x-rate-limit-reset': String(state.reset),
  };
}
