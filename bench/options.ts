/**
 * What one benchmark run is: the presets, every knob with its bounds, and the values derived
 * from them (Okta limits per bucket, the fault mix). Everything is bounded in count and time.
 */
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from '../dev/simulators/okta/rate-limits';

export type Bucket = 'usersCollection' | 'userById' | 'userMutations' | 'other';
export const BUCKETS: readonly Bucket[] = ['usersCollection', 'userById', 'userMutations', 'other'];
/** The simulator has more buckets (groups); the bench makes no calls in those and reports only these. */
export const isBucket = (name: string): name is Bucket => (BUCKETS as readonly string[]).includes(name);

type BaselineMode = 'both' | 'sequential' | 'concurrent' | 'none';

export interface FaultMix {
  /** Probability of 500/503 per upstream request. */
  errorRate: number;
  /** Probability of a request that never answers (the client times out). */
  hangRate: number;
  hangMs: number;
  /** Probability of a connection closed before the request is handled. */
  dropRate: number;
  /** Probability of a request that takes effect but whose answer never arrives. */
  lostResponseRate: number;
  /** Every this many seconds, the next `burstSize` upstream requests within `burstSeconds` get 429 (0 = never). */
  burstEverySeconds: number;
  burstSize: number;
  burstSeconds: number;
}

/**
 * `--preset churn` (issue 25): a group of `n` synced by one Okta group sync (its fast path polls
 * the System Log every `syncPollSeconds`), then members joining and leaving at `perMinute`
 * changes a minute (joins and leaves alternating) for `seconds`.
 */
export interface ChurnConfig {
  seconds: number;
  perMinute: number;
  syncPollSeconds: number;
}

export interface BenchConfig {
  preset: 'default' | 'soak' | 'churn';
  /** People per wave. */
  n: number;
  workers: number;
  seed: number;
  /** Simulator latency on every upstream request: fixed + uniform jitter. */
  latencyMs: number;
  jitterMs: number;
  /** Okta limits per window, per bucket. */
  limits: RateLimitConfig;
  faults: FaultMix;
  faultPreset: 'none' | 'mix';
  /** SIGKILL a random worker every this many seconds (0 = never); restarted after `restartAfterSeconds`. */
  killEverySeconds: number;
  /**
   * Chaos: this many SIGKILLs of the Temporal dev server (then on a SQLite file in the run's work
   * directory, restarted on it) and of the simulators' process (then both in one child process
   * with durable state files, restarted on them), at seeded random moments spread over the
   * onboarding; 0 = never (the in-memory server and the in-process simulators, as without chaos).
   */
  killServerCount: number;
  killSimulatorsCount: number;
  /** The Okta simulator's org-wide concurrency limit (requests in flight at once). */
  oktaConcurrencyLimit: number;
  /** A killed worker, server or simulators' process is restarted after this pause. */
  restartAfterSeconds: number;
  bindDelaySeconds: { min: number; max: number };
  /** Share of people for whom the operator also sends `credentialBound`; the rest are detected by polling. */
  signalShare: number;
  /** Share of people who are already Okta users imported from a directory (Active Directory) before their wave. */
  directoryShare: number;
  pollIntervalSeconds: number;
  /** Lifetime of a binding link (the BI simulator's binding job expiry). */
  linkTtlSeconds: number;
  activityTimeoutSeconds: number;
  upstreamTimeoutSeconds: number;
  /** Soak: keep starting waves of `n` people until this many seconds have passed (0 = one wave). */
  durationSeconds: number;
  /** The whole run stops by itself after this long and reports what is unfinished. */
  timeoutSeconds: number;
  baseline: BaselineMode;
  outDir: string;
  /** Also write the integration's histories next to the figures. */
  keepHistories: boolean;
  /** The run's own server: the CLI's dev server, or temporal-server on PostgreSQL. */
  temporalBackend: TemporalBackend;
  /** How the workers (and the baseline's script) authenticate to Okta: an OAuth service app made by `bi-okta okta-service-app` (as `npm start` does), or the SSWS API token. */
  oktaAuth: OktaAuth;
  /** An external server (host:port), reused and never stopped; no server of the run's own then. */
  temporalAddress?: string;
  /** `--preset churn` only. */
  churn?: ChurnConfig;
}

