/** Our Prometheus series' names (no imports: the workflow bundle uses them too). docs/operations.md, "Observability". */
export const METRIC_NAMES = {
  /** Upstream HTTP attempts, by system, bucket and outcome. */
  requests: 'bi_okta_upstream_requests_total',
  /** Failed attempts, by system and kind. */
  errors: 'bi_okta_upstream_errors_total',
  /** 429 answers, by system and bucket. */
  rateLimited: 'bi_okta_upstream_rate_limited_total',
  /** Histogram of the time the Okta pacer held a request, by bucket and reason. */
  pacerWait: 'bi_okta_pacer_wait_ms',
  /** Person workflows entering a status, by status (emitted by the workflow, replay-safe). */
  personTransitions: 'bi_okta_person_transitions_total',
} as const;
