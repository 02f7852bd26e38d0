/**
 * The Okta client's group calls over real HTTP against the simulator: exact, case-sensitive name
 * matching among Okta's non-exact candidates, get by id, every member through every page (the
 * page size the caller sets), the member cap, the pacer under a tiny groups bucket; and the
 * members sorted into onboarded and skipped (pure logic).
 */
import type { OktaApi } from '../../src/clients/okta/api';
import { oktaBucket } from '../../src/clients/okta/rate-limits';
import type { OktaUser } from '../../src/clients/okta/schemas';
import { isOktaGroupId, sortMembers } from '../../src/activities/okta-group';
import type { RunningOktaSimulator } from '../../dev/simulators/okta';
import { oktaApi, oktaRaw, Resources, startOkta } from './support';

describe('Okta client: groups against the simulator', () => {
  const resources = new Resources();
  let sim: RunningOktaSimulator;
  let api: OktaApi;
  let okta: ReturnType<typeof oktaRaw>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // A bucket of 3 requests a second for the groups collection: seven pages must wait for it.
    sim = resources.add(
      await startOkta({ rateLimits: { groupsCollection: 3, windowSeconds: 1, usersCollection: 100_000 } }),
    );
    api = resources.add(oktaApi(sim));
    okta = oktaRaw(sim);
    for (const name of ['Engineering', 'Engineering Ops', 'Sales'])
      ids[name] = (await okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name } })).id;
    // Imported groups may share a name with another, in any case.
    ids.engineering = (await okta.ok<{ id: string }>('POST', '/_sim/groups', { profile: { name: 'engineering' } })).id;
    ids.imported = (await okta.ok<{ id: string }>('POST', '/_sim/groups', { profile: { name: 'Sales' } })).id;
  }, 30_000);
  afterAll(() => resources.release());

  /** Adds a member as an admin script would: the tiny bucket refuses some, so wait for its reset and try again. */
  async function addMember(groupId: string, userId: string): Promise<void> {
    for (;;) {
      const answer = await okta.call('PUT', `/api/v1/groups/${groupId}/users/${userId}`);
      groupsWindowResetsAt = Number(answer.headers['x-rate-limit-reset']) * 1000;
      if (answer.status === 204) return;
      if (answer.status !== 429) throw new Error(`adding a member answered ${answer.status}`);
      await untilGroupsWindowResets();
    }
  }
  let groupsWindowResetsAt = 0;
  const untilGroupsWindowResets = () =>
    new Promise((resolve) => setTimeout(resolve, Math.max(50, groupsWindowResetsAt - Date.now() + 50)));

  async function refusedGroupCalls(): Promise<number> {
    const state = (await okta.state()) as unknown as { rateLimits: { totals: { bucket: string; refused: number }[] } };
    const bucket = state.rateLimits.totals.find((total) => total.bucket === 'groupsCollection');
    if (!bucket) throw new Error('the simulator reports no groupsCollection bucket');
    return bucket.refused;
  }

  it('finds the group named exactly (case-sensitively), with the others whose names start with it as similar', async () => {
    const found = await api.findGroupsByName('Engineering');
    expect(found.exact.map((group) => group.id)).toEqual([ids.Engineering]);
    expect(found.similar.map((group) => group.profile.name)).toEqual(['Engineering Ops', 'engineering']);
    expect((await api.findGroupsByName('engineering')).exact.map((group) => group.id)).toEqual([ids.engineering]);
    const none = await api.findGroupsByName('Eng');
    expect([none.exact, none.similar.length]).toEqual([[], 3]);
    expect((await api.findGroupsByName('Sales')).exact.map((group) => [group.id, group.type])).toEqual([
      [ids.Sales, 'OKTA_GROUP'],
      [ids.imported, 'APP_GROUP'],
    ]);
    expect((await api.getGroup(ids.Sales!))?.profile.name).toBe('Sales');
    expect(await api.getGroup('00gMissing00000000000')).toBeUndefined();
  });

  it('reads every member through every page of the size asked for, waiting for the groups bucket, and stops past the cap', async () => {
    const logins = Array.from({ length: 7 }, (_, index) => `member${index}@groups.example`);
    for (const login of logins) {
      const user = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=false', {
        profile: { login, email: login, firstName: 'M', lastName: 'Ember' },
      });
      await addMember(ids.Engineering!, user.id);
    }
    // The client starts on a fresh window: what the setup spent is not the pacer's to know.
    await untilGroupsWindowResets();
    const refusedBefore = await refusedGroupCalls();
    const read = await api.listGroupMembers(ids.Engineering!, { pageSize: 1 });
    expect([read.complete, read.pages, read.members.map((user) => user.profile.login)]).toEqual([true, 7, logins]);
    expect((await api.listGroupMembers(ids.Engineering!, { pageSize: 3 })).pages).toBe(3);
    expect(await api.listGroupMembers(ids.Engineering!, { pageSize: 2, maxMembers: 3 })).toEqual({
      complete: false,
      members: [],
      pages: 2,
    });
    // The pacer kept to the bucket: none of the client's calls was refused.
    expect(await refusedGroupCalls()).toBe(refusedBefore);
  }, 60_000);

  it('counts group calls in the groups buckets, as Okta does', () => {
    const calls = [
      ['GET', '/api/v1/groups', 'groups-collection'],
      ['POST', '/api/v1/groups', 'groups-collection'],
      ['GET', '/api/v1/groups/00g1/users', 'groups-collection'],
      ['PUT', '/api/v1/groups/00g1/users/00u1', 'groups-collection'],
      ['GET', '/api/v1/groups/00g1', 'group-by-id'],
      ['GET', '/api/v1/groupsx', 'other'],
    ] as const;
    expect(calls.map(([method, path]) => [path, oktaBucket(method, path)])).toEqual(
      calls.map(([, path, bucket]) => [path, bucket]),
    );
  });
});

