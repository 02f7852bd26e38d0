/** Bearer authentication of the management API and the client-credentials token endpoint (docs/contracts/beyond-identity.md §1.3, §2.4, §5). */
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import {
  applicationIssuer,
  basicAuth,
  fetchRaw,
  jwtPayload,
  ManagementClient,
  startSimulator,
  verifyWithJwks,
} from './support';

describe('Beyond Identity simulator: authentication', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;
  let tokenUrl: string;

  beforeAll(async () => {
    sim = await startSimulator({
      apiTokens: ['first-static-token', 'second-static-token'],
      tenantId: '0001aaaabbbbcccc',
    });
    client = new ManagementClient(sim);
    tokenUrl = `${applicationIssuer(sim, { realm_id: sim.managementClient.realmId, id: sim.managementClient.applicationId })}/token`;
  });
  afterAll(async () => {
    await sim.stop();
  });

  const clientCredentials = (
    form: Record<string, string> = {},
    authorization = basicAuth(sim.managementClient.clientId, sim.managementClient.clientSecret),
  ) => fetchRaw(tokenUrl, { headers: { authorization }, form: { grant_type: 'client_credentials', ...form } });

  it('reports configured values, not development defaults', () => {
    expect(sim.apiToken).toBe('first-static-token');
    expect(sim.usingDevelopmentDefaults).toEqual({ tenantId: false, apiToken: false });
    expect(sim.bannerLines().join('\n')).not.toContain('first-static-token');
    expect(sim.bannerLines().join('\n')).toContain('0001aaaabbbbcccc');
  });

  it('answers 401 {code:"unauthorized"} without the right bearer token, and accepts every configured token', async () => {
    for (const token of [null, 'wrong-token', '']) {
      const refused = await client.call('GET', '/realms', { token });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ code: 'unauthorized', message: 'unauthorized' });
    }
    const basic = await client.call('GET', '/realms', {
      token: null,
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(basic.status).toBe(401);
    expect((await client.call('GET', '/realms', { token: 'second-static-token' })).status).toBe(200);
  });

  it('answers 403 {code:"forbidden"} for another tenant', async () => {
    const other = await client.call('GET', '/v1/tenants/0001ffffffffffff/realms');
    expect(other.status).toBe(403);
    expect(other.body).toEqual({ code: 'forbidden', message: 'forbidden' });
  });

  it('mints a Management API token by client credentials (Basic) whose claims name the tenant, and the API accepts it', async () => {
    const answer = await clientCredentials();
    expect(answer.status).toBe(200);
    const body = answer.json() as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: expect.stringContaining('realms:create'),
    });
    expect(body.scope.split(' ')).toEqual(
      expect.arrayContaining([
        'realms:read',
        'identities:create',
        'applications:read',
        'credential-binding-jobs:create',
        'credentials:read',
      ]),
    );
    const issuer = tokenUrl.replace(/\/token$/, '');
    const { header, payload } = await verifyWithJwks(body.access_token, `${issuer}/.well-known/jwks.json`);
    expect(header.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      iss: issuer,
      bi_t: '0001aaaabbbbcccc',
      bi_r: '*',
      aud: ['beyondidentity'],
      scope: body.scope,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    const realms = await client.call('GET', '/realms', { token: body.access_token });
    expect(realms.status).toBe(200);
  });

  it('accepts client_secret_post too, honours a narrower scope and a lower expiration_time', async () => {
    const answer = await fetchRaw(tokenUrl, {
      form: {
        grant_type: 'client_credentials',
        client_id: sim.managementClient.clientId,
        client_secret: sim.managementClient.clientSecret,
        scope: 'realms:read',
        expiration_time: '120',
      },
    });
    const body = answer.json() as { access_token: string; expires_in: number; scope: string };
    expect([answer.status, body.scope, body.expires_in]).toEqual([200, 'realms:read', 120]);
    expect((await client.call('GET', '/realms', { token: body.access_token })).status).toBe(200);
    const create = await client.call('POST', '/realms', {
      token: body.access_token,
      body: { realm: { display_name: 'nope' } },
    });
    expect([create.status, create.body]).toEqual([403, { code: 'forbidden', message: 'forbidden' }]);
  });

  it('answers RFC 6749 errors: 401 invalid_client for a bad secret (no secret echoed), 400 for bad grants and scopes', async () => {
    const bad = await clientCredentials({}, basicAuth(sim.managementClient.clientId, 'not-the-secret'));
    expect(bad.status).toBe(401);
    expect(bad.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(bad.text).not.toContain('not-the-secret');
    expect(bad.headers['www-authenticate']).toMatch(/^Basic/);
    const unknownClient = await clientCredentials({}, basicAuth('someone-else', sim.managementClient.clientSecret));
    expect(unknownClient.status).toBe(401);
    const noGrant = await fetchRaw(tokenUrl, {
      headers: { authorization: basicAuth(sim.managementClient.clientId, sim.managementClient.clientSecret) },
      form: {},
    });
    expect([noGrant.status, (noGrant.json() as { error: string }).error]).toEqual([400, 'invalid_request']);
    const password = await clientCredentials({ grant_type: 'password' });
    expect((password.json() as { error: string }).error).toBe('unsupported_grant_type');
    const code = await clientCredentials({ grant_type: 'authorization_code', code: 'x' });
    expect((code.json() as { error: string }).error).toBe('unauthorized_client');
    const scope = await clientCredentials({ scope: 'realms:read pets:feed' });
    expect([scope.status, (scope.json() as { error: string }).error]).toEqual([400, 'invalid_scope']);
  });

  it('refuses a token whose claims or signature were tampered with (401)', async () => {
    const token = ((await clientCredentials()).json() as { access_token: string }).access_token;
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...jwtPayload(token), bi_t: 'someone-else' })).toString('base64url');
    expect((await client.call('GET', '/realms', { token: `${header}.${forged}.${signature}` })).status).toBe(401);
    expect(
      (await client.call('GET', '/realms', { token: `${header}.${payload}.${signature!.slice(0, -4)}AAAA` })).status,
    ).toBe(401);
  });

  it('lets an API-created client-credentials app of the Management API resource server mint tokens limited to its allowed scopes', async () => {
    const admin = await client.ok<{ resource_server_id: string }>(
      'GET',
      `/realms/${sim.managementClient.realmId}/applications/${sim.managementClient.applicationId}`,
    );
    const realm = await client.createRealm('Automation');
    const app = await client.ok<{
      id: string;
      realm_id: string;
      protocol_config: { client_id: string; client_secret: string };
    }>('POST', `/realms/${realm.id}/applications`, {
      application: {
        display_name: 'Automation',
        resource_server_id: admin.resource_server_id,
        protocol_config: {
          type: 'oauth2',
          grant_type: ['client_credentials'],
          allowed_scopes: ['realms:read'],
          token_configuration: { expires_after: 600 },
        },
      },
    });
    const answer = await fetchRaw(`${applicationIssuer(sim, app)}/token`, {
      headers: { authorization: basicAuth(app.protocol_config.client_id, app.protocol_config.client_secret) },
      form: { grant_type: 'client_credentials' },
    });
    const body = answer.json() as { access_token: string; expires_in: number; scope: string };
    expect([answer.status, body.scope, body.expires_in]).toEqual([200, 'realms:read', 600]);
    expect((await client.call('GET', '/realms', { token: body.access_token })).status).toBe(200);
    expect((await client.call('GET', `/realms/${realm.id}/identities`, { token: body.access_token })).status).toBe(403);
  });

  it('answers 403 for an expired access token (as bi-cli expects; it refreshes on 403)', async () => {
    const shortLived = await startSimulator({ accessTokenTtlSeconds: 1 });
    try {
      const shortClient = new ManagementClient(shortLived);
      const url = `${applicationIssuer(shortLived, { realm_id: shortLived.managementClient.realmId, id: shortLived.managementClient.applicationId })}/token`;
      // exp is whole seconds (issued second + 1): mint early in a second so the token is still good for the first call.
      if (Date.now() % 1000 > 700) await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
      const answer = await fetchRaw(url, {
        headers: {
          authorization: basicAuth(shortLived.managementClient.clientId, shortLived.managementClient.clientSecret),
        },
        form: { grant_type: 'client_credentials' },
      });
      const token = (answer.json() as { access_token: string }).access_token;
      const expiresAtMs = (jwtPayload(token).exp as number) * 1000;
      // The same token works while it is alive, so the 403 below is the expiry and nothing else.
      expect((await shortClient.call('GET', '/realms', { token })).status).toBe(200);
      // Waiting out the token's lifetime is the behaviour under test.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs - Date.now()) + 50));
      const expired = await shortClient.call('GET', '/realms', { token });
      expect([expired.status, expired.body]).toEqual([403, { code: 'forbidden', message: 'forbidden' }]);
    } finally {
      await shortLived.stop();
    }
  });
});
