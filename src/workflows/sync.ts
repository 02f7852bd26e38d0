/**
 * An Okta group sync (docs/sync.md). `oktaGroupSync` is one long-running
 * workflow per sync (id = the sync id) that runs every reconcile of it, one at a time: a full
 * reconcile when it starts and on `reconcileNow` (the schedule's tick), and between them a fast
 * path that reads the System Log from the kept cursor every `pollIntervalMs` and reconciles only
 * the people the events name. It continues-as-new after each full reconcile and when Temporal
 * suggests it. `oktaGroupSyncTick` is what the Schedule starts; `oktaGroupSyncPlan` is the dry run.
 * The rules live in sync-state.ts and sync-plan.ts; this file only sequences them.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  metricMeter,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { METRIC_NAMES } from '../observability/metric-names';
import { syncRanSignal } from './definitions';
import { isNonRetryableType } from './failure-types';
import { describeFailure, RETRY_BASE } from './steps';
import {
  approveRemovalsUpdate,
  configureSyncUpdate,
  reconcileNowSignal,
  syncStatusQuery,
  type SyncEvent,
  type SyncLeaver,
  type SyncPlanView,
  type SyncSpec,
  type SyncState,
  type SyncWorkflowInput,
} from './sync-definitions';
import { emptyPlan } from './sync-plan';
import { GroupSync, initialSyncState, type AppliedChange, type Decision } from './sync-state';

/** Reading a large group, or applying a large plan, takes a while; the heartbeat says the activity is alive. */
const LONG_ACTIVITY_MS = 30 * 60 * 1000;

function syncActivities(spec: SyncSpec, summary: string, long = false): Activities {
  return proxyActivities<Activities>({
    summary,
    startToCloseTimeout: long ? LONG_ACTIVITY_MS : spec.activityTimeoutMs,
    heartbeatTimeout: Math.min(spec.activityTimeoutMs, 10_000),
    // A few attempts, then the sync shows the problem and tries again at its next poll (or `reconcileNow`).
    retry: { ...RETRY_BASE, maximumInterval: '30 seconds', maximumAttempts: 5 },
  });
}

const now = () => new Date().toISOString();

