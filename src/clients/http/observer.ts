/**
 * What the HTTP clients and the pacer report about their work, for metrics. The worker passes an
 * implementation in (src/observability/metrics.ts); without one nothing is recorded.
 */
import type { TransientKind, UpstreamService } from './errors';

/** How one attempt of a request ended. */
export type RequestOutcome = 'ok' | TransientKind | 'rejected' | 'malformed' | 'aborted';

/** Why the pacer held a request: its bucket's window was used up, or no place in flight was free. */
type PacerWaitReason = 'window' | 'in-flight';

export interface HttpObserver {
  /** One attempt sent and answered (or failed); `bucket` is the rate-limit bucket, `all` when the upstream has none. */
  requestCompleted(event: { service: UpstreamService; bucket: string; outcome: RequestOutcome }): void;
}

export interface PacerObserver {
  /** A request the pacer held before letting it out, and for how long. */
  waited(event: { bucket: string; reason: PacerWaitReason; ms: number }): void;
}

export const NO_HTTP_OBSERVER: HttpObserver = { requestCompleted: () => undefined };
