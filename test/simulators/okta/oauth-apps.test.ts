/**
 * OAuth 2.0 service apps through the Apps API (docs/contracts/okta.md §9): create with RSA and EC public keys,
 * validation, list/get/paging, keys, lifecycle and delete; scope grants; client admin roles;
 * persistence and what `/_sim/state` shows.
 */
import { acrossRestart, makeKey, privateJwk, serviceAppBody, setUpServiceApp, type ClientKey } from './oauth-support';
import { expectOktaError, OktaClient, parseLinks, startSimulator, useSimulator } from './support';

type Part = Record<string, unknown>;

interface App {
  id: string;
  status: string;
  label: string;
  credentials: { oauthClient: { client_id: string; token_endpoint_auth_method: string } };
  settings: {
    oauthClient: {
      application_type: string;
      grant_types: string[];
      dpop_bound_access_tokens: boolean;
      jwks: { keys: Record<string, unknown>[] };
    };
  };
  _links: { self: { href: string } };
}

describe('Okta simulator: service apps, grants and client roles', () => {
  const t = useSimulator();
  let rsa: ClientKey;
  let ec: ClientKey;
  beforeAll(async () => {
    rsa = await makeKey('RS256', 'rsa-1');
    ec = await makeKey('ES256', 'ec-1');
  });

  it('creates an ACTIVE service app with an RSA and an EC key; its client_id is its id and DPoP is off by default', async () => {
    const app = await t.okta.ok<App>(
      'POST',
      '/api/v1/apps',
      serviceAppBody('bi-okta-automation', [rsa.publicJwk, ec.publicJwk]),
    );
    expect(app.id).toMatch(/^0oa[A-Za-z0-9]{17}$/);
    expect(app).toMatchObject({
      status: 'ACTIVE',
      label: 'bi-okta-automation',
      name: 'oidc_client',
      signOnMode: 'OPENID_CONNECT',
    });
    expect(app.credentials.oauthClient).toMatchObject({
      client_id: app.id,
      token_endpoint_auth_method: 'private_key_jwt',
    });
    expect(app.settings.oauthClient).toMatchObject({
      application_type: 'service',
      grant_types: ['client_credentials'],
      dpop_bound_access_tokens: false,
    });
    expect(app._links.self.href).toBe(`${t.sim.url}/api/v1/apps/${app.id}`);
    const keys = app.settings.oauthClient.jwks.keys;
    expect(keys.map((key) => [key.kid, key.kty, key.status])).toEqual([
      ['rsa-1', 'RSA', 'ACTIVE'],
      ['ec-1', 'EC', 'ACTIVE'],
    ]);
    expect(keys[0]).toMatchObject({
      id: expect.stringMatching(/^pks/),
      n: rsa.publicJwk.n,
      e: 'AQAB',
      use: 'sig',
      alg: 'RS256',
    });
    expect(keys[1]).toMatchObject({ crv: 'P-256', x: ec.publicJwk.x, y: ec.publicJwk.y });
    expect(await t.okta.ok<App>('GET', `/api/v1/apps/${app.id}`)).toEqual(app);

    const inactive = await t.okta.ok<App>(
      'POST',
      '/api/v1/apps?activate=false',
      serviceAppBody('inactive app', [rsa.publicJwk], { dpop: true }),
    );
    expect(inactive.status).toBe('INACTIVE');
    expect(inactive.settings.oauthClient.dpop_bound_access_tokens).toBe(true);
  });

  it('refuses what is not a service app with public keys: 400 E0000001 with a cause per problem', async () => {
    const valid = () => {
      const body = serviceAppBody('invalid', [rsa.publicJwk]);
      return {
        body,
        credentials: (body.credentials as { oauthClient: Part }).oauthClient,
        settings: (body.settings as { oauthClient: Part }).oauthClient,
      };
    };
    const cases: [string, (parts: ReturnType<typeof valid>) => void, RegExp][] = [
      ['signOnMode', (p) => (p.body.signOnMode = 'SAML_2_0'), /^signOnMode: /],
      ['name', (p) => (p.body.name = 'bookmark'), /^name: /],
      [
        'auth method',
        (p) => (p.credentials.token_endpoint_auth_method = 'client_secret_basic'),
        /^credentials\.oauthClient\.token_endpoint_auth_method: /,
      ],
      ['application_type', (p) => (p.settings.application_type = 'web'), /^settings\.oauthClient\.application_type: /],
      [
        'grant_types',
        (p) => (p.settings.grant_types = ['client_credentials', 'authorization_code']),
        /^settings\.oauthClient\.grant_types: /,
      ],
      ['no keys', (p) => (p.settings.jwks = { keys: [] }), /^settings\.oauthClient\.jwks\.keys: /],
      [
        'symmetric key',
        (p) => (p.settings.jwks = { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'x' }] }),
        /^settings\.oauthClient\.jwks\.keys\.0\.kty: /,
      ],
      [
        'alg of another key type',
        (p) => (p.settings.jwks = { keys: [{ ...ec.publicJwk, alg: 'RS256' }] }),
        /^settings\.oauthClient\.jwks\.keys\.0\.alg: /,
      ],
      [
        'duplicate kid',
        (p) => (p.settings.jwks = { keys: [rsa.publicJwk, { ...ec.publicJwk, kid: 'rsa-1' }] }),
        /^settings\.oauthClient\.jwks\.keys\.1\.kid: .*already/,
      ],
      [
        'no kid with several keys',
        (p) => (p.settings.jwks = { keys: [rsa.publicJwk, { ...ec.publicJwk, kid: undefined }] }),
        /^settings\.oauthClient\.jwks\.keys\.1\.kid: /,
      ],
      [
        '51 keys',
        (p) =>
          (p.settings.jwks = {
            keys: Array.from({ length: 51 }, (_, index) => ({ ...ec.publicJwk, kid: `k${index}` })),
          }),
        /^settings\.oauthClient\.jwks\.keys: /,
      ],
      ['jwks_uri', (p) => (p.settings.jwks_uri = 'https://keys.example/jwks'), /^settings\.oauthClient\.jwks_uri: /],
    ];
    for (const [name, change, cause] of cases) {
      const parts = valid();
      change(parts);
      const body = parts.body;
      const error = expectOktaError(await t.okta.call('POST', '/api/v1/apps', { body }), 400, 'E0000001');
      expect([name, error.errorCauses.map((item) => item.errorSummary).join(' | ')]).toEqual([
        name,
        expect.stringMatching(cause),
      ]);
    }
    // A private key: refused, and its private part is not echoed back.
    const key = await privateJwk(rsa);
    const { body, settings } = valid();
    settings.jwks = { keys: [key] };
    const exchange = await t.okta.call('POST', '/api/v1/apps', { body });
    const error = expectOktaError(exchange, 400, 'E0000001');
    expect(error.errorCauses[0]!.errorSummary).toMatch(
      /^settings\.oauthClient\.jwks\.keys\.0: .*private members \(d, p, q, dp, dq, qi\)/,
    );
    expect(JSON.stringify(exchange.body)).not.toContain(String(key.d));
  });

  it('lists apps by label or name prefix in any case, with Link paging, and finds one by id', async () => {
    const sim = await startSimulator();
    try {
      const okta = new OktaClient(sim);
      for (const label of ['Svc Alpha', 'svc beta', 'svc gamma', 'Other'])
        await okta.ok('POST', '/api/v1/apps', serviceAppBody(label, [rsa.publicJwk]));
      expect((await okta.ok<App[]>('GET', '/api/v1/apps?q=SVC')).map((app) => app.label)).toEqual([
        'Svc Alpha',
        'svc beta',
        'svc gamma',
      ]);
      expect((await okta.ok<App[]>('GET', '/api/v1/apps?q=oidc')).length).toBe(4);
      const first = await okta.call('GET', '/api/v1/apps?q=svc&limit=2');
      expect((first.body as App[]).map((app) => app.label)).toEqual(['Svc Alpha', 'svc beta']);
      const next = parseLinks(first.headers.link as string[]).next!;
      expect(next.startsWith(`${sim.url}/api/v1/apps?`)).toBe(true);
      const second = await okta.call('GET', next);
      expect((second.body as App[]).map((app) => app.label)).toEqual(['svc gamma']);
      expect(parseLinks(second.headers.link as string[]).next).toBeUndefined();
      expectOktaError(await okta.call('GET', '/api/v1/apps/0oaNoSuchApp000000000'), 404, 'E0000007');
    } finally {
      await sim.stop();
    }
  });

  it('adds, lists, deactivates and deletes public keys (addJwk 201)', async () => {
    const app = await setUpServiceApp(t.okta, 'keys app', [rsa]);
    const second = await makeKey('ES384', 'ec-384');
    const added = await t.okta.expect<Record<string, unknown>>(
      201,
      'POST',
      `/api/v1/apps/${app.id}/credentials/jwks`,
      second.publicJwk,
    );
    expect(added).toMatchObject({
      id: expect.stringMatching(/^pks/),
      kid: 'ec-384',
      kty: 'EC',
      crv: 'P-384',
      status: 'ACTIVE',
    });
    expect(
      (await t.okta.ok<{ kid: string }[]>('GET', `/api/v1/apps/${app.id}/credentials/jwks`)).map((key) => key.kid),
    ).toEqual(['rsa-1', 'ec-384']);
    expectOktaError(
      await t.okta.call('POST', `/api/v1/apps/${app.id}/credentials/jwks`, { body: { ...second.publicJwk } }),
      400,
      'E0000001',
    );
    expectOktaError(
      await t.okta.call('POST', `/api/v1/apps/${app.id}/credentials/jwks`, {
        body: { ...second.publicJwk, kid: undefined },
      }),
      400,
      'E0000001',
    );
    expectOktaError(
      await t.okta.call('DELETE', `/api/v1/apps/${app.id}/credentials/jwks/${String(added.id)}`),
      400,
      'E0000001',
    );
    expect(
      (
        await t.okta.ok<{ status: string }>(
          'POST',
          `/api/v1/apps/${app.id}/credentials/jwks/${String(added.id)}/lifecycle/deactivate`,
        )
      ).status,
    ).toBe('INACTIVE');
    expect((await t.okta.call('DELETE', `/api/v1/apps/${app.id}/credentials/jwks/${String(added.id)}`)).status).toBe(
      204,
    );
    expectOktaError(
      await t.okta.call('GET', `/api/v1/apps/${app.id}/credentials/jwks/${String(added.id)}`),
      404,
      'E0000007',
    );
  });

  it('grants okta scopes (201), refuses bad issuers, unknown and already-granted scopes, lists, gets and revokes (204)', async () => {
    const app = await setUpServiceApp(t.okta, 'grants app', [rsa]);
    const grant = await t.okta.expect<{ id: string; _links: { self: { href: string } } }>(
      201,
      'POST',
      `/api/v1/apps/${app.id}/grants`,
      { scopeId: 'okta.users.read', issuer: t.sim.url },
    );
    expect(grant).toMatchObject({
      id: expect.stringMatching(/^oag/),
      status: 'ACTIVE',
      issuer: t.sim.url,
      clientId: app.clientId,
      scopeId: 'okta.users.read',
      source: 'ADMIN',
      _embedded: { scope: { id: 'okta.users.read' } },
    });
    expect(grant._links.self.href).toBe(`${t.sim.url}/api/v1/apps/${app.id}/grants/${grant.id}`);
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ scopeId: 'okta.users.manage', issuer: 'https://other.okta.com' }, /^issuer: /],
      [{ scopeId: 'okta.nothing.read', issuer: t.sim.url }, /^scopeId: /],
      [{ scopeId: 'okta.users.read', issuer: `${t.sim.url}/` }, /^scopeId: .*already/],
      [{ issuer: t.sim.url }, /^scopeId: /],
    ];
    for (const [body, cause] of refusals) {
      const error = expectOktaError(
        await t.okta.call('POST', `/api/v1/apps/${app.id}/grants`, { body }),
        400,
        'E0000001',
      );
      expect(error.errorCauses[0]!.errorSummary).toMatch(cause);
    }
    await t.okta.expect(201, 'POST', `/api/v1/apps/${app.id}/grants`, {
      scopeId: 'okta.groups.manage',
      issuer: t.sim.url,
    });
    expect(
      (await t.okta.ok<{ scopeId: string }[]>('GET', `/api/v1/apps/${app.id}/grants`)).map((item) => item.scopeId),
    ).toEqual(['okta.users.read', 'okta.groups.manage']);
    expect((await t.okta.ok<{ id: string }>('GET', `/api/v1/apps/${app.id}/grants/${grant.id}`)).id).toBe(grant.id);
    expect((await t.okta.call('DELETE', `/api/v1/apps/${app.id}/grants/${grant.id}`)).status).toBe(204);
    expectOktaError(await t.okta.call('GET', `/api/v1/apps/${app.id}/grants/${grant.id}`), 404, 'E0000007');
    expect(
      (await t.okta.ok<{ scopeId: string }[]>('GET', `/api/v1/apps/${app.id}/grants`)).map((item) => item.scopeId),
    ).toEqual(['okta.groups.manage']);
  });

  it('assigns standard admin roles to the client, refuses a duplicate (409 E0000090) and CUSTOM, lists and unassigns', async () => {
    const app = await setUpServiceApp(t.okta, 'roles app', [rsa]);
    const roles = `/oauth2/v1/clients/${app.clientId}/roles`;
    const role = await t.okta.ok<{ id: string; _links: { assignee: { href: string } } }>('POST', roles, {
      type: 'USER_ADMIN',
    });
    expect(role).toMatchObject({
      id: expect.stringMatching(/^[A-Z2-7]{24}$/),
      type: 'USER_ADMIN',
      label: 'Group Administrator',
      status: 'ACTIVE',
      assignmentType: 'CLIENT',
    });
    expect(role._links.assignee.href).toBe(`${t.sim.url}${roles}`);
    expectOktaError(await t.okta.call('POST', roles, { body: { type: 'USER_ADMIN' } }), 409, 'E0000090');
    expectOktaError(
      await t.okta.call('POST', roles, { body: { type: 'CUSTOM', role: 'cr0x', 'resource-set': 'iamx' } }),
      400,
      'E0000001',
    );
    expectOktaError(
      await t.okta.call('POST', '/oauth2/v1/clients/0oaNoSuchClient00000/roles', { body: { type: 'USER_ADMIN' } }),
      404,
      'E0000007',
    );
    await t.okta.ok('POST', roles, { type: 'READ_ONLY_ADMIN' });
    expect((await t.okta.ok<{ type: string }[]>('GET', roles)).map((item) => item.type)).toEqual([
      'USER_ADMIN',
      'READ_ONLY_ADMIN',
    ]);
    expect((await t.okta.ok<{ id: string }>('GET', `${roles}/${role.id}`)).id).toBe(role.id);
    expect((await t.okta.call('DELETE', `${roles}/${role.id}`)).status).toBe(204);
    expect((await t.okta.ok<{ type: string }[]>('GET', roles)).map((item) => item.type)).toEqual(['READ_ONLY_ADMIN']);
    // Role calls count in the general bucket like other management calls.
    expect((await t.okta.call('GET', roles)).headers['x-rate-limit-limit']).toBe('1200');
  });

  it('deactivates, reactivates and deletes an app (only when inactive), its grants and roles with it', async () => {
    const app = await setUpServiceApp(t.okta, 'doomed app', [rsa], {
      scopes: ['okta.users.read'],
      roles: ['SUPER_ADMIN'],
    });
    expectOktaError(await t.okta.call('DELETE', `/api/v1/apps/${app.id}`), 400, 'E0000001');
    expect((await t.okta.call('POST', `/api/v1/apps/${app.id}/lifecycle/deactivate`, { body: undefined })).status).toBe(
      200,
    );
    expect((await t.okta.ok<App>('GET', `/api/v1/apps/${app.id}`)).status).toBe('INACTIVE');
    await t.okta.ok('POST', `/api/v1/apps/${app.id}/lifecycle/activate`);
    expect((await t.okta.ok<App>('GET', `/api/v1/apps/${app.id}`)).status).toBe('ACTIVE');
    await t.okta.ok('POST', `/api/v1/apps/${app.id}/lifecycle/deactivate`);
    expect((await t.okta.call('DELETE', `/api/v1/apps/${app.id}`)).status).toBe(204);
    expectOktaError(await t.okta.call('GET', `/api/v1/apps/${app.id}`), 404, 'E0000007');
    const state = await t.okta.ok<{ appGrants: { appId: string }[]; clientRoles: { clientId: string }[] }>(
      'GET',
      '/_sim/state',
    );
    expect(state.appGrants.filter((grant) => grant.appId === app.id)).toEqual([]);
    expect(state.clientRoles.filter((role) => role.clientId === app.clientId)).toEqual([]);
  });

  it('keeps apps, grants and roles across a restart (stateFile); the state file and /_sim/state hold public keys only', async () => {
    const text = await acrossRestart(
      (sim) =>
        setUpServiceApp(new OktaClient(sim), 'persisted app', [rsa, ec], {
          scopes: ['okta.users.read'],
          roles: ['ORG_ADMIN'],
        }),
      async (sim, app) => {
        const okta = new OktaClient(sim);
        expect(
          (await okta.ok<App>('GET', `/api/v1/apps/${app.id}`)).settings.oauthClient.jwks.keys.map((key) => key.kid),
        ).toEqual(['rsa-1', 'ec-1']);
        expect(
          (await okta.ok<{ scopeId: string }[]>('GET', `/api/v1/apps/${app.id}/grants`)).map((grant) => grant.scopeId),
        ).toEqual(['okta.users.read']);
        expect(
          (await okta.ok<{ type: string }[]>('GET', `/oauth2/v1/clients/${app.clientId}/roles`)).map(
            (role) => role.type,
          ),
        ).toEqual(['ORG_ADMIN']);
        const state = await okta.ok<{ apps: { id: string; keys: { jwk: Record<string, string> }[] }[] }>(
          'GET',
          '/_sim/state',
        );
        const keys = state.apps.find((item) => item.id === app.id)!.keys.map((key) => Object.keys(key.jwk).sort());
        expect(keys).toEqual([
          ['alg', 'e', 'kty', 'n', 'use'],
          ['alg', 'crv', 'kty', 'use', 'x', 'y'],
        ]);
      },
    );
    expect(text).toContain('persisted app');
    expect(text).not.toMatch(/"d"\s*:/);
  });
});
