/** Directory-sourced users (docs/contracts/okta.md §11): how Okta shows them, and the 403 E0000023 for what their source masters. */
import { expectOktaError, userBody, useSimulator } from './support';

type User = {
  id: string;
  status: string;
  profile: Record<string, unknown>;
  credentials: Record<string, unknown>;
  lastUpdated: string;
};

const MASTERED = {
  errorCode: 'E0000023',
  errorSummary: 'Operation failed because user profile is mastered under another system',
  errorLink: 'E0000023',
  errorCauses: [],
};

describe('Okta simulator: directory-sourced users', () => {
  const t = useSimulator();
  const source = { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' };

  async function property(name: string, master?: string): Promise<void> {
    const definition = { title: name, type: 'string', ...(master ? { master: { type: master } } : {}) };
    await t.okta.ok('POST', '/api/v1/meta/schemas/user/default', {
      definitions: { custom: { id: '#custom', type: 'object', properties: { [name]: definition } } },
    });
  }

  async function sourced(login: string, extra: Record<string, unknown> = {}): Promise<User> {
    return t.okta.ok<User>('POST', '/_sim/users', { ...userBody(login, extra), source });
  }

  beforeAll(async () => {
    await property('okta_owned', 'OKTA');
    await property('inherited');
    await property('overridden', 'OVERRIDE');
  });

  it('shows the directory as credentials.provider {type, name}, with a delegated password, ACTIVE by default', async () => {
    const user = await sourced('ad.user@example.org');
    expect(user.status).toBe('ACTIVE');
    expect(user.credentials).toEqual({
      password: {},
      provider: { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' },
    });
    const read = await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`);
    expect(read.credentials).toEqual(user.credentials);
    expect(read).not.toHaveProperty('profileSource');
    // Only transitions valid now: deactivating is the directory's.
    expect(Object.keys((read as unknown as { _links: Record<string, unknown> })._links)).toEqual(['self']);
    const ldap = await t.okta.ok<User>('POST', '/_sim/users', {
      ...userBody('ldap.user@example.org'),
      source: { type: 'LDAP', name: 'ldap.example.org' },
      status: 'SUSPENDED',
    });
    expect(ldap).toMatchObject({
      status: 'SUSPENDED',
      credentials: { provider: { type: 'LDAP', name: 'ldap.example.org' } },
    });
    expectOktaError(
      await t.okta.call('POST', '/_sim/users', {
        body: { ...userBody('x.user@example.org'), source: { type: 'OKTA', name: 'x' } },
      }),
      400,
      'E0000001',
    );
  });

  it('refuses with 403 E0000023 a partial update containing a base attribute, even unchanged', async () => {
    const user = await sourced('base.user@example.org');
    const changed = await t.okta.call('POST', `/api/v1/users/${user.id}`, {
      body: { profile: { firstName: 'Other' } },
    });
    expectOktaError(changed, 403, 'E0000023');
    expect(changed.body).toMatchObject(MASTERED);
    expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, {
        body: { profile: { firstName: user.profile.firstName } },
      }),
      403,
      'E0000023',
    );
    // Together with an Okta-mastered attribute, too: the whole request is refused and nothing changes.
    expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, {
        body: { profile: { okta_owned: 'v', email: user.profile.email } },
      }),
      403,
      'E0000023',
    );
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`)).profile).toEqual({ ...user.profile });
  });

  it('refuses a source-mastered custom attribute (PROFILE_MASTER by default, OVERRIDE), even unchanged', async () => {
    const user = await sourced('custom.user@example.org', { inherited: 'from AD' });
    expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { inherited: 'from AD' } } }),
      403,
      'E0000023',
    );
    expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { inherited: null } } }),
      403,
      'E0000023',
    );
    expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { overridden: 'x' } } }),
      403,
      'E0000023',
    );
  });

  it('refuses any full PUT of a sourced user', async () => {
    const user = await sourced('put.user@example.org');
    expectOktaError(
      await t.okta.call('PUT', `/api/v1/users/${user.id}`, { body: { profile: user.profile } }),
      403,
      'E0000023',
    );
    expectOktaError(
      await t.okta.call('PUT', `/api/v1/users/${user.id}`, { body: { profile: { ...user.profile, okta_owned: 'v' } } }),
      403,
      'E0000023',
    );
  });

  it('updates an OKTA-mastered custom attribute, and clears it with null, the rest of the profile untouched', async () => {
    const user = await sourced('okta.owned@example.org', { inherited: 'from AD' });
    const set = await t.okta.ok<User>('POST', `/api/v1/users/${user.id}`, { profile: { okta_owned: 'routed' } });
    expect(set.profile).toEqual({ ...user.profile, okta_owned: 'routed' });
    const cleared = await t.okta.ok<User>('POST', `/api/v1/users/${user.id}`, { profile: { okta_owned: null } });
    expect(cleared.profile).toEqual({ ...user.profile, okta_owned: null });
    expect(cleared.credentials).toEqual(user.credentials);
  });

  it('keeps Okta-sourced users writable as before', async () => {
    const federated = await t.okta.ok<User>('POST', '/api/v1/users?activate=true&provider=true', {
      ...userBody('fed.user@example.org'),
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    expect(
      (
        await t.okta.ok<User>('POST', `/api/v1/users/${federated.id}`, {
          profile: { firstName: 'New', inherited: 'x' },
        })
      ).profile,
    ).toMatchObject({ firstName: 'New', inherited: 'x' });
    expect(
      (await t.okta.ok<User>('PUT', `/api/v1/users/${federated.id}`, { profile: { ...federated.profile } })).profile
        .firstName,
    ).toBe(federated.profile.firstName);
  });

  it("refuses deactivate, suspend and DELETE of an active sourced user (the directory's to decide); deletes one the directory deprovisioned", async () => {
    const user = await sourced('life.user@example.org');
    expectOktaError(await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/deactivate`), 403, 'E0000023');
    expectOktaError(await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/suspend`), 403, 'E0000023');
    expectOktaError(await t.okta.call('DELETE', `/api/v1/users/${user.id}`), 403, 'E0000023');
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`)).status).toBe('ACTIVE');
    const gone = await t.okta.ok<User>('POST', '/_sim/users', {
      ...userBody('gone.user@example.org'),
      source,
      status: 'DEPROVISIONED',
    });
    expect((await t.okta.call('DELETE', `/api/v1/users/${gone.id}`)).status).toBe(204);
    expectOktaError(await t.okta.call('GET', `/api/v1/users/${gone.id}`), 404, 'E0000007');
  });
});
