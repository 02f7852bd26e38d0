/**
 * Identity status `active` | `suspended` and batch delete (docs/contracts/beyond-identity.md §8): a
 * suspended identity keeps its passkeys but can neither bind nor sign in, until it is unsuspended.
 * Every management response here is also checked against the published spec.
 */
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import { describeWithSpec, OpenApiValidator } from '../../support/openapi';
import {
  applicationIssuer,
  basicAuth,
  bindThroughEmail,
  fetchRaw,
  ManagementClient,
  REDIRECT_URI,
  startSimulator,
  type Application,
  type Identity,
  type Job,
  type Realm,
} from './support';

describe('Beyond Identity simulator: identity status and batch delete', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;
  let realm: Realm;
  let configId: string;
  let application: Application;

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ManagementClient(sim);
    realm = await client.createRealm('Status');
    configId = (await client.createHostedWebConfig(realm.id)).id;
    application = await client.createOktaApplication(realm.id, configId);
  });
  afterAll(async () => {
    await sim.stop();
  });

  const identityPath = (identity: Pick<Identity, 'id'>) => `/realms/${realm.id}/identities/${identity.id}`;
  /** The body bi-cli sends for `bi api identities patch --status …`: `traits.type` comes along. */
  const setStatus = (identity: Pick<Identity, 'id'>, status: string, token?: string) =>
    client.call('PATCH', identityPath(identity), {
      body: { identity: { status, traits: { type: 'traits_v0' } } },
      ...(token !== undefined && { token }),
    });
  const newJob = (identity: Pick<Identity, 'id'>) =>
    client.call('POST', `${identityPath(identity)}/credential-binding-jobs`, {
      body: { job: { delivery_method: 'EMAIL', authenticator_config_id: configId } },
    });

  async function enrolledIdentity(email: string): Promise<Identity> {
    const identity = await client.createIdentity(realm.id, email);
    await client.createEmailJob(realm.id, identity.id, configId);
    await bindThroughEmail(client, email);
    return client.ok<Identity>('GET', identityPath(identity));
  }

  /** /authorize for `email`: the code, or the OAuth error it redirected with. */
  async function signIn(
    email: string,
  ): Promise<{ code: string | null; error: string | null; description: string | null }> {
    const query = new URLSearchParams({
      client_id: application.protocol_config.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      login_hint: email,
    });
    const answer = await fetchRaw(`${applicationIssuer(sim, application)}/authorize?${query}`);
    expect(answer.status).toBe(302);
    const params = new URL(String(answer.headers.location)).searchParams;
    return { code: params.get('code'), error: params.get('error'), description: params.get('error_description') };
  }

  const redeem = (code: string) =>
    fetchRaw(`${applicationIssuer(sim, application)}/token`, {
      headers: {
        authorization: basicAuth(application.protocol_config.client_id, application.protocol_config.client_secret!),
      },
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
    });

  async function tokenWithScopes(scope: string): Promise<string> {
    const issuer = applicationIssuer(sim, {
      realm_id: sim.managementClient.realmId,
      id: sim.managementClient.applicationId,
    });
    const answer = await fetchRaw(`${issuer}/token`, {
      headers: { authorization: basicAuth(sim.managementClient.clientId, sim.managementClient.clientSecret) },
      form: { grant_type: 'client_credentials', scope },
    });
    return (answer.json() as { access_token: string }).access_token;
  }

  it('creates identities active, and suspends and unsuspends one keeping its passkey and enrollment', async () => {
    const person = await enrolledIdentity('round.trip@example.com');
    expect(person).toMatchObject({ status: 'active', enrollment_status: 'ENROLLED' });
    const credentials = await client.ok('GET', `${identityPath(person)}/credentials`);

    const suspended = await setStatus(person, 'suspended');
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({
      id: person.id,
      status: 'suspended',
      enrollment_status: 'ENROLLED',
      traits: person.traits,
      display_name: person.display_name,
    });
    expect(await client.ok('GET', identityPath(person))).toMatchObject({ status: 'suspended' });
    expect(await client.ok('GET', `${identityPath(person)}/credentials`)).toEqual(credentials);

    const active = await setStatus(person, 'active');
    expect([active.status, active.body]).toEqual([
      200,
      expect.objectContaining({ status: 'active', enrollment_status: 'ENROLLED' }),
    ]);
    expect(await client.ok('GET', `${identityPath(person)}/credentials`)).toEqual(credentials);
  });

  it('refuses a binding job for a suspended identity with 422, and allows it once unsuspended', async () => {
    const person = await client.createIdentity(realm.id, 'no.job@example.com');
    await setStatus(person, 'suspended');
    const refused = await newJob(person);
    expect([refused.status, refused.body]).toEqual([
      422,
      {
        code: 'unprocessable_entity',
        message: 'Identity is suspended',
        details: [
          { type: 'ResourceInfo', resource_type: 'Identity', id: person.id, description: 'Identity is suspended' },
        ],
      },
    ]);
    expect(await client.outbox('no.job@example.com')).toEqual([]);
    expect(await client.ok('GET', identityPath(person))).toMatchObject({ enrollment_status: 'UNENROLLED' });

    await setStatus(person, 'active');
    expect((await newJob(person)).status).toBe(200);
    await bindThroughEmail(client, 'no.job@example.com');
    expect(await client.ok('GET', identityPath(person))).toMatchObject({ enrollment_status: 'ENROLLED' });
  });

  it('keeps a live binding link from opening or completing while suspended; it works after unsuspending', async () => {
    const person = await client.createIdentity(realm.id, 'pending.link@example.com');
    const { credential_binding_job: job } = await client.createEmailJob(realm.id, person.id, configId);
    const [message] = await client.outbox('pending.link@example.com');
    await setStatus(person, 'suspended');

    const opened = await fetchRaw(message!.link);
    expect([opened.status, opened.text]).toEqual([403, expect.stringContaining('suspended')]);
    const token = new URL(message!.link).searchParams.get('token')!;
    const submitted = await fetchRaw(message!.link, { form: { token } });
    expect(submitted.status).toBe(403);
    const jobPath = `${identityPath(person)}/credential-binding-jobs/${job.id}`;
    expect(await client.ok<Job>('GET', jobPath)).toMatchObject({ state: 'LINK_SENT' });
    expect(await client.ok('GET', `${identityPath(person)}/credentials`)).toMatchObject({ credentials: [] });

    await setStatus(person, 'active');
    await bindThroughEmail(client, 'pending.link@example.com');
    expect(await client.ok<Job>('GET', jobPath)).toMatchObject({ state: 'COMPLETE' });
  });

  it('refuses sign-in while suspended, voids a code issued before, and signs in again after unsuspending', async () => {
    const person = await enrolledIdentity('sign.in@example.com');
    const before = await signIn('sign.in@example.com');
    expect(before.code).toEqual(expect.any(String));

    await setStatus(person, 'suspended');
    expect(await signIn('sign.in@example.com')).toEqual({
      code: null,
      error: 'access_denied',
      description: `identity 'sign.in@example.com' (${person.id}) is suspended`,
    });
    const voided = await redeem(before.code!);
    expect([voided.status, voided.json()]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'the identity is suspended' },
    ]);

    await setStatus(person, 'active');
    const after = await signIn('sign.in@example.com');
    expect((await redeem(after.code!)).status).toBe(200);
  });

  it('answers 400 with a FieldViolation for an unknown status, changing nothing', async () => {
    const person = await client.createIdentity(realm.id, 'bad.status@example.com');
    for (const status of ['disabled', 'SUSPENDED', '']) {
      const refused = await setStatus(person, status);
      expect([refused.status, refused.body]).toEqual([
        400,
        {
          code: 'bad_request',
          message: 'invalid parameters',
          details: [
            { type: 'FieldViolations', field_violations: [{ field: 'identity.status', description: 'invalid value' }] },
          ],
        },
      ]);
    }
    expect(await client.ok('GET', identityPath(person))).toMatchObject({ status: 'active' });
  });

  it('needs identities:update to change the status', async () => {
    const person = await client.createIdentity(realm.id, 'scoped@example.com');
    const readOnly = await tokenWithScopes('identities:read');
    const refused = await setStatus(person, 'suspended', readOnly);
    expect([refused.status, refused.body]).toEqual([403, { code: 'forbidden', message: 'forbidden' }]);
    const updater = await tokenWithScopes('identities:update');
    expect((await setStatus(person, 'suspended', updater)).status).toBe(200);
  });

  it('shows status per person on /_sim/identities, found by email or username', async () => {
    const person = await client.createIdentity(realm.id, 'Sim.View@example.com', 'sim-view');
    await setStatus(person, 'suspended');
    const byEmail = await client.ok('GET', '/_sim/identities?email=sim.view@EXAMPLE.com');
    expect(byEmail).toEqual({
      identities: [
        {
          id: person.id,
          realm_id: realm.id,
          username: 'sim-view',
          email: 'Sim.View@example.com',
          status: 'suspended',
          enrollment_status: 'UNENROLLED',
        },
      ],
    });
    expect(await client.ok('GET', '/_sim/identities?username=SIM-VIEW')).toEqual(byEmail);
  });

  describe('identities:batchDelete', () => {
    const batchDelete = (body: unknown, token?: string) =>
      client.call('POST', `/realms/${realm.id}/identities:batchDelete`, {
        body,
        ...(token !== undefined && { token }),
      });
    const exists = async (identity: Identity) => (await client.call('GET', identityPath(identity))).status === 200;

    it('deletes every listed identity with its passkeys and jobs, answering 200 with no body', async () => {
      const first = await enrolledIdentity('batch.one@example.com');
      const second = await client.createIdentity(realm.id, 'batch.two@example.com');
      await client.createEmailJob(realm.id, second.id, configId);
      const kept = await client.createIdentity(realm.id, 'batch.kept@example.com');
      const answer = await batchDelete({ ids: [first.id, second.id] });
      expect([answer.status, answer.body]).toEqual([200, undefined]);
      expect([await exists(first), await exists(second), await exists(kept)]).toEqual([false, false, true]);
      const everyone = await client.ok<{ credentials: { identity_id: string }[] }>(
        'GET',
        `/realms/${realm.id}/identities/-/credentials?page_size=200`,
      );
      expect(everyone.credentials.filter((credential) => credential.identity_id === first.id)).toEqual([]);
    });

    it('deletes none when any id is unknown, naming the unknown ones in the spec 404 shape', async () => {
      const person = await client.createIdentity(realm.id, 'batch.survivor@example.com');
      const otherRealm = await client.createRealm('Elsewhere');
      const elsewhere = await client.createIdentity(otherRealm.id, 'batch.elsewhere@example.com');
      const answer = await batchDelete({ ids: [person.id, 'e372db224c06e850', elsewhere.id] });
      expect([answer.status, answer.body]).toEqual([
        404,
        {
          code: 'not_found',
          message: 'identities not found',
          details: [
            {
              type: 'BatchOperationErrors',
              description: 'errors encountered performing batch operation',
              errors: [
                {
                  Description: 'identities not found',
                  IDs: ['e372db224c06e850', elsewhere.id],
                  ResourceType: 'Identity',
                },
              ],
            },
          ],
        },
      ]);
      expect(await exists(person)).toBe(true);
    });

    it('refuses repeated ids, no ids and more than 1000 with 400, deleting none', async () => {
      const person = await client.createIdentity(realm.id, 'batch.repeated@example.com');
      const repeated = await batchDelete({ ids: [person.id, person.id] });
      expect([repeated.status, repeated.body]).toEqual([
        400,
        {
          code: 'bad_request',
          message: 'invalid parameters',
          details: [
            {
              type: 'FieldViolations',
              field_violations: [{ field: 'ids', description: `repeated ids: ${person.id}` }],
            },
          ],
        },
      ]);
      const violation = async (body: unknown) => {
        const answer = await batchDelete(body);
        expect(answer.status).toBe(400);
        return (answer.body as { details: { field_violations: unknown[] }[] }).details[0]!.field_violations;
      };
      expect(await violation({})).toEqual([{ field: 'ids', description: 'missing' }]);
      expect(await violation({ ids: [] })).toEqual([{ field: 'ids', description: 'too few items' }]);
      expect(await violation({ ids: Array.from({ length: 1001 }, (_, n) => `id${n}`) })).toEqual([
        { field: 'ids', description: 'too many items' },
      ]);
      expect(await violation({ ids: [person.id, 7] })).toEqual([{ field: 'ids.1', description: 'invalid type' }]);
      expect(await exists(person)).toBe(true);
    });

    it('needs identities:delete', async () => {
      const person = await client.createIdentity(realm.id, 'batch.scoped@example.com');
      const updater = await tokenWithScopes('identities:update identities:read');
      expect((await batchDelete({ ids: [person.id] }, updater)).status).toBe(403);
      expect(await exists(person)).toBe(true);
      const deleter = await tokenWithScopes('identities:delete');
      expect((await batchDelete({ ids: [person.id] }, deleter)).status).toBe(200);
    });
  });

  // Declared last, so it runs last (jest keeps declaration order): it checks what every test above exchanged.
  describeWithSpec('beyond-identity-v1', 'against the published spec', () => {
    it('gave only responses that validate', () => {
      const validator = new OpenApiValidator('beyond-identity-v1');
      const problems = client.exchanges
        .filter((exchange) => !exchange.path.startsWith('/_sim/'))
        .flatMap((exchange) => {
          // The spec declares no 400 for BatchDeleteIdentities; such bodies are checked as Errors.
          const asError = exchange.path.endsWith(':batchDelete') && exchange.status === 400;
          const checked = asError
            ? validator.check('GET', `/v1/tenants/${sim.tenantId}/realms/x`, 404, exchange.body)
            : validator.check(exchange.method, exchange.path, exchange.status, exchange.body);
          return checked.errors.map((error) => `${exchange.method} ${exchange.path} ${exchange.status}: ${error}`);
        });
      expect(problems).toEqual([]);
      const statuses = new Set(client.exchanges.map((exchange) => `${exchange.method} ${exchange.status}`));
      for (const seen of ['PATCH 200', 'PATCH 400', 'PATCH 403', 'POST 422', 'POST 404'])
        expect(statuses).toContain(seen);
    });
  });
});
