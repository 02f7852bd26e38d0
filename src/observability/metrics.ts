/**
 * Our own Prometheus series, on the SDK's metric meter so that they come out of the same
 * /metrics endpoint as the SDK's `temporal_…` series. The SDK's `metricPrefix` applies to its own
 * metrics only, so these names are exactly as written here. Documented in docs/operations.md, "Observability".
 */
import type { MetricMeter } from '@temporalio/common';
import type { HttpObserver, PacerObserver } from '../clients/http/observer';
import type { UpstreamService } from '../clients/http/errors';
import { METRIC_NAMES } from './metric-names';

/** The `system` label: Prometheus label values in snake case. */
const SYSTEM: Record<UpstreamService, string> = { okta: 'okta', 'beyond-identity': 'beyond_identity' };

export type WorkerMetrics = HttpObserver & PacerObserver;

export function workerMetrics(meter: MetricMeter): WorkerMetrics {
  const requests = meter.createCounter(
    METRIC_NAMES.requests,
    'requests',
    'Upstream HTTP attempts by system, rate-limit bucket and outcome',
  );
  const errors = meter.createCounter(
    METRIC_NAMES.errors,
    'requests',
    'Upstream HTTP attempts that failed, by system and kind',
  );
  const rateLimited = meter.createCounter(
    METRIC_NAMES.rateLimited,
    'requests',
    'Upstream 429 answers by system and bucket',
  );
  const pacerWait = meter.createHistogram(
    METRIC_NAMES.pacerWait,
    'int',
    'ms',
    'Time the Okta pacer held a request, by bucket and reason',
  );
  return {
    requestCompleted({ service, bucket, outcome }) {
      const system = SYSTEM[service];
      requests.add(1, { system, bucket, outcome });
      if (outcome !== 'ok') errors.add(1, { system, kind: outcome });
      if (outcome === 'rate-limited') rateLimited.add(1, { system, bucket });
    },
    waited({ bucket, reason, ms }) {
      pacerWait.record(Math.max(0, Math.round(ms)), { bucket, reason });
    },
  };
}
