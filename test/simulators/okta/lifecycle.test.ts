/**
 * User lifecycle operations (docs/contracts/okta.md §12): each transition from the statuses it is
 * allowed from, each refusal, `statusChanged`, group memberships kept through deactivation and
 * suspension, the scope they need, and the `/_sim` console control.
 */
import { callWith, makeKey, obtainToken, setUpServiceApp } from './oauth-support';
import { clockPast, expectOktaError, useSimulator, userBody } from './support';

interface User {
  id: string;
  status: string;
  statusChanged: string | null;
  _links: Record<string, { href: string }>;
}

describe('Okta simulator: user lifecycle operations', () => {
  const t = useSimulator();
  const lifecycle = (id: string, operation: string, query = '') => `/api/v1/users/${id}/lifecycle/${operation}${query}`;
  const statusOf = async (id: string) => (await t.okta.ok<User>('GET', `/api/v1/users/${id}`)).status;
  const withPassword = (login: string) => ({ ...userBody(login), credentials: { password: { value: 'Passw0rd!x' } } });

  it('suspends only ACTIVE, unsuspends only SUSPENDED, deactivates anything but DEPROVISIONED, activates back', async () => {
    const user = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword('cycle.a@example.org'));
    expect(user.status).toBe('ACTIVE');

    await clockPast(user.statusChanged!);
    const suspended = await t.okta.call('POST', lifecycle(user.id, 'suspend'));
    expect({ status: suspended.status, body: suspended.body }).toEqual({ status: 200, body: undefined });
    const afterSuspend = await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`);
    expect(afterSuspend.status).toBe('SUSPENDED');
    expect(afterSuspend.statusChanged! > user.statusChanged!).toBe(true);
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'suspend')), 400, 'E0000001');
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'activate')), 403, 'E0000038');

    await clockPast(afterSuspend.statusChanged!);
    const unsuspended = await t.okta.call('POST', lifecycle(user.id, 'unsuspend'));
    expect({ status: unsuspended.status, body: unsuspended.body }).toEqual({ status: 200, body: undefined });
    const afterUnsuspend = await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`);
    expect(afterUnsuspend.status).toBe('ACTIVE');
    expect(afterUnsuspend.statusChanged! > afterSuspend.statusChanged!).toBe(true);
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'unsuspend')), 400, 'E0000001');
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'reactivate')), 403, 'E0000038');

    // An individual user's links offer only the transitions valid now.
    const transitions = async () =>
      Object.keys((await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`))._links).sort();
    expect(await transitions()).toEqual(['deactivate', 'self', 'suspend']);
    await t.okta.ok('POST', lifecycle(user.id, 'suspend'));
    expect(await transitions()).toEqual(['deactivate', 'self', 'unsuspend']);
    await t.okta.ok('POST', lifecycle(user.id, 'unsuspend'));

    expect(await t.okta.ok('POST', lifecycle(user.id, 'deactivate'))).toEqual({});
    expect(await statusOf(user.id)).toBe('DEPROVISIONED');
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'deactivate')), 403, 'E0000038');
    expect(await transitions()).toEqual(['activate', 'self']);
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'suspend')), 400, 'E0000001');
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'unsuspend')), 400, 'E0000001');

    // The way back from DEPROVISIONED is activate (a password: straight to ACTIVE).
    expect(await t.okta.ok('POST', lifecycle(user.id, 'activate'))).toEqual({});
    expect(await statusOf(user.id)).toBe('ACTIVE');
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'activate')), 403, 'E0000016');

    // A SUSPENDED user can be deactivated too.
    await t.okta.ok('POST', lifecycle(user.id, 'suspend'));
    expect(await t.okta.ok('POST', lifecycle(user.id, 'deactivate'))).toEqual({});
    expect(await statusOf(user.id)).toBe('DEPROVISIONED');
  });

  it('reactivates only PROVISIONED (or RECOVERY) users, answering an activation token; activate takes STAGED or DEPROVISIONED only', async () => {
    const staged = await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('cycle.b@example.org'));
    expectOktaError(await t.okta.call('POST', lifecycle(staged.id, 'reactivate')), 403, 'E0000038');
    expectOktaError(await t.okta.call('POST', lifecycle(staged.id, 'suspend')), 400, 'E0000001');
    // No password: activation leaves the person to finish it.
    expect(await t.okta.ok('POST', lifecycle(staged.id, 'activate', '?sendEmail=false'))).toEqual({
      activationUrl: expect.stringContaining(t.sim.url),
      activationToken: expect.any(String),
    });
    const provisioned = await t.okta.ok<User>('GET', `/api/v1/users/${staged.id}`);
    expect(provisioned.status).toBe('PROVISIONED');
    expect(provisioned._links.reactivate!.href).toBe(`${t.sim.url}${lifecycle(staged.id, 'reactivate')}`);
    expectOktaError(await t.okta.call('POST', lifecycle(staged.id, 'activate')), 403, 'E0000038');

    const token = await t.okta.ok('POST', lifecycle(staged.id, 'reactivate'));
    expect(token).toEqual({ activationUrl: expect.stringContaining('/welcome/'), activationToken: expect.any(String) });
    expect(await t.okta.ok('POST', lifecycle(staged.id, 'reactivate', '?sendEmail=true'))).toEqual({});
    expect(await statusOf(staged.id)).toBe('PROVISIONED');
    expectOktaError(await t.okta.call('POST', lifecycle('00uNoSuchUser00000000', 'reactivate')), 404, 'E0000007');
  });

  it('keeps deactivated and suspended users in their groups, listed with their status', async () => {
    const group = await t.okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Lifecycle members' } });
    const logins = ['member.kept@example.org', 'member.gone@example.org', 'member.paused@example.org'];
    const users: User[] = [];
    for (const login of logins) {
      const user = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword(login));
      await t.okta.expect(204, 'PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
      users.push(user);
    }
    await t.okta.ok('POST', lifecycle(users[1]!.id, 'deactivate'));
    await t.okta.call('POST', lifecycle(users[2]!.id, 'suspend'));
    const members = await t.okta.ok<{ id: string; status: string }[]>('GET', `/api/v1/groups/${group.id}/users`);
    expect(members.map((member) => [member.id, member.status])).toEqual([
      [users[0]!.id, 'ACTIVE'],
      [users[1]!.id, 'DEPROVISIONED'],
      [users[2]!.id, 'SUSPENDED'],
    ]);

    // Removing a member (spec `unassignUserFromGroup`): 204, again 204.
    await t.okta.expect(204, 'DELETE', `/api/v1/groups/${group.id}/users/${users[1]!.id}`);
    await t.okta.expect(204, 'DELETE', `/api/v1/groups/${group.id}/users/${users[1]!.id}`);
    const left = await t.okta.ok<{ id: string }[]>('GET', `/api/v1/groups/${group.id}/users`);
    expect(left.map((member) => member.id)).toEqual([users[0]!.id, users[2]!.id]);
    expectOktaError(
      await t.okta.call('DELETE', `/api/v1/groups/${group.id}/users/00uNoSuchUser00000000`),
      404,
      'E0000007',
    );
  });

  it('lets the /_sim console change what the API refuses for a directory-sourced user, and names a bad operation', async () => {
    const user = await t.okta.ok<User>('POST', '/_sim/users', {
      ...userBody('sourced.cycle@example.org'),
      source: { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' },
    });
    expectOktaError(await t.okta.call('POST', lifecycle(user.id, 'suspend')), 403, 'E0000023');
    const suspended = await t.okta.call('POST', `/_sim/users/${user.id}/lifecycle/suspend`, { authorization: null });
    expect(suspended.status).toBe(200);
    expect(await statusOf(user.id)).toBe('SUSPENDED');
    expectOktaError(
      await t.okta.call('POST', `/_sim/users/${user.id}/lifecycle/suspend`, { authorization: null }),
      400,
      'E0000001',
    );
    await t.okta.expect(200, 'POST', `/_sim/users/${user.id}/lifecycle/unsuspend`);
    expect(await statusOf(user.id)).toBe('ACTIVE');
    expectOktaError(await t.okta.call('POST', `/_sim/users/${user.id}/lifecycle/explode`), 400, 'E0000001');
    expectOktaError(await t.okta.call('POST', '/_sim/users/00uNoSuchUser00000000/lifecycle/suspend'), 404, 'E0000007');
  });

  it('needs okta.users.manage (and a role that manages users) from an OAuth client', async () => {
    const key = await makeKey('ES256', 'lifecycle-key');
    const user = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword('scoped.cycle@example.org'));
    const reader = await setUpServiceApp(t.okta, 'lifecycle reader', [key], {
      scopes: ['okta.users.read'],
      roles: ['USER_ADMIN'],
    });
    const readToken = await obtainToken(t.sim, reader, key, 'okta.users.read');
    const refused = await callWith(t.okta, readToken, 'POST', lifecycle(user.id, 'suspend'));
    expect(refused.status).toBe(403);
    expect(String(refused.headers['www-authenticate'])).toContain('scope="okta.users.manage"');
    expect(await statusOf(user.id)).toBe('ACTIVE');

    const manager = await setUpServiceApp(t.okta, 'lifecycle manager', [key], {
      scopes: ['okta.users.manage'],
      roles: ['USER_ADMIN'],
    });
    const manageToken = await obtainToken(t.sim, manager, key, 'okta.users.manage');
    expect((await callWith(t.okta, manageToken, 'POST', lifecycle(user.id, 'suspend'))).status).toBe(200);
    expect((await callWith(t.okta, manageToken, 'POST', lifecycle(user.id, 'unsuspend'))).status).toBe(200);
    expect(await statusOf(user.id)).toBe('ACTIVE');
  });
});
