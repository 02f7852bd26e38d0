/**
 * Slows requests down before an upstream's rate limit instead of bouncing off it. It learns each
 * bucket's window from the responses (limit, remaining, reset), counts the requests it lets out
 * itself, and when a bucket is about to run dry it holds new requests until the window resets.
 * Beside the buckets, an org may limit requests in flight at once (Okta: 35 or 75 across all
 * buckets): the pacer caps this process's requests in flight, and a refusal for concurrency halves
 * the cap and pauses every new request briefly (all back off together), then the cap grows back.
 * One pacer per process, shared by every call, so concurrent activities see one budget.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PacerObserver } from './observer';

export interface RateLimitObservation {
  /**
   * A 429 for too many requests in flight across the org, not for this bucket's window: it says
   * nothing about the bucket (Okta sends limit 0 and remaining 0 then, and a reset that is only an estimate).
   */
  concurrency?: boolean;
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
/** After a concurrency refusal every new request waits this long: the org's requests in flight drain meanwhile. */
export const CONCURRENCY_BACKOFF_MS = 500;

export interface PacerOptions {
  /** Requests this process keeps in flight at once, across all buckets (undefined: no cap). */
  maxInFlight?: number;
  /** Requests kept in hand per window, for other clients of the same org and for clock skew. */
  reserve?: number;
  /** Extra wait after a reset, for clock skew between us and the upstream. */
  resetMarginMs?: number;
  /** Told of every request held before it was let out (metrics). */
  observer?: PacerObserver;
}

export interface PacerStats {
  /** Requests that had to wait for a bucket's window to reset, and how long in all. */
  delayedRequests: number;
  totalDelayMs: number;
  /** Requests that had to wait for a place in flight (the cap, or the pause after a concurrency refusal). */
  slotWaits: number;
  /** 429s for concurrency (counted apart: they say nothing about a bucket). */
  concurrencyRefusals: number;
  /** The cap on requests in flight now (it halves on a concurrency refusal and grows back). */
  inFlightCap?: number;
}

/** Hands back what the response said (or nothing, when there was no usable answer; 'unsent' when the request never went out). */
export type PacerRelease = (observation?: RateLimitObservation | 'unsent') => void;

export class RateLimitPacer {
  private readonly buckets = new Map<string, BucketState>();
  private readonly reserve: number;
  private readonly resetMarginMs: number;
  private readonly counters = { delayedRequests: 0, totalDelayMs: 0, slotWaits: 0, concurrencyRefusals: 0 };
  private readonly maxInFlight: number;
  /** Requests in flight across every bucket, and the cap on them now. */
  private inFlight = 0;
  private inFlightCap: number;
  private answeredSinceCapChange = 0;
  private pausedUntilMs = 0;
  /** Requests waiting for a slot in flight, woken when one frees (or the pause ends). */
  private readonly slotWaiters = new Set<() => void>();
  private readonly observer?: PacerObserver;

  constructor(options: PacerOptions = {}) {
    this.reserve = options.reserve ?? 1;
    this.resetMarginMs = options.resetMarginMs ?? 250;
    this.maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
    this.inFlightCap = this.maxInFlight;
    this.observer = options.observer;
  }