type TemporalBackend = 'dev' | 'postgres';
const OKTA_AUTHS = ['oauth', 'ssws'] as const;
export type OktaAuth = (typeof OKTA_AUTHS)[number];

/** The Okta limits: the simulator's DEFAULT_RATE_LIMITS (a Workforce org's per-minute ratios), at `scale` of that rate, per `windowSeconds`. */
function scaledLimits(scale: number, windowSeconds: number): RateLimitConfig {
  const per = (perMinute: number) =>
    Math.max(1, Math.round((perMinute * scale * windowSeconds) / DEFAULT_RATE_LIMITS.windowSeconds));
  return {
    usersCollection: per(DEFAULT_RATE_LIMITS.usersCollection),
    userById: per(DEFAULT_RATE_LIMITS.userById),
    userMutations: per(DEFAULT_RATE_LIMITS.userMutations),
    groupsCollection: per(DEFAULT_RATE_LIMITS.groupsCollection),
    groupById: per(DEFAULT_RATE_LIMITS.groupById),
    other: per(DEFAULT_RATE_LIMITS.other),
    oauthToken: per(DEFAULT_RATE_LIMITS.oauthToken),
    logs: per(DEFAULT_RATE_LIMITS.logs),
    windowSeconds,
  };
}

const NO_FAULTS: FaultMix = {
  errorRate: 0,
  hangRate: 0,
  hangMs: 15_000,
  dropRate: 0,
  lostResponseRate: 0,
  burstEverySeconds: 0,
  burstSize: 0,
  burstSeconds: 5,
};
/** Rare enough that most people meet none, frequent enough that every kind happens many times in a run of hundreds. */
const MIX: FaultMix = {
  errorRate: 0.02,
  hangRate: 0.003,
  hangMs: 15_000,
  dropRate: 0.01,
  lostResponseRate: 0.01,
  burstEverySeconds: 45,
  burstSize: 15,
  burstSeconds: 5,
};

const PRESETS = {
  default: {
    n: 200,
    workers: 2,
    faults: 'none',
    killEvery: 0,
    duration: 0,
    timeout: 900,
    baseline: 'both',
    linkTtl: 86_400,
    bindDelay: '2-40',
    poll: 5,
  },
  soak: {
    n: 500,
    workers: 2,
    faults: 'mix',
    killEvery: 30,
    duration: 420,
    timeout: 1_200,
    baseline: 'none',
    linkTtl: 60,
    bindDelay: '2-75',
    poll: 5,
  },
  churn: {
    n: 2_000,
    workers: 2,
    faults: 'none',
    killEvery: 0,
    duration: 0,
    timeout: 3_600,
    baseline: 'none',
    linkTtl: 86_400,
    bindDelay: '2-40',
    poll: 5,
  },
} as const;

type PresetName = keyof typeof PRESETS;
const isPreset = (name: string): name is PresetName => Object.hasOwn(PRESETS, name);

/** At most this many chaos kills of each kind in one run, and at most this pause before each restart. */
const MAX_CHAOS_KILLS = 20;
const MAX_CHAOS_PAUSE_SECONDS = 60;

export interface RawOptions {
  preset: string;
  n?: string;
  workers?: string;
  seed: string;
  latency: string;
  jitter: string;
  window: string;
  limitScale: string;
  limits?: string;
  faults?: string;
  errorRate?: string;
  hangRate?: string;
  dropRate?: string;
  lostRate?: string;
  burstEvery?: string;
  burstSize?: string;
  killEvery?: string;
  killServer?: string;
  killSimulators?: string;
  oktaConcurrency?: string;
  restartAfter: string;
  bindDelay?: string;
  signalShare: string;
  directoryShare: string;
  pollInterval?: string;
  linkTtl?: string;
  activityTimeout: string;
  upstreamTimeout: string;
  duration?: string;
  timeout?: string;
  baseline?: string;
  out: string;
  keepHistories?: boolean;
  temporalBackend?: string;
  temporalAddress?: string;
  oktaAuth?: string;
  churnSeconds?: string;
  churnPerMinute?: string;
  syncPoll?: string;
}

