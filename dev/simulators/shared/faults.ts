/**
 * Fault injection shared by both simulators: latency, 5xx, requests that hang past the client's
 * timeout, dropped connections, requests that take effect but whose response is lost, and bursts
 * of 429. Seeded, and scoped by path pattern and method, so a failing run can be replayed.
 */
import { z } from 'zod';
import { seededRandom } from './random';

const probability = z.number().min(0).max(1);

const faultRuleSchema = z
  .object({
    /** Regular expression matched against the request path (no query string). Default: every API path. */
    path: z
      .string()
      .refine((source) => {
        try {
          new RegExp(source);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    /** Only these methods (upper case); default all. */
    methods: z.array(z.string().toUpperCase()).optional(),
    latencyMs: z.number().int().min(0).max(600_000).default(0),
    jitterMs: z.number().int().min(0).max(600_000).default(0),
    /** Probability of answering 500 or 503 (chosen at random between errorStatuses). */
    errorRate: probability.default(0),
    errorStatuses: z.array(z.number().int().min(500).max(599)).min(1).default([500, 503]),
    /** Probability of never answering (until hangMs, then the connection is closed). */
    hangRate: probability.default(0),
    hangMs: z.number().int().min(0).max(3_600_000).default(300_000),
    /** Probability of closing the connection before the request is handled. */
    dropRate: probability.default(0),
    /** Probability of handling the request (it takes effect) and then closing the connection instead of answering. */
    lostResponseRate: probability.default(0),
    /** The next `count` matching requests get 429 with Retry-After. */
    burst429: z
      .object({
        count: z.number().int().min(1).max(100_000),
        retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
      })
      .optional(),
  })
  .strict();
export type FaultRule = z.infer<typeof faultRuleSchema>;

const faultConfigSchema = z
  .object({
    seed: z.number().int().default(1),
    rules: z.array(faultRuleSchema).default([]),
  })
  .strict();
export type FaultConfigInput = z.input<typeof faultConfigSchema>;
export type FaultConfig = z.infer<typeof faultConfigSchema>;

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'error'; status: number }
  | { kind: 'hang'; ms: number }
  | { kind: 'drop' }
  | { kind: 'lose-response' }
  | { kind: 'too-many-requests'; retryAfterSeconds: number };

export interface FaultDecision {
  delayMs: number;
  action: FaultAction;
}

export interface FaultStats {
  requests: number;
  delayed: number;
  errors: number;
  hangs: number;
  drops: number;
  lostResponses: number;
  tooManyRequests: number;
}

interface CompiledRule {
  rule: FaultRule;
  pattern?: RegExp;
  burstLeft: number;
}

export class FaultInjector {
  private config: FaultConfig = faultConfigSchema.parse({});
  private rules: CompiledRule[] = [];
  private random: () => number = seededRandom(1);
  private counters: FaultStats = emptyStats();

  constructor(initial?: FaultConfigInput) {
    this.configure(initial ?? {});
  }

  /** Replaces the configuration and restarts the random sequence from the seed. */
  configure(input: FaultConfigInput): FaultConfig {
    const config = faultConfigSchema.parse(input);
    this.config = config;
    this.rules = config.rules.map((rule) => ({
      rule,
      pattern: rule.path === undefined ? undefined : new RegExp(rule.path),
      burstLeft: rule.burst429?.count ?? 0,
    }));
    this.random = seededRandom(config.seed);
    this.counters = emptyStats();
    return config;
  }

  describe(): { config: FaultConfig; burstsLeft: number[]; stats: FaultStats } {
    return { config: this.config, burstsLeft: this.rules.map((rule) => rule.burstLeft), stats: { ...this.counters } };
  }

  /**
   * Decides what happens to one request. Each matching rule draws the same number of random
   * values whatever it decides, so the sequence depends only on the seed and the request order.
   */
  decide(method: string, path: string): FaultDecision {
    let delayMs = 0;
    let action: FaultAction = { kind: 'none' };
    for (const compiled of this.rules) {
      const { rule } = compiled;
      if (compiled.pattern && !compiled.pattern.test(path)) continue;
      if (rule.methods && !rule.methods.includes(method.toUpperCase())) continue;
      const [jitter, drop, hang, error, lost, which] = [
        this.random(),
        this.random(),
        this.random(),
        this.random(),
        this.random(),
        this.random(),
      ] as const;
      delayMs += rule.latencyMs + Math.floor(jitter * rule.jitterMs);
      if (action.kind !== 'none') continue;
      if (compiled.burstLeft > 0) {
        compiled.burstLeft -= 1;
        action = { kind: 'too-many-requests', retryAfterSeconds: rule.burst429?.retryAfterSeconds ?? 1 };
      } else if (drop < rule.dropRate) action = { kind: 'drop' };
      else if (hang < rule.hangRate) action = { kind: 'hang', ms: rule.hangMs };
      else if (error < rule.errorRate) {
        const statuses = rule.errorStatuses;
        action = { kind: 'error', status: statuses[Math.floor(which * statuses.length)] ?? 500 };
      } else if (lost < rule.lostResponseRate) action = { kind: 'lose-response' };
    }
    this.counters.requests += 1;
    if (delayMs > 0) this.counters.delayed += 1;
    switch (action.kind) {
      case 'error':
        this.counters.errors += 1;
        break;
      case 'hang':
        this.counters.hangs += 1;
        break;
      case 'drop':
        this.counters.drops += 1;
        break;
      case 'lose-response':
        this.counters.lostResponses += 1;
        break;
      case 'too-many-requests':
        this.counters.tooManyRequests += 1;
        break;
      case 'none':
        break;
    }
    return { delayMs, action };
  }
}

function emptyStats(): FaultStats {
  return { requests: 0, delayed: 0, errors: 0, hangs: 0, drops: 0, lostResponses: 0, tooManyRequests: 0 };
}