describe('group members: who is onboarded and who is skipped (pure logic)', () => {
  const user = (status: string, profile: Partial<OktaUser['profile']> & { login: string }): OktaUser => ({
    id: `00u${profile.login}`,
    status,
    profile: { email: profile.login, ...profile },
  });

  it('onboards ACTIVE members with a usable email that is their login, and says why each other one is skipped', () => {
    const sorted = sortMembers([
      user('ACTIVE', { login: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace' }),
      user('ACTIVE', { login: 'no.email@example.com', email: null }),
      ...[
        'STAGED',
        'PROVISIONED',
        'SUSPENDED',
        'DEPROVISIONED',
        'LOCKED_OUT',
        'RECOVERY',
        'PASSWORD_EXPIRED',
        'SOMETHING_NEW',
      ].map((status) => user(status, { login: `${status.toLowerCase()}@example.com` })),
      user('ACTIVE', { login: 'shortname', email: null }),
      user('ACTIVE', { login: 'jdoe', email: 'jane.doe@example.com' }),
      user('ACTIVE', { login: `${'x'.repeat(70)}@example.com` }),
    ]);
    expect(sorted.members).toEqual([
      { email: 'ada@example.com', login: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace', status: 'ACTIVE' },
      { email: 'no.email@example.com', login: 'no.email@example.com', status: 'ACTIVE' },
    ]);
    const reasons = Object.fromEntries(sorted.skipped.map((member) => [member.login, member.reason]));
    expect(reasons['staged@example.com']).toMatch(/^not activated in Okta \(STAGED\): activate the user/);
    expect(reasons['provisioned@example.com']).toMatch(/PROVISIONED/);
    expect(reasons['suspended@example.com']).toMatch(/^suspended in Okta: unsuspend the user/);
    expect(reasons['deprovisioned@example.com']).toMatch(/DEPROVISIONED\): reactivate/);
    expect(reasons['locked_out@example.com']).toMatch(/unlock the user/);
    expect(reasons['recovery@example.com']).toMatch(/RECOVERY/);
    expect(reasons['password_expired@example.com']).toMatch(/PASSWORD_EXPIRED/);
    expect(reasons['something_new@example.com']).toBe('status SOMETHING_NEW: only ACTIVE users are onboarded');
    expect(reasons.shortname).toMatch(/^no usable email/);
    expect(reasons.jdoe).toMatch(/^Okta login "jdoe" is not their email jane\.doe@example\.com: .*second Okta user/);
    expect(reasons[`${'x'.repeat(70)}@example.com`]).toMatch(/Beyond Identity username/);
    expect(sorted.skipped).toHaveLength(11);
  });

  it('takes an argument shaped like a group id as one, anything else as a name', () => {
    expect(isOktaGroupId('00g1emaKYZTWRYYRRTSK')).toBe(true);
    expect(isOktaGroupId('Engineering')).toBe(false);
    expect(isOktaGroupId('00g-team')).toBe(false);
    expect(isOktaGroupId('00g team')).toBe(false);
  });
});