export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** Every problem at once, or the run's configuration. */
export function resolveOptions(raw: RawOptions): BenchConfig {
  const problems: string[] = [];
  const presetName: PresetName = isPreset(raw.preset) ? raw.preset : 'default';
  if (!isPreset(raw.preset)) problems.push(`--preset: default, soak or churn, not "${raw.preset}"`);
  const preset = PRESETS[presetName];
  const number = (
    name: string,
    value: string | undefined,
    fallback: number,
    min: number,
    max: number,
    integer = false,
  ): number => {
    const parsed = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
      problems.push(`--${name}: ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${value}"`);
      return fallback;
    }
    return parsed;
  };

  const windowSeconds = number('window', raw.window, 10, 1, 3600, true);
  const limits = scaledLimits(number('limit-scale', raw.limitScale, 0.3, 0.001, 100), windowSeconds);
  for (const part of (raw.limits ?? '').split(',').filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!name || !(BUCKETS as readonly string[]).includes(name))
      problems.push(`--limits: unknown bucket "${name}" (one of ${BUCKETS.join(', ')})`);
    else limits[name as Bucket] = number(`limits ${name}`, value, 1, 1, 1_000_000, true);
  }

  const faultPreset = raw.faults ?? preset.faults;
  if (faultPreset !== 'none' && faultPreset !== 'mix') problems.push(`--faults: none or mix, not "${faultPreset}"`);
  const base = faultPreset === 'mix' ? MIX : NO_FAULTS;
  const faults: FaultMix = {
    errorRate: number('error-rate', raw.errorRate, base.errorRate, 0, 0.5),
    hangRate: number('hang-rate', raw.hangRate, base.hangRate, 0, 0.5),
    hangMs: base.hangMs,
    dropRate: number('drop-rate', raw.dropRate, base.dropRate, 0, 0.5),
    lostResponseRate: number('lost-rate', raw.lostRate, base.lostResponseRate, 0, 0.5),
    burstEverySeconds: number('burst-every', raw.burstEvery, base.burstEverySeconds, 0, 3600),
    burstSize: number('burst-size', raw.burstSize, base.burstSize, 0, 1000, true),
    burstSeconds: base.burstSeconds,
  };

  const [minText, maxText] = (raw.bindDelay ?? preset.bindDelay).split('-');
  const bindMin = number('bind-delay (min)', minText, 2, 0, 86_400);
  const bindMax = number('bind-delay (max)', maxText ?? minText, 40, 0, 86_400);
  if (bindMax < bindMin) problems.push('--bind-delay: MIN-MAX with MIN <= MAX');

  const baseline = raw.baseline ?? preset.baseline;
  if (!['both', 'sequential', 'concurrent', 'none'].includes(baseline))
    problems.push(`--baseline: both, sequential, concurrent or none, not "${baseline}"`);

  const config: BenchConfig = {
    preset: presetName,
    n: number('n', raw.n, preset.n, 1, 5_000, true),
    workers: number('workers', raw.workers, preset.workers, 1, 8, true),
    seed: number('seed', raw.seed, 1, 0, 2 ** 31, true),
    latencyMs: number('latency', raw.latency, 20, 0, 10_000, true),
    jitterMs: number('jitter', raw.jitter, 40, 0, 10_000, true),
    limits,
    faults,
    faultPreset: faultPreset === 'mix' ? 'mix' : 'none',
    killEverySeconds: number('kill-every', raw.killEvery, preset.killEvery, 0, 86_400),
    killServerCount: number('kill-server', raw.killServer, 0, 0, MAX_CHAOS_KILLS, true),
    killSimulatorsCount: number('kill-simulators', raw.killSimulators, 0, 0, MAX_CHAOS_KILLS, true),
    oktaConcurrencyLimit: number('okta-concurrency', raw.oktaConcurrency, 75, 1, 10_000, true),
    restartAfterSeconds: number('restart-after', raw.restartAfter, 3, 0, 600),
    bindDelaySeconds: { min: bindMin, max: bindMax },
    signalShare: number('signal-share', raw.signalShare, 0.5, 0, 1),
    directoryShare: number('directory-share', raw.directoryShare, 0, 0, 1),
    pollIntervalSeconds: number('poll-interval', raw.pollInterval, preset.poll, 0.5, 3600),
    linkTtlSeconds: number('link-ttl', raw.linkTtl, preset.linkTtl, 5, 30 * 86_400),
    activityTimeoutSeconds: number('activity-timeout', raw.activityTimeout, 300, 2, 3600),
    upstreamTimeoutSeconds: number('upstream-timeout', raw.upstreamTimeout, 5, 1, 600),
    durationSeconds: number('duration', raw.duration, preset.duration, 0, 7 * 86_400),
    timeoutSeconds: 0,
    baseline: baseline as BaselineMode,
    outDir: raw.out,
    keepHistories: raw.keepHistories === true,
    temporalBackend: raw.temporalBackend === 'postgres' ? 'postgres' : 'dev',
    oktaAuth: raw.oktaAuth === 'ssws' ? 'ssws' : 'oauth',
    ...(raw.temporalAddress ? { temporalAddress: raw.temporalAddress } : {}),
  };
  if (presetName === 'churn') {
    config.churn = {
      seconds: number('churn-seconds', raw.churnSeconds, 600, 0, 86_400),
      perMinute: number('churn-per-minute', raw.churnPerMinute, 10, 0.1, 600),
      syncPollSeconds: number('sync-poll', raw.syncPoll, 30, 1, 3600),
    };
  } else {
    for (const [name, value] of [
      ['churn-seconds', raw.churnSeconds],
      ['churn-per-minute', raw.churnPerMinute],
      ['sync-poll', raw.syncPoll],
    ] as const)
      if (value !== undefined) problems.push(`--${name}: only with --preset churn`);
  }
  if (raw.temporalBackend !== undefined && raw.temporalBackend !== 'dev' && raw.temporalBackend !== 'postgres')
    problems.push(`--temporal-backend: dev or postgres, not "${raw.temporalBackend}"`);
  if (raw.oktaAuth !== undefined && !(OKTA_AUTHS as readonly string[]).includes(raw.oktaAuth))
    problems.push(`--okta-auth: ${OKTA_AUTHS.join(' or ')}, not "${raw.oktaAuth}"`);
  if (raw.temporalAddress !== undefined && !/^[^\s:]+:\d+$/.test(raw.temporalAddress))
    problems.push(`--temporal-address: host:port, not "${raw.temporalAddress}"`);
  if (raw.temporalAddress && config.killServerCount > 0)
    problems.push("--kill-server needs a server of the run's own (not --temporal-address)");
  config.timeoutSeconds = number(
    'timeout',
    raw.timeout,
    Math.max(preset.timeout, config.durationSeconds + 600, (config.churn?.seconds ?? 0) + 3_000),
    10,
    8 * 86_400,
  );
  if (presetName === 'churn' && config.killEverySeconds + config.killServerCount + config.killSimulatorsCount > 0)
    problems.push('--preset churn takes no kills (--kill-every, --kill-server, --kill-simulators)');
  if (config.killEverySeconds > 0 && config.workers < 2)
    problems.push('--kill-every needs --workers 2 or more (someone must keep working while one is down)');
  if (config.killServerCount + config.killSimulatorsCount > 0 && config.restartAfterSeconds > MAX_CHAOS_PAUSE_SECONDS) {
    problems.push(
      `--restart-after: at most ${MAX_CHAOS_PAUSE_SECONDS} s with --kill-server or --kill-simulators (the workers and the people wait through every outage)`,
    );
  }
  if (problems.length > 0)
    throw new OptionsError(`Nothing was started; fix these:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  return config;
}