export async function oktaGroupSync(input: SyncWorkflowInput): Promise<SyncState> {
  const sync = new GroupSync(input.resume ?? initialSyncState(input.spec));
  const meter = {
    joiners: metricMeter.createCounter(METRIC_NAMES.syncJoiners, 'people', 'People a sync onboarded'),
    leavers: metricMeter.createCounter(METRIC_NAMES.syncLeavers, 'people', 'People a sync took out'),
    guardStops: metricMeter.createCounter(METRIC_NAMES.syncGuardStops, 'stops', 'Removals a guard held'),
    lag: metricMeter.createHistogram(METRIC_NAMES.syncEventLag, 'float', 's', 'Okta event published → applied'),
  };
  /** A fresh sync starts with a full reconcile; a continued one waits for its next poll. */
  let fullRequested = input.resume === undefined;
  /** A failure only the operator can fix (a rejected token, a missing scope): no polling until `reconcileNow`. */
  let blocked = false;
  /** Held leavers an approval released, waiting for the loop to apply them (one reconcile at a time). */
  let approved: SyncLeaver[] | undefined;
  let approvalsApplied = 0;

  const show = () => {
    sync.refreshStatus();
    setCurrentDetails(sync.details());
  };
  setHandler(syncStatusQuery, () => sync.state);
  setHandler(reconcileNowSignal, () => {
    fullRequested = true;
    blocked = false;
  });
  setHandler(
    configureSyncUpdate,
    (changes) => {
      if (sync.configure(changes)) fullRequested = true;
      show();
      return sync.state;
    },
    { validator: (changes) => GroupSync.validateConfigure(changes) },
  );
  setHandler(
    approveRemovalsUpdate,
    async ({ count }) => {
      const ticket = approvalsApplied + 1;
      approved = [...(approved ?? []), ...sync.releaseHeld()];
      show();
      await condition(() => approvalsApplied >= ticket);
      return { approved: count };
    },
    { validator: ({ count }) => sync.validateApproval(count) },
  );

  /** Applies what the guard let through, and returns each person's outcome. */
  async function apply(decision: Pick<Decision, 'joiners' | 'leavers' | 'returning'>): Promise<AppliedChange[]> {
    const { joiners, leavers, returning } = decision;
    if (joiners.length + leavers.length + returning.length === 0) return [];
    const changes = `${joiners.length} joining, ${leavers.length} leaving, ${returning.length} returning`;
    return syncActivities(sync.spec, `Apply: ${changes}`, true).applySyncChanges({
      spec: sync.spec,
      joiners,
      leavers,
      returning,
    });
  }

  /** After a run: metrics, the details, and the integration told (a missing integration is ignored). */
  async function ranWith(applied: AppliedChange[], decision: Decision | undefined): Promise<void> {
    const count = (action: AppliedChange['action'], outcomes: string[]) =>
      applied.filter((change) => change.action === action && outcomes.includes(change.outcome)).length;
    meter.joiners.add(count('join', ['started']));
    meter.leavers.add(count('leave', ['leaving', 'cancelled']));
    if (decision?.newGuardStop) meter.guardStops.add(1);
    show();
    try {
      await getExternalWorkflowHandle(sync.spec.integrationId).signal(
        syncRanSignal,
        sync.digest(workflowInfo().workflowId),
      );
    } catch {
      // No integration workflow (not started, or torn down): nobody to tell.
    }
  }

  /** Shown as Reconciling while a run changes something (a poll that finds nothing of ours is not one). */
  function reconciling(): void {
    sync.setReconciling(true);
    setCurrentDetails(sync.details());
  }

  async function fullReconcile(): Promise<void> {
    reconciling();
    const startedAt = now();
    const { spec } = sync;
    const reads = syncActivities(spec, 'Read the group, the excluded people and who this sync onboarded', true);
    // A first cursor from just before the members are read: what changes after the read is in the log after it.
    const cursor = sync.state.cursor ?? (await reads.readSyncEvents({ since: startedAt })).next;
    const read = await reads.readSyncMembers({ spec });
    const people = await reads.readSyncedPeople({ integrationId: spec.integrationId, groupId: spec.group.id });
    if (read.groupName !== spec.group.name)
      sync.state.spec = { ...spec, group: { ...spec.group, name: read.groupName } };
    const plan = sync.planFull({ members: read.members, ...people, excluded: read.excluded });
    sync.indexMembers(read.members, plan);
    const decision = sync.decide(plan, sync.removalLimit(people.synced.length), now());
    const applied = await apply(decision);
    sync.finishRun('full', startedAt, now(), plan, applied, decision.held);
    sync.state.cursor = cursor;
    await ranWith(applied, decision);
  }

  async function fastPath(): Promise<void> {
    const cursor = sync.state.cursor;
    if (!cursor) return;
    const startedAt = now();
    const { spec } = sync;
    const reads = syncActivities(spec, 'Read the System Log from the cursor');
    const page = await reads.readSyncEvents({ cursor });
    const { events, userIds } = sync.eventsToApply(page.events);
    if (userIds.length === 0) {
      sync.eventsApplied(events, page.next, now());
      return;
    }
    reconciling();
    const named = await syncActivities(
      spec,
      `Ask Okta about ${userIds.length} people the events name`,
    ).readNamedMembers({ spec, oktaIds: userIds });
    // Only the people named: reading every person of the integration at each poll would be a full visibility scan.
    const people = await reads.readSyncedPeople({
      integrationId: spec.integrationId,
      groupId: spec.group.id,
      emails: sync.namedEmails(userIds, named.members),
    });
    const plan = sync.planNamed({ userIds, members: named.members, ...people, excluded: named.excluded });
    // The limit from the group before these events (the member index), as a full reconcile takes it: removals must not shrink it.
    const limit = sync.removalLimit(people.synced.length);
    sync.indexNamed(userIds, named.members, plan);
    const decision = sync.decide(plan, limit, now());
    const applied = await apply(decision);
    const finishedAt = now();
    sync.finishRun('events', startedAt, finishedAt, plan, applied, decision.held);
    // The cursor moves on only now: a crash before this reads the same events again (applied once: idempotent).
    sync.eventsApplied(events, page.next, finishedAt);
    recordLag(events, finishedAt);
    await ranWith(applied, decision);
  }

  function recordLag(events: SyncEvent[], appliedAt: string): void {
    for (const event of events) {
      const lag = (Date.parse(appliedAt) - Date.parse(event.published)) / 1000;
      if (Number.isFinite(lag)) meter.lag.record(Math.max(0, lag));
    }
  }

  async function applyApproved(): Promise<void> {
    reconciling();
    const leavers = approved ?? [];
    approved = undefined;
    const startedAt = now();
    const applied = await apply({ joiners: [], leavers, returning: [] });
    sync.finishRun('events', startedAt, now(), emptyPlan(), applied);
    approvalsApplied += 1;
    await ranWith(applied, undefined);
  }

  /** Runs one reconcile; a failure becomes the sync's problem (the run is tried again, nothing is lost). */
  async function attempt(run: () => Promise<void>, step: string): Promise<void> {
    try {
      await run();
      if (!sync.state.problem?.message.startsWith('Okta users changed')) sync.setProblem(undefined, now());
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const failure = describeFailure(step, error);
      blocked = isNonRetryableType(failure.type);
      sync.setProblem(
        {
          message: `${step} failed: ${failure.type}: ${failure.message}${failure.status ? ` [${failure.service ?? 'upstream'} HTTP ${failure.status}]` : ''}`,
          fix: blocked
            ? "fix what the message names (the worker's Okta credentials, or the scopes okta.groups.read, okta.users.read and okta.logs.read), then run a full reconcile (the reconcileNow signal; the schedule sends one every interval)"
            : 'nothing, if it passes: the sync tries again at its next poll',
        },
        now(),
      );
    } finally {
      sync.setReconciling(false);
      show();
    }
  }

  show();
  for (;;) {
    const canContinue = () => workflowInfo().continueAsNewSuggested;
    if (!fullRequested && !approved) {
      const woken = () => fullRequested || approved !== undefined || canContinue();
      if (sync.paused || blocked) await condition(woken);
      else await condition(woken, sync.spec.pollIntervalMs);
    }
    if (approved) await attempt(applyApproved, 'Apply the approved removals');
    else if (fullRequested && !sync.paused) {
      fullRequested = false;
      await attempt(fullReconcile, 'Full reconcile');
      if (!blocked) await continueWhenIdle(sync, () => approved !== undefined);
    } else if (canContinue()) await continueWhenIdle(sync, () => approved !== undefined || fullRequested);
    else if (!sync.paused && !blocked) await attempt(fastPath, 'Fast path (System Log)');
    else fullRequested = false;
  }
}

