/**
 * `sync`: keeps an Okta group in sync (docs/sync.md). `sync --okta-group G [--every <interval>|off]
 * [--max-removals n]` makes the sync (a Temporal Schedule whose tick starts the long `oktaGroupSync`
 * workflow, and a reconcile now) or changes it; `--dry-run` prints the plan and starts nothing;
 * `--list` shows every sync of the integration; `--approve <count>` lets a held guard's removals go.
 * The group is resolved once, on the worker, as `onboard --okta-group` does (same refusals).
 */
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowUpdateFailedError,
  type ScheduleDescription,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOktaGroupId } from '../activities/okta-group';
import { formatInterval, INTERVAL_FORMAT, parseConfig, parseInterval, syncConfigSchema } from '../config';
import { errorMessage } from '../util/errors';
import { integrationKey, TASK_PRIORITY } from '../workflows/definitions';
import {
  approveRemovalsUpdate,
  configureSyncUpdate,
  DEFAULT_SYNC_EVERY_MS,
  reconcileNowSignal,
  syncId,
  syncStatusQuery,
  type SyncPlanView,
  type SyncSpec,
  type SyncState,
  type SyncWorkflowInput,
} from '../workflows/sync-definitions';
import { integrationState, preflight, startIntegration, syncScheduleIds } from './integration-commands';
import { refuseOktaGroup, resolveOktaGroup } from './okta-group';
import { syncListText, syncPlanText, syncText, type SyncListRow } from './render';
import { CliError, EXIT, isNotFound, workerRunError, workerWarning, type Output, type Session } from './session';
import { readyIntegration } from './verify';

export interface SyncOptions {
  oktaGroup?: string;
  every?: string;
  maxRemovals?: number;
  dryRun?: boolean;
  list?: boolean;
  approve?: number;
}

/** The workflows `sync` starts, by name (the engine's, src/workflows/sync.ts). */
type SyncWorkflow = (input: SyncWorkflowInput) => Promise<SyncState>;
type SyncPlanWorkflow = (input: { spec: SyncSpec }) => Promise<SyncPlanView>;

/** How long `--dry-run` waits for the worker to read the group and make the plan. */
const PLAN_TIMEOUT = '10 minutes';
/** A tick only signal-with-starts the long workflow: one stuck on a missing worker must not hold the schedule. */
const TICK_TIMEOUT_MS = 10 * 60 * 1000;
/** Checks whose failure stops a new sync: without them it could not read the group or the System Log. */
const SYNC_CHECKS: readonly string[] = ['worker target', 'Okta token', 'Okta scopes', 'Okta System Log'];

/** Usage errors, before anything talks to Temporal. */
function checkSyncUsage(options: SyncOptions): void {
  if (options.list) {
    if (
      options.oktaGroup !== undefined ||
      options.every !== undefined ||
      options.maxRemovals !== undefined ||
      options.dryRun ||
      options.approve !== undefined
    )
      throw new CliError('--list takes no other option: it shows every sync of the integration.', EXIT.usage);
    return;
  }
  if (options.oktaGroup === undefined || options.oktaGroup.trim() === '')
    throw new CliError(
      `--okta-group <name or id> names the group to sync${options.approve !== undefined ? ' (--approve approves the removals of one sync)' : ''}; \`sync --list\` shows every sync.`,
      EXIT.usage,
    );
  if (
    options.approve !== undefined &&
    (options.every !== undefined || options.maxRemovals !== undefined || options.dryRun)
  )
    throw new CliError('--approve goes alone with --okta-group: nothing else changes with it.', EXIT.usage);
  if (options.dryRun && options.every !== undefined)
    throw new CliError('--dry-run only prints the plan: give --every without it.', EXIT.usage);
  if (options.every !== undefined) parseEvery(options.every);
}

/** How long `sync` waits for an integration it started (or found setting up) to be Ready. */
const READY_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * A sync needs a Ready integration: started here when it is not running (as `onboard` starts it),
 * then waited for, its steps shown. One that needs attention or is being torn down is refused.
 */
