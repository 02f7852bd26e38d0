/** The Okta group sync's rules (src/workflows/sync-plan.ts): pure, no server. */
import { sortMembers, unusableMemberReason } from '../../src/activities/okta-group';
import type { OktaUser } from '../../src/clients/okta/schemas';
import { planSync, removalLimit, type SyncMember, type SyncedPerson } from '../../src/workflows/sync-plan';

const member = (n: number, status = 'ACTIVE'): SyncMember => ({
  oktaId: `00u${n}`,
  email: `p${n}@example.com`,
  login: `p${n}@example.com`,
  status,
});
const synced = (n: number, suspended = false): SyncedPerson => ({
  email: `p${n}@example.com`,
  oktaId: `00u${n}`,
  suspended,
});
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const none = new Set<string>();

describe('planSync', () => {
  it('onboards ACTIVE members not yet onboarded, and nobody twice', () => {
    const plan = planSync({
      members: [member(1), member(2), member(3, 'STAGED')],
      synced: [synced(1)],
      onboardedElsewhere: none,
      excluded: none,
    });
    expect(plan.joiners.map((m) => m.email)).toEqual(['p2@example.com']);
    expect(plan.unchanged).toEqual(['p1@example.com']);
    expect(plan.leavers).toEqual([]);
  });

  it('takes out people who left the group, or whose Okta user is deactivated or suspended (still members)', () => {
    const plan = planSync({
      members: [member(1), member(2, 'DEPROVISIONED'), member(3, 'SUSPENDED')],
      synced: [synced(1), synced(2), synced(3), synced(4)],
      onboardedElsewhere: none,
      excluded: none,
    });
    expect(plan.leavers).toEqual([
      { email: 'p2@example.com', reason: 'DEPROVISIONED' },
      { email: 'p3@example.com', reason: 'SUSPENDED' },
      { email: 'p4@example.com', reason: 'leftGroup' },
    ]);
    expect(plan.guard).toBeUndefined();
  });

  it('brings back a suspended leaver who is an ACTIVE member again, and leaves one still away alone', () => {
    const plan = planSync({
      members: [member(1), member(2, 'DEPROVISIONED')],
      synced: [synced(1, true), synced(2, true), synced(3, true)],
      onboardedElsewhere: none,
      excluded: none,
    });
    expect(plan.returning).toEqual(['p1@example.com']);
    expect(plan.leavers).toEqual([]);
    expect(plan.unchanged.sort()).toEqual(['p2@example.com', 'p3@example.com']);
  });

  it('names a mover (same Okta user, new email) and neither offboards nor onboards them', () => {
    const moved = { ...member(1), email: 'new@example.com', login: 'new@example.com' };
    const plan = planSync({ members: [moved], synced: [synced(1)], onboardedElsewhere: none, excluded: none });
    expect(plan.movers).toEqual([{ oktaId: '00u1', onboardedAs: 'p1@example.com', nowEmail: 'new@example.com' }]);
    expect(plan.leavers).toEqual([]);
    expect(plan.joiners).toEqual([]);
  });

  it('never onboards an excluded login, and leaves people onboarded by hand or another sync alone', () => {
    const plan = planSync({
      members: [member(1), member(2), member(3)],
      synced: [],
      onboardedElsewhere: new Set(['p2@example.com']),
      excluded: new Set(['p1@example.com']),
    });
    expect(plan.excluded).toEqual(['p1@example.com']);
    expect(plan.unchanged).toEqual(['p2@example.com']);
    expect(plan.joiners.map((m) => m.email)).toEqual(['p3@example.com']);
  });

  describe('members onboarding cannot take', () => {
    const oktaUser = (login: string, email: string | null = login): OktaUser => ({
      id: `00u${login}`,
      status: 'ACTIVE',
      profile: { login, email },
    });
    /** A member as the sync's activity reads one (src/activities/sync.ts). */
    const read = (user: OktaUser, n: number): SyncMember => {
      const unusable = unusableMemberReason(user);
      return {
        ...member(n),
        email: (user.profile.email ?? user.profile.login).toLowerCase(),
        login: user.profile.login,
        ...(unusable ? { unusable } : {}),
      };
    };
    const users = [
      oktaUser('jdoe', 'jane.doe@example.com'), // login ≠ email: a second Okta user
      oktaUser('shortname', null), // no usable email
      oktaUser(`${'x'.repeat(70)}@example.com`), // a username Beyond Identity refuses
    ];

    it('are skipped with the reasons `onboard --okta-group` gives, never started, and counted apart', () => {
      const plan = planSync({
        members: [member(1), ...users.map((user, index) => read(user, 10 + index))],
        synced: [],
        onboardedElsewhere: none,
        excluded: none,
      });
      expect(plan.joiners.map((m) => m.email)).toEqual(['p1@example.com']);
      expect(plan.skipped.map((skip) => skip.login)).toEqual(users.map((user) => user.profile.login));
      // One helper for both: the texts are the ones `onboard --okta-group` shows.
      expect(plan.skipped.map((skip) => skip.reason)).toEqual(sortMembers(users).skipped.map((skip) => skip.reason));
      expect(plan.skipped[0]!.reason).toMatch(
        /^Okta login "jdoe" is not their email jane\.doe@example\.com: .*second Okta user/,
      );
      expect(plan.unchanged).toEqual([]);
    });

    it('an excluded or hand-onboarded one stays excluded or unchanged; one not ACTIVE yet is skipped with why', () => {
      const [jdoe, shortname] = [read(users[0]!, 10), read(users[1]!, 11)];
      const notActive = 'not ACTIVE in Okta (PROVISIONED): the sync onboards them once they are';
      const plan = planSync({
        members: [jdoe, shortname, { ...member(12), status: 'PROVISIONED', unusable: notActive }],
        synced: [],
        onboardedElsewhere: new Set([shortname.email]),
        excluded: new Set(['jdoe']),
      });
      expect(plan.excluded).toEqual(['jane.doe@example.com']);
      expect(plan.unchanged).toEqual(['shortname']);
      expect(plan.skipped).toEqual([{ email: 'p12@example.com', login: member(12).login, reason: notActive }]);
      expect(plan.joiners).toEqual([]);
    });

    it('a synced person whose record became unusable is not a leaver for that alone; a suspended one is not brought back', () => {
      const unusable = 'Okta login "x" is not their email p1@example.com';
      const plan = planSync({
        members: [
          { ...member(1), unusable },
          { ...member(2), unusable },
        ],
        synced: [synced(1), synced(2, true)],
        onboardedElsewhere: none,
        excluded: none,
      });
      expect(plan.leavers).toEqual([]);
      expect(plan.unchanged).toEqual(['p1@example.com']);
      expect(plan.returning).toEqual([]);
      expect(plan.skipped).toEqual([{ email: 'p2@example.com', login: 'p2@example.com', reason: unusable }]);
      // Gone from the group or deactivated, they still leave.
      const gone = planSync({
        members: [{ ...member(1, 'DEPROVISIONED'), unusable }],
        synced: [synced(1), synced(2)],
        onboardedElsewhere: none,
        excluded: none,
      });
      expect(gone.leavers.map((l) => l.reason)).toEqual(['DEPROVISIONED', 'leftGroup']);
    });
  });

  it('stops when more would leave than allowed: 20 of 30 removed at once', () => {
    const plan = planSync({
      members: range(21, 30).map((n) => member(n)),
      synced: range(1, 30).map((n) => synced(n)),
      onboardedElsewhere: none,
      excluded: none,
    });
    expect(plan.leavers).toHaveLength(20);
    expect(plan.guard).toEqual({ removals: 20, limit: 10 });
  });

  it('lets the removals the limit allows through', () => {
    const plan = planSync({
      members: range(1, 290).map((n) => member(n)),
      synced: range(1, 300).map((n) => synced(n)),
      onboardedElsewhere: none,
      excluded: none,
    });
    expect(plan.leavers).toHaveLength(10);
    expect(plan.guard).toBeUndefined();
    expect(
      planSync({
        members: [],
        synced: [synced(1), synced(2)],
        onboardedElsewhere: none,
        excluded: none,
        maxRemovals: 1,
      }).guard,
    ).toEqual({ removals: 2, limit: 1 });
  });
});

describe('removalLimit', () => {
  it('is 5 % of the group or 10, whichever is larger, unless set', () => {
    expect(removalLimit(30)).toBe(10);
    expect(removalLimit(200)).toBe(10);
    expect(removalLimit(201)).toBe(11);
    expect(removalLimit(2_000)).toBe(100);
    expect(removalLimit(2_000, 3)).toBe(3);
  });
});
