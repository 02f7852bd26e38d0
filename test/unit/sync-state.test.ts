/** An Okta group sync's state rules (src/workflows/sync-state.ts): pure, no server. */
import type { SyncEvent, SyncSpec } from '../../src/workflows/sync-definitions';
import { namedPeopleQueries } from '../../src/temporal/people';
import { emptyPlan, type SyncMember } from '../../src/workflows/sync-plan';
import { GroupSync, initialSyncState, type AppliedChange } from '../../src/workflows/sync-state';

const GROUP = '00gPasskeys';
const spec: SyncSpec = {
  integrationId: 'int',
  group: { id: GROUP, name: 'Passkeys' },
  everyMs: 3_600_000,
  pollIntervalMs: 30_000,
  exclude: { logins: [], groups: [] },
  deleteAfterMs: 86_400_000,
  activityTimeoutMs: 10_000,
};
const T0 = '2026-12-08T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const member = (n: number, status = 'ACTIVE'): SyncMember => ({
  oktaId: `00u${n}`,
  email: `p${n}@example.com`,
  login: `p${n}@example.com`,
  status,
});
const event = (uuid: string, eventType: string, userIds: string[], groupIds: string[] = []): SyncEvent => ({
  uuid,
  published: T0,
  eventType,
  userIds,
  groupIds,
});
const leavers = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => ({ email: `p${from + i}@example.com`, reason: 'leftGroup' as const }));

function withMembers(count: number): GroupSync {
  const sync = new GroupSync(initialSyncState(spec));
  sync.indexMembers(
    Array.from({ length: count }, (_, i) => member(i + 1)),
    emptyPlan(),
  );
  return sync;
}

describe('GroupSync: events', () => {
  it("keeps our group's membership events and our members' lifecycle events, each once", () => {
    const sync = withMembers(2);
    const page = [
      event('a', 'group.user_membership.add', ['00u9'], [GROUP]),
      event('b', 'group.user_membership.add', ['00u8'], ['00gOther']),
      event('c', 'user.lifecycle.deactivate', ['00u1']),
      event('d', 'user.lifecycle.suspend', ['00u7']), // not a member: not ours
      event('e', 'user.lifecycle.activate', ['00u9']), // named by a membership event of the same page
      event('a', 'group.user_membership.add', ['00u9'], [GROUP]), // the same event twice in a page
    ];
    const { events, userIds } = sync.eventsToApply(page);
    expect(events.map((e) => e.uuid)).toEqual(['a', 'c', 'e']);
    expect(userIds.sort()).toEqual(['00u1', '00u9']);
  });

  it("drops a member's profile update that shows it changed nothing the sync reads (our routing property), keeps the others", () => {
    const sync = withMembers(4);
    const profile = (uuid: string, userId: string, profileChanges?: string[]): SyncEvent => ({
      ...event(uuid, 'user.account.update_profile', [userId]),
      ...(profileChanges ? { profileChanges } : {}),
    });
    const { events, userIds } = sync.eventsToApply([
      profile('routed', '00u1', ['biRouting']), // set by this service when they bound: changes nothing
      profile('named', '00u2', ['firstName', 'department']),
      profile('email', '00u3', ['email', 'biRouting']), // a new email: a mover, or unusable
      profile('login', '00u4', ['login']),
      profile('unknown', '00u1'), // what changed is not shown: kept
    ]);
    expect(events.map((e) => e.uuid)).toEqual(['email', 'login', 'unknown']);
    expect(userIds.sort()).toEqual(['00u1', '00u3', '00u4']);
  });

  it('applies an event once within 24 hours, and forgets it after', () => {
    const sync = withMembers(1);
    const page = [event('a', 'user.lifecycle.deactivate', ['00u1'])];
    sync.eventsApplied(sync.eventsToApply(page).events, 'cursor-1', at(0));
    expect(sync.state.cursor).toBe('cursor-1');
    expect(sync.state.totals.eventsApplied).toBe(1);
    expect(sync.eventsToApply(page).events).toEqual([]);
    sync.eventsApplied([], 'cursor-2', at(24 * 60 + 1));
    expect(sync.state.seen).toEqual({});
    expect(sync.eventsToApply(page).events.map((e) => e.uuid)).toEqual(['a']);
  });
});

