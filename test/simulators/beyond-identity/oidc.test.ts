/** The per-application OIDC endpoints on the auth host: discovery, JWKS, /authorize and /token, and their errors. */
import { createHash } from 'node:crypto';
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import {
  applicationIssuer,
  basicAuth,
  bindThroughEmail,
  fetchRaw,
  jwtPayload,
  ManagementClient,
  REDIRECT_URI,
  startSimulator,
  type Application,
  type Identity,
  type Realm,
} from './support';

describe('Beyond Identity simulator: OIDC', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;
  let realm: Realm;
  let configId: string;
  let application: Application;
  let enrolled: Identity;
  let issuer: string;

  beforeAll(async () => {
    sim = await startSimulator({ authorizationCodeTtlSeconds: 0.5 });
    client = new ManagementClient(sim);
    realm = await client.createRealm('OIDC');
    configId = (await client.createHostedWebConfig(realm.id)).id;
    application = await client.createOktaApplication(realm.id, configId);
    issuer = applicationIssuer(sim, application);
    enrolled = await client.createIdentity(realm.id, 'bob@example.com', 'Bob.Username');
    await client.createEmailJob(realm.id, enrolled.id, configId);
    await bindThroughEmail(client, 'bob@example.com');
  });
  afterAll(async () => {
    await sim.stop();
  });

  const authorizeUrl = (target: Application, params: Record<string, string>) =>
    `${applicationIssuer(sim, target)}/authorize?${new URLSearchParams({
      client_id: target.protocol_config.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      login_hint: 'bob@example.com',
      state: 'xyz',
      ...params,
    })}`;

  /** The redirect's query parameters, asserting it goes to the registered redirect URI. */
  async function redirected(url: string): Promise<URLSearchParams> {
    const answer = await fetchRaw(url);
    expect(answer.status).toBe(302);
    const location = new URL(String(answer.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    return location.searchParams;
  }

  async function codeFor(target: Application, params: Record<string, string> = {}): Promise<string> {
    return (await redirected(authorizeUrl(target, params))).get('code')!;
  }

  const token = (target: Application, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetchRaw(`${applicationIssuer(sim, target)}/token`, {
      headers,
      form: { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, ...form },
    });
  const postCredentials = (target: Application) => ({
    client_id: target.protocol_config.client_id,
    client_secret: target.protocol_config.client_secret!,
  });

  it('serves discovery and a JWKS with the signing key; unknown tenant, realm or app answer 404 in the API shape', async () => {
    const discovery = (await fetchRaw(`${issuer}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({
      issuer,
      response_types_supported: ['code'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      subject_types_supported: ['public'],
    });
    const jwks = (await fetchRaw(`${issuer}/.well-known/jwks.json`)).json() as { keys: Record<string, string>[] };
    expect(jwks.keys).toEqual([
      { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: expect.any(String), use: 'sig', alg: 'RS256' },
    ]);
    const unknownTenant = await fetchRaw(issuer.replace(sim.tenantId, '0001000000000000') + '/.well-known/jwks.json');
    expect([unknownTenant.status, unknownTenant.json()]).toEqual([
      404,
      expect.objectContaining({ code: 'not_found', message: 'tenant not found' }),
    ]);
    const unknownRealm = await fetchRaw(
      issuer.replace(realm.id, '0000000000000000') + '/.well-known/openid-configuration',
    );
    expect([unknownRealm.status, (unknownRealm.json() as { message: string }).message]).toEqual([
      404,
      'realm not found',
    ]);
    const unknownApp = await fetchRaw(
      issuer.replace(application.id, '00000000-0000-4000-8000-000000000000') + '/token',
      { form: {} },
    );
    expect([unknownApp.status, (unknownApp.json() as { message: string }).message]).toEqual([
      404,
      'application not found',
    ]);
  });

  it('shows a 400 page, never a redirect, for an unknown client_id or an unregistered redirect_uri', async () => {
    const cases: Record<string, string>[] = [
      { client_id: 'someone-else' },
      { redirect_uri: 'https://evil.example/cb' },
      { redirect_uri: `${REDIRECT_URI}/extra` },
      { redirect_uri: '' },
    ];
    for (const params of cases) {
      const answer = await fetchRaw(authorizeUrl(application, params));
      expect(answer.status).toBe(400);
      expect(answer.headers.location).toBeUndefined();
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
    }
  });

  it('redirects protocol errors back with error, error_description and state', async () => {
    const errorOf = async (params: Record<string, string>) => {
      const query = await redirected(authorizeUrl(application, params));
      expect(query.get('state')).toBe('xyz');
      expect(query.get('code')).toBeNull();
      return [query.get('error'), query.get('error_description')];
    };
    expect((await errorOf({ response_type: 'token' }))[0]).toBe('unsupported_response_type');
    expect((await errorOf({ scope: 'profile' }))[0]).toBe('invalid_scope');
    expect((await errorOf({ scope: 'openid pets:read' }))[0]).toBe('invalid_scope');
    const [loginRequired, explanation] = await errorOf({ login_hint: '' });
    expect(loginRequired).toBe('login_required');
    expect(explanation).toContain('login_hint');
    expect(await errorOf({ login_hint: 'nobody@example.com' })).toEqual([
      'access_denied',
      expect.stringContaining("'nobody@example.com'"),
    ]);
  });

  it('refuses an identity without an ACTIVE credential with access_denied and a precise description, and a suspended one', async () => {
    const unbound = await client.createIdentity(realm.id, 'carol@example.com');
    const query = await redirected(authorizeUrl(application, { login_hint: 'carol@example.com' }));
    expect(query.get('error')).toBe('access_denied');
    expect(query.get('error_description')).toBe(
      `identity 'carol@example.com' (${unbound.id}) has no active passkey (no ACTIVE credential) in realm ${realm.id}; bind one with a credential binding job first`,
    );
    const suspended = await client.createIdentity(realm.id, 'dave@example.com');
    await client.createEmailJob(realm.id, suspended.id, configId);
    await bindThroughEmail(client, 'dave@example.com');
    await client.ok('PATCH', `/realms/${realm.id}/identities/${suspended.id}`, { identity: { status: 'suspended' } });
    const refused = await redirected(authorizeUrl(application, { login_hint: 'dave@example.com' }));
    expect([refused.get('error'), refused.get('error_description')]).toEqual([
      'access_denied',
      expect.stringContaining('suspended'),
    ]);
  });

  it('finds the person by username as well as by email, case-insensitively', async () => {
    expect(await codeFor(application, { login_hint: 'bob.username' })).toEqual(expect.any(String));
    expect(await codeFor(application, { login_hint: 'BOB@EXAMPLE.COM' })).toEqual(expect.any(String));
  });

  it('answers 401 invalid_client for a wrong secret (post or basic) without consuming the code', async () => {
    const code = await codeFor(application);
    const wrongPost = await token(application, {
      code,
      client_id: application.protocol_config.client_id,
      client_secret: 'wrong',
    });
    expect([wrongPost.status, wrongPost.json()]).toEqual([
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
    ]);
    const wrongBasic = await token(
      application,
      { code },
      { authorization: basicAuth(application.protocol_config.client_id, 'wrong') },
    );
    expect([wrongBasic.status, wrongBasic.headers['www-authenticate']]).toEqual([401, expect.stringMatching(/^Basic/)]);
    const noSecret = await token(application, { code, client_id: application.protocol_config.client_id });
    expect(noSecret.status).toBe(401);
    const both = await token(
      application,
      { code, ...postCredentials(application) },
      { authorization: basicAuth(application.protocol_config.client_id, application.protocol_config.client_secret!) },
    );
    expect([both.status, (both.json() as { error: string }).error]).toEqual([400, 'invalid_request']);
    expect((await token(application, { code, ...postCredentials(application) })).status).toBe(200);
  });

  it('uses a code once, only with its redirect_uri, only for its client, and only briefly', async () => {
    const grantError = async (answer: Promise<{ status: number; json: () => unknown }>) => {
      const settled = await answer;
      return [settled.status, (settled.json() as { error: string }).error];
    };
    const code = await codeFor(application);
    expect((await token(application, { code, ...postCredentials(application) })).status).toBe(200);
    expect(await grantError(token(application, { code, ...postCredentials(application) }))).toEqual([
      400,
      'invalid_grant',
    ]);

    const wrongRedirect = await codeFor(application);
    expect(
      await grantError(
        token(application, {
          code: wrongRedirect,
          ...postCredentials(application),
          redirect_uri: 'https://other.example/cb',
        }),
      ),
    ).toEqual([400, 'invalid_grant']);

    const other = await client.createOktaApplication(realm.id, configId);
    const stolen = await codeFor(application);
    expect(await grantError(token(other, { code: stolen, ...postCredentials(other) }))).toEqual([400, 'invalid_grant']);

    const slow = await codeFor(application);
    // Waiting out the code lifetime (authorizationCodeTtlSeconds 0.5) is the behaviour under test; the server does not show the code's expiry.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await grantError(token(application, { code: slow, ...postCredentials(application) }))).toEqual([
      400,
      'invalid_grant',
    ]);
    expect(await grantError(token(application, { ...postCredentials(application) }))).toEqual([400, 'invalid_request']);
  });

  it('fills sub from token_configuration.subject_field (id, username) and keeps auth-code access tokens out of the management API', async () => {
    for (const [subjectField, expected] of [
      ['id', enrolled.id],
      ['username', 'Bob.Username'],
    ] as const) {
      const app = await client.createOktaApplication(realm.id, configId, {
        token_configuration: { expires_after: 300, subject_field: subjectField },
      });
      const answer = await token(app, { code: await codeFor(app), ...postCredentials(app) });
      const body = answer.json() as { id_token: string; access_token: string; expires_in: number };
      expect([jwtPayload(body.id_token).sub, body.expires_in]).toEqual([expected, 300]);
      expect((await client.call('GET', '/realms', { token: body.access_token })).status).toBe(401);
    }
  });

  it('runs a public client with PKCE S256 and refuses a wrong verifier', async () => {
    const app = await client.createOktaApplication(realm.id, configId, { confidentiality: 'public', pkce: 's256' });
    const verifier = 'a-verifier-that-is-long-enough-to-be-realistic-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const missing = await redirected(authorizeUrl(app, {}));
    expect(missing.get('error')).toBe('invalid_request');
    const code = await codeFor(app, { code_challenge: challenge, code_challenge_method: 'S256' });
    const wrong = await token(app, { code, client_id: app.protocol_config.client_id, code_verifier: 'wrong' });
    expect((wrong.json() as { error: string }).error).toBe('invalid_grant');
    const again = await codeFor(app, { code_challenge: challenge, code_challenge_method: 'S256' });
    const right = await token(app, { code: again, client_id: app.protocol_config.client_id, code_verifier: verifier });
    expect(right.status).toBe(200);
    expect(jwtPayload((right.json() as { id_token: string }).id_token).sub).toBe('bob@example.com');
  });
});
