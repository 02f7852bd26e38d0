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
  /** Verify runs, by result (`ok`, `needs_attention`), emitted by the verify workflow, replay-safe. */
  verifyRuns: 'bi_okta_verify_runs_total',
  /** Gauge: 1 when the latest verify found nothing needing attention, 0 when it did. */
  verifyOk: 'bi_okta_verify_ok',
} as const;

/**
 * The Temporal SDK's own series that deploy/prometheus/ and deploy/grafana/ read, as the SDK's Prometheus
 * exporter names them: counters without `_total`, latencies as histograms in milliseconds, labels
 * `namespace`, `task_queue` (and `workflow_type`, `activity_type` where they apply). test/observability
 * checks them on a real worker's /metrics.
 */
export const SDK_METRIC_NAMES = {
  workflowTaskScheduleToStart: 'temporal_workflow_task_schedule_to_start_latency',
  activityScheduleToStart: 'temporal_activity_schedule_to_start_latency',
  activityExecutionLatency: 'temporal_activity_execution_latency',
  workflowCompleted: 'temporal_workflow_completed',
  taskSlotsAvailable: 'temporal_worker_task_slots_available',
  /** Only once an activity attempt has failed: not on a healthy worker's /metrics. */
  activityExecutionFailed: 'temporal_activity_execution_failed',
  /** Only once a workflow task has failed (a non-determinism error among them). */
  workflowTaskExecutionFailed: 'temporal_workflow_task_execution_failed',
  /** Only once a workflow has failed. */
  workflowFailed: 'temporal_workflow_failed',
} as const;
