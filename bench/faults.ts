/**
 * The simulators' latency and fault mix for a run, through their shared fault injector: one rule
 * on every upstream API path (latency + jitter, 5xx, hangs, dropped connections, lost responses),
 * and a 429 burst every so often (the next M requests within a few seconds). The binding pages people open are left alone: the faults
 * are for our service's calls, not for the person's browser.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultInjector, FaultRule, FaultStats } from '../dev/simulators/shared/faults';
import type { FaultMix } from './options';

/** Upstream API paths of each simulator (the BI auth host's binding pages excluded). */
export const API_PATHS = { beyondIdentity: '^/v1/tenants/(?!.*:invokeAuthenticator$)', okta: '^/api/v1/' } as const;

export interface FaultPlanOptions {
  injector: FaultInjector;
  path: string;
  latencyMs: number;
  jitterMs: number;
  /** Undefined: latency only (the baseline's simulators). */
  mix?: FaultMix;
  seed: number;
}

/** What the run reads of one simulator's faults, wherever they are injected (here, or in the simulators' own process). */
export interface FaultCounters {
  /** Counts since the start. */
  stats(): FaultStats;
  readonly bursts: number;
  /** Plays the 429 bursts until `signal` aborts (nothing to do where the bursts are played elsewhere). */
  burstLoop(signal: AbortSignal): Promise<void>;
}

export class FaultPlan implements FaultCounters {
  private readonly totals: FaultStats = {
    requests: 0,
    delayed: 0,
    errors: 0,
    hangs: 0,
    drops: 0,
    lostResponses: 0,
    tooManyRequests: 0,
  };
  private generation = 0;
  bursts = 0;

  constructor(private readonly options: FaultPlanOptions) {
    this.apply(false);
  }

  /** Every `mix.burstEverySeconds`: the next `mix.burstSize` API requests get 429. */
  async burstLoop(signal: AbortSignal): Promise<void> {
    const mix = this.options.mix;
    if (!mix || mix.burstEverySeconds <= 0 || mix.burstSize <= 0) return;
    while (!signal.aborted) {
      try {
        await sleep(mix.burstEverySeconds * 1000, undefined, { signal });
      } catch {
        return;
      }
      this.apply(true);
      this.bursts += 1;
      // A burst is over after a few seconds, as a real one is when its window resets, however few
      // requests came meanwhile: a count-only burst would hold a lone caller for as long as it retries.
      try {
        await sleep(Math.min(mix.burstSeconds, mix.burstEverySeconds) * 1000, undefined, { signal });
      } catch {
        return;
      }
      this.apply(false);
    }
  }

  /** Counts since the start (the injector's own counters restart with each configuration). */
  stats(): FaultStats {
    const current = this.options.injector.describe().stats;
    const sum = { ...this.totals };
    for (const key of Object.keys(sum) as (keyof FaultStats)[]) sum[key] += current[key];
    return sum;
  }

  private apply(withBurst: boolean): void {
    const { injector, path, latencyMs, jitterMs, mix, seed } = this.options;
    const current = injector.describe().stats;
    for (const key of Object.keys(this.totals) as (keyof FaultStats)[]) this.totals[key] += current[key];
    const rules: FaultRule[] = [];
    if (withBurst && mix) {
      rules.push({ ...quietRule(path), burst429: { count: mix.burstSize, retryAfterSeconds: 1 } });
    }
    rules.push({
      ...quietRule(path),
      latencyMs,
      jitterMs,
      ...(mix && {
        errorRate: mix.errorRate,
        hangRate: mix.hangRate,
        hangMs: mix.hangMs,
        dropRate: mix.dropRate,
        lostResponseRate: mix.lostResponseRate,
      }),
    });
    // A new seed per configuration, so the sequence does not restart from the same draws.
    injector.configure({ seed: seed + this.generation++, rules });
  }
}

function quietRule(path: string): FaultRule {
  return {
    path,
    latencyMs: 0,
    jitterMs: 0,
    errorRate: 0,
    errorStatuses: [500, 503],
    hangRate: 0,
    hangMs: 15_000,
    dropRate: 0,
    lostResponseRate: 0,
  };
}
