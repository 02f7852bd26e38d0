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
  /** People an Okta group sync onboarded (started), by the sync workflow, replay-safe. */
  syncJoiners: 'bi_okta_sync_joiners_total',
  /** People an Okta group sync took out (leave runs started, onboardings cancelled). */
  syncLeavers: 'bi_okta_sync_leavers_total',
  /** Times a sync's removal guard stopped removals. */
  syncGuardStops: 'bi_okta_sync_guard_stops_total',
  /** Histogram: an Okta System Log event's `published` → the sync applied it (seconds). */
  syncEventLag: 'bi_okta_sync_event_lag_seconds',
} as const;
