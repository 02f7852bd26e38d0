/** Groups (docs/contracts/okta.md §7.4): create, get, list with q/search/filter and paging, members with paging, add member, rate-limit buckets, persistence, suspend. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOktaError, OktaClient, parseLinks, startSimulator, userBody, useSimulator } from './support';

type Group = {
  id: string;
  type: string;
  profile: { name: string; description?: string };
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  _links: Record<string, { href: string }>;
};
type User = { id: string; status: string; profile: { login: string } };

describe('Okta simulator: groups', () => {
  const t = useSimulator({ rateLimits: { groupsCollection: 300, groupById: 400, other: 600, windowSeconds: 3600 } });
  const names = async (path: string) => (await t.okta.ok<Group[]>('GET', path)).map((group) => group.profile.name);

  it('creates OKTA_GROUPs shaped as the spec says, refuses a duplicate name in any case, and gets one by id', async () => {
    const created = await t.okta.ok<Group>('POST', '/api/v1/groups', {
      profile: { name: 'Engineering', description: 'Builds things' },
    });
    expect(created).toMatchObject({
      type: 'OKTA_GROUP',
      profile: { name: 'Engineering', description: 'Builds things' },
    });
    expect(created.id).toMatch(/^00g[A-Za-z0-9]{17}$/);
    expect(created.lastMembershipUpdated).toBe(created.created);
    expect(created._links.self!.href).toBe(`${t.sim.url}/api/v1/groups/${created.id}`);
    expect(created._links.users!.href).toBe(`${t.sim.url}/api/v1/groups/${created.id}/users`);
    expect((await t.okta.ok<Group>('GET', `/api/v1/groups/${created.id}`)).profile.name).toBe('Engineering');

    const duplicate = expectOktaError(
      await t.okta.call('POST', '/api/v1/groups', { body: { profile: { name: 'ENGINEERING' } } }),
      400,
      'E0000001',
    );
    expect(duplicate.errorCauses).toEqual([
      { errorSummary: 'name: An object with this field already exists in the current organization' },
    ]);
    expectOktaError(
      await t.okta.call('POST', '/api/v1/groups', { body: { profile: { name: '  ' } } }),
      400,
      'E0000001',
    );
    expectOktaError(await t.okta.call('POST', '/api/v1/groups', { body: {} }), 400, 'E0000001');
    const missing = expectOktaError(await t.okta.call('GET', '/api/v1/groups/00gMissing00000000000'), 404, 'E0000007');
    expect(missing.errorSummary).toBe('Not found: Resource not found: 00gMissing00000000000 (UserGroup)');
  });

  it('lists with q as a name prefix (not exact, any case, never paged), search and filter (paged), and refuses bad expressions', async () => {
    await t.okta.ok('POST', '/api/v1/groups', { profile: { name: 'engineering-ops' } });
    await t.okta.ok('POST', '/api/v1/groups', { profile: { name: 'Sales' } });
    await t.okta.ok('POST', '/_sim/groups', { profile: { name: 'Engineering' } }); // an imported APP_GROUP may share a name

    expect(await names('/api/v1/groups?q=eng')).toEqual(['Engineering', 'engineering-ops', 'Engineering']);
    const query = await t.okta.call('GET', '/api/v1/groups?q=Eng&limit=1');
    expect((query.body as Group[]).map((group) => group.profile.name)).toEqual(['Engineering']);
    expect(parseLinks(query.headers.link).next).toBeUndefined();

    expect(await names(`/api/v1/groups?search=${encodeURIComponent('profile.name eq "Engineering"')}`)).toEqual([
      'Engineering',
      'Engineering',
    ]);
    expect(await names(`/api/v1/groups?search=${encodeURIComponent('profile.name sw "sal"')}`)).toEqual(['Sales']);
    expect(await names(`/api/v1/groups?filter=${encodeURIComponent('type eq "APP_GROUP"')}`)).toEqual(['Engineering']);

    const first = await t.okta.call(
      'GET',
      `/api/v1/groups?search=${encodeURIComponent('profile.name co "ing"')}&limit=2`,
    );
    expect((first.body as Group[]).map((group) => group.profile.name)).toEqual(['Engineering', 'engineering-ops']);
    const next = parseLinks(first.headers.link).next!;
    expect(next.startsWith(`${t.sim.url}/api/v1/groups?`)).toBe(true);
    const second = await t.okta.call('GET', next);
    expect((second.body as Group[]).map((group) => group.profile.name)).toEqual(['Engineering']);
    expect(parseLinks(second.headers.link).next).toBeUndefined();

    expectOktaError(
      await t.okta.call('GET', `/api/v1/groups?search=${encodeURIComponent('profile.name ne "x"')}`),
      400,
      'E0000031',
    );
    expectOktaError(
      await t.okta.call('GET', `/api/v1/groups?filter=${encodeURIComponent('profile.name eq "x"')}`),
      400,
      'E0000031',
    );
  });

  it('adds members (204, once), lists them as User objects page by page, and refuses unknown ids and APP_GROUP memberships', async () => {
    const group = await t.okta.ok<Group>('POST', '/api/v1/groups', { profile: { name: 'Paged' } });
    const users: User[] = [];
    for (const login of ['m1@groups.example', 'm2@groups.example', 'm3@groups.example'])
      users.push(await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody(login)));
    for (const user of [...users, users[0]!])
      expect((await t.okta.call('PUT', `/api/v1/groups/${group.id}/users/${user.id}`)).status).toBe(204);
    const after = await t.okta.ok<Group>('GET', `/api/v1/groups/${group.id}`);
    expect(after.lastMembershipUpdated >= group.lastMembershipUpdated).toBe(true);

    const page1 = await t.okta.call('GET', `/api/v1/groups/${group.id}/users?limit=2`);
    expect((page1.body as User[]).map((user) => user.profile.login)).toEqual([
      'm1@groups.example',
      'm2@groups.example',
    ]);
    expect((page1.body as User[])[0]).toMatchObject({ id: users[0]!.id, status: 'STAGED' });
    const page2 = await t.okta.call('GET', parseLinks(page1.headers.link).next!);
    expect((page2.body as User[]).map((user) => user.profile.login)).toEqual(['m3@groups.example']);
    expect(parseLinks(page2.headers.link).next).toBeUndefined();

    expectOktaError(
      await t.okta.call('PUT', `/api/v1/groups/${group.id}/users/00uMissing00000000000`),
      404,
      'E0000007',
    );
    expectOktaError(
      await t.okta.call('PUT', `/api/v1/groups/00gMissing00000000000/users/${users[0]!.id}`),
      404,
      'E0000007',
    );
    expectOktaError(await t.okta.call('GET', '/api/v1/groups/00gMissing00000000000/users'), 404, 'E0000007');
    const imported = await t.okta.ok<Group>('POST', '/_sim/groups', {
      profile: { name: 'Imported' },
      members: ['m1@groups.example'],
    });
    expect((await t.okta.ok<User[]>('GET', `/api/v1/groups/${imported.id}/users`)).map((user) => user.id)).toEqual([
      users[0]!.id,
    ]);
    expectOktaError(await t.okta.call('PUT', `/api/v1/groups/${imported.id}/users/${users[1]!.id}`), 400, 'E0000001');

    // A user deleted for good is no longer a member.
    await t.okta.call('DELETE', `/api/v1/users/${users[2]!.id}`);
    await t.okta.call('DELETE', `/api/v1/users/${users[2]!.id}`);
    expect((await t.okta.ok<User[]>('GET', `/api/v1/groups/${group.id}/users`)).map((user) => user.id)).toEqual([
      users[0]!.id,
      users[1]!.id,
    ]);
  });

  it('counts /api/v1/groups/{id} in its own bucket and the rest of /api/v1/groups in the groups collection', async () => {
    const group = await t.okta.ok<Group>('POST', '/api/v1/groups', { profile: { name: 'Buckets' } });
    const limit = async (path: string, method = 'GET') =>
      (await t.okta.call(method, path)).headers['x-rate-limit-limit'];
    expect(await limit('/api/v1/groups')).toBe('300');
    expect(await limit(`/api/v1/groups/${group.id}`)).toBe('400');
    expect(await limit(`/api/v1/groups/${group.id}/users`)).toBe('300');
    expect(await limit('/api/v1/idps')).toBe('600');
  });

  it('suspends an ACTIVE user only', async () => {
    const user = await t.okta.ok<User>('POST', '/api/v1/users?activate=true&provider=true', {
      ...userBody('suspend@groups.example'),
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    const suspended = await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/suspend`);
    expect([suspended.status, suspended.body]).toEqual([200, undefined]);
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`)).status).toBe('SUSPENDED');
    expectOktaError(await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/suspend`), 400, 'E0000001');
  });
});

describe('Okta simulator: groups persist', () => {
  it('keeps groups and their members across a restart with a state file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'okta-groups-'));
    try {
      const stateFile = join(directory, 'okta.json');
      const first = await startSimulator({ stateFile });
      const okta = new OktaClient(first);
      const user = await okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('kept@groups.example'));
      const group = await okta.ok<Group>('POST', '/api/v1/groups', { profile: { name: 'Kept' } });
      await okta.call('PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
      await first.stop();
      const second = await startSimulator({ stateFile });
      try {
        const again = new OktaClient(second);
        expect((await again.ok<Group>('GET', `/api/v1/groups/${group.id}`)).profile.name).toBe('Kept');
        expect((await again.ok<User[]>('GET', `/api/v1/groups/${group.id}/users`)).map((member) => member.id)).toEqual([
          user.id,
        ]);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