async function untilIntegrationReady(session: Session, out: Output): Promise<void> {
  await startIntegration(session);
  const giveUpAt = Date.now() + READY_TIMEOUT_MS;
  let shown = '';
  for (;;) {
    const state = await integrationState(session);
    if (state.status === 'Ready') return;
    if (state.status !== 'SettingUp') return readyIntegration(session, 'sync');
    if (state.step !== shown) out.info(`Setting up the integration: ${state.step} …`);
    shown = state.step;
    if (Date.now() > giveUpAt)
      throw new CliError(
        `Integration ${session.spec.integrationId} is still setting up (step ${state.step}) after ${READY_TIMEOUT_MS / 60_000} minutes: is a worker running on task queue "${session.taskQueue}"? \`status\` shows what it is doing. No sync was made.`,
        EXIT.unreachable,
      );
    await sleep(1_000);
  }
}

/** `off` → null (paused); an interval → ms; anything else is a usage error. */
function parseEvery(setting: string): number | null {
  if (setting.trim().toLowerCase() === 'off') return null;
  const ms = parseInterval(setting);
  if (ms === undefined) throw new CliError(`--every takes off or ${INTERVAL_FORMAT}; not "${setting}".`, EXIT.usage);
  return ms;
}

export async function sync(session: Session, out: Output, options: SyncOptions): Promise<number> {
  checkSyncUsage(options);
  if (options.list) return list(session, out);
  if (options.approve !== undefined) return approve(session, out, options.oktaGroup!, options.approve);
  const settings = parseConfig(syncConfigSchema);
  // The group first: an unknown one starts nothing, not even the integration.
  const group = await resolveGroup(session, out, options.oktaGroup!);
  const id = syncId(session.spec.integrationId, group.id);
  const existing = await describeSchedule(session, id);
  const previous = existing ? scheduledSpec(existing) : undefined;
  const every = options.every === undefined ? undefined : parseEvery(options.every);
  const spec: SyncSpec = {
    integrationId: session.spec.integrationId,
    group,
    // Without --every: the sync's interval as it is (resumed if paused), or the default for a new one.
    everyMs: every !== undefined ? every : (previous?.everyMs ?? intervalOf(existing) ?? DEFAULT_SYNC_EVERY_MS),
    pollIntervalMs: settings.SYNC_POLL_INTERVAL,
    ...((options.maxRemovals ?? previous?.maxRemovals) !== undefined
      ? { maxRemovals: options.maxRemovals ?? previous?.maxRemovals }
      : {}),
    exclude: settings.SYNC_EXCLUDE,
    deleteAfterMs: settings.SYNC_DELETE_AFTER,
    activityTimeoutMs: session.spec.activityTimeoutMs,
  };

  // A plan needs no integration: it reads the group and who is onboarded, and writes nothing.
  if (options.dryRun) return dryRun(session, out, spec);
  await untilIntegrationReady(session, out);
  if (!existing) await checkUpstreams(session, out);

  out.info(existing ? `Updating sync ${id} …` : `Creating sync ${id} …`);
  if (existing) await updateSchedule(session, id, spec);
  else await createSchedule(session, id, spec);
  const state = await applyToWorkflow(session, id, spec, Boolean(existing));
  const description = await session.client.schedule.getHandle(id).describe();
  const answer = {
    syncId: id,
    created: !existing,
    group,
    every: spec.everyMs === null ? 'off' : formatInterval(spec.everyMs),
    paused: description.state.paused,
    nextRuns: description.info.nextActionTimes.slice(0, 3).map((time) => time.toISOString()),
    maxRemovals: spec.maxRemovals,
    exclude: spec.exclude,
    deleteAfter: formatInterval(spec.deleteAfterMs),
    pollInterval: formatInterval(spec.pollIntervalMs),
    status: state?.status,
  };
  out.print(answer, () => syncText(answer));
  return EXIT.ok;
}

async function resolveGroup(session: Session, out: Output, group: string): Promise<{ id: string; name: string }> {
  out.info(`Resolving Okta group ${JSON.stringify(group.trim())} on the worker …`);
  const resolution = await resolveOktaGroup(session, out, { oktaGroup: group });
  // A group too large for `onboard` to take in one command is one a sync can keep: only its id and name are needed.
  if (resolution.outcome === 'notFound' || resolution.outcome === 'ambiguous') refuseOktaGroup(out, resolution);
  return { id: resolution.group.id, name: resolution.group.name };
}

