/**
 * How workflows run a step of the guide: as an activity with a summary Temporal UI shows, retried
 * by Temporal while the failure is transient; and when it is not (a rejected token, bad input, a
 * malformed answer), shown as NeedsAttention with the upstream's words until an operator fixes
 * the cause and says `retry`. Nothing done before is redone.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  proxyActivities,
  type RetryPolicy,
  setHandler,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { onboardingStatusKey, onboardingStepKey, retrySignal, type Attention } from './definitions';
import { NON_RETRYABLE_TYPES } from './failure-types';
import { errorMessage } from '../util/errors';

const HEARTBEAT_TIMEOUT_MS = 10_000;

/** What every workflow's activity retry policy shares; each adds how long and how often it tries. */
export const RETRY_BASE = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
} satisfies RetryPolicy;

/** Activities with the project's retry policy and this call's summary. */
export function activities(summary: string, startToCloseMs: number, heartbeatMs = HEARTBEAT_TIMEOUT_MS): Activities {
  return proxyActivities<Activities>({
    summary,
    startToCloseTimeout: startToCloseMs,
    // Activities heartbeat while they run (src/activities/context.ts): one lost with a dead worker
    // is retried after this, not after the whole start-to-close timeout.
    heartbeatTimeout: Math.min(startToCloseMs, heartbeatMs),
    // No maximumAttempts: transient failures are retried for as long as it takes; the UI shows the attempts.
    retry: { ...RETRY_BASE, maximumInterval: '1 minute' },
  });
}

/**
 * Records where a workflow is. The search attributes follow the status, and carry the step it
 * changed at: each upsert is an event in the history, so a step within one status is shown by the
 * `status` query and the UI's details, not by another upsert.
 */
export function recordStatus<S extends string, T extends string>(
  state: { status: S; step: T },
  status: S,
  step: T,
  announceStep = false,
): void {
  const changed = status !== state.status || (announceStep && step !== state.step);
  state.status = status;
  state.step = step;
  if (!changed) return;
  upsertSearchAttributes([
    { key: onboardingStatusKey, value: status },
    { key: onboardingStepKey, value: step },
  ]);
}

/** How a workflow reaches its operator when a step fails: it shows NeedsAttention, and waits for their `retry`. */
interface Operator {
  /** Shows (or clears) the NeedsAttention state. */
  setAttention(attention: Attention | undefined): void;
  /** True once the operator has asked to retry since the failure. */
  retryRequested(): boolean;
  /** Marks the retry request as used. */
  consumeRetry(): void;
  /** True when the failed step is no longer wanted (its integration is being torn down): stop waiting for a retry. */
  abandoned?(): boolean;
}

/**
 * The Operator both workflows use: the `retry` signal is remembered until a step uses it; an
 * attention is kept on `state`, and `setStatus` shows the status it implies.
 */
export function createOperator(
  state: { attention?: Attention },
  setStatus: (needsAttention: boolean) => void,
  abandoned?: () => boolean,
): Operator {
  let retryRequested = false;
  setHandler(retrySignal, () => {
    retryRequested = true;
  });
  return {
    setAttention(attention) {
      state.attention = attention;
      setStatus(attention !== undefined);
    },
    retryRequested: () => retryRequested,
    consumeRetry: () => {
      retryRequested = false;
    },
    abandoned,
  };
}

/** Thrown by runStep instead of waiting on for a retry, once the operator's step is abandoned. */
export class StepAbandoned extends Error {
  override name = 'StepAbandoned';
}

/** Runs a step; when it fails (past the activity's own retries), shows why and waits for the operator's `retry`. */
export async function runStep<T>(operator: Operator, step: string, run: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (isCancellation(error)) throw error;
      operator.consumeRetry(); // a retry asked for before this failure does not count for it
      operator.setAttention(describeFailure(step, error));
      await condition(() => operator.retryRequested() || operator.abandoned?.() === true);
      operator.consumeRetry();
      operator.setAttention(undefined);
      if (operator.abandoned?.()) throw new StepAbandoned(`${step} was abandoned`);
    }
  }
}

/** The upstream's code and message, from the ApplicationFailure an activity raised (never a secret: see activities/failures.ts). */
export function describeFailure(step: string, error: unknown): Attention {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  const since = new Date().toISOString();
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as {
      service?: string;
      status?: number;
      upstreamCode?: string;
      requestId?: string;
      step?: string;
    };
    return {
      // An activity that spans two steps (the wait, then routing) names the one that failed.
      step: details.step ?? step,
      type: cause.type ?? 'Error',
      message: cause.message,
      service: details.service,
      status: details.status,
      upstreamCode: details.upstreamCode,
      requestId: details.requestId,
      since,
    };
  }
  if (cause instanceof TemporalFailure) return { step, type: cause.name, message: cause.message, since };
  return { step, type: 'Error', message: errorMessage(cause), since };
}