  /** Waits until `bucket` has room, then counts one request against it. */
  async acquire(bucket: string, signal?: AbortSignal): Promise<PacerRelease> {
    const started = Date.now();
    let waited = false;
    let waitedForSlot = false;
    for (;;) {
      signal?.throwIfAborted();
      if (!this.slotFree()) {
        if (!waitedForSlot) this.counters.slotWaits += 1;
        waitedForSlot = true;
        await this.untilSlotMayBeFree(signal);
        continue;
      }
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
        return this.admit(bucket, fresh, waited, waitedForSlot, started);
      }
      const now = Date.now();
      if (Number.isFinite(state.resetAtMs) && now >= state.resetAtMs + this.resetMarginMs) {
        // The window we knew is over; a new one has begun whose reset we learn from the next answer.
        this.adaptShare(state);
        state.remaining = this.allowance(state);
        state.resetAtMs = Number.POSITIVE_INFINITY;
      }
      if (state.remaining > this.reserve) return this.admit(bucket, state, waited, waitedForSlot, started);
      waited = true;
      const pause = Number.isFinite(state.resetAtMs) ? Math.max(10, state.resetAtMs + this.resetMarginMs - now) : 25;
      await sleep(pause, undefined, { signal });
    }
  }

  stats(): PacerStats {
    return { ...this.counters, ...(Number.isFinite(this.maxInFlight) ? { inFlightCap: this.inFlightCap } : {}) };
  }

  private slotFree(): boolean {
    return this.inFlight < this.inFlightCap && Date.now() >= this.pausedUntilMs;
  }

  /** Resolves when a request in flight is released (the longest waiter first), when the pause ends, or after a second at most. */
  private async untilSlotMayBeFree(signal?: AbortSignal): Promise<void> {
    const pause = this.pausedUntilMs - Date.now();
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.slotWaiters.add(wake);
    try {
      await Promise.race([woken, sleep(pause > 0 ? pause : 1_000, undefined, { signal })]);
    } finally {
      this.slotWaiters.delete(wake);
    }
  }

  private wakeSlotWaiter(): void {
    const [first] = this.slotWaiters;
    if (!first) return;
    this.slotWaiters.delete(first);
    first();
  }

  /** A concurrency 429: halve the cap on requests in flight, and hold every new request briefly. */
  private concurrencyRefused(): void {
    this.counters.concurrencyRefusals += 1;
    this.inFlightCap = Math.max(1, Math.floor(Math.min(this.inFlightCap, this.inFlight + 1) / 2));
    this.answeredSinceCapChange = 0;
    this.pausedUntilMs = Date.now() + CONCURRENCY_BACKOFF_MS;
  }

  /** An answer that was not a concurrency refusal: after a cap's worth of them, one slot more (up to the maximum). */
  private concurrencyAnswered(): void {
    if (this.inFlightCap >= this.maxInFlight) return;
    this.answeredSinceCapChange += 1;
    if (this.answeredSinceCapChange >= this.inFlightCap) {
      this.inFlightCap += 1;
      this.answeredSinceCapChange = 0;
    }
  }

  /** What the pacer believes about a bucket (for tests and diagnostics). */
  snapshot(bucket: string): { limit?: number; remaining: number; resetAtMs: number; inFlight: number } | undefined {
    const state = this.buckets.get(bucket);
    return state ? { ...state } : undefined;
  }

  /** How many requests this process may send in a window, given its share. */
  private allowance(state: BucketState): number {
    return state.limit === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(this.reserve + 1, Math.floor(state.limit * state.share));
  }

  private adaptShare(state: BucketState): void {
    if (state.refusedThisWindow) state.share = Math.max(MIN_SHARE, state.share / 2);
    else if (state.usedThisWindow >= this.allowance(state) - this.reserve)
      state.share = Math.min(1, state.share + SHARE_STEP);
    state.usedThisWindow = 0;
    state.refusedThisWindow = false;
  }

  private admit(
    bucket: string,
    state: BucketState,
    waited: boolean,
    waitedForSlot: boolean,
    started: number,
  ): PacerRelease {
    state.remaining -= 1;
    state.inFlight += 1;
    this.inFlight += 1;
    state.usedThisWindow += 1;
    if (waited) {
      this.counters.delayedRequests += 1;
      this.counters.totalDelayMs += Date.now() - started;
    }
    if (waited || waitedForSlot)
      this.observer?.waited({ bucket, reason: waited ? 'window' : 'in-flight', ms: Date.now() - started });
    let released = false;
    return (observation) => {
      if (released) return;
      released = true;
      state.inFlight -= 1;
      this.inFlight -= 1;
      if (observation === 'unsent') {
        // Let out but never sent: its place in the window is still free.
        state.remaining += 1;
        state.usedThisWindow -= 1;
      } else if (observation?.concurrency) {
        // The bucket's window is not what refused: give the request back to it, untouched otherwise.
        state.remaining += 1;
        state.usedThisWindow -= 1;
        this.concurrencyRefused();
      } else {
        if (observation) this.concurrencyAnswered();
        if (observation) this.observe(bucket, state, observation);
      }
      this.wakeSlotWaiter();
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
