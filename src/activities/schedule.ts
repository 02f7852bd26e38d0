/**
 * The integration's verify schedule, through the worker's own Temporal client: created once the
 * integration is Ready (if it is not there already: an interval the operator changed with
 * `verify --schedule` is never reset), removed first on teardown.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { TaskQueueClient } from '../temporal/people';
import {
  DEFAULT_VERIFY_INTERVAL_MS,
  integrationKey,
  scheduledVerifyWorkflowId,
  verifyScheduleId,
  type IntegrationSpec,
  type VerifyWorkflowInput,
} from '../workflows/definitions';
import { heartbeatAndClassify } from './context';

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
  };
}
