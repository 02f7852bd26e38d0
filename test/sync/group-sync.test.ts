/**
 * An Okta group kept in sync, on the dev server and both simulators, the worker in this process:
 * 30 members onboarded by the sync (each exactly one run and one email); then members added,
 * removed and deactivated in Okta, applied by the fast path within a poll; a full reconcile after
 * that changes nothing; a leaver added back is routed again without a new email; 20 of 30 removed
 * at once stop at the guard until exactly that count is approved; excluded people (by login and by
 * group) are never onboarded; people onboarded by hand, in the group or not, are never touched.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { integrationKey } from '../../src/workflows/definitions';
import {
  approveRemovalsUpdate,
  configureSyncUpdate,
  reconcileNowSignal,
  type SyncPlanView,
} from '../../src/workflows/sync-definitions';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { personState, routedByOkta, waitForPerson } from '../support/workflow-checks';
import {
  addMember,
  emailOf,
  identityStatus,
  lifecycle,
  oktaGroup,
  oktaUsers,
  personRuns,
  removeMember,
  startSync,
  syncHandle,
  syncSpec,
  waitForSync,
} from './support';

const SYNCED = Array.from({ length: 30 }, (_, index) => emailOf(`member${String(index + 1).padStart(2, '0')}`));
const JOINING = ['joiner1', 'joiner2', 'joiner3'].map(emailOf);
const EXCLUDED_LOGIN = emailOf('breakglass');
const EXCLUDED_BY_GROUP = emailOf('admin');
const HAND_INSIDE = emailOf('hand-inside');
const HAND_OUTSIDE = emailOf('hand-outside');
/** Bound, so routed: two leave the group, one is deactivated. */
const [REMOVED_1, REMOVED_2, DEACTIVATED] = [SYNCED[0]!, SYNCED[1]!, SYNCED[2]!];

