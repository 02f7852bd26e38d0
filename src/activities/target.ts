/**
 * A guard for the first step of an integration: the worker must be configured for the same
 * Beyond Identity tenant and Okta org as the integration the CLI started. Otherwise the worker
 * would set up objects somewhere the operator did not mean.
 */
import { heartbeatAndClassify } from './context';
import { InvalidInputError } from './failures';

export interface WorkerTarget {
  biTenantId: string;
  oktaOrgUrl: string;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * Where the worker (`target`) differs from what the CLI asked for (`input`), e.g. "Okta org A, not
 * B", or undefined when they agree. Preflight reports the same text.
 */
export function targetMismatch(input: WorkerTarget, target: WorkerTarget): string | undefined {
  const problems: string[] = [];
  if (input.biTenantId !== target.biTenantId)
    problems.push(`Beyond Identity tenant ${target.biTenantId}, not ${input.biTenantId}`);
  if (!sameOrigin(input.oktaOrgUrl, target.oktaOrgUrl))
    problems.push(`Okta org ${target.oktaOrgUrl}, not ${input.oktaOrgUrl}`);
  return problems.length > 0 ? problems.join(' and ') : undefined;
}

export function createTargetActivities(target: WorkerTarget) {
  return {
    checkWorkerTarget: heartbeatAndClassify(async (input: WorkerTarget): Promise<WorkerTarget> => {
      const mismatch = targetMismatch(input, target);
      if (mismatch) {
        throw new InvalidInputError(
          `The worker is configured for ${mismatch}. Start the worker with the same BI_TENANT_ID and OKTA_ORG_URL as the CLI, then retry.`,
        );
      }
      return target;
    }),
  };
}
