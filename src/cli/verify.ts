/**
 * `verify`: runs a check of the federation now, on the worker (which holds the credentials), and
 * prints the checklist: what passed, what it put back, what needs attention and the fix. Exit 0
 * when nothing needs attention, 1 otherwise. `verify --schedule off|<interval>` pauses the
 * integration's verify schedule, or sets its interval (and resumes it).
 */
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { formatInterval, INTERVAL_FORMAT, parseInterval } from '../config';
import {
  integrationKey,
  verifyScheduleId,
  type VerifyReport,
  type VerifyWorkflowInput,
} from '../workflows/definitions';
import type { verify as verifyWorkflow } from '../workflows/verify';
import { verifyView } from '../workflows/verify-state';
import { text } from '../workflows/view';
import { integrationState } from './integration-commands';
import { CliError, EXIT, workerRunError, workerWarning, type Output, type Session } from './session';

/** How long `verify` waits for the worker to finish a check (the people's check pages through everyone). */
const VERIFY_TIMEOUT = '30 minutes';
const NEXT_RUNS_SHOWN = 3;

/** The integration must be Ready: before that its objects are still being made, after it they are gone (`sync` too). */
export async function readyIntegration(session: Session, command = 'verify'): Promise<void> {
  const state = await integrationState(session);
  if (state.status !== 'Ready') {
    throw new CliError(
      `Integration ${session.spec.integrationId} is ${state.status} (step ${state.step}), not Ready: ${command} ${command === 'verify' ? 'checks' : 'needs'} a Ready integration. \`status\` shows what it is doing.`,
      EXIT.failed,
    );
  }
}

export async function verify(session: Session, out: Output, options: { schedule?: string }): Promise<number> {
  if (options.schedule !== undefined) return schedule(session, out, options.schedule);
  await readyIntegration(session);
  const warning = await workerWarning(session);
  if (warning) out.info(`Warning: ${warning}`);
  const { spec } = session;
  let report: VerifyReport;
  try {
    const args: [VerifyWorkflowInput] = [{ spec }];
    report = await session.client.workflow.execute<typeof verifyWorkflow>('verify', {
      taskQueue: session.taskQueue,
      // Scheduled runs are `<id>/verify/scheduled-<time>`: these never collide with them.
      workflowId: `${spec.integrationId}/verify/now-${Date.now()}`,
      workflowExecutionTimeout: VERIFY_TIMEOUT,
      args,
      staticSummary: `Verify the federation of integration ${spec.integrationId} (from the CLI)`,
      typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
    });
  } catch (error) {
    throw workerRunError(session, error, 'verify', VERIFY_TIMEOUT);
  }
  out.print(report, () => text(verifyView(report)));
  return report.ok ? EXIT.ok : EXIT.failed;
}

async function schedule(session: Session, out: Output, setting: string): Promise<number> {
  const off = setting.trim().toLowerCase() === 'off';
  const every = off ? undefined : parseInterval(setting);
  if (!off && every === undefined)
    throw new CliError(`--schedule takes off or ${INTERVAL_FORMAT}; not "${setting}".`, EXIT.usage);
  await readyIntegration(session);
  const scheduleId = verifyScheduleId(session.spec.integrationId);
  const handle = session.client.schedule.getHandle(scheduleId);
  try {
    if (off) {
      await handle.pause('Paused with bi-okta verify --schedule off');
    } else {
      await handle.update((previous) => ({
        ...previous,
        spec: { ...previous.spec, intervals: [{ every: every! }] },
        state: {
          ...previous.state,
          paused: false,
          note: `Every ${formatInterval(every!)} (bi-okta verify --schedule)`,
        },
      }));
    }
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new CliError(
        `Integration ${session.spec.integrationId} has no verify schedule (${scheduleId}); it is made when the integration becomes Ready: \`retry\` makes it again.`,
        EXIT.notFound,
      );
    }
    throw error;
  }
  const description = await handle.describe();
  const view = scheduleView(description);
  out.print(view, () =>
    [
      `Verify schedule ${scheduleId}: ${view.paused ? 'paused' : `every ${view.every}`}.`,
      view.paused
        ? `No scheduled verify runs until it is resumed: \`verify --schedule <interval>\` (e.g. ${view.every}) resumes it.`
        : `Next runs: ${view.nextRuns.join(', ') || '(none)'}`,
    ].join('\n'),
  );
  return EXIT.ok;
}

function scheduleView(description: ScheduleDescription) {
  const intervalMs = description.spec.intervals?.[0]?.every;
  return {
    scheduleId: description.scheduleId,
    paused: description.state.paused,
    every: intervalMs === undefined ? '?' : formatInterval(Number(intervalMs)),
    intervalMs,
    nextRuns: description.state.paused
      ? []
      : description.info.nextActionTimes.slice(0, NEXT_RUNS_SHOWN).map((time) => time.toISOString()),
  };
}
