/** Contract tests of the management API resources over real HTTP: shapes, statuses and error bodies (docs/contracts/beyond-identity.md §2-§3, §5). */
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import { ManagementClient, startSimulator, type Application, type Identity, type Realm } from './support';

describe('Beyond Identity simulator: management API', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ManagementClient(sim);
  });
  afterAll(async () => {
    await sim.stop();
  });

  describe('tenant and realms', () => {
    it('serves the tenant and the seeded admin realm with the Management API application', async () => {
      expect(await client.ok('GET', '')).toMatchObject({ id: sim.tenantId });
      const admin = await client.ok<Realm>('GET', `/realms/${sim.managementClient.realmId}`);
      expect(admin.display_name).toBe('Beyond Identity Admin');
      const { applications } = await client.ok<{ applications: Application[] }>(
        'GET',
        `/realms/${admin.id}/applications`,
      );
      const management = applications.find((application) => application.id === sim.managementClient.applicationId);
      expect(management).toMatchObject({
        is_managed: true,
        classification: 'management_api',
        protocol_config: {
          client_id: sim.managementClient.clientId,
          client_secret: sim.managementClient.clientSecret,
          grant_type: ['client_credentials'],
        },
      });
    });

    it('creates (200, unwrapped), gets, renames and deletes a realm', async () => {
      const created = await client.ok<Realm & Record<string, string>>('POST', '/realms', {
        realm: { display_name: 'Realm A', classification: 'SECURE_CUSTOMER', id: 'ignored' },
      });
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        tenant_id: sim.tenantId,
        display_name: 'Realm A',
        classification: 'SECURE_CUSTOMER',
        create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/),
        update_time: created.create_time,
      });
      expect(created.id).not.toBe('ignored');
      expect(await client.ok('GET', `/realms/${created.id}`)).toEqual(created);
      expect(await client.ok('PATCH', `/realms/${created.id}`, { realm: { display_name: 'Realm B' } })).toMatchObject({
        id: created.id,
        display_name: 'Realm B',
      });
      const deleted = await client.call('DELETE', `/realms/${created.id}`);
      expect([deleted.status, deleted.body]).toEqual([200, undefined]);
      expect((await client.call('GET', `/realms/${created.id}`)).status).toBe(404);
    });

    it('defaults classification when it is not sent', async () => {
      expect(await client.ok('POST', '/realms', { realm: { display_name: 'No class' } })).toMatchObject({
        classification: 'SECURE_CUSTOMER',
      });
    });

    it('refuses to delete a realm that still has identities: 409 realm has children', async () => {
      const realm = await client.createRealm('With children');
      await client.createIdentity(realm.id, 'child@example.com');
      const refused = await client.call('DELETE', `/realms/${realm.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual({ code: 'conflict', message: 'realm has children' });
      expect((await client.call('DELETE', `/realms/${sim.managementClient.realmId}`)).status).toBe(409);
    });

    it('answers 404 with ResourceInfo for an unknown realm', async () => {
      const missing = await client.call('GET', '/realms/0123456789abcdef');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        code: 'not_found',
        message: 'realm not found',
        details: [
          { type: 'ResourceInfo', resource_type: 'Realm', id: '0123456789abcdef', description: 'realm not found' },
        ],
      });
      expect((await client.call('GET', '/realms/0123456789abcdef/identities')).status).toBe(404);
      expect(
        (await client.call('POST', '/realms/0123456789abcdef/applications', { body: { application: {} } })).status,
      ).toBe(400);
    });

    it('validates bodies: missing wrapper or malformed JSON → invalid request; bad fields → FieldViolations', async () => {
      const noWrapper = await client.call('POST', '/realms', { body: { display_name: 'x' } });
      expect([noWrapper.status, noWrapper.body]).toEqual([400, { code: 'bad_request', message: 'invalid request' }]);
      const plural = await client.call('POST', '/realms', { body: { realms: { display_name: 'x' } } });
      expect(plural.body).toEqual({ code: 'bad_request', message: 'invalid request' });
      const malformed = await client.call('POST', '/realms', { raw: '{"realm": {' });
      expect([malformed.status, malformed.body]).toEqual([400, { code: 'bad_request', message: 'invalid request' }]);
      const violations = async (body: unknown) =>
        ((await client.call('POST', '/realms', { body })).body as { details: { field_violations: unknown[] }[] })
          .details[0]!.field_violations;
      expect(await violations({ realm: { display_name: '' } })).toEqual([
        { field: 'realm.display_name', description: 'empty string' },
      ]);
      expect(await violations({ realm: {} })).toEqual([{ field: 'realm.display_name', description: 'missing' }]);
      expect(await violations({ realm: { display_name: 'a/b' } })).toEqual([
        { field: 'realm.display_name', description: 'invalid characters' },
      ]);
      expect(await violations({ realm: { display_name: 'x'.repeat(65) } })).toEqual([
        { field: 'realm.display_name', description: 'too long' },
      ]);
      expect(await violations({ realm: { display_name: 7, classification: 'OTHER' } })).toEqual([
        { field: 'realm.display_name', description: 'invalid type' },
        { field: 'realm.classification', description: 'invalid value' },
      ]);
    });
  });

  describe('identities', () => {
    let realm: Realm;
    beforeAll(async () => {
      realm = await client.createRealm('Identities');
    });

    it('creates an identity as the contract shows it, UNENROLLED, and keeps only known traits', async () => {
      const created = await client.ok<Identity & Record<string, unknown>>('POST', `/realms/${realm.id}/identities`, {
        identity: {
          display_name: 'Test User',
          traits: {
            type: 'traits_v0',
            username: 'test@example.com',
            primary_email_address: 'test@example.com',
            given_name: 'Test',
            shoe_size: '42',
          },
          enrollment_status: 'ENROLLED',
        },
      });
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        realm_id: realm.id,
        tenant_id: sim.tenantId,
        display_name: 'Test User',
        status: 'active',
        enrollment_status: 'UNENROLLED',
        traits: {
          type: 'traits_v0',
          username: 'test@example.com',
          primary_email_address: 'test@example.com',
          given_name: 'Test',
        },
        create_time: expect.any(String),
        update_time: expect.any(String),
      });
      expect(await client.ok('GET', `/realms/${realm.id}/identities/${created.id}`)).toEqual(created);
    });

    it('answers 409 username already exists, case-insensitively, on create and on patch', async () => {
      await client.createIdentity(realm.id, 'Dup@Example.com');
      const duplicate = await client.call('POST', `/realms/${realm.id}/identities`, {
        body: { identity: { display_name: 'Dup', traits: { type: 'traits_v0', username: 'dup@example.COM' } } },
      });
      expect([duplicate.status, duplicate.body]).toEqual([
        409,
        { code: 'conflict', message: 'username already exists' },
      ]);
      const other = await client.createIdentity(realm.id, 'other@example.com');
      const renamed = await client.call('PATCH', `/realms/${realm.id}/identities/${other.id}`, {
        body: { identity: { traits: { type: 'traits_v0', username: 'DUP@example.com' } } },
      });
      expect(renamed.status).toBe(409);
      // The same username in another realm is fine.
      const elsewhere = await client.createRealm('Elsewhere');
      expect((await client.createIdentity(elsewhere.id, 'dup@example.com')).traits.username).toBe('dup@example.com');
    });

    it('filters by traits.username eq "..." (case-insensitive) and refuses other filters', async () => {
      const wanted = await client.createIdentity(realm.id, 'filter.me@example.com');
      const filter = encodeURIComponent('traits.username eq "FILTER.me@example.com"');
      const found = await client.ok<{ identities: Identity[]; total_size: number }>(
        'GET',
        `/realms/${realm.id}/identities?filter=${filter}`,
      );
      expect(found.identities.map((identity) => identity.id)).toEqual([wanted.id]);
      expect(found.total_size).toBe(1);
      const none = await client.ok(
        'GET',
        `/realms/${realm.id}/identities?filter=${encodeURIComponent('traits.username eq "nobody"')}`,
      );
      expect(none).toEqual({ identities: [], total_size: 0 });
      for (const bad of ['traits.primary_email_address eq "x"', 'traits.username co "x"', 'garbage']) {
        const refused = await client.call('GET', `/realms/${realm.id}/identities?filter=${encodeURIComponent(bad)}`);
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({
          code: 'bad_request',
          details: [{ type: 'FieldViolations', field_violations: [{ field: 'filter' }] }],
        });
      }
    });

    it('validates traits: type traits_v0, username present and non-empty', async () => {
      const fields = async (traits: unknown) => {
        const answer = await client.call('POST', `/realms/${realm.id}/identities`, {
          body: { identity: { display_name: 'V', traits } },
        });
        expect(answer.status).toBe(400);
        return (answer.body as { message: string; details: { field_violations: unknown[] }[] }).details[0]!
          .field_violations;
      };
      expect(await fields({ type: 'traits_v0', username: '' })).toEqual([
        { field: 'identity.traits.username', description: 'empty string' },
      ]);
      expect(await fields({ type: 'traits_v1', username: 'u' })).toEqual([
        { field: 'identity.traits.type', description: 'invalid value' },
      ]);
      expect(await fields({ username: 'u' })).toEqual([{ field: 'identity.traits.type', description: 'missing' }]);
      expect(await fields(undefined)).toEqual([{ field: 'identity.traits', description: 'missing' }]);
    });

    it('patches display name, status and traits, and deletes (then 404 with ResourceInfo)', async () => {
      const identity = await client.createIdentity(realm.id, 'patch.me@example.com');
      const patched = await client.ok<Identity & { status: string }>(
        'PATCH',
        `/realms/${realm.id}/identities/${identity.id}`,
        {
          identity: { display_name: 'Patched', status: 'suspended', traits: { type: 'traits_v0', given_name: 'Pat' } },
        },
      );
      expect(patched).toMatchObject({
        display_name: 'Patched',
        status: 'suspended',
        traits: { username: 'patch.me@example.com', primary_email_address: 'patch.me@example.com', given_name: 'Pat' },
      });
      const deleted = await client.call('DELETE', `/realms/${realm.id}/identities/${identity.id}`);
      expect([deleted.status, deleted.body]).toEqual([200, undefined]);
      const gone = await client.call('GET', `/realms/${realm.id}/identities/${identity.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({
        code: 'not_found',
        message: 'identity not found',
        details: [
          { type: 'ResourceInfo', resource_type: 'Identity', id: identity.id, description: 'identity not found' },
        ],
      });
    });
  });

  describe('authenticator configs', () => {
    it('accepts a bare hosted_web config and fills the arrays; gets, lists and deletes it', async () => {
      const realm = await client.createRealm('Configs');
      const created = await client.createHostedWebConfig(realm.id);
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        realm_id: realm.id,
        tenant_id: sim.tenantId,
        display_name: 'Okta hosted web',
        config: {
          type: 'hosted_web',
          authentication_methods: [
            { type: 'webauthn_passkey' },
            { type: 'software_passkey' },
            { type: 'email_one_time_password' },
          ],
          trusted_origins: [],
        },
      });
      const explicit = await client.ok('POST', `/realms/${realm.id}/authenticator-configs`, {
        authenticator_config: {
          config: {
            type: 'hosted_web',
            authentication_methods: [{ type: 'software_passkey' }],
            trusted_origins: ['https://a.example'],
          },
        },
      });
      expect(explicit).toMatchObject({
        config: { authentication_methods: [{ type: 'software_passkey' }], trusted_origins: ['https://a.example'] },
      });
      expect(await client.ok('GET', `/realms/${realm.id}/authenticator-configs/${created.id}`)).toEqual(created);
      expect(await client.ok('GET', `/realms/${realm.id}/authenticator-configs`)).toEqual({
        authenticator_configs: [created, explicit],
        total_size: 2,
      });
      expect((await client.call('DELETE', `/realms/${realm.id}/authenticator-configs/${created.id}`)).status).toBe(200);
      const gone = await client.call('GET', `/realms/${realm.id}/authenticator-configs/${created.id}`);
      expect(gone.body).toMatchObject({
        code: 'not_found',
        details: [{ resource_type: 'AuthenticatorConfig', id: created.id }],
      });
    });

    it('rejects an unknown config type and a missing config', async () => {
      const realm = await client.createRealm('Bad configs');
      const unknown = await client.call('POST', `/realms/${realm.id}/authenticator-configs`, {
        body: { authenticator_config: { config: { type: 'carrier_pigeon' } } },
      });
      expect(unknown.body).toMatchObject({
        message: 'invalid parameters',
        details: [{ field_violations: [{ field: 'authenticator_config.config.type', description: 'invalid value' }] }],
      });
      const missing = await client.call('POST', `/realms/${realm.id}/authenticator-configs`, {
        body: { authenticator_config: {} },
      });
      expect(missing.body).toMatchObject({
        details: [{ field_violations: [{ field: 'authenticator_config.config', description: 'missing' }] }],
      });
    });
  });

  describe('applications', () => {
    let realm: Realm;
    let configId: string;
    beforeAll(async () => {
      realm = await client.createRealm('Apps');
      configId = (await client.createHostedWebConfig(realm.id)).id;
    });

    it('creates the Okta guide app: generated client id and secret, normative token_endpoint_auth_method, secret on get and list', async () => {
      const created = await client.createOktaApplication(realm.id, configId);
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        realm_id: realm.id,
        tenant_id: sim.tenantId,
        display_name: 'Okta',
        authenticator_config_id: configId,
        is_managed: false,
        protocol_config: {
          type: 'oidc',
          allowed_scopes: [],
          client_id: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
          client_secret: expect.stringMatching(/^[A-Za-z0-9]{48}$/),
          confidentiality: 'confidential',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_type: ['authorization_code'],
          redirect_uris: ['https://example.okta.com/oauth2/v1/authorize/callback'],
          token_configuration: { expires_after: 604800, subject_field: 'email', token_signing_algorithm: 'RS256' },
          pkce: 'disabled',
          token_format: 'self_contained',
        },
      });
      expect(await client.ok('GET', `/realms/${realm.id}/applications/${created.id}`)).toEqual(created);
      const listed = await client.ok<{ applications: Application[] }>('GET', `/realms/${realm.id}/applications`);
      expect(listed.applications.find((application) => application.id === created.id)).toEqual(created);
    });

    it('gives a public PKCE app a client id, no secret, and token_endpoint_auth_method none', async () => {
      const created = await client.createOktaApplication(realm.id, configId, {
        confidentiality: 'public',
        pkce: 's256',
      });
      expect(created.protocol_config.client_secret).toBeUndefined();
      expect(created.protocol_config.token_endpoint_auth_method).toBe('none');
    });

    it('validates: authenticator_config_id required for authorization_code, expires_after required, 404 for an unknown config', async () => {
      const post = (application: unknown) =>
        client.call('POST', `/realms/${realm.id}/applications`, { body: { application } });
      const base = {
        display_name: 'X',
        protocol_config: {
          type: 'oidc',
          grant_type: ['authorization_code'],
          redirect_uris: ['https://x.example/cb'],
          token_configuration: { expires_after: 60 },
        },
      };
      const noConfig = await post(base);
      expect(noConfig.body).toMatchObject({
        details: [{ field_violations: [{ field: 'application.authenticator_config_id', description: 'missing' }] }],
      });
      const noExpiry = await post({
        ...base,
        authenticator_config_id: configId,
        protocol_config: { ...base.protocol_config, token_configuration: {} },
      });
      expect(noExpiry.body).toMatchObject({
        details: [
          {
            field_violations: [
              { field: 'application.protocol_config.token_configuration.expires_after', description: 'missing' },
            ],
          },
        ],
      });
      const publicNoPkce = await post({
        ...base,
        authenticator_config_id: configId,
        protocol_config: { ...base.protocol_config, confidentiality: 'public' },
      });
      expect(publicNoPkce.body).toMatchObject({
        details: [{ field_violations: [{ field: 'application.protocol_config.pkce' }] }],
      });
      const unknownConfig = await post({ ...base, authenticator_config_id: '11111111-2222-4333-8444-555555555555' });
      expect(unknownConfig.status).toBe(404);
      expect(unknownConfig.body).toMatchObject({
        message: 'authenticator configuration not found',
        details: [{ resource_type: 'AuthenticatorConfig' }],
      });
      const badType = await post({ ...base, protocol_config: { ...base.protocol_config, type: 'saml' } });
      expect(badType.body).toMatchObject({
        details: [{ field_violations: [{ field: 'application.protocol_config.type', description: 'invalid value' }] }],
      });
    });

    it('patches: merges protocol_config, keeps client id and secret, validates the result', async () => {
      const created = await client.createOktaApplication(realm.id, configId);
      const patched = await client.ok<Application>('PATCH', `/realms/${realm.id}/applications/${created.id}`, {
        application: {
          display_name: 'Okta renamed',
          protocol_config: {
            redirect_uris: ['https://new.okta.com/cb'],
            token_configuration: { expires_after: 3600 },
            client_id: 'ignored',
          },
        },
      });
      expect(patched).toMatchObject({
        display_name: 'Okta renamed',
        protocol_config: {
          client_id: created.protocol_config.client_id,
          client_secret: created.protocol_config.client_secret,
          redirect_uris: ['https://new.okta.com/cb'],
          token_configuration: { expires_after: 3600, subject_field: 'email', token_signing_algorithm: 'RS256' },
        },
      });
      const invalid = await client.call('PATCH', `/realms/${realm.id}/applications/${created.id}`, {
        body: { application: { protocol_config: { redirect_uris: ['not a url'] } } },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({
        details: [
          {
            field_violations: [{ field: 'application.protocol_config.redirect_uris.0', description: 'invalid value' }],
          },
        ],
      });
    });

    it('deletes an app (200 empty, then 404), and refuses to change the BI-managed Management API app', async () => {
      const created = await client.createOktaApplication(realm.id, configId);
      const deleted = await client.call('DELETE', `/realms/${realm.id}/applications/${created.id}`);
      expect([deleted.status, deleted.body]).toEqual([200, undefined]);
      const gone = await client.call('GET', `/realms/${realm.id}/applications/${created.id}`);
      expect(gone.body).toMatchObject({
        code: 'not_found',
        message: 'application not found',
        details: [{ resource_type: 'Application', id: created.id }],
      });
      const admin = `/realms/${sim.managementClient.realmId}/applications/${sim.managementClient.applicationId}`;
      expect((await client.call('DELETE', admin)).body).toEqual({ code: 'forbidden', message: 'forbidden' });
      expect((await client.call('PATCH', admin, { body: { application: { display_name: 'mine now' } } })).status).toBe(
        403,
      );
    });
  });

  describe('credential binding jobs and credentials', () => {
    let realm: Realm;
    let configId: string;
    beforeAll(async () => {
      realm = await client.createRealm('Binding');
      configId = (await client.createHostedWebConfig(realm.id)).id;
    });

    it('creates an EMAIL job: wrapped response, LINK_SENT, no link in the response, identity PENDING', async () => {
      const identity = await client.createIdentity(realm.id, 'email.job@example.com');
      const created = await client.createEmailJob(realm.id, identity.id, configId);
      expect(Object.keys(created)).toEqual(['credential_binding_job']);
      const job = created.credential_binding_job;
      expect(job).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{16}$/),
        identity_id: identity.id,
        realm_id: realm.id,
        tenant_id: sim.tenantId,
        delivery_method: 'EMAIL',
        state: 'LINK_SENT',
        authenticator_config_id: configId,
        expire_time: expect.any(String),
        create_time: expect.any(String),
        update_time: expect.any(String),
      });
      expect(Date.parse(job.expire_time) - Date.parse((job as unknown as { create_time: string }).create_time)).toBe(
        86_400_000,
      );
      expect(
        await client.ok('GET', `/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs/${job.id}`),
      ).toEqual(job);
      expect(
        (await client.ok<Identity>('GET', `/realms/${realm.id}/identities/${identity.id}`)).enrollment_status,
      ).toBe('PENDING');
      const listed = await client.ok('GET', `/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs`);
      expect(listed).toEqual({ credential_binding_jobs: [job], total_size: 1 });
    });

    it('creates a RETURN job whose link is in the response and echoes post_binding_redirect_uri', async () => {
      const identity = await client.createIdentity(realm.id, 'return.job@example.com');
      const created = await client.ok<{ credential_binding_job: Job; credential_binding_link: string }>(
        'POST',
        `/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs`,
        {
          job: {
            delivery_method: 'RETURN',
            authenticator_config_id: configId,
            post_binding_redirect_uri: 'http://example.com/callback',
          },
        },
      );
      expect(created.credential_binding_job).toMatchObject({
        delivery_method: 'RETURN',
        state: 'LINK_SENT',
        post_binding_redirect_uri: 'http://example.com/callback',
      });
      expect(created.credential_binding_link).toMatch(
        new RegExp(
          `^${sim.authUrl}/v1/tenants/${sim.tenantId}/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs/${created.credential_binding_job.id}:invokeAuthenticator\\?token=.{20,}$`,
        ),
      );
      expect(await client.outbox('return.job@example.com')).toEqual([]);
    });

    it('answers 422 Identity missing email address for an EMAIL job without email, 404 for unknown identity or config, 400 for bad fields', async () => {
      const noEmail = await client.createIdentity(realm.id, undefined, 'no-email');
      const refused = await client.call(
        'POST',
        `/realms/${realm.id}/identities/${noEmail.id}/credential-binding-jobs`,
        {
          body: { job: { delivery_method: 'EMAIL', authenticator_config_id: configId } },
        },
      );
      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({
        code: 'unprocessable_entity',
        message: 'Identity missing email address',
        details: [
          {
            type: 'ResourceInfo',
            resource_type: 'Identity',
            id: noEmail.id,
            description: 'Identity missing email address',
          },
        ],
      });
      const unknownIdentity = await client.call(
        'POST',
        `/realms/${realm.id}/identities/fedcba9876543210/credential-binding-jobs`,
        { body: { job: { delivery_method: 'EMAIL', authenticator_config_id: configId } } },
      );
      expect(unknownIdentity.body).toMatchObject({ code: 'not_found', message: 'identity not found' });
      const unknownConfig = await client.call(
        'POST',
        `/realms/${realm.id}/identities/${noEmail.id}/credential-binding-jobs`,
        { body: { job: { delivery_method: 'RETURN', authenticator_config_id: 'nope' } } },
      );
      expect(unknownConfig.status).toBe(404);
      const empty = await client.call('POST', `/realms/${realm.id}/identities/${noEmail.id}/credential-binding-jobs`, {
        body: { job: { delivery_method: 'EMAIL', authenticator_config_id: '' } },
      });
      expect(empty.body).toMatchObject({
        message: 'invalid parameters',
        details: [{ field_violations: [{ field: 'job.authenticator_config_id', description: 'empty string' }] }],
      });
      const badMethod = await client.call(
        'POST',
        `/realms/${realm.id}/identities/${noEmail.id}/credential-binding-jobs`,
        { body: { job: { delivery_method: 'PIGEON', authenticator_config_id: configId } } },
      );
      expect(badMethod.body).toMatchObject({
        details: [{ field_violations: [{ field: 'job.delivery_method', description: 'invalid value' }] }],
      });
      const unknownJob = await client.call(
        'GET',
        `/realms/${realm.id}/identities/${noEmail.id}/credential-binding-jobs/0000000000000000`,
      );
      expect(unknownJob.body).toMatchObject({
        code: 'not_found',
        message: 'credential binding job not found',
        details: [{ resource_type: 'CredentialBindingJob' }],
      });
    });

    it('lists jobs and credentials for one identity or, with -, the whole realm; revoke answers 409 once finished', async () => {
      const first = await client.createIdentity(realm.id, 'list.one@example.com');
      const second = await client.createIdentity(realm.id, 'list.two@example.com');
      const jobOne = (await client.createEmailJob(realm.id, first.id, configId)).credential_binding_job;
      const jobTwo = (await client.createEmailJob(realm.id, second.id, configId)).credential_binding_job;
      const all = await client.ok<{ credential_binding_jobs: Job[] }>(
        'GET',
        `/realms/${realm.id}/identities/-/credential-binding-jobs?page_size=200`,
      );
      expect(all.credential_binding_jobs.map((job) => job.id)).toEqual(expect.arrayContaining([jobOne.id, jobTwo.id]));
      const onlyFirst = await client.ok<{ credential_binding_jobs: Job[] }>(
        'GET',
        `/realms/${realm.id}/identities/${first.id}/credential-binding-jobs`,
      );
      expect(onlyFirst.credential_binding_jobs.map((job) => job.id)).toEqual([jobOne.id]);

      const revoked = await client.ok<Job>(
        'POST',
        `/realms/${realm.id}/identities/${second.id}/credential-binding-jobs/${jobTwo.id}:revoke`,
        {},
      );
      expect(revoked.state).toBe('REVOKED');
      const again = await client.call(
        'POST',
        `/realms/${realm.id}/identities/${second.id}/credential-binding-jobs/${jobTwo.id}:revoke`,
        { body: {} },
      );
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        code: 'conflict',
        details: [{ type: 'ResourceInfo', resource_type: 'CredentialBindingJob', id: jobTwo.id }],
      });

      expect(await client.ok('GET', `/realms/${realm.id}/identities/${first.id}/credentials`)).toEqual({
        credentials: [],
        total_size: 0,
      });
      expect((await client.call('GET', `/realms/${realm.id}/identities/0000000000000000/credentials`)).status).toBe(
        404,
      );
    });
  });

  describe('requests the API does not know', () => {
    it('answers unknown paths, huge bodies and wrong media types in the error shape, and keeps serving', async () => {
      const unknown = await client.call('GET', '/v1/nowhere');
      expect([unknown.status, unknown.body]).toEqual([404, { code: 'not_found', message: 'not found' }]);
      const huge = await client.call('POST', '/realms', {
        raw: JSON.stringify({ realm: { display_name: 'x'.repeat(2 * 1024 * 1024) } }),
      });
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ code: 'request_entity_too_large', message: 'request body too large' });
      const xml = await client.call('POST', '/realms', { raw: '<realm/>', contentType: 'application/xml' });
      expect([xml.status, xml.body]).toEqual([
        415,
        { code: 'unsupported_media_type', message: 'unsupported media type' },
      ]);
      const text = await client.call('POST', '/realms', { raw: 'hello', contentType: 'text/plain' });
      expect([text.status, text.body]).toEqual([400, { code: 'bad_request', message: 'invalid request' }]);
      const arrayBody = await client.call('POST', '/realms', { body: [1, 2] });
      expect(arrayBody.body).toEqual({ code: 'bad_request', message: 'invalid request' });
      const nullWrapper = await client.call('POST', '/realms', { body: { realm: null } });
      expect(nullWrapper.body).toEqual({ code: 'bad_request', message: 'invalid request' });
      expect((await client.call('GET', '')).status).toBe(200);
    });
  });
});

interface Job {
  id: string;
  state: string;
  expire_time: string;
}
