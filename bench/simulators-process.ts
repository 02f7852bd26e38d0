/**
 * The simulators' own process for a chaos run (`--kill-simulators`): both simulators, on the
 * run's fixed ports with its tokens, tenant id, rate limits, link lifetime and state files, in
 * durable mode (an answered change is on disk before the answer goes out), with the run's latency
 * and fault mix applied here. The bench starts it with an IPC channel (bench/simulators-child.ts),
 * sends `start`, and hears `ready` once both listen, then `stats` every 250 ms (fault counters,
 * Okta's rate-limit totals: they live in memory and start again with each process, so the bench
 * keeps the last report of a process it kills). It ends when the channel closes, so it never
 * outlives the bench, and on `stop` after closing both simulators.
 */
import { startBeyondIdentitySimulator } from '../dev/simulators/beyond-identity';
import { startOktaSimulator } from '../dev/simulators/okta';
import type { RateLimitConfig, RateLimitTotals } from '../dev/simulators/okta/rate-limits';
import type { FaultStats } from '../dev/simulators/shared/faults';
import { API_PATHS, FaultPlan } from './faults';
import type { FaultMix } from './options';

export interface SimulatorsProcessConfig {
  beyondIdentity: {
    managementPort: number;
    authPort: number;
    tenantId: string;
    apiToken: string;
    linkTtlSeconds: number;
    stateFile: string;
  };
  okta: { port: number; apiToken: string; rateLimits: RateLimitConfig; concurrencyLimit: number; stateFile: string };
  latencyMs: number;
  jitterMs: number;
  /** Undefined: latency only. */
  mix?: FaultMix;
  /** Seeds of the two fault plans (a new pair for each process, so a restart does not replay the same draws). */
  seeds: { beyondIdentity: number; okta: number };
}

export type ToSimulators = { type: 'start'; config: SimulatorsProcessConfig } | { type: 'stop' };

export interface SimulatorsStats {
  faults: { beyondIdentity: FaultStats; okta: FaultStats; bursts: number };
  oktaTotals: RateLimitTotals[];
}

export type FromSimulators =
  | { type: 'ready'; beyondIdentity: { managementUrl: string; authUrl: string }; okta: { url: string } }
  | ({ type: 'stats' } & SimulatorsStats)
  | { type: 'failed'; message: string };

const STATS_EVERY_MS = 250;

/** Sends to the bench if it is still there; `then` runs once the message is out (or at once). */
function tell(message: FromSimulators, then: () => void = () => undefined): void {
  if (!process.connected || !process.send) return then();
  process.send(message, undefined, {}, () => then());
}

async function start(config: SimulatorsProcessConfig): Promise<void> {
  const bi = await startBeyondIdentitySimulator({
    managementPort: config.beyondIdentity.managementPort,
    authPort: config.beyondIdentity.authPort,
    tenantId: config.beyondIdentity.tenantId,
    apiTokens: [config.beyondIdentity.apiToken],
    bindingLinkTtlSeconds: config.beyondIdentity.linkTtlSeconds,
    stateFile: config.beyondIdentity.stateFile,
    durableState: true,
  });
  const okta = await startOktaSimulator({
    port: config.okta.port,
    apiTokens: [config.okta.apiToken],
    rateLimits: config.okta.rateLimits,
    concurrencyLimit: config.okta.concurrencyLimit,
    stateFile: config.okta.stateFile,
    durableState: true,
  });
  const plan = (injector: typeof bi.faults, path: string, seed: number) =>
    new FaultPlan({ injector, path, latencyMs: config.latencyMs, jitterMs: config.jitterMs, mix: config.mix, seed });
  const biFaults = plan(bi.faults, API_PATHS.beyondIdentity, config.seeds.beyondIdentity);
  const oktaFaults = plan(okta.faults, API_PATHS.okta, config.seeds.okta);
  const background = new AbortController();
  const bursts = [biFaults.burstLoop(background.signal), oktaFaults.burstLoop(background.signal)];

  const report = (): void =>
    tell({
      type: 'stats',
      faults: { beyondIdentity: biFaults.stats(), okta: oktaFaults.stats(), bursts: oktaFaults.bursts },
      oktaTotals: okta.rateLimitTotals(),
    });
  const reporter = setInterval(report, STATS_EVERY_MS);
  tell({
    type: 'ready',
    beyondIdentity: { managementUrl: bi.managementUrl, authUrl: bi.authUrl },
    okta: { url: okta.url },
  });
  report();

  process.on('message', (message: ToSimulators) => {
    if (message.type !== 'stop') return;
    clearInterval(reporter);
    background.abort();
    report();
    void Promise.all([...bursts, bi.stop(), okta.stop()]).finally(() => process.exit(0));
  });
}

// The channel closes when the bench ends, however it ends: so do we, at once.
process.on('disconnect', () => process.exit(0));
process.once('message', (message: ToSimulators) => {
  if (message.type !== 'start') return;
  start(message.config).catch((error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`simulators: ${text}\n`);
    tell({ type: 'failed', message: text }, () => process.exit(1));
  });
});
