/**
 * `verify`: one check of an integration's federation, run on the worker (where the credentials
 * are) by the CLI or by the integration's schedule. It reads the integration's state (ids, and
 * which objects are adopted) when it runs, checks the shared objects and then every routed
 * person, and tells the integration the result. A step that keeps failing is a finding of the
 * report, not a failed run: the operator gets a checklist either way. Rules: verify-state.ts.
 */
import {
  ActivityFailure,
  getExternalWorkflowHandle,
  metricMeter,
  proxyActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  verifiedSignal,
  type VerifyCheck,
  type VerifyObject,
  type VerifyPeople,
  type VerifyReport,
  type VerifyWorkflowInput,
} from './definitions';
import { describeFailure, RETRY_BASE } from './steps';
import * as rules from './verify-state';
import { METRIC_NAMES } from '../observability/metric-names';

/** The people's check pages through every routed person; its heartbeat says it is alive. */
const PEOPLE_TIMEOUT_MS = 60 * 60 * 1000;
const PEOPLE_HEARTBEAT_MS = 30_000;

function verifyActivities(startToCloseMs: number, heartbeatMs: number): Activities {
  return proxyActivities<Activities>({
    startToCloseTimeout: startToCloseMs,
    heartbeatTimeout: Math.min(startToCloseMs, heartbeatMs),
    // A few attempts, not forever: a verify that cannot reach an upstream says so in its report.
    retry: { ...RETRY_BASE, maximumInterval: '30 seconds', maximumAttempts: 5 },
  });
}

function failedCheck(object: VerifyObject, error: unknown): VerifyCheck {
  if (!(error instanceof ActivityFailure)) throw error;
  const failure = describeFailure(object, error);
  return {
    object,
    outcome: 'needsAttention',
    detail: `could not be checked: ${failure.type}: ${failure.message}`,
    fix: "fix what the message names (the worker's credentials, the upstream), then verify again",
  };
}

export async function verify(input: VerifyWorkflowInput): Promise<VerifyReport> {
  const { spec } = input;
  const act = verifyActivities(spec.activityTimeoutMs, 10_000);
  const at = new Date().toISOString();
  const state = await act.readIntegrationState({ integrationId: spec.integrationId });
  const notReady = rules.notReadyCheck(state, spec.integrationId);
  let report: VerifyReport;
  if (notReady) {
    report = rules.verifyReport(at, [notReady]);
  } else {
    const checks = await act
      .verifySharedObjects({ spec, state: state! })
      .catch((error: unknown) => [failedCheck('integration', error)]);
    let people: VerifyPeople | undefined;
    try {
      people = await verifyActivities(PEOPLE_TIMEOUT_MS, PEOPLE_HEARTBEAT_MS).verifyPeople({
        integrationId: spec.integrationId,
        routing: spec.routing,
      });
    } catch (error) {
      checks.push(failedCheck('people', error));
    }
    report = rules.verifyReport(at, checks, people);
  }
  setCurrentDetails(rules.verifyDetails(report));
  // Replay-safe: the SDK records nothing while replaying. The alert rules read these (deploy/prometheus/).
  metricMeter
    .createCounter(METRIC_NAMES.verifyRuns, 'runs', 'Verify runs by result')
    .add(1, { result: report.ok ? 'ok' : 'needs_attention' });
  metricMeter
    .createGauge(METRIC_NAMES.verifyOk, 'int', '', 'The latest verify found nothing needing attention')
    .set(report.ok ? 1 : 0);
  if (state) {
    try {
      await getExternalWorkflowHandle(spec.integrationId).signal(
        verifiedSignal,
        rules.verifySummary(report, workflowInfo().workflowId),
      );
    } catch {
      // The integration closed meanwhile (torn down): nobody to tell.
    }
  }
  return report;
}
