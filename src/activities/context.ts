/**
 * What an activity keeps in its Temporal context: the wrapper every activity runs in (it
 * heartbeats, and classifies what the activity throws), the "create started" marker that survives
 * a worker crash in the heartbeat details, and the options ensure-operations take from it.
 */
import { activityInfo, Context } from '@temporalio/activity';
import type { EnsureOptions, EnsureOutcome } from '../clients/find-or-create';
import { toApplicationFailure } from './failures';

interface HeartbeatDetails {
  createStarted?: boolean;
  /** What a long activity has done so far (recordProgress): a retry after a crash picks it up. */
  progress?: unknown;
}

/** What this attempt heartbeats: the earlier attempts' details, plus what it has recorded itself. */
const heartbeatDetails = new WeakMap<Context, HeartbeatDetails>();

/**
 * Wraps an activity for both of its jobs: it heartbeats while it runs (when the workflow set a
 * heartbeat timeout), so a worker that dies mid-activity is noticed within that timeout instead of
 * the whole start-to-close timeout; and every failure it throws is classified (failures.ts).
 */
export function heartbeatAndClassify<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const context = Context.current();
    heartbeatDetails.set(context, { ...((activityInfo().heartbeatDetails as HeartbeatDetails | undefined) ?? {}) });
    const timeoutMs = context.info.heartbeatTimeoutMs;
    const timer = timeoutMs
      ? setInterval(() => context.heartbeat(heartbeatDetails.get(context)), Math.max(500, timeoutMs / 3))
      : undefined;
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

/** Records, in the heartbeat, what this activity has done so far: survives a crash of the worker. */
export function recordProgress(progress: unknown): void {
  const context = Context.current();
  const details = { ...heartbeatDetails.get(context), progress };
  heartbeatDetails.set(context, details);
  context.heartbeat(details);
}

/** What the attempts before this one recorded with recordProgress, if any. */
export function earlierProgress<T>(): T | undefined {
  return (activityInfo().heartbeatDetails as HeartbeatDetails | undefined)?.progress as T | undefined;
}

/**
 * True when an earlier attempt of this activity began a create: an object found now is then our
 * own create that landed before the crash, not someone else's.
 */
function earlierAttemptStartedCreate(): boolean {
  const details = activityInfo().heartbeatDetails as HeartbeatDetails | undefined;
  return details?.createStarted === true;
}

/** `adopted` only when the object was there before this activity (in any attempt) tried to create it. */
export function wasAdopted(outcome: EnsureOutcome): boolean {
  return outcome !== 'created' && !earlierAttemptStartedCreate();
}

/** The current activity's cancellation, for the calls it makes. */
export function cancellationSignal(): AbortSignal {
  return Context.current().cancellationSignal;
}

/** What an ensure-operation takes from the current activity: its cancellation, and the create-started marker. */
export function ensureOptions(): Required<EnsureOptions> {
  return { signal: cancellationSignal(), beforeCreate: markCreateStarted };
}