describe('an Okta group kept in sync', () => {
  let harness: ServiceHarness;
  let ids: Record<string, string>;
  let spec: ReturnType<typeof syncSpec>;

  beforeAll(async () => {
    harness = await ServiceHarness.start();
    await harness.startWorker();
    ids = await oktaUsers(harness, [
      ...SYNCED,
      ...JOINING,
      EXCLUDED_LOGIN,
      EXCLUDED_BY_GROUP,
      HAND_INSIDE,
      HAND_OUTSIDE,
    ]);
    const groupId = await oktaGroup(
      harness,
      'Passkeys',
      [...SYNCED, EXCLUDED_LOGIN, EXCLUDED_BY_GROUP, HAND_INSIDE].map((email) => ids[email]!),
    );
    await oktaGroup(harness, 'Administrators', [ids[EXCLUDED_BY_GROUP]!]);
    // Onboarded by hand before the sync: one in the group, one not.
    await harness.onboard([HAND_INSIDE, HAND_OUTSIDE]);
    spec = syncSpec(
      harness,
      { id: groupId, name: 'Passkeys' },
      {
        exclude: { logins: [EXCLUDED_LOGIN], groups: ['Administrators'] },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await syncHandle(harness, spec)
      .terminate('test over')
      .catch(() => undefined);
    await harness?.stop();
  });

  it('plans a dry run that writes nothing', async () => {
    const plan = (await harness.client.workflow.execute('oktaGroupSyncPlan', {
      workflowId: `${spec.integrationId}/sync/${spec.group.id}/plan`,
      taskQueue: harness.taskQueue,
      args: [{ spec }],
    })) as SyncPlanView;
    expect(plan.group).toEqual({ id: spec.group.id, name: 'Passkeys', members: 33 });
    expect(plan.joiners.map((joiner) => joiner.email).sort()).toEqual(SYNCED);
    expect(plan.excluded.sort()).toEqual([EXCLUDED_BY_GROUP, EXCLUDED_LOGIN]);
    expect(plan.unchanged).toEqual([HAND_INSIDE]);
    expect(plan.leavers).toEqual([]);
    expect(await personRuns(harness, SYNCED[0]!)).toEqual([]);
  });

  it('onboards the 30 members, each with one run started by the sync and one binding email', async () => {
    await startSync(harness, spec);
    const state = await waitForSync(
      harness,
      spec,
      (s) => s.status === 'Watching' && s.lastFullRun !== undefined,
      60_000,
    );
    expect(state.lastFullRun!.counts).toMatchObject({ joiners: 30, leavers: 0, excluded: 2, unchanged: 1 });
    await Promise.all(
      SYNCED.map((email) => waitForPerson(harness, email, (person) => person.status === 'WaitingForBinding', 60_000)),
    );
    for (const email of SYNCED) {
      const runs = await personRuns(harness, email);
      expect([email, runs.map((run) => run.onboardedBy)]).toEqual([email, [`sync:${spec.group.id}`]]);
      expect([email, (await harness.outbox(email)).length]).toEqual([email, 1]);
    }
    await Promise.all([REMOVED_1, REMOVED_2, DEACTIVATED].map((email) => harness.bind(email)));
    await Promise.all(
      [REMOVED_1, REMOVED_2, DEACTIVATED].map((email) =>
        waitForPerson(harness, email, (person) => person.status === 'Onboarded', 30_000),
      ),
    );
  });

  it('applies 3 joiners, 2 removals and 1 deactivation within a poll: onboarding, suspended, out of routing', async () => {
    for (const email of JOINING) await addMember(harness, spec.group.id, ids[email]!);
    await removeMember(harness, spec.group.id, ids[REMOVED_1]!);
    await removeMember(harness, spec.group.id, ids[REMOVED_2]!);
    await lifecycle(harness, ids[DEACTIVATED]!, 'deactivate');

    const state = await waitForSync(harness, spec, (s) => s.totals.joined === 33 && s.totals.left === 3, 15_000);
    expect(state.lastRun?.kind).toBe('events');
    // Watching, or already reconciling what the leave runs changed (their routing cleared): nothing needs attention.
    expect(state.status).not.toBe('NeedsAttention');
    expect(state.problem).toBeUndefined();
    for (const email of JOINING) {
      await waitForPerson(harness, email, (person) => person.status === 'WaitingForBinding', 30_000);
      expect((await personRuns(harness, email)).map((run) => run.onboardedBy)).toEqual([`sync:${spec.group.id}`]);
    }
    const routed = await routedByOkta(harness);
    for (const email of [REMOVED_1, REMOVED_2, DEACTIVATED]) {
      expect([email, routed.includes(email)]).toEqual([email, false]);
      const person = await waitForPerson(harness, email, (p) => p.status === 'Suspended', 30_000);
      expect(person.step).toBe('WaitForReturn');
      expect([email, await identityStatus(harness, email)]).toEqual([email, 'suspended']);
    }
  });

  it('changes nothing at the next full reconcile', async () => {
    const before = (await syncHandle(harness, spec).query('status')) as { lastFullRun: { finishedAt: string } };
    await syncHandle(harness, spec).signal(reconcileNowSignal);
    const state = await waitForSync(harness, spec, (s) => s.lastFullRun!.finishedAt > before.lastFullRun.finishedAt);
    expect(state.lastFullRun!.counts).toMatchObject({ joiners: 0, leavers: 0, returning: 0, movers: 0 });
    expect(state.lastFullRun!.changed).toEqual([]);
    for (const email of [...SYNCED, ...JOINING])
      expect([email, (await personRuns(harness, email)).length]).toEqual([
        email,
        [REMOVED_1, REMOVED_2, DEACTIVATED].includes(email) ? 2 : 1,
      ]);
  });

  it('routes a removed member added back again, without a new email', async () => {
    const emailsBefore = (await harness.outbox(REMOVED_1)).length;
    await addMember(harness, spec.group.id, ids[REMOVED_1]!);
    await waitForSync(harness, spec, (s) => s.totals.returned === 1, 15_000);
    await waitForPerson(harness, REMOVED_1, (person) => person.routed && person.status === 'Onboarded', 30_000);
    expect(await routedByOkta(harness)).toContain(REMOVED_1);
    expect(await identityStatus(harness, REMOVED_1)).toBe('active');
    expect((await harness.outbox(REMOVED_1)).length).toBe(emailsBefore);
  });

  it('stops 20 of 30 removed at once at the guard, refuses a wrong count, lets exactly the approved count go', async () => {
    const leaving = SYNCED.slice(5, 25);
    // Paused while the console removes them, so one reconcile sees all twenty.
    await syncHandle(harness, spec).executeUpdate(configureSyncUpdate, { args: [{ everyMs: null }] });
    for (const email of leaving) await removeMember(harness, spec.group.id, ids[email]!);
    await syncHandle(harness, spec).executeUpdate(configureSyncUpdate, { args: [{ everyMs: 3_600_000 }] });

    const held = await waitForSync(harness, spec, (s) => s.pendingGuard !== undefined);
    expect(held.status).toBe('NeedsAttention');
    expect(held.pendingGuard).toMatchObject({ removals: 20 });
    expect(held.pendingGuard!.leavers.map((leaver) => leaver.email).sort()).toEqual([...leaving].sort());
    expect(held.totals.guardStops).toBe(1);
    for (const email of leaving) expect([email, (await personRuns(harness, email)).length]).toEqual([email, 1]);

    const refused = await syncHandle(harness, spec)
      .executeUpdate(approveRemovalsUpdate, { args: [{ count: 19 }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toMatch(/20 removals are held, not 19/);
    expect((await syncHandle(harness, spec).query('status')) as object).toMatchObject({
      pendingGuard: { removals: 20 },
    });

    const answer = await syncHandle(harness, spec).executeUpdate(approveRemovalsUpdate, { args: [{ count: 20 }] });
    expect(answer).toEqual({ approved: 20 });
    await waitForSync(
      harness,
      spec,
      (s) => s.totals.left === 23 && s.pendingGuard === undefined && s.status === 'Watching',
    );
    await Promise.all(
      leaving.map((email) =>
        waitForPerson(harness, email, (person) => ['Suspended', 'Cancelled'].includes(person.status), 30_000),
      ),
    );
  });

  it('never onboards the excluded, and never touches people onboarded by hand', async () => {
    expect(await personRuns(harness, EXCLUDED_LOGIN)).toEqual([]);
    expect(await personRuns(harness, EXCLUDED_BY_GROUP)).toEqual([]);
    for (const email of [HAND_INSIDE, HAND_OUTSIDE]) {
      const runs = await personRuns(harness, email);
      // By hand: the attribute says so (or is unset, as on runs from before it existed).
      expect([email, runs.length, runs[0]!.onboardedBy ?? 'hand']).toEqual([email, 1, 'hand']);
      expect([email, (await personState(harness, email)).status]).toEqual([email, 'WaitingForBinding']);
    }
    // Taken out of the group, a person onboarded by hand stays as they are.
    await removeMember(harness, spec.group.id, ids[HAND_INSIDE]!);
    const before = (await waitForSync(harness, spec, () => true)).totals.eventsApplied;
    await waitForSync(harness, spec, (s) => s.totals.eventsApplied > before, 15_000);
    await waitFor(
      () => personRuns(harness, HAND_INSIDE),
      (runs) => runs.length === 1,
      2_000,
    );
    expect((await personState(harness, HAND_INSIDE)).status).toBe('WaitingForBinding');
  });

  it("comes back at the schedule's next tick after its workflow was terminated", async () => {
    await syncHandle(harness, spec).terminate('an operator terminated it');
    await harness.client.workflow.execute('oktaGroupSyncTick', {
      workflowId: `${spec.integrationId}/sync/${spec.group.id}/tick`,
      taskQueue: harness.taskQueue,
      args: [{ spec }],
    });
    const back = await waitForSync(harness, spec, (s) => s.lastFullRun !== undefined);
    expect(back.lastFullRun!.counts).toMatchObject({ joiners: 0, leavers: 0 });
    const description = await syncHandle(harness, spec).describe();
    expect(description.typedSearchAttributes.get(integrationKey)).toBe(spec.integrationId);
  });
});
