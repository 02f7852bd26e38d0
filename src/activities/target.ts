/**
 * A guard for the first step of an integration: the worker must be configured for the same
 * Beyond Identity tenant and Okta org as the integration the CLI started. Otherwise the worker
 * would set up objects somewhere the operator did not mean.
 */
import { InvalidInputError } from './failures';

export interface WorkerTarget {
  biTenantId: string;
  oktaOrgUrl: string;
}

export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function createTargetActivities(target: WorkerTarget) {
  return {
    async checkWorkerTarget(input: WorkerTarget): Promise<WorkerTarget> {
      const problems: string[] = [];
      if (input.biTenantId !== target.biTenantId) problems.push(`Beyond Identity tenant ${target.biTenantId}, not ${input.biTenantId}`);
      if (!sameOrigin(input.oktaOrgUrl, target.oktaOrgUrl)) problems.push(`Okta org ${target.oktaOrgUrl}, not ${input.oktaOrgUrl}`);
      if (problems.length > 0) {
        throw new InvalidInputError(
          `The worker is configured for ${problems.join(' and ')}. Start the worker with the same BI_TENANT_ID and OKTA_ORG_URL as the CLI, then retry.`,
        );
      }
      return target;
    },
  };
}
