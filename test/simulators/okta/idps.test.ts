/** OIDC identity providers (docs/contracts/okta.md §2): create and its validation, get, non-exact list, paging, replace, lifecycle, delete. */
import { fetch } from 'undici';
import { expectOktaError, idpBody, parseLinks, useSimulator } from './support';

type Idp = {
  id: string;
  name: string;
  status: string;
  created: string;
  lastUpdated: string;
  protocol: { scopes: string[]; credentials: { client: { client_id: string; client_secret?: string } } };
  policy: Record<string, unknown> & { accountLink: Record<string, unknown>; subject: Record<string, unknown> };
  _links: Record<string, { href: string; templated?: boolean; hints?: { allow: string[] } }>;
};

/** A copy of `body` with `path` (dotted) set to `value`. */
function withField(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[keys[keys.length - 1]!];
  else target[keys[keys.length - 1]!] = value;
  return copy;
}

describe('Okta simulator: identity providers', () => {
  const t = useSimulator();

  it('creates an OIDC IdP (200, ACTIVE) with the client secret echoed and the links Okta gives', async () => {
    const idp = await t.okta.ok<Idp>('POST', '/api/v1/idps', idpBody('Beyond Identity'));
    expect(idp.id).toMatch(/^0oa[A-Za-z0-9]{17}$/);
    expect(idp).toMatchObject({ type: 'OIDC', name: 'Beyond Identity', status: 'ACTIVE', issuerMode: 'ORG_URL' });
    expect(idp.protocol.credentials.client).toEqual({ client_id: 'bi-client-id', client_secret: 'bi-client-secret' });
    expect(idp.created).toBe(idp.lastUpdated);
    expect(idp._links.clientRedirectUri).toEqual({
      href: `${t.sim.url}/oauth2/v1/authorize/callback`,
      hints: { allow: ['POST'] },
    });
    expect(idp._links.authorize!.templated).toBe(true);
    expect(idp._links.authorize!.href).toBe(
      `${t.sim.url}/oauth2/v1/authorize?idp=${idp.id}&client_id={clientId}&response_type={responseType}&response_mode={responseMode}&scope={scopes}&redirect_uri={redirectUri}&state={state}&nonce={nonce}`,
    );
    expect(idp._links.deactivate!.href).toBe(`${t.sim.url}/api/v1/idps/${idp.id}/lifecycle/deactivate`);
    // null-valued properties are omitted (the spec does not allow null there).
    expect(idp.policy.accountLink).toEqual({ action: 'AUTO' });
    expect(idp.policy.subject).toEqual({ userNameTemplate: { template: 'idpuser.externalId' }, matchType: 'USERNAME' });

    expect(await t.okta.ok<Idp>('GET', `/api/v1/idps/${idp.id}`)).toEqual(idp);
    const state = (await t.okta.ok<{ idps: { body: Idp }[] }>('GET', '/_sim/state')).idps;
    expect(state[0]!.body.protocol.credentials.client.client_secret).toBe('********');
    expect(JSON.stringify(state)).not.toContain('bi-client-secret');
  });

  it.each([
    [
      'type',
      withField(idpBody('v1'), 'type', 'SAML2'),
      'type: The simulator supports only OIDC identity providers, not SAML2.',
    ],
    [
      'protocol.type',
      withField(idpBody('v2'), 'protocol.type', 'OAUTH2'),
      'protocol.type: The protocol type OAUTH2 does not fit an identity provider of type OIDC (expected OIDC).',
    ],
    ['type', withField(idpBody('v3'), 'type', 'NOPE'), 'type: Must be one of'],
    [
      'protocol.endpoints.token.binding',
      withField(idpBody('v4'), 'protocol.endpoints.token.binding', 'HTTP-GET'),
      'protocol.endpoints.token.binding: Must be one of HTTP-POST, HTTP-REDIRECT.',
    ],
    [
      'policy.subject.matchType',
      withField(idpBody('v5'), 'policy.subject.matchType', 'PHONE'),
      'policy.subject.matchType: Must be one of USERNAME, EMAIL, USERNAME_OR_EMAIL, CUSTOM_ATTRIBUTE.',
    ],
    [
      'policy.subject.userNameTemplate.template',
      withField(idpBody('v6'), 'policy.subject.userNameTemplate.template', 'idp.sub'),
      'policy.subject.userNameTemplate.template: The template must be at least 9 characters long.',
    ],
    ['protocol.scopes', withField(idpBody('v7'), 'protocol.scopes', 'openid'), 'protocol.scopes: Must be an array.'],
    [
      'policy.subject.matchAttribute',
      withField(idpBody('v8'), 'policy.subject.matchType', 'CUSTOM_ATTRIBUTE'),
      'policy.subject.matchAttribute: A matchType of CUSTOM_ATTRIBUTE needs matchAttribute.',
    ],
    [
      'protocol.endpoints.jwks',
      withField(idpBody('v9'), 'protocol.endpoints.jwks', undefined),
      'protocol.endpoints.jwks: The field is required.',
    ],
    [
      'protocol.issuer.url',
      withField(idpBody('v10'), 'protocol.issuer.url', 'not a url'),
      'protocol.issuer.url: Must be an absolute http or https URL.',
    ],
    [
      'protocol.credentials.client.client_id',
      withField(idpBody('v11'), 'protocol.credentials.client.client_id', undefined),
      'protocol.credentials.client.client_id: The field is required.',
    ],
    [
      'protocol.credentials.client.token_endpoint_auth_method',
      withField(idpBody('v12'), 'protocol.credentials.client.token_endpoint_auth_method', 'none'),
      'Must be one of client_secret_post, client_secret_basic, private_key_jwt.',
    ],
    ['name', withField(idpBody('v13'), 'name', 'x'.repeat(101)), 'name:'],
  ])('refuses an invalid body: %s', async (field, body, cause) => {
    const error = expectOktaError(await t.okta.call('POST', '/api/v1/idps', { body }), 400, 'E0000001');
    expect(error.errorSummary).toBe(`Api validation failed: ${field}`);
    expect(error.errorCauses.map((entry) => entry.errorSummary).join(' | ')).toContain(cause);
  });

  it('refuses a second IdP with the same name (case-insensitive), and creates nothing on a refused body', async () => {
    await t.okta.ok('POST', '/api/v1/idps', idpBody('Unique Name'));
    const error = expectOktaError(
      await t.okta.call('POST', '/api/v1/idps', { body: idpBody('unique name') }),
      400,
      'E0000001',
    );
    expect(error.errorCauses).toEqual([
      { errorSummary: 'name: An identity provider with this name already exists in the current organization' },
    ]);
    const listed = await t.okta.ok<Idp[]>('GET', `/api/v1/idps?q=${encodeURIComponent('Unique')}`);
    expect(listed.map((idp) => idp.name)).toEqual(['Unique Name']);
    expect((await t.okta.ok<Idp[]>('GET', '/api/v1/idps?q=v1')).length).toBe(0);
  });

  it('lists with a non-exact q (prefix, case-insensitive) and a type filter', async () => {
    await t.okta.ok('POST', '/api/v1/idps', idpBody('Corp BI'));
    await t.okta.ok('POST', '/api/v1/idps', idpBody('Corp BI (staging)'));
    await t.okta.ok('POST', '/api/v1/idps', idpBody('Other Corp BI'));
    const names = async (query: string) =>
      (await t.okta.ok<Idp[]>('GET', `/api/v1/idps?${query}`)).map((idp) => idp.name);
    expect(await names('q=corp%20bi')).toEqual(['Corp BI', 'Corp BI (staging)']);
    expect(await names('q=Corp%20BI&type=OIDC')).toEqual(['Corp BI', 'Corp BI (staging)']);
    expect(await names('q=Corp%20BI&type=SAML2')).toEqual([]);
  });

  it('pages through three pages following joined Link headers (as fetch gives them)', async () => {
    for (let i = 0; i < 5; i++) await t.okta.ok('POST', '/api/v1/idps', idpBody(`Paged ${i}`));
    const names: string[] = [];
    let next: string | undefined = `${t.sim.url}/api/v1/idps?q=Paged&limit=2`;
    let pages = 0;
    while (next) {
      const response = await fetch(next, {
        headers: { authorization: `SSWS ${t.sim.apiToken}`, accept: 'application/json' },
      });
      expect(response.status).toBe(200);
      const header = response.headers.get('link');
      const links = parseLinks(header);
      expect(links.self).toBe(next);
      if (links.next) expect(header).toContain('rel="self", <'); // one value, joined with ", "
      names.push(...((await response.json()) as Idp[]).map((idp) => idp.name));
      next = links.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(names).toEqual(['Paged 0', 'Paged 1', 'Paged 2', 'Paged 3', 'Paged 4']);
  });

  it('clamps a limit above the maximum to 200 instead of refusing it', async () => {
    // One more than the maximum, so a clamped page must leave one for a next page.
    const made = Array.from({ length: 201 }, (_, i) => `Clamp ${String(i).padStart(3, '0')}`);
    for (let i = 0; i < made.length; i += 20)
      await Promise.all(made.slice(i, i + 20).map((name) => t.okta.ok('POST', '/api/v1/idps', idpBody(name))));
    const all = await t.okta.call('GET', '/api/v1/idps?q=Clamp&limit=5000');
    expect(all.status).toBe(200);
    expect((all.body as Idp[]).length).toBe(200);
    const next = parseLinks(all.headers.link).next;
    expect(next).toBeDefined();
    expect((await t.okta.ok<Idp[]>('GET', next!)).map((idp) => idp.name)).toEqual(['Clamp 200']);
  });

  it('replaces an IdP (keeping id, created and an omitted secret), and 404s an unknown one', async () => {
    const idp = await t.okta.ok<Idp>('POST', '/api/v1/idps', idpBody('Replace Me'));
    const body = withField(
      withField(idpBody('Replaced'), 'protocol.credentials.client.client_secret', undefined),
      'protocol.scopes',
      ['openid', 'email'],
    );
    const replaced = await t.okta.ok<Idp>('PUT', `/api/v1/idps/${idp.id}`, body);
    expect(replaced).toMatchObject({
      id: idp.id,
      name: 'Replaced',
      created: idp.created,
      protocol: { scopes: ['openid', 'email'] },
    });
    expect(replaced.protocol.credentials.client.client_secret).toBe('bi-client-secret');
    expect(replaced.lastUpdated >= idp.lastUpdated).toBe(true);
    // Its own name is not a duplicate of itself.
    await t.okta.ok('PUT', `/api/v1/idps/${idp.id}`, idpBody('Replaced'));
    expectOktaError(
      await t.okta.call('PUT', `/api/v1/idps/${idp.id}`, {
        body: withField(idpBody('Replaced'), 'protocol.type', 'SAML2'),
      }),
      400,
      'E0000001',
    );
    const missing = expectOktaError(
      await t.okta.call('PUT', '/api/v1/idps/0oaDoesNotExist000000', { body: idpBody('x') }),
      404,
      'E0000007',
    );
    expect(missing.errorSummary).toBe('Not found: Resource not found: 0oaDoesNotExist000000 (IdentityProvider)');
  });

  it('deactivates and activates with 200 and the IdP, then deletes with 204', async () => {
    const idp = await t.okta.ok<Idp>('POST', '/api/v1/idps', idpBody('Lifecycle'));
    const inactive = await t.okta.ok<Idp>('POST', `/api/v1/idps/${idp.id}/lifecycle/deactivate`);
    expect(inactive).toMatchObject({ id: idp.id, status: 'INACTIVE' });
    expect(inactive._links.activate!.href).toBe(`${t.sim.url}/api/v1/idps/${idp.id}/lifecycle/activate`);
    expect((await t.okta.ok<Idp>('POST', `/api/v1/idps/${idp.id}/lifecycle/deactivate`)).status).toBe('INACTIVE');
    expect((await t.okta.ok<Idp>('POST', `/api/v1/idps/${idp.id}/lifecycle/activate`)).status).toBe('ACTIVE');
    const deleted = await t.okta.call('DELETE', `/api/v1/idps/${idp.id}`);
    expect({ status: deleted.status, body: deleted.body }).toEqual({ status: 204, body: undefined });
    expectOktaError(await t.okta.call('GET', `/api/v1/idps/${idp.id}`), 404, 'E0000007');
    expectOktaError(await t.okta.call('POST', `/api/v1/idps/${idp.id}/lifecycle/activate`), 404, 'E0000007');
    expectOktaError(await t.okta.call('DELETE', `/api/v1/idps/${idp.id}`), 404, 'E0000007');
  });
});
