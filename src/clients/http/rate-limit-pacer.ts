/**
 * Slows requests down before an upstream's rate limit instead of bouncing off it. It learns each
 * bucket's window from the responses (limit, remaining, reset), counts the requests it lets out
 * itself, and when a bucket is about to run dry it holds new requests until the window resets.
 * One pacer per process, shared by every call, so concurrent activities see one budget.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimitObservation {
  limit?: number;
  remaining: number;
  /** The request was refused for the rate limit (429). */
  refused?: boolean;
  /** When the window resets, on this process's clock (ms since epoch). */
  resetAtMs: number;
}

interface BucketState {
  limit?: number;
  remaining: number;
  /** Infinity while a new window has begun but no response has told us its reset yet. */
  resetAtMs: number;
  inFlight: number;
  /**
   * The part of each window this process lets itself use. Several workers share one org's budget
   * without talking to each other: a window that ends in a 429 halves the share, a window used up
   * without one grows it again (additive increase, multiplicative decrease), so together they
   * settle near the limit instead of each taking it all at the start of every window.
   */
  share: number;
  usedThisWindow: number;
  refusedThisWindow: boolean;
}

const MIN_SHARE = 0.1;
const SHARE_STEP = 0.125;

export interface PacerOptions {
  /** Requests kept in hand per window, for other clients of the same org and for clock skew. */
  reserve?: number;
  /** Extra wait after a reset, for clock skew between us and the upstream. */
  resetMarginMs?: number;
}

export interface PacerStats {
  /** Requests that had to wait for a window to reset. */
  delayedRequests: number;
  totalDelayMs: number;
}

/** Hands back what the response said (or nothing, when there was no usable answer). */
export type PacerRelease = (observation?: RateLimitObservation) => void;

export class RateLimitPacer {
  private readonly buckets = new Map<string, BucketState>();
  private readonly reserve: number;
  private readonly resetMarginMs: number;
  private readonly counters: PacerStats = { delayedRequests: 0, totalDelayMs: 0 };

  constructor(options: PacerOptions = {}) {
    this.reserve = options.reserve ?? 1;
    this.resetMarginMs = options.resetMarginMs ?? 250;
  }

  /** Waits until `bucket` has room, then counts one request against it. */
  async acquire(bucket: string, signal?: AbortSignal): Promise<PacerRelease> {
    const started = Date.now();
    let waited = false;
    for (;;) {
      signal?.throwIfAborted();
      const state = this.buckets.get(bucket);
      if (!state) {
        // Nothing known yet: the first answers will teach us the window.
        const fresh: BucketState = {
          remaining: Number.POSITIVE_INFINITY,
          resetAtMs: Number.POSITIVE_INFINITY,
          inFlight: 0,
          share: 1,
          usedThisWindow: 0,
          refusedThisWindow: false,
        };
        this.buckets.set(bucket, fresh);
        return this.admit(bucket, fresh, waited, started);
      }
      const now = Date.now();
      if (Number.isFinite(state.resetAtMs) && now >= state.resetAtMs + this.resetMarginMs) {
        // The window we knew is over; a new one has begun whose reset we learn from the next answer.
        this.adaptShare(state);
        state.remaining = this.allowance(state);
        state.resetAtMs = Number.POSITIVE_INFINITY;
      }
      if (state.remaining > this.reserve) return this.admit(bucket, state, waited, started);
      waited = true;
      const pause = Number.isFinite(state.resetAtMs) ? Math.max(10, state.resetAtMs + this.resetMarginMs - now) : 25;
      await sleep(pause, undefined, { signal });
    }
  }

  stats(): PacerStats {
    return { ...this.counters };
  }

  /** What the pacer believes about a bucket (for tests and diagnostics). */
  snapshot(bucket: string): { limit?: number; remaining: number; resetAtMs: number; inFlight: number } | undefined {
    const state = this.buckets.get(bucket);
    return state ? { ...state } : undefined;
  }

  /** How many requests this process may send in a window, given its share. */
  private allowance(state: BucketState): number {
    return state.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(this.reserve + 1, Math.floor(state.limit * state.share));
  }

  private adaptShare(state: BucketState): void {
    if (state.refusedThisWindow) state.share = Math.max(MIN_SHARE, state.share / 2);
    else if (state.usedThisWindow >= this.allowance(state) - this.reserve) state.share = Math.min(1, state.share + SHARE_STEP);
    state.usedThisWindow = 0;
    state.refusedThisWindow = false;
  }

  private admit(bucket: string, state: BucketState, waited: boolean, started: number): PacerRelease {
    state.remaining -= 1;
    state.inFlight += 1;
    state.usedThisWindow += 1;
    if (waited) {
      this.counters.delayedRequests += 1;
      this.counters.totalDelayMs += Date.now() - started;
    }
    let released = false;
    return (observation) => {
      if (released) return;
      released = true;
      state.inFlight -= 1;
      if (observation) this.observe(bucket, state, observation);
    };
  }

  private observe(_bucket: string, state: BucketState, observation: RateLimitObservation): void {
    if (observation.limit !== undefined) state.limit = observation.limit;
    if (observation.refused) state.refusedThisWindow = true;
    // An answer about a window that is already over, or older than the one we track, says nothing now.
    if (observation.resetAtMs + this.resetMarginMs <= Date.now()) return;
    if (observation.resetAtMs < state.resetAtMs && Number.isFinite(state.resetAtMs)) return;
    if (observation.resetAtMs === state.resetAtMs) {
      // Same window: our own count already includes the requests still in flight.
      state.remaining = Math.min(state.remaining, observation.remaining);
      return;
    }
    // A window we had not seen the reset of: trust the upstream's count, less what is still in
    // flight and may not have been counted yet, within our share of the window.
    state.resetAtMs = observation.resetAtMs;
    state.remaining = Math.min(observation.remaining - state.inFlight, this.allowance(state) - state.usedThisWindow);
  }
}