describe('GroupSync: the fast path plans only the people the events named', () => {
  it('sees a named leaver by their indexed email, leaves everyone else out, and keeps the guard of the whole group', () => {
    const sync = withMembers(40);
    const synced = Array.from({ length: 40 }, (_, i) => ({ email: `p${i + 1}@example.com`, suspended: false }));
    const plan = sync.planNamed({
      userIds: ['00u3', '00u41'],
      members: [member(41)],
      synced,
      onboardedElsewhere: [],
      excluded: [],
    });
    expect(plan.leavers).toEqual([{ email: 'p3@example.com', reason: 'leftGroup' }]);
    expect(plan.joiners.map((j) => j.email)).toEqual(['p41@example.com']);
    expect(plan.unchanged).toEqual([]);
    expect(sync.removalLimit(synced.length)).toBe(10);
    sync.indexNamed(['00u3', '00u41'], [member(41)], plan);
    expect(sync.state.memberIndex['00u3']).toBeUndefined();
    expect(sync.state.memberIndex['00u41']).toBe('p41@example.com');
  });

  it('reads only the named people: their indexed email, and their email now if still members', () => {
    const sync = withMembers(40);
    const moved = { ...member(7), email: 'new7@example.com', login: 'new7@example.com' };
    expect(sync.namedEmails(['00u3', '00u7', '00u41', '00uUnknown'], [member(41), moved])).toEqual([
      'new7@example.com',
      'p3@example.com',
      'p41@example.com',
      'p7@example.com',
    ]);
  });

  it("asks visibility for the named people only, 100 to a query, literals escaped as people.ts's", () => {
    const emails = Array.from({ length: 250 }, (_, i) => `p${i}@example.com`);
    const queries = namedPeopleQueries("it's", [...emails, 'p0@example.com']);
    expect(queries).toHaveLength(3);
    expect(queries[0]).toMatch(
      /^WorkflowType = 'personOnboarding' AND Integration = 'it\\'s' AND Email IN \('p0@example\.com', 'p1@example\.com', /,
    );
    expect(queries.map((query) => query.split("@example.com'").length - 1)).toEqual([100, 100, 50]);
    expect(namedPeopleQueries('int', ["o'brien@example.com"])).toEqual([
      "WorkflowType = 'personOnboarding' AND Integration = 'int' AND Email IN ('o\\'brien@example.com')",
    ]);
    expect(namedPeopleQueries('int', [])).toEqual([]);
  });

  it('never re-keys a mover: the index keeps the email they were onboarded as', () => {
    const sync = withMembers(3);
    const moved = { ...member(2), email: 'new2@example.com', login: 'new2@example.com' };
    const plan = sync.planFull({
      members: [member(1), moved, member(3)],
      synced: [1, 2, 3].map((n) => ({ email: `p${n}@example.com`, suspended: false })),
      onboardedElsewhere: [],
      excluded: [],
    });
    expect(plan.movers).toEqual([{ oktaId: '00u2', onboardedAs: 'p2@example.com', nowEmail: 'new2@example.com' }]);
    expect(plan.leavers).toEqual([]);
    sync.indexMembers([member(1), moved, member(3)], plan);
    expect(sync.state.memberIndex['00u2']).toBe('p2@example.com');
    sync.finishRun('full', at(0), at(0), plan, []);
    expect(sync.state.problem?.fix).toMatch(/bi-okta cancel p2@example.com/);
    expect(sync.refreshStatus()).toBe('NeedsAttention');
    sync.finishRun('full', at(1), at(1), emptyPlan(), []);
    expect(sync.state.problem).toBeUndefined();
  });
});

