/**
 * `preflight` as a workflow: the CLI holds no upstream credentials, so the checks run as one
 * activity on the worker (which does). Read-only; one attempt: a check reports its failure, it
 * is not retried into success.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PreflightCheck, PreflightInput } from '../activities/preflight';

const { preflight: runChecks } = proxyActivities<Activities>({
  summary: 'Read-only checks of Beyond Identity and Okta',
  startToCloseTimeout: '90 seconds',
  retry: { maximumAttempts: 1 },
});

export async function preflight(input: PreflightInput): Promise<PreflightCheck[]> {
  return runChecks(input);
}