async function describeSchedule(session: Session, id: string): Promise<ScheduleDescription | undefined> {
  try {
    return await session.client.schedule.getHandle(id).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/** The spec the schedule's ticks start the sync with (what the last `sync` set). */
function scheduledSpec(description: ScheduleDescription): SyncSpec | undefined {
  const action = description.action as { args?: unknown[] };
  return (action.args?.[0] as { spec?: SyncSpec } | undefined)?.spec;
}

function intervalOf(description: ScheduleDescription | undefined): number | undefined {
  const every = description?.spec.intervals?.[0]?.every;
  return every === undefined ? undefined : Number(every);
}

/** A new sync needs the group's and the System Log's reads: checked on the worker first, as `preflight` does. */
async function checkUpstreams(session: Session, out: Output): Promise<void> {
  out.info('Checking that the worker can read the group and the System Log (preflight) …');
  const failed = (await preflight(session, { sync: true })).filter(
    (check) => !check.ok && SYNC_CHECKS.includes(check.name),
  );
  if (failed.length > 0)
    throw new CliError(
      [
        'The sync was not made: the worker cannot do what a sync needs.',
        ...failed.map((check) => `  ${check.name}: ${check.detail}${check.fix ? `\n    fix: ${check.fix}` : ''}`),
      ].join('\n'),
      EXIT.failed,
    );
}

function scheduleAction(session: Session, id: string, spec: SyncSpec): ScheduleOptionsAction {
  const args: [{ spec: SyncSpec }] = [{ spec }];
  return {
    type: 'startWorkflow',
    workflowType: 'oktaGroupSyncTick',
    workflowId: `${id}/tick`,
    taskQueue: session.taskQueue,
    args,
    workflowExecutionTimeout: TICK_TIMEOUT_MS,
    staticSummary: `Full reconcile of Okta group "${spec.group.name}" (${spec.group.id}) for ${spec.integrationId}`,
    typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
  };
}

function scheduleNote(spec: SyncSpec): string {
  const every = spec.everyMs === null ? 'paused' : `every ${formatInterval(spec.everyMs)}`;
  return `Okta group "${spec.group.name}" sync, ${every} (bi-okta sync --okta-group ${spec.group.id} --every <interval>|off; sync --list; --approve <count>)`;
}

async function createSchedule(session: Session, id: string, spec: SyncSpec): Promise<void> {
  await session.client.schedule.create({
    scheduleId: id,
    spec: { intervals: [{ every: spec.everyMs ?? DEFAULT_SYNC_EVERY_MS }] },
    action: scheduleAction(session, id, spec),
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    memo: { integration: spec.integrationId, group: spec.group.name, groupId: spec.group.id },
    state: { paused: spec.everyMs === null, note: scheduleNote(spec) },
  });
}

async function updateSchedule(session: Session, id: string, spec: SyncSpec): Promise<void> {
  await session.client.schedule.getHandle(id).update((previous) => ({
    ...previous,
    // Paused: the interval stays as it was, for when it is resumed.
    spec: {
      ...previous.spec,
      intervals: [{ every: spec.everyMs ?? previous.spec.intervals?.[0]?.every ?? DEFAULT_SYNC_EVERY_MS }],
    },
    action: scheduleAction(session, id, spec),
    state: { ...previous.state, paused: spec.everyMs === null, note: scheduleNote(spec) },
  }));
}

/**
 * The long workflow: a running one is configured (the update answers its state); then, unless the
 * sync is paused, `reconcileNow` is signalled with start, so a sync whose workflow is gone comes back
 * and the first (or next) full reconcile runs now.
 */
async function applyToWorkflow(
  session: Session,
  id: string,
  spec: SyncSpec,
  existed: boolean,
): Promise<SyncState | undefined> {
  let state: SyncState | undefined;
  if (existed) {
    try {
      state = await session.client.workflow.getHandle(id).executeUpdate(configureSyncUpdate, {
        args: [
          {
            everyMs: spec.everyMs,
            exclude: spec.exclude,
            deleteAfterMs: spec.deleteAfterMs,
            ...(spec.maxRemovals !== undefined ? { maxRemovals: spec.maxRemovals } : {}),
          },
        ],
      });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError)
        throw new CliError(`The sync refused the change: ${errorMessage(error.cause ?? error)}`, EXIT.failed);
      if (!isNotFound(error)) throw error;
    }
  }
  if (spec.everyMs === null) return state;
  const args: [SyncWorkflowInput] = [{ spec }];
  const handle = await session.client.workflow.signalWithStart<SyncWorkflow, []>('oktaGroupSync', {
    workflowId: id,
    taskQueue: session.taskQueue,
    args,
    signal: reconcileNowSignal,
    signalArgs: [],
    typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
    staticSummary: `Keeps Okta group "${spec.group.name}" (${spec.group.id}) in sync with ${spec.integrationId}`,
    priority: { priorityKey: TASK_PRIORITY.bulk },
  });
  return state ?? (await handle.query(syncStatusQuery).catch(() => undefined));
}

async function dryRun(session: Session, out: Output, spec: SyncSpec): Promise<number> {
  const warning = await workerWarning(session);
  if (warning) out.info(`Warning: ${warning}`);
  out.info(`Reading Okta group "${spec.group.name}" and who this sync onboarded, on the worker (dry run) …`);
  let plan: SyncPlanView;
  try {
    plan = await session.client.workflow.execute<SyncPlanWorkflow>('oktaGroupSyncPlan', {
      taskQueue: session.taskQueue,
      workflowId: `${syncId(spec.integrationId, spec.group.id)}/plan-${Date.now()}`,
      workflowExecutionTimeout: PLAN_TIMEOUT,
      args: [{ spec }],
      typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
      staticSummary: `Dry run of the sync of Okta group "${spec.group.name}": reads, plans, writes nothing`,
    });
  } catch (error) {
    throw workerRunError(session, error, 'sync --dry-run', PLAN_TIMEOUT);
  }
  out.print({ dryRun: true, ...plan }, () => syncPlanText(plan));
  return EXIT.ok;
}

async function approve(session: Session, out: Output, group: string, count: number): Promise<number> {
  const groupId = isOktaGroupId(group.trim()) ? group.trim() : (await resolveGroup(session, out, group)).id;
  const id = syncId(session.spec.integrationId, groupId);
  let answer: { approved: number };
  try {
    answer = await session.client.workflow.getHandle(id).executeUpdate(approveRemovalsUpdate, { args: [{ count }] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError)
      throw new CliError(`Not approved: ${errorMessage(error.cause ?? error)}`, EXIT.failed);
    if (isNotFound(error))
      throw new CliError(
        `No running sync ${id}: \`sync --okta-group ${groupId}\` starts it; \`sync --list\` shows every sync.`,
        EXIT.notFound,
      );
    throw error;
  }
  out.print({ syncId: id, ...answer }, () =>
    [
      `Approved: sync ${id} takes out the ${answer.approved} people the guard held (out of routing first, then their identities suspended).`,
      `Progress: \`bi-okta sync --list\`, \`bi-okta status\`.`,
    ].join('\n'),
  );
  return EXIT.ok;
}

async function list(session: Session, out: Output): Promise<number> {
  const rows: SyncListRow[] = [];
  for (const id of await syncScheduleIds(session)) {
    const description = await describeSchedule(session, id);
    if (!description) continue;
    const spec = scheduledSpec(description);
    const every = intervalOf(description);
    const row: SyncListRow = {
      syncId: id,
      group: spec?.group ?? { id: id.slice(id.lastIndexOf('/') + 1), name: '?' },
      every: every === undefined ? '?' : formatInterval(every),
      paused: description.state.paused,
      ...(description.info.nextActionTimes[0] ? { nextRun: description.info.nextActionTimes[0].toISOString() } : {}),
    };
    try {
      const handle = session.client.workflow.getHandle(id);
      const execution = (await handle.describe()).status.name;
      if (execution === 'RUNNING') {
        const { spec: _spec, ...state } = await handle.query(syncStatusQuery);
        row.state = state;
      } else
        row.unread = `its workflow is ${execution} (the next tick, or \`sync --okta-group ${row.group.id}\`, starts it again)`;
    } catch (error) {
      row.unread = isNotFound(error)
        ? `its workflow is not there (the next tick, or \`sync --okta-group ${row.group.id}\`, starts it)`
        : errorMessage(error);
    }
    rows.push(row);
  }
  out.print(rows, () => syncListText(session.spec.integrationId, rows));
  return EXIT.ok;
}
