/**
 * The integration's schedules, through the worker's own Temporal client. The verify schedule:
 * created once the integration is Ready (if it is not there already: an interval the operator
 * changed with `verify --schedule` is never reset), removed first on teardown. The Okta group
 * syncs (made by `sync`): on teardown every sync's schedule is deleted and its workflows closed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { TaskQueueClient } from '../temporal/people';
import {
  DEFAULT_VERIFY_INTERVAL_MS,
  integrationKey,
  scheduledVerifyWorkflowId,
  verifyScheduleId,
  type IntegrationSpec,
  type VerifyWorkflowInput,
} from '../workflows/definitions';
import { syncId } from '../workflows/sync-definitions';
import { heartbeatAndClassify } from './context';

/** The workflows of a sync: the long one and the schedule's short tick (which would start the long one again). */
const SYNC_WORKFLOW_TYPES = ['oktaGroupSync', 'oktaGroupSyncTick'] as const;
const CLOSE_POLL_MS = 500;
/** A tick in flight when the schedule went may start a sync again: the list is read again this many times at most. */
const REMOVE_ROUNDS = 5;

export interface RemoveSyncsResult {
  schedulesDeleted: number;
  workflowsCancelled: number;
  /** Workflows that did not close within the wait after being cancelled. */
  workflowsTerminated: number;
}

export function createScheduleActivities(temporal: TaskQueueClient) {
  return {
    ensureVerifySchedule: heartbeatAndClassify(
      async (input: { spec: IntegrationSpec }): Promise<{ scheduleId: string; created: boolean }> => {
        const { spec } = input;
        const scheduleId = verifyScheduleId(spec.integrationId);
        const every = spec.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS;
        const args: [VerifyWorkflowInput] = [{ spec }];
        try {
          await temporal.client.schedule.create({
            scheduleId,
            spec: { intervals: [{ every }] },
            action: {
              type: 'startWorkflow',
              workflowType: 'verify',
              workflowId: scheduledVerifyWorkflowId(spec.integrationId),
              taskQueue: temporal.taskQueue,
              args,
              // A run stuck on an upstream must not hold the schedule (overlap: skip) past its next turn.
              workflowExecutionTimeout: every,
              staticSummary: `Verify the federation of integration ${spec.integrationId}`,
              // Found with the integration's other workflows (UI filter, history scans); `list` reads person workflows only.
              typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
            },
            policies: { overlap: ScheduleOverlapPolicy.SKIP },
            memo: { integration: spec.integrationId, realm: spec.realmName, oktaOrg: spec.oktaOrgUrl },
            state: {
              note: `Federation health of ${spec.integrationId} (bi-okta verify; bi-okta verify --schedule off|<interval>)`,
            },
          });
          return { scheduleId, created: true };
        } catch (error) {
          if (error instanceof ScheduleAlreadyRunning) return { scheduleId, created: false };
          throw error;
        }
      },
    ),

    removeVerifySchedule: heartbeatAndClassify(
      async (input: { integrationId: string }): Promise<{ deleted: boolean }> => {
        try {
          await temporal.client.schedule.getHandle(verifyScheduleId(input.integrationId)).delete();
          return { deleted: true };
        } catch (error) {
          if (error instanceof ScheduleNotFoundError) return { deleted: false };
          throw error;
        }
      },
    ),

    /**
     * Teardown: every sync of the integration goes. The schedules first (so no tick starts one
     * again), then every running sync workflow (and tick) is cancelled and waited for until it has
     * closed; one that has not closed within `waitUpToMs` is terminated. Idempotent: a second run
     * finds nothing to do.
     */
    removeSyncs: heartbeatAndClassify(
      async (input: { integrationId: string; waitUpToMs: number }): Promise<RemoveSyncsResult> => {
        const result: RemoveSyncsResult = { schedulesDeleted: 0, workflowsCancelled: 0, workflowsTerminated: 0 };
        const prefix = syncId(input.integrationId, '');
        const scheduleIds: string[] = [];
        for await (const schedule of temporal.client.schedule.list())
          if (schedule.scheduleId.startsWith(prefix)) scheduleIds.push(schedule.scheduleId);
        for (const scheduleId of scheduleIds) {
          try {
            await temporal.client.schedule.getHandle(scheduleId).delete();
            result.schedulesDeleted++;
          } catch (error) {
            if (!(error instanceof ScheduleNotFoundError)) throw error;
          }
          Context.current().heartbeat();
        }
        const types = SYNC_WORKFLOW_TYPES.map((type) => `'${type}'`).join(', ');
        const query = `WorkflowType IN (${types}) AND Integration = '${input.integrationId.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Running'`;
        for (let round = 0; round < REMOVE_ROUNDS; round++) {
          const running = new Set<string>();
          for await (const info of temporal.client.workflow.list({ query })) running.add(info.workflowId);
          if (running.size === 0) break;
          for (const workflowId of running) {
            await closeWorkflow(workflowId, input.waitUpToMs, result);
            Context.current().heartbeat();
          }
        }
        return result;
      },
    ),
  };

  /** Cancels a workflow's current run and waits until it has closed; terminates it if it has not within `waitUpToMs`. */
  async function closeWorkflow(workflowId: string, waitUpToMs: number, result: RemoveSyncsResult): Promise<void> {
    // No run id: the current run, whichever continue-as-new made it.
    const handle = temporal.client.workflow.getHandle(workflowId);
    try {
      if ((await handle.describe()).status.name !== 'RUNNING') return;
      await handle.cancel();
      result.workflowsCancelled++;
      const giveUpAt = Date.now() + waitUpToMs;
      while ((await handle.describe()).status.name === 'RUNNING') {
        if (Date.now() >= giveUpAt) {
          await handle.terminate('Integration teardown: the sync did not close after it was cancelled');
          result.workflowsTerminated++;
          return;
        }
        Context.current().heartbeat();
        await sleep(CLOSE_POLL_MS, undefined, { signal: Context.current().cancellationSignal });
      }
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
}
