/**
 * How activities report failures to Temporal. A client error becomes an ApplicationFailure whose
 * type is the error class's name and whose details are the error's plain, secret-free fields:
 * transient ones are retried by the activity retry policy (a 429 after the wait it asked for),
 * rejected and malformed ones are not, so the workflow can show NeedsAttention.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  MalformedUpstreamResponseError,
  RejectedUpstreamError,
  TransientUpstreamError,
  UpstreamError,
} from '../clients/http/errors';
import { redactSecrets } from '../clients/http/secrets';
import { errorMessage } from '../util/errors';
import { isNonRetryableType, type NonRetryableType } from '../workflows/failure-types';

/** Raised by activities for input no upstream will accept (an email Beyond Identity cannot take, a missing object). */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError' satisfies NonRetryableType;
}

/** The integration has been torn down (or was never started): a person cannot go on. */
export class IntegrationGoneError extends Error {
  override name = 'IntegrationGoneError' satisfies NonRetryableType;
}

export function toApplicationFailure(error: unknown): Error {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof TransientUpstreamError) {
    return ApplicationFailure.create({
      type: error.name,
      message: error.message,
      details: [error.toJSON()],
      nonRetryable: false,
      // Temporal waits what the upstream asked for (429) instead of its own backoff.
      nextRetryDelay: error.retryAfterMs,
    });
  }
  if (error instanceof RejectedUpstreamError || error instanceof MalformedUpstreamResponseError) {
    return ApplicationFailure.create({
      type: error.name,
      message: error.message,
      details: [error.toJSON()],
      nonRetryable: true,
    });
  }
  // Errors of ours that no retry can fix (failure-types.ts): each is shown as NeedsAttention with its message.
  if (error instanceof Error && isNonRetryableType(error.name)) {
    // An upstream refusal it stands for (Okta's 403 E0000023) keeps its status, code and request id for the NeedsAttention.
    const upstream = error.cause instanceof UpstreamError ? [error.cause.toJSON()] : undefined;
    return ApplicationFailure.create({
      type: error.name,
      message: redactSecrets(error.message),
      nonRetryable: true,
      details: upstream,
    });
  }
  if (Context.current().cancellationSignal.aborted) return error instanceof Error ? error : new Error(String(error));
  // Anything else is a bug or an unforeseen fault: retry it, without leaking a secret in the message.
  return ApplicationFailure.create({
    type: error instanceof Error ? error.name : 'Error',
    message: redactSecrets(errorMessage(error)),
    nonRetryable: false,
  });
}

/** Runs `work` as the named step of a workflow: a failure says which step it was (an activity that spans two). */
export async function asStep<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const failure = toApplicationFailure(error);
    if (!(failure instanceof ApplicationFailure)) throw failure;
    const [first, ...rest] = failure.details ?? [];
    throw ApplicationFailure.create({
      type: failure.type ?? undefined,
      message: failure.message,
      nonRetryable: failure.nonRetryable ?? undefined,
      nextRetryDelay: failure.nextRetryDelay ?? undefined,
      details: [{ ...(first as object | undefined), step }, ...rest],
    });
  }
}