/** Continues as new once no update is mid-way (an approval waiting for the loop is applied first). */
async function continueWhenIdle(sync: GroupSync, pending: () => boolean): Promise<void> {
  await condition(() => allHandlersFinished() || pending());
  if (pending()) return;
  await continueAsNew<typeof oktaGroupSync>({ spec: sync.spec, resume: sync.state });
}

/** The Schedule's tick: a full reconcile of the sync now, starting it if it is not running. */
export async function oktaGroupSyncTick(input: { spec: SyncSpec }): Promise<void> {
  await syncActivities(input.spec, 'Signal the sync: reconcile now').requestFullReconcile({ spec: input.spec });
}

/** `--dry-run`: the plan of a full reconcile. Reads only; writes nothing. */
export async function oktaGroupSyncPlan(input: { spec: SyncSpec }): Promise<SyncPlanView> {
  const { spec } = input;
  const reads = syncActivities(spec, 'Read the group and who this sync onboarded (read-only)', true);
  const read = await reads.readSyncMembers({ spec });
  const people = await reads.readSyncedPeople({ integrationId: spec.integrationId, groupId: spec.group.id });
  const plan = new GroupSync(initialSyncState(spec)).planFull({
    members: read.members,
    ...people,
    excluded: read.excluded,
  });
  return { ...plan, group: { id: spec.group.id, name: read.groupName, members: read.members.length } };
}
