/**
 * How activities report failures to Temporal. A client error becomes an ApplicationFailure whose
 * type is the error class's name and whose details are the error's plain, secret-free fields:
 * transient ones are retried by the activity retry policy (a 429 after the wait it asked for),
 * rejected and malformed ones are not, so the workflow can show NeedsAttention.
 */
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { InvalidBeyondIdentityInputError } from '../clients/beyond-identity/ensure';
import { OktaUserNotActiveError, RoutingAttributeUnusableError, RoutingNotConfirmedError } from '../clients/okta/ensure';
import { RoutingAttributeMasteredError, RoutingPropertyUnsafeError } from '../clients/okta/routing-property';
import { MalformedUpstreamResponseError, RejectedUpstreamError, TransientUpstreamError, UpstreamError } from '../clients/http/errors';
import { redactSecrets } from '../clients/http/secrets';

/** Raised by activities for input no upstream will accept (an email Beyond Identity cannot take, a missing object). */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** The integration has been torn down (or was never started): a person cannot go on. */
export class IntegrationGoneError extends Error {
  override name = 'IntegrationGoneError';
}

/** Errors of ours that no retry can fix: each is shown as NeedsAttention with its message. */
const NEEDS_A_PERSON = [
  InvalidInputError,
  InvalidBeyondIdentityInputError,
  OktaUserNotActiveError,
  RoutingAttributeUnusableError,
  RoutingNotConfirmedError,
  RoutingPropertyUnsafeError,
  RoutingAttributeMasteredError,
  IntegrationGoneError,
] as const;

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
  if (error instanceof RejectedUpstreamError || error instanceof MalformedUpstreamResponseError || error instanceof UpstreamError) {
    return ApplicationFailure.create({ type: error.name, message: error.message, details: [error.toJSON()], nonRetryable: true });
  }
  if (NEEDS_A_PERSON.some((kind) => error instanceof kind)) {
    const named = error as Error;
    // An upstream refusal it stands for (Okta's 403 E0000023) keeps its status, code and request id for the NeedsAttention.
    const upstream = named.cause instanceof UpstreamError ? [named.cause.toJSON()] : undefined;
    return ApplicationFailure.create({ type: named.name, message: redactSecrets(named.message), nonRetryable: true, details: upstream });
  }
  if (Context.current().cancellationSignal.aborted) return error instanceof Error ? error : new Error(String(error));
  // Anything else is a bug or an unforeseen fault: retry it, without leaking a secret in the message.
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ type: error instanceof Error ? error.name : 'Error', message: redactSecrets(message), nonRetryable: false });
}

interface HeartbeatDetails {
  createStarted?: boolean;
}

/** What this attempt heartbeats: the earlier attempts' details, plus what it has recorded itself. */
const heartbeatDetails = new WeakMap<Context, HeartbeatDetails>();

/**
 * Wraps an activity so every failure it throws is classified, and so it heartbeats while it runs
 * (when the workflow set a heartbeat timeout): a worker that dies mid-activity is noticed within
 * that timeout instead of the whole start-to-close timeout.
 */
export function classified<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const context = Context.current();
    heartbeatDetails.set(context, { ...((activityInfo().heartbeatDetails as HeartbeatDetails | undefined) ?? {}) });
    const timeoutMs = context.info.heartbeatTimeoutMs;
    const timer = timeoutMs ? setInterval(() => context.heartbeat(heartbeatDetails.get(context)), Math.max(500, timeoutMs / 3)) : undefined;
    try {
      return await fn(...args);
    } catch (error) {
      throw toApplicationFailure(error);
    } finally {
      if (timer) clearInterval(timer);
    }
  };
}

/** Records, before a create request, that this activity began creating; survives a crash of the worker. */
export function markCreateStarted(): void {
  const context = Context.current();
  const details = { ...heartbeatDetails.get(context), createStarted: true };
  heartbeatDetails.set(context, details);
  context.heartbeat(details);
}

/**
 * True when an earlier attempt of this activity began a create: an object found now is then our
 * own create that landed before the crash, not someone else's.
 */
export function earlierAttemptStartedCreate(): boolean {
  const details = activityInfo().heartbeatDetails as HeartbeatDetails | undefined;
  return details?.createStarted === true;
}

/** `adopted` only when the object was there before this activity (in any attempt) tried to create it. */
export function wasAdopted(outcome: 'created' | 'adopted' | 'updated'): boolean {
  return outcome !== 'created' && !earlierAttemptStartedCreate();
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
