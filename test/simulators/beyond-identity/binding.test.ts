/**
 * Binding as a person lives it (outbox → link → form POST), expiry, and the whole federated
 * sign-in the Okta simulator will rely on: /authorize with login_hint → /token → id_token
 * verified against the JWKS fetched over HTTP.
 */
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import {
  applicationIssuer,
  basicAuth,
  fetchRaw,
  ManagementClient,
  REDIRECT_URI,
  startSimulator,
  verifyWithJwks,
  type Application,
  type Identity,
  type Job,
  type Realm,
} from './support';

describe('Beyond Identity simulator: binding a passkey and signing in', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;
  let realm: Realm;
  let configId: string;

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ManagementClient(sim);
    realm = await client.createRealm('Okta Delegate IdP');
    configId = (await client.createHostedWebConfig(realm.id)).id;
  });
  afterAll(async () => {
    await sim.stop();
  });

  const jobPath = (identity: Identity, jobId: string) =>
    `/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs/${jobId}`;

  it('plays the person: email link opened and submitted, then /authorize → /token → an id_token whose sub is the email', async () => {
    const email = 'alice@example.com';
    const identity = await client.createIdentity(realm.id, email);
    const application = await client.createOktaApplication(realm.id, configId);
    const { credential_binding_job: job } = await client.createEmailJob(realm.id, identity.id, configId);

    // The email, as the outbox shows it.
    const [message, ...others] = await client.outbox('ALICE@example.com');
    expect(others).toEqual([]);
    expect(message).toEqual({
      id: expect.any(String),
      to: email,
      subject: 'Set up your passkey for Okta Delegate IdP',
      text: expect.stringContaining(message!.link),
      link: expect.stringMatching(
        new RegExp(
          `^${sim.authUrl}/v1/tenants/${sim.tenantId}/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs/${job.id}:invokeAuthenticator\\?token=`,
        ),
      ),
      job_id: job.id,
      identity_id: identity.id,
      realm_id: realm.id,
      tenant_id: sim.tenantId,
      sent_time: expect.any(String),
    });

    // Opening the link shows a page with a plain form and a "Bind passkey" button.
    const page = await fetchRaw(message!.link);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<button type="submit">Bind passkey</button>');
    expect(page.text).not.toContain('<script');
    expect((await client.ok<Job>('GET', jobPath(identity, job.id))).state).toBe('LINK_OPENED');

    // Submitting the form, exactly as a browser would.
    const action = /<form method="post" action="([^"]+)"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const token = /name="token" value="([^"]+)"/.exec(page.text)![1]!;
    const done = await fetchRaw(new URL(action, message!.link).toString(), { form: { token } });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Your passkey is bound');

    const completed = await client.ok<Job>('GET', jobPath(identity, job.id));
    expect(completed).toMatchObject({ state: 'COMPLETE', credential_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const credentials = await client.ok<{ credentials: Record<string, unknown>[]; total_size: number }>(
      'GET',
      `/realms/${realm.id}/identities/${identity.id}/credentials`,
    );
    expect(credentials.total_size).toBe(1);
    expect(credentials.credentials[0]).toMatchObject({
      id: completed.credential_id,
      identity_id: identity.id,
      state: 'ACTIVE',
      csr_type: 'WEBAUTHN',
    });
    expect(JSON.parse(credentials.credentials[0]!.jwk_json as string)).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(
      await client.ok('GET', `/realms/${realm.id}/identities/${identity.id}/credentials/${completed.credential_id}`),
    ).toEqual(credentials.credentials[0]);
    expect((await client.ok<Identity>('GET', `/realms/${realm.id}/identities/${identity.id}`)).enrollment_status).toBe(
      'ENROLLED',
    );

    // The federated sign-in, as Okta performs it: client_secret_post first, then client_secret_basic.
    const issuer = applicationIssuer(sim, application);
    const discovery = (await fetchRaw(`${issuer}/.well-known/openid-configuration`)).json() as Record<string, string>;
    expect(discovery).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
    });
    for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
      const code = await authorize(application, {
        login_hint: email,
        state: `state-${method}`,
        nonce: `nonce-${method}`,
      });
      const tokens = await exchange(application, code, method);
      expect(tokens).toMatchObject({
        token_type: 'Bearer',
        expires_in: 604800,
        id_token: expect.any(String),
        access_token: expect.any(String),
      });
      const { header, payload } = await verifyWithJwks(tokens.id_token, discovery.jwks_uri!);
      expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
      expect(payload).toMatchObject({
        iss: issuer,
        aud: application.protocol_config.client_id,
        sub: email,
        nonce: `nonce-${method}`,
      });
      const now = Math.floor(Date.now() / 1000);
      expect(payload.iat as number).toBeGreaterThanOrEqual(now - 5);
      expect((payload.exp as number) - (payload.iat as number)).toBe(604800);
    }
  });

  /** Runs /authorize and returns the code from the 302 Location (asserting state is echoed). */
  async function authorize(application: Application, extra: Record<string, string>): Promise<string> {
    const query = new URLSearchParams({
      client_id: application.protocol_config.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      ...extra,
    });
    const answer = await fetchRaw(`${applicationIssuer(sim, application)}/authorize?${query}`);
    expect(answer.status).toBe(302);
    const location = new URL(String(answer.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe(extra.state ?? null);
    const code = location.searchParams.get('code');
    if (!code) throw new Error(`no code: ${location.toString()}`);
    return code;
  }

  async function exchange(
    application: Application,
    code: string,
    method: 'client_secret_post' | 'client_secret_basic',
  ): Promise<{ id_token: string; access_token: string }> {
    const { client_id: clientId, client_secret: secret } = application.protocol_config;
    const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
    const headers: Record<string, string> = {};
    if (method === 'client_secret_post') Object.assign(form, { client_id: clientId, client_secret: secret! });
    else headers.authorization = basicAuth(clientId, secret!);
    const answer = await fetchRaw(`${applicationIssuer(sim, application)}/token`, { headers, form });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    return answer.json() as { id_token: string; access_token: string };
  }

  it('binds once: a second submit reports the same passkey, and post_binding_redirect_uri redirects after binding', async () => {
    const identity = await client.createIdentity(realm.id, 'redirect@example.com');
    const created = await client.ok<{ credential_binding_job: Job; credential_binding_link: string }>(
      'POST',
      `/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs`,
      {
        job: {
          delivery_method: 'RETURN',
          authenticator_config_id: configId,
          post_binding_redirect_uri: 'https://app.example.com/done',
        },
      },
    );
    const link = created.credential_binding_link;
    const token = new URL(link).searchParams.get('token')!;
    const first = await fetchRaw(link, { form: { token } });
    expect([first.status, first.headers.location]).toEqual([303, 'https://app.example.com/done']);
    const second = await fetchRaw(link, { form: { token } });
    expect(second.status).toBe(303);
    const credentials = await client.ok<{ total_size: number }>(
      'GET',
      `/realms/${realm.id}/identities/${identity.id}/credentials`,
    );
    expect(credentials.total_size).toBe(1);
    expect((await fetchRaw(link)).text).toContain('already bound');
  });

  it('refuses a link with a wrong token or for another identity (404 page) and a revoked one (410 page), binding nothing', async () => {
    const identity = await client.createIdentity(realm.id, 'refused@example.com');
    const { credential_binding_job: job } = await client.createEmailJob(realm.id, identity.id, configId);
    const [message] = await client.outbox('refused@example.com');
    const wrongToken = message!.link.replace(/token=.*/, 'token=not-the-token');
    expect((await fetchRaw(wrongToken)).status).toBe(404);
    expect((await fetchRaw(wrongToken, { form: { token: 'not-the-token' } })).status).toBe(404);
    const otherIdentity = message!.link.replace(identity.id, '0123456789abcdef');
    expect((await fetchRaw(otherIdentity)).status).toBe(404);
    expect((await client.ok<Job>('GET', jobPath(identity, job.id))).state).toBe('LINK_SENT');

    await client.ok('POST', `${jobPath(identity, job.id)}:revoke`, {});
    const revoked = await fetchRaw(message!.link);
    expect(revoked.status).toBe(410);
    expect(revoked.text).toContain('revoked');
    expect(
      (await client.ok<{ total_size: number }>('GET', `/realms/${realm.id}/identities/${identity.id}/credentials`))
        .total_size,
    ).toBe(0);
  });

  it('expires jobs after bindingLinkTtlSeconds: EXPIRED on read, an error page, nothing bound, and :revoke answers 409', async () => {
    const quick = await startSimulator({ bindingLinkTtlSeconds: 0.3 });
    try {
      const quickClient = new ManagementClient(quick);
      const quickRealm = await quickClient.createRealm('Quick');
      const quickConfig = (await quickClient.createHostedWebConfig(quickRealm.id)).id;
      const sent = await quickClient.createIdentity(quickRealm.id, 'sent@example.com');
      const opened = await quickClient.createIdentity(quickRealm.id, 'opened@example.com');
      const sentJob = (await quickClient.createEmailJob(quickRealm.id, sent.id, quickConfig)).credential_binding_job;
      const openedJob = (await quickClient.createEmailJob(quickRealm.id, opened.id, quickConfig))
        .credential_binding_job;
      expect(Date.parse(sentJob.expire_time) - Date.parse((sentJob as Job & { create_time: string }).create_time)).toBe(
        300,
      );
      const [openedMessage] = await quickClient.outbox('opened@example.com');
      expect((await fetchRaw(openedMessage!.link)).status).toBe(200);

      // Waiting out the link lifetime is the behaviour under test: until both jobs' own expire_time has passed.
      const expiredAt = Math.max(Date.parse(sentJob.expire_time), Date.parse(openedJob.expire_time));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiredAt - Date.now()) + 20));
      for (const [identity, job] of [
        [sent, sentJob],
        [opened, openedJob],
      ] as const) {
        const read = await quickClient.ok<Job>(
          'GET',
          `/realms/${quickRealm.id}/identities/${identity.id}/credential-binding-jobs/${job.id}`,
        );
        expect(read.state).toBe('EXPIRED');
      }
      const page = await fetchRaw(openedMessage!.link);
      expect(page.status).toBe(410);
      expect(page.text).toContain('expired');
      const token = new URL(openedMessage!.link).searchParams.get('token')!;
      expect((await fetchRaw(openedMessage!.link, { form: { token } })).status).toBe(410);
      expect(
        (
          await quickClient.ok<{ total_size: number }>(
            'GET',
            `/realms/${quickRealm.id}/identities/${opened.id}/credentials`,
          )
        ).total_size,
      ).toBe(0);
      expect(
        (await quickClient.ok<Identity>('GET', `/realms/${quickRealm.id}/identities/${opened.id}`)).enrollment_status,
      ).toBe('UNENROLLED');
      const revoke = await quickClient.call(
        'POST',
        `/realms/${quickRealm.id}/identities/${sent.id}/credential-binding-jobs/${sentJob.id}:revoke`,
        { body: {} },
      );
      expect(revoke.status).toBe(409);
    } finally {
      await quick.stop();
    }
  });

  it('expires a job on demand through /_sim/binding-jobs/{id}/expire', async () => {
    const identity = await client.createIdentity(realm.id, 'expire.now@example.com');
    const { credential_binding_job: job } = await client.createEmailJob(realm.id, identity.id, configId);
    expect((await client.ok<Job>('POST', `/_sim/binding-jobs/${job.id}/expire`)).state).toBe('EXPIRED');
    expect((await client.ok<Job>('GET', jobPath(identity, job.id))).state).toBe('EXPIRED');
    expect((await client.call('POST', '/_sim/binding-jobs/nope/expire')).status).toBe(404);
  });
});
