/**
 * Installs the SDK's Runtime with our logger and the Prometheus endpoint, once per process, and
 * hands the worker's wiring what it passes down: the logger and the metrics observer.
 */
import { Runtime, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';
import { parseConfig, observabilityConfigSchema } from '../config';
import { registerKnownSecrets } from './known-secrets';
import { WorkerLogger } from './logger';
import { assertPortFree } from './port-check';
import { METRIC_NAMES } from './metric-names';
import { workerMetrics, type WorkerMetrics } from './metrics';

export interface Observability {
  logger: Logger;
  /** An INFO line written whatever LOG_LEVEL says (the readiness line the stack, bench and tests wait for). */
  announce(message: string, meta?: Record<string, unknown>): void;
  metrics: WorkerMetrics;
  /** Where /metrics is served, when it is. */
  metricsAddress?: string;
}

let installed: Observability | undefined;

/** The first call in a process installs; later calls (a second in-process worker) get the same. */
export async function installObservability(env: NodeJS.ProcessEnv): Promise<Observability> {
  if (installed) return installed;
  const config = parseConfig(observabilityConfigSchema, env);
  registerKnownSecrets(env);
  const logger = new WorkerLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const metricsAddress = config.METRICS_ADDRESS === 'off' ? undefined : config.METRICS_ADDRESS;
  if (metricsAddress) await assertPortFree(metricsAddress);
  const telemetryOptions: TelemetryOptions = {
    // The SDK core's own lines (Rust) through our logger too, so every line is JSON and redacted.
    logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
    ...(metricsAddress
      ? {
          metrics: {
            prometheus: {
              bindAddress: metricsAddress,
              // Seconds, around the sync's poll interval (30 s): the core's defaults are for milliseconds.
              histogramBucketOverrides: { [METRIC_NAMES.syncEventLag]: [1, 5, 10, 20, 30, 40, 60, 120, 300, 900] },
            },
          },
        }
      : {}),
  };
  let ours = true;
  try {
    Runtime.install({ logger, telemetryOptions });
  } catch {
    // Installed by someone else in this process (a test's own Runtime): use it as it is.
    ours = false;
  }
  // With core logs forwarded, the Runtime wraps our logger (it orders lines by time), so identity says nothing.
  const runtime = Runtime.instance();
  installed = {
    logger: runtime.logger,
    announce: ours
      ? (message, meta) => logger.announce(message, meta)
      : (message, meta) => runtime.logger.info(message, meta),
    metrics: workerMetrics(runtime.metricMeter),
    metricsAddress,
  };
  return installed;
}

/** The installed logger, or (before installation, e.g. for a configuration error) a JSON one at INFO. */
export function processLogger(): Logger {
  return installed?.logger ?? new WorkerLogger({ level: 'INFO', format: 'json' });
}
