/**
 * An Okta group kept in sync, on the dev server and both simulators, the worker in this process:
 * 30 members onboarded by the sync (each exactly one run and one email); then members added,
 * removed and deactivated in Okta, applied by the fast path within a poll; a full reconcile after
 * that changes nothing; a leaver added back is routed again without a new email; 20 of 30 removed
 * at once stop at the guard until exactly that count is approved; excluded people (by login and by
 * group) are never onboarded; people onboarded by hand, in the group or not, are never touched; a
 * member whose login is not their email is skipped, never started. The fast path reads only the people
 * events name, and never runs for our own profile updates (routing set or cleared).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { integrationKey } from '../../src/workflows/definitions';
import {
  approveRemovalsUpdate,
  configureSyncUpdate,
  reconcileNowSignal,
  type SyncPlanView,
} from '../../src/workflows/sync-definitions';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { oktaApi, personState, routedByOkta, waitForPerson } from '../support/workflow-checks';
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
/** Okta login ≠ email: onboarding would create a second Okta user, so the sync skips them. */
const MISFIT = { login: emailOf('jdoe.login'), email: emailOf('jane.doe') };
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
    const misfit = (await oktaApi(harness, 'POST', '/api/v1/users?activate=true&provider=true', {
      profile: { ...MISFIT, firstName: 'Jane', lastName: 'Doe' },
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    })) as { id: string };
    const groupId = await oktaGroup(harness, 'Passkeys', [
      ...[...SYNCED, EXCLUDED_LOGIN, EXCLUDED_BY_GROUP, HAND_INSIDE].map((email) => ids[email]!),
      misfit.id,
    ]);
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

  /** Each call of an activity in the sync's current run: its input and result (the harness has no codec: plain JSON). */
  async function activityCalls<I, R>(type: string): Promise<{ input: I; result?: R }[]> {
    const history = await syncHandle(harness, spec).fetchHistory();
    const decode = (payloads?: Payload[] | null) =>
      payloads?.[0] ? defaultPayloadConverter.fromPayload(payloads[0]) : undefined;
    const results = new Map(
      (history.events ?? []).flatMap((event) => {
        const done = event.activityTaskCompletedEventAttributes;
        return done ? [[String(done.scheduledEventId), decode(done.result?.payloads) as R]] : [];
      }),
    );
    return (history.events ?? []).flatMap((event) => {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== type) return [];
      return [{ input: decode(scheduled.input?.payloads) as I, result: results.get(String(event.eventId)) }];
    });
  }

  it('plans a dry run that writes nothing', async () => {
    const plan = (await harness.client.workflow.execute('oktaGroupSyncPlan', {
      workflowId: `${spec.integrationId}/sync/${spec.group.id}/plan`,
      taskQueue: harness.taskQueue,
      args: [{ spec }],
    })) as SyncPlanView;
    expect(plan.group).toEqual({ id: spec.group.id, name: 'Passkeys', members: 34 });
    expect(plan.joiners.map((joiner) => joiner.email).sort()).toEqual(SYNCED);
    expect(plan.skipped).toEqual([
      {
        email: MISFIT.email,
        login: MISFIT.login,
        reason: expect.stringMatching(/^Okta login "jdoe\.login@example\.com" is not their email .*second Okta user/),
      },
    ]);
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
    expect(state.lastFullRun!.counts).toMatchObject({ joiners: 30, leavers: 0, excluded: 2, skipped: 1, unchanged: 1 });
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
    // The fast path read visibility for the people the events named only, never every person of the integration.
    const named = new Set([...JOINING, REMOVED_1, REMOVED_2, DEACTIVATED]);
    const reads = await activityCalls<
      { emails?: string[] },
      { synced: { email: string }[]; onboardedElsewhere: string[] }
    >('readSyncedPeople');
    expect(reads.length).toBeGreaterThan(0);
    for (const { input, result } of reads) {
      expect(input.emails?.filter((email) => !named.has(email))).toEqual([]);
      const read = [...(result?.synced.map((person) => person.email) ?? []), ...(result?.onboardedElsewhere ?? [])];
      expect(read.filter((email) => !input.emails!.includes(email))).toEqual([]);
    }
    expect(new Set(reads.flatMap(({ input }) => input.emails ?? []))).toEqual(named);
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
    // Read after the leave runs cleared routing, so the cursor is past their profile updates: none was a run.
    const { seen } = await waitForSync(harness, spec, () => true);
    const events = (await oktaApi(
      harness,
      'GET',
      `/api/v1/logs?limit=1000&filter=${encodeURIComponent('eventType eq "user.account.update_profile" or eventType eq "group.user_membership.remove"')}`,
    )) as { uuid: string; eventType: string; target: { id: string; changeDetails?: { to: object } }[] }[];
    const about = (email: string) => events.filter((event) => event.target.some((target) => target.id === ids[email]));
    for (const email of [REMOVED_2, DEACTIVATED]) {
      const ours = about(email).filter((event) => event.eventType === 'user.account.update_profile');
      // Set when they bound, cleared when they left: changeDetails name only the routing property.
      expect(ours.length).toBeGreaterThanOrEqual(2);
      for (const event of ours) expect(Object.keys(event.target[0]!.changeDetails!.to)).not.toContain('email');
      expect(ours.filter((event) => seen[event.uuid])).toEqual([]);
    }
    const removal = about(REMOVED_2).find((event) => event.eventType === 'group.user_membership.remove');
    expect(seen[removal!.uuid]).toBeDefined();
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

  it('never onboards the excluded or the skipped, and never touches people onboarded by hand', async () => {
    expect(await personRuns(harness, MISFIT.email)).toEqual([]);
    expect(await personRuns(harness, MISFIT.login)).toEqual([]);
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