describe('GroupSync: the guard', () => {
  it('lets removals under the limit go, counting those of the last hour', () => {
    const sync = withMembers(30);
    const first = sync.decide({ ...emptyPlan(), leavers: leavers(6) }, 10, at(0));
    expect(first.leavers).toHaveLength(6);
    sync.finishRun(
      'events',
      at(0),
      at(0),
      emptyPlan(),
      first.leavers.map((l) => leave(l.email)),
    );
    // 6 an hour ago count; 5 more would be 11.
    const second = sync.decide({ ...emptyPlan(), leavers: leavers(5, 7) }, 10, at(30));
    expect(second.leavers).toEqual([]);
    expect(second.held).toEqual({ removals: 5, limit: 10 });
    expect(second.newGuardStop).toBe(true);
    expect(sync.state.totals.guardStops).toBe(1);
    expect(sync.refreshStatus()).toBe('NeedsAttention');
  });

  it('forgets removals older than an hour', () => {
    const sync = withMembers(30);
    sync.finishRun(
      'events',
      at(0),
      at(0),
      emptyPlan(),
      leavers(8).map((l) => leave(l.email)),
    );
    expect(sync.decide({ ...emptyPlan(), leavers: leavers(8, 9) }, 10, at(61)).leavers).toHaveLength(8);
  });

  it('holds every later leaver with the held ones, drops one who came back, and still lets joiners and returns through', () => {
    const sync = withMembers(30);
    sync.decide({ ...emptyPlan(), leavers: leavers(20) }, 10, at(0));
    const later = sync.decide(
      {
        ...emptyPlan(),
        leavers: leavers(1, 21),
        unchanged: ['p1@example.com'],
        joiners: [member(50)],
        returning: ['p40@example.com'],
      },
      10,
      at(1),
    );
    expect(later.leavers).toEqual([]);
    expect(later.joiners.map((j) => j.email)).toEqual(['p50@example.com']);
    expect(later.returning).toEqual(['p40@example.com']);
    expect(later.newGuardStop).toBe(false);
    expect(sync.state.pendingGuard).toMatchObject({ removals: 20, limit: 10, since: at(0) });
    expect(sync.state.pendingGuard!.leavers.map((l) => l.email)).not.toContain('p1@example.com');
    expect(sync.state.totals.guardStops).toBe(1);
  });

  it('approves exactly the held count, and nothing when nothing is held', () => {
    const sync = withMembers(30);
    expect(() => sync.validateApproval(3)).toThrow(/nothing to approve/);
    sync.decide({ ...emptyPlan(), leavers: leavers(20) }, 10, at(0));
    expect(() => sync.validateApproval(19)).toThrow(/20 removals are held, not 19/);
    expect(() => sync.validateApproval(20)).not.toThrow();
    expect(sync.releaseHeld()).toHaveLength(20);
    expect(sync.state.pendingGuard).toBeUndefined();
  });
});

const leave = (email: string): AppliedChange => ({ email, action: 'leave', outcome: 'leaving' });

describe('GroupSync: summaries, status and configure', () => {
  it('counts what changed from the outcomes, names at most 50, and keeps the totals', () => {
    const sync = withMembers(0);
    const applied: AppliedChange[] = [
      ...Array.from({ length: 60 }, (_, i): AppliedChange => ({
        email: `j${i}@x.com`,
        action: 'join',
        outcome: 'started',
      })),
      { email: 'again@x.com', action: 'join', outcome: 'alreadyRunning' },
      leave('l@x.com'),
      { email: 'c@x.com', action: 'leave', outcome: 'cancelled' },
      { email: 'gone@x.com', action: 'leave', outcome: 'alreadyLeft' },
      { email: 'r@x.com', action: 'return', outcome: 'returning' },
    ];
    const skipped = [{ email: 's@x.com', login: 's', reason: 'no usable email' }];
    const summary = sync.finishRun('full', at(0), at(1), { ...emptyPlan(), skipped, unchanged: ['u@x.com'] }, applied);
    expect(summary.counts).toEqual({
      joiners: 60,
      leavers: 2,
      returning: 1,
      movers: 0,
      excluded: 0,
      skipped: 1,
      unchanged: 3,
    });
    expect(summary.changed).toHaveLength(50);
    expect(sync.state.totals).toMatchObject({ joined: 60, left: 2, returned: 1 });
    expect(sync.state.lastFullRun).toBe(summary);
    expect(sync.state.recentRemovals).toEqual([at(1), at(1)]);
    expect(sync.digest('int/sync/g')).toMatchObject({ syncId: 'int/sync/g', status: 'Starting', lastRun: summary });
    expect(sync.refreshStatus()).toBe('Watching');
  });

  it('pauses with everyMs null and says when a resume needs a full reconcile; refuses nonsense', () => {
    const sync = withMembers(0);
    expect(sync.configure({ everyMs: null })).toBe(false);
    expect(sync.refreshStatus()).toBe('Paused');
    expect(sync.configure({ everyMs: 60_000, maxRemovals: 3 })).toBe(true);
    expect(sync.spec).toMatchObject({ everyMs: 60_000, maxRemovals: 3 });
    expect(sync.removalLimit(100)).toBe(3);
    expect(() => GroupSync.validateConfigure({ maxRemovals: -1 })).toThrow(/maxRemovals/);
    expect(() => GroupSync.validateConfigure({ everyMs: 5 })).toThrow(/everyMs/);
    expect(() => GroupSync.validateConfigure({ deleteAfterMs: 0 })).toThrow(/deleteAfterMs/);
    expect(() => GroupSync.validateConfigure({ everyMs: null })).not.toThrow();
  });

  it('shows the held removals and the approval command in the details', () => {
    const sync = withMembers(30);
    sync.decide({ ...emptyPlan(), leavers: leavers(12) }, 10, at(0));
    sync.refreshStatus();
    const details = sync.details();
    expect(details).toContain('Removals held (12, over the limit of 10)');
    expect(details).toContain(`\`bi-okta sync --okta-group ${GROUP} --approve 12\``);
  });
});
