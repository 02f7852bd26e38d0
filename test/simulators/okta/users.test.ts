/** Users (docs/contracts/okta.md §1): lookups by id and encoded login, list queries, paging, create statuses, lifecycle, two-step delete. */
import { expectOktaError, parseLinks, userBody, useSimulator } from './support';

type User = {
  id: string;
  status: string;
  activated: string | null;
  profile: Record<string, unknown>;
  credentials: { provider: { type: string } };
  _links: Record<string, { href: string }>;
};

describe('Okta simulator: users', () => {
  const t = useSimulator();

  it('creates STAGED, PROVISIONED or ACTIVE users as activate, password and provider say', async () => {
    const staged = await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('staged@example.org'));
    expect(staged).toMatchObject({
      status: 'STAGED',
      activated: null,
      credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
    });
    expect(staged.id).toMatch(/^00u[A-Za-z0-9]{17}$/);
    expect(staged._links.self!.href).toBe(`${t.sim.url}/api/v1/users/${staged.id}`);
    expect(staged._links.activate!.href).toBe(`${t.sim.url}/api/v1/users/${staged.id}/lifecycle/activate`);

    const provisioned = await t.okta.ok<User>('POST', '/api/v1/users', userBody('provisioned@example.org'));
    expect(provisioned.status).toBe('PROVISIONED');

    const withPassword = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', {
      ...userBody('password@example.org'),
      credentials: { password: { value: 'Tr0ub4dour&3' } },
    });
    expect(withPassword).toMatchObject({ status: 'ACTIVE', activated: expect.any(String) });
    expect(JSON.stringify(withPassword)).not.toContain('Tr0ub4dour');

    const federated = await t.okta.ok<User>('POST', '/api/v1/users?activate=true&provider=true', {
      ...userBody('federated@example.org'),
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    expect(federated).toMatchObject({
      status: 'ACTIVE',
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
  });

  it('finds a user by id, by URL-encoded login (+, %40, unicode, any case) and by shortname; never a login with / by login', async () => {
    const plus = await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('a+b@example.com'));
    const unicode = await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('zoë.åberg@exämple.org'));
    const slash = await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('dept/jo@example.org'));

    expect((await t.okta.ok<User>('GET', `/api/v1/users/${plus.id}`)).id).toBe(plus.id);
    expect((await t.okta.ok<User>('GET', '/api/v1/users/a+b%40example.com')).id).toBe(plus.id);
    expect((await t.okta.ok<User>('GET', '/api/v1/users/a%2Bb%40example.com')).id).toBe(plus.id);
    expect((await t.okta.ok<User>('GET', '/api/v1/users/A+B%40EXAMPLE.COM')).id).toBe(plus.id);
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${encodeURIComponent('zoë.åberg@exämple.org')}`)).id).toBe(
      unicode.id,
    );
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${encodeURIComponent('zoë.åberg')}`)).id).toBe(unicode.id);

    expectOktaError(
      await t.okta.call('GET', `/api/v1/users/${encodeURIComponent('dept/jo@example.org')}`),
      404,
      'E0000007',
    );
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${slash.id}`)).profile.login).toBe('dept/jo@example.org');

    const missing = expectOktaError(await t.okta.call('GET', '/api/v1/users/nobody%40example.org'), 404, 'E0000007');
    expect(missing.errorSummary).toBe('Not found: Resource not found: nobody@example.org (User)');
  });

  it('refuses a duplicate login, case-insensitively, with the login cause', async () => {
    await t.okta.ok('POST', '/api/v1/users?activate=false', userBody('dup@example.org'));
    const error = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { body: userBody('DUP@example.org') }),
      400,
      'E0000001',
    );
    expect(error.errorSummary).toBe('Api validation failed: login');
    expect(error.errorCauses).toEqual([
      { errorSummary: 'login: An object with this field already exists in the current organization' },
    ]);
  });

  it('validates the profile and the body', async () => {
    const blank = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { body: { profile: { login: 'x@example.org' } } }),
      400,
      'E0000001',
    );
    expect(blank.errorCauses.map((cause) => cause.errorSummary)).toEqual([
      'firstName: The field cannot be left blank',
      'lastName: The field cannot be left blank',
      'email: The field cannot be left blank',
    ]);
    const badEmail = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { body: userBody('ok@example.org', { email: 'not-an-email' }) }),
      400,
      'E0000001',
    );
    expect(badEmail.errorCauses).toEqual([{ errorSummary: 'email: Does not match required pattern' }]);
    const noProfile = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { body: { credentials: {} } }),
      400,
      'E0000001',
    );
    expect(noProfile.errorCauses).toEqual([{ errorSummary: 'profile: The field is required.' }]);
    const badProvider = expectOktaError(
      await t.okta.call('POST', '/api/v1/users?provider=true', {
        body: { ...userBody('p@example.org'), credentials: { provider: { type: 'MAGIC' } } },
      }),
      400,
      'E0000001',
    );
    expect(badProvider.errorSummary).toBe('Api validation failed: credentials.provider.type');
    expectOktaError(await t.okta.call('POST', '/api/v1/users', { body: [1, 2] }), 400, 'E0000001');
  });

  it('lists with filter (eq, and/or, case-sensitive, with DEPROVISIONED), search, q, and leaves DEPROVISIONED out of plain lists', async () => {
    const alice = await t.okta.ok<User>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('alice@list.example', { firstName: 'Alice', lastName: 'Liddell' }),
    );
    const bob = await t.okta.ok<User>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('bob@list.example', { firstName: 'Bob', lastName: 'Builder' }),
    );
    await t.okta.ok('POST', `/api/v1/users/${bob.id}/lifecycle/deactivate`);

    const filter = async (expression: string) =>
      (await t.okta.ok<User[]>('GET', `/api/v1/users?filter=${encodeURIComponent(expression)}`))
        .map((user) => user.profile.login)
        .sort();
    expect(await filter('profile.login eq "alice@list.example"')).toEqual(['alice@list.example']);
    expect(await filter('profile.login eq "ALICE@list.example"')).toEqual([]);
    expect(await filter('profile.login eq "bob@list.example"')).toEqual(['bob@list.example']);
    expect(await filter('profile.login eq "alice@list.example" or profile.login eq "bob@list.example"')).toEqual([
      'alice@list.example',
      'bob@list.example',
    ]);
    expect(await filter('(profile.firstName eq "Bob") and status eq "DEPROVISIONED"')).toEqual(['bob@list.example']);
    expect(await filter(`id eq "${alice.id}"`)).toEqual(['alice@list.example']);

    const unsupported = expectOktaError(
      await t.okta.call('GET', `/api/v1/users?filter=${encodeURIComponent('profile.login sw "a"')}`),
      400,
      'E0000031',
    );
    expect(unsupported.errorCauses[0]!.errorSummary).toContain('filter supports only eq');
    expectOktaError(
      await t.okta.call('GET', `/api/v1/users?filter=${encodeURIComponent('profile.login eq "unterminated')}`),
      400,
      'E0000031',
    );
    expectOktaError(
      await t.okta.call('GET', `/api/v1/users?filter=${encodeURIComponent('profile.city eq "x"')}`),
      400,
      'E0000031',
    );

    const search = async (expression: string) =>
      (await t.okta.ok<User[]>('GET', `/api/v1/users?search=${encodeURIComponent(expression)}`))
        .map((user) => user.profile.login)
        .sort();
    expect(await search('profile.email eq "ALICE@LIST.EXAMPLE"')).toEqual(['alice@list.example']);
    expect(await search('profile.lastName sw "bu" and status eq "deprovisioned"')).toEqual(['bob@list.example']);

    const q = (await t.okta.ok<User[]>('GET', '/api/v1/users?q=li')).map((user) => user.profile.login);
    expect(q).toEqual(['alice@list.example']); // Liddell by last name; no DEPROVISIONED
    const plain = (await t.okta.ok<User[]>('GET', '/api/v1/users')).map((user) => user.profile.login);
    expect(plain).toContain('alice@list.example');
    expect(plain).not.toContain('bob@list.example');
  });

  it('pages through at least three pages with separate Link header lines and opaque cursors', async () => {
    const logins: string[] = [];
    for (let i = 0; i < 7; i++) {
      const login = `pager${i}@page.example`;
      logins.push(login);
      await t.okta.ok('POST', '/api/v1/users?activate=false', userBody(login));
    }
    const seen: string[] = [];
    let next: string | undefined = `/api/v1/users?search=${encodeURIComponent('profile.email sw "pager"')}&limit=3`;
    let pages = 0;
    while (next) {
      const exchange = await t.okta.call('GET', next);
      expect(exchange.status).toBe(200);
      const links = parseLinks(exchange.headers.link);
      // Separate header lines (undici keeps each as an array entry): self, and next while more remain.
      expect([exchange.headers.link].flat()).toHaveLength(links.next ? 2 : 1);
      expect(links.self).toBe(next.startsWith('http') ? next : `${t.sim.url}${next}`);
      seen.push(...(exchange.body as User[]).map((user) => String(user.profile.login)));
      if (links.next) {
        expect(links.next.startsWith(`${t.sim.url}/api/v1/users?`)).toBe(true);
        const after = new URL(links.next).searchParams.get('after');
        expect(after).toBeTruthy();
        expect(logins.some((login) => after!.includes(login))).toBe(false);
      }
      next = links.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(logins);

    expectOktaError(await t.okta.call('GET', '/api/v1/users?after=not-a-cursor'), 400, 'E0000001');
    expectOktaError(await t.okta.call('GET', '/api/v1/users?limit=0'), 400, 'E0000001');
    expectOktaError(await t.okta.call('GET', '/api/v1/users?limit=ten'), 400, 'E0000001');
  });

  it('activates, refuses to activate an active user, deactivates, and deletes in two steps (204 each)', async () => {
    const user = await t.okta.ok<User>('POST', '/api/v1/users?activate=false&provider=true', {
      ...userBody('cycle@example.org'),
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    const token = await t.okta.ok('POST', `/api/v1/users/${user.id}/lifecycle/activate?sendEmail=false`);
    expect(token).toEqual({ activationUrl: expect.stringContaining(t.sim.url), activationToken: expect.any(String) });
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`)).status).toBe('ACTIVE');
    const again = expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/activate`),
      403,
      'E0000016',
    );
    expect(again.errorSummary).toBe('Activation failed because the user is already active');

    expect(await t.okta.ok('POST', `/api/v1/users/${user.id}/lifecycle/deactivate`)).toEqual({});
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`)).status).toBe('DEPROVISIONED');

    const other = await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('delete-me@example.org'));
    const first = await t.okta.call('DELETE', `/api/v1/users/${other.id}`);
    expect({ status: first.status, body: first.body }).toEqual({ status: 204, body: undefined });
    expect((await t.okta.ok<User>('GET', '/api/v1/users/delete-me%40example.org')).status).toBe('DEPROVISIONED');
    expect((await t.okta.call('DELETE', `/api/v1/users/${other.id}`)).status).toBe(204);
    expectOktaError(await t.okta.call('GET', `/api/v1/users/${other.id}`), 404, 'E0000007');
    expectOktaError(await t.okta.call('DELETE', `/api/v1/users/${other.id}`), 404, 'E0000007');
    // The login is free again once the user is gone.
    await t.okta.ok('POST', '/api/v1/users?activate=false', userBody('delete-me@example.org'));
  });
});
