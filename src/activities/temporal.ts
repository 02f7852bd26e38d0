/**
 * Activities that talk to Temporal itself, through the worker's own client: what a person needs
 * of its integration (read from the integration's `status` query, shared by every activity of
 * this worker), whether an activity's workflow still wants its result, and teardown's offboarding
 * of every person. None of them touches Beyond Identity or Okta.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { isUndone, listPersonRuns, offboardPerson, type TaskQueueClient } from '../temporal/people';
import { mapLimit } from '../util/concurrency';
import { integrationStatusQuery, personWorkflowId, type PersonContext } from '../workflows/definitions';
import { heartbeatAndClassify } from './context';
import { IntegrationGoneError } from './failures';

const CONTEXT_POLL_MS = 1_000;
/** One poll waits this long for a set-up, then the waiting activities fail (retryably) and start again. */
const CONTEXT_POLL_LIMIT_MS = 60_000;
/** A context read this recently is used again: people started together ask once per worker. */
const CONTEXT_FRESH_MS = 5_000;
const PARALLEL_REQUESTS = 50;

export interface OffboardResult {
  cancelled: number;
  undone: number;
  alreadyEnded: number;
  /** People whose undo has not finished within the wait (one stuck in NeedsAttention, say). */
  pending: string[];
}

export class IntegrationContexts {
  private readonly known = new Map<string, { at: number; context: PersonContext }>();
  private readonly waiting = new Map<string, Promise<PersonContext>>();

  constructor(private readonly temporal: TaskQueueClient) {}

  /**
   * The integration's context once it is set up; waits (polling its query) while it is setting
   * up. One poll per integration and worker serves every activity that waits; each waiter stops
   * on its own cancellation, and the poll gives up after a while (the activities are retried).
   */
  async get(integrationId: string, signal: AbortSignal): Promise<PersonContext> {
    const cached = this.known.get(integrationId);
    if (cached && Date.now() - cached.at < CONTEXT_FRESH_MS) return cached.context;
    let pending = this.waiting.get(integrationId);
    if (!pending) {
      pending = this.poll(integrationId).finally(() => this.waiting.delete(integrationId));
      this.waiting.set(integrationId, pending);
    }
    signal.throwIfAborted();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([pending, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  private async poll(integrationId: string): Promise<PersonContext> {
    const handle = this.temporal.client.workflow.getHandle(integrationId);
    const giveUpAt = Date.now() + CONTEXT_POLL_LIMIT_MS;
    for (;;) {
      let state;
      try {
        state = await handle.query(integrationStatusQuery);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError)
          throw new IntegrationGoneError(`integration ${integrationId} is not running; onboard again to start it`);
        throw error;
      }
      if (state.status === 'TearingDown' || state.status === 'TornDown') {
        throw new IntegrationGoneError(
          `integration ${integrationId} is ${state.status === 'TornDown' ? 'torn down' : 'being torn down'}; onboard again once it is gone`,
        );
      }
      if (state.context) {
        this.known.set(integrationId, { at: Date.now(), context: state.context });
        return state.context;
      }
      // Retried by Temporal: a person's step shows the wait for as long as the set-up takes.
      if (Date.now() > giveUpAt)
        throw new Error(`integration ${integrationId} is still ${state.status} (step ${state.step}); waiting for it`);
      await sleep(CONTEXT_POLL_MS);
    }
  }
}

/**
 * Whether the workflow run that scheduled the current activity is still open, and whether another
 * activity of `activityType` is pending in it (so that two checks of one person do not both write).
 */
export async function ownRun(
  temporal: TaskQueueClient,
  activityType: string,
): Promise<{ running: boolean; othersPending: number }> {
  const { workflowExecution, activityId } = Context.current().info;
  if (!workflowExecution) return { running: true, othersPending: 0 };
  try {
    const { status, raw } = await temporal.client.workflow
      .getHandle(workflowExecution.workflowId, workflowExecution.runId)
      .describe();
    const others = (raw.pendingActivities ?? []).filter(
      (activity) => activity.activityType?.name === activityType && activity.activityId !== activityId,
    );
    return { running: status.name === 'RUNNING', othersPending: others.length };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { running: false, othersPending: 0 };
    throw error;
  }
}

/**
 * Waits until no other activity of `activityType` is pending in the run of the current activity:
 * a cancelled one stops only once its heartbeat brings the cancellation, and until then it may
 * still write. (The workflow is not told when that happens, so we ask Temporal.)
 */
export async function untilNoneRunning(
  temporal: TaskQueueClient,
  activityType: string,
  signal: AbortSignal,
): Promise<void> {
  const { workflowExecution } = Context.current().info;
  if (!workflowExecution) return;
  const handle = temporal.client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId);
  for (;;) {
    const { raw } = await handle.describe();
    const pending = (raw.pendingActivities ?? []).filter((activity) => activity.activityType?.name === activityType);
    if (pending.length === 0) return;
    await sleep(500, undefined, { signal });
  }
}

export function createTemporalActivities(temporal: TaskQueueClient) {
  return {
    /**
     * Teardown: every person of the integration is offboarded (running ones cancelled, ended ones
     * undone by a new run), then this waits, up to `waitUpToMs`, until each has finished.
     */
    offboardPeople: heartbeatAndClassify(
      async (input: { integrationId: string; waitUpToMs: number }): Promise<OffboardResult> => {
        const { cancellationSignal } = Context.current();
        const result: OffboardResult = { cancelled: 0, undone: 0, alreadyEnded: 0, pending: [] };
        const people = await listPersonRuns(temporal, input.integrationId);
        const waitingFor: string[] = [];
        await mapLimit(people, PARALLEL_REQUESTS, async (person) => {
          if (isUndone(person)) {
            result.alreadyEnded += 1;
            return;
          }
          const outcome = await offboardPerson(temporal, input.integrationId, person.email);
          if (outcome === 'cancelled') result.cancelled += 1;
          else if (outcome === 'undoing') result.undone += 1;
          else result.alreadyEnded += 1;
          if (outcome === 'cancelled' || outcome === 'undoing') waitingFor.push(person.email);
        });
        const deadline = Date.now() + input.waitUpToMs;
        let open = waitingFor;
        while (open.length > 0 && Date.now() < deadline) {
          const still: string[] = [];
          await mapLimit(open, PARALLEL_REQUESTS, async (email) => {
            const info = await temporal.client.workflow
              .getHandle(personWorkflowId(input.integrationId, email))
              .describe();
            if (info.status.name === 'RUNNING') still.push(email);
          });
          open = still.sort();
          if (open.length > 0) await sleep(1_000, undefined, { signal: cancellationSignal });
        }
        result.pending = open;
        return result;
      },
    ),
  };
}
