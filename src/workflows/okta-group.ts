/**
 * `onboard --okta-group` as a workflow: the CLI holds no Okta credentials, so the group is found
 * and its members read by one activity on the worker. Read-only; it starts nobody (the CLI
 * onboards the members it returns, as `onboard` does). A transient failure is retried a few
 * times, a rejected token is not: the operator is waiting for an answer.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OktaGroupInput, OktaGroupResolution } from '../activities/okta-group';
import { RETRY_BASE } from './steps';

const { resolveOktaGroup } = proxyActivities<Activities>({
  summary: 'Find the Okta group and read its members (read-only)',
  startToCloseTimeout: '4 minutes',
  // The activity heartbeats while it pages (a minute's wait for Okta's rate limit included).
  heartbeatTimeout: '30 seconds',
  retry: { ...RETRY_BASE, maximumAttempts: 3 },
});

export async function oktaGroup(input: OktaGroupInput): Promise<OktaGroupResolution> {
  return resolveOktaGroup(input);
}
