/**
 * The Beyond Identity client over real HTTP against the simulator: every BeyondIdentityApi and
 * BeyondIdentitySetup operation with the values the simulator then holds, drift correction of
 * the OIDC application, paging over three or more pages, and usernames built from real emails.
 */
import { BeyondIdentityApi, type OidcApplicationSettings } from '../../src/clients/beyond-identity/api';
import {
  BeyondIdentitySetup,
  InvalidBeyondIdentityInputError,
  oidcEndpoints,
} from '../../src/clients/beyond-identity/ensure';
import type { RunningBeyondIdentitySimulator } from '../../dev/simulators/beyond-identity';
import { bindPasskeyFromOutbox } from '../../dev/simulators/beyond-identity/person-agent';
import { mapLimit } from '../../src/util/concurrency';
import { biApi, biRaw, rawOk, REDIRECT_URI, rejectionOf, Resources, startBi } from './support';

describe('Beyond Identity client against the simulator', () => {
  const resources = new Resources();
  let sim: RunningBeyondIdentitySimulator;
  let api: BeyondIdentityApi;
  let setup: BeyondIdentitySetup;
  let bi: ReturnType<typeof biRaw>;

  beforeAll(async () => {
    sim = resources.add(await startBi());
    api = resources.add(biApi(sim));
    setup = new BeyondIdentitySetup(api);
    bi = biRaw(sim);
  });
  afterAll(() => resources.release());

  /** Requests the simulator has seen (both listeners; `/_sim` excluded). */
  const requestsSeen = () => sim.faults.describe().stats.requests;

  async function guideApp(
    realmName: string,
  ): Promise<{ realmId: string; configId: string; settings: OidcApplicationSettings }> {
    const realm = await setup.ensureRealm(realmName);
    const config = await setup.ensureHostedWebAuthenticatorConfig(realm.value.id, 'Okta hosted web');
    const settings = {
      displayName: 'Okta',
      authenticatorConfigId: config.value.id,
      redirectUris: [REDIRECT_URI],
      expiresAfterSeconds: 604_800,
    };
    return { realmId: realm.value.id, configId: config.value.id, settings };
  }

  describe('realms', () => {
    it('ensureRealm creates once, then adopts the same realm; the simulator holds exactly one', async () => {
      const first = await setup.ensureRealm('Okta Delegate IdP');
      expect(first).toEqual({
        outcome: 'created',
        value: { id: expect.stringMatching(/^[0-9a-f]{16}$/), displayName: 'Okta Delegate IdP' },
      });
      const again = await setup.ensureRealm('Okta Delegate IdP');
      expect(again).toEqual({ outcome: 'adopted', value: first.value });
      const state = await bi.state();
      expect(
        state.realms.filter((realm) => realm.display_name === 'Okta Delegate IdP').map((realm) => realm.id),
      ).toEqual([first.value.id]);
    });

    it('refuses the admin realm before calling anything', async () => {
      const before = requestsSeen();
      const error = await rejectionOf(setup.ensureRealm('beyond identity admin'));
      expect(error).toBeInstanceOf(InvalidBeyondIdentityInputError);
      expect(error.message).toMatch(/Beyond Identity Admin/);
      expect(requestsSeen()).toBe(before);
    });

    it('lists, creates, gets and deletes realms; a missing realm reads as undefined / false', async () => {
      const created = await api.createRealm('Short-lived');
      expect(created).toMatchObject({
        id: expect.any(String),
        display_name: 'Short-lived',
        classification: 'SECURE_CUSTOMER',
        tenant_id: sim.tenantId,
      });
      expect((await api.listRealms()).map((realm) => realm.id)).toContain(created.id);
      expect(await api.getRealm(created.id)).toMatchObject({ id: created.id, display_name: 'Short-lived' });
      expect(await api.deleteRealm(created.id)).toBe(true);
      expect(await api.getRealm(created.id)).toBeUndefined();
      expect(await api.deleteRealm(created.id)).toBe(false);
      expect((await bi.state()).realms.map((realm) => realm.id)).not.toContain(created.id);
    });
  });

  describe('authenticator configs and the OIDC application', () => {
    it('ensureHostedWebAuthenticatorConfig creates a hosted_web config once, then adopts it', async () => {
      const realm = await setup.ensureRealm('Configs realm');
      const first = await setup.ensureHostedWebAuthenticatorConfig(realm.value.id, 'Okta hosted web');
      expect(first.outcome).toBe('created');
      expect(await setup.ensureHostedWebAuthenticatorConfig(realm.value.id, 'Okta hosted web')).toEqual({
        outcome: 'adopted',
        value: first.value,
      });
      const stored = (await bi.state()).authenticator_configs.filter((config) => config.realm_id === realm.value.id);
      expect(stored).toEqual([
        expect.objectContaining({
          id: first.value.id,
          display_name: 'Okta hosted web',
          config: expect.objectContaining({ type: 'hosted_web' }),
        }),
      ]);

      expect(await api.getAuthenticatorConfig(realm.value.id, first.value.id)).toMatchObject({
        id: first.value.id,
        config: { type: 'hosted_web' },
      });
      expect((await api.listAuthenticatorConfigs(realm.value.id)).map((config) => config.id)).toEqual([first.value.id]);
      const spare = await api.createHostedWebAuthenticatorConfig(realm.value.id, 'Spare');
      expect(await api.deleteAuthenticatorConfig(realm.value.id, spare.id)).toBe(true);
      expect(await api.getAuthenticatorConfig(realm.value.id, spare.id)).toBeUndefined();
      expect(await api.deleteAuthenticatorConfig(realm.value.id, spare.id)).toBe(false);
    });

    it('ensureOidcApplication creates the guide application, then adopts it unchanged; its credentials read back', async () => {
      const { realmId, configId, settings } = await guideApp('App realm');
      const first = await setup.ensureOidcApplication(realmId, settings);
      expect(first).toEqual({
        outcome: 'created',
        value: {
          id: expect.any(String),
          displayName: 'Okta',
          clientId: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
          authenticatorConfigId: configId,
          redirectUris: [REDIRECT_URI],
        },
      });
      expect(first.drift).toBeUndefined();
      expect(await setup.ensureOidcApplication(realmId, settings)).toEqual({ outcome: 'adopted', value: first.value });

      const [stored, ...others] = (await bi.state()).applications.filter((app) => app.realm_id === realmId);
      expect(others).toEqual([]);
      expect(stored).toMatchObject({
        id: first.value.id,
        authenticator_config_id: configId,
        protocol_config: {
          grant_type: ['authorization_code'],
          confidentiality: 'confidential',
          allowed_scopes: [],
          redirect_uris: [REDIRECT_URI],
          token_configuration: { expires_after: 604_800, subject_field: 'email', token_signing_algorithm: 'RS256' },
        },
      });

      const credentials = await setup.applicationCredentials(realmId, first.value.id);
      expect(credentials).toEqual({
        clientId: first.value.clientId,
        clientSecret: expect.stringMatching(/^[A-Za-z0-9]{48}$/),
      });
      expect((await api.getApplication(realmId, first.value.id))?.protocol_config.client_secret).toBe(
        credentials.clientSecret,
      );
      const missing = await rejectionOf(setup.applicationCredentials(realmId, '00000000-0000-4000-8000-000000000000'));
      expect(missing).toBeInstanceOf(InvalidBeyondIdentityInputError);
      expect(missing.message).toMatch(/does not exist in realm/);

      expect(oidcEndpoints(api.authUrl, api.tenantId, realmId, first.value.id).issuer).toBe(
        `${sim.authUrl}/v1/tenants/${sim.tenantId}/realms/${realmId}/applications/${first.value.id}`,
      );
    });

    it('createApplication, updateApplication, listApplications and deleteApplication do what they say', async () => {
      const { realmId, settings } = await guideApp('App CRUD realm');
      const created = await api.createApplication(realmId, { ...settings, displayName: 'CRUD' });
      const updated = await api.updateApplication(realmId, created.id, {
        ...settings,
        displayName: 'ignored',
        redirectUris: ['https://other.example/cb'],
        expiresAfterSeconds: 3600,
      });
      expect(updated).toMatchObject({
        id: created.id,
        display_name: 'CRUD',
        protocol_config: {
          client_id: created.protocol_config.client_id,
          redirect_uris: ['https://other.example/cb'],
          token_configuration: { expires_after: 3600 },
        },
      });
      expect((await api.listApplications(realmId)).map((app) => app.id)).toEqual([created.id]);
      expect(await api.deleteApplication(realmId, created.id)).toBe(true);
      expect(await api.getApplication(realmId, created.id)).toBeUndefined();
      expect(await api.deleteApplication(realmId, created.id)).toBe(false);
    });

    it('corrects an application made with other settings: reports the drift by name and leaves the guide settings', async () => {
      const { realmId, configId, settings } = await guideApp('Drift realm');
      const drifted = await bi.ok<{ id: string; protocol_config: { client_id: string } }>(
        'POST',
        `/realms/${realmId}/applications`,
        {
          application: {
            display_name: 'Okta',
            authenticator_config_id: configId,
            protocol_config: {
              type: 'oidc',
              confidentiality: 'confidential',
              grant_type: ['authorization_code'],
              redirect_uris: ['https://stale.example/callback'],
              token_configuration: { expires_after: 60, subject_field: 'id' },
            },
          },
        },
      );

      const result = await setup.ensureOidcApplication(realmId, settings);
      expect(result).toEqual({
        outcome: 'updated',
        value: {
          id: drifted.id,
          displayName: 'Okta',
          clientId: drifted.protocol_config.client_id,
          authenticatorConfigId: configId,
          redirectUris: [REDIRECT_URI],
        },
        drift: [
          'protocol_config.redirect_uris',
          'protocol_config.token_configuration.expires_after',
          'protocol_config.token_configuration.subject_field',
        ],
      });
      const stored = (await bi.state()).applications.filter((app) => app.realm_id === realmId);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.protocol_config).toMatchObject({
        redirect_uris: [REDIRECT_URI],
        token_configuration: { expires_after: 604_800, subject_field: 'email' },
      });
      expect(await setup.ensureOidcApplication(realmId, settings)).toMatchObject({
        outcome: 'adopted',
        value: { id: drifted.id },
      });
    });
  });

  describe('identities and binding jobs', () => {
    let realmId: string;
    let configId: string;
    beforeAll(async () => {
      ({ realmId, configId } = await guideApp('People realm'));
    });

    it('ensureIdentity: Alice@Example.com and alice@example.com are one identity, username lower-cased', async () => {
      const first = await setup.ensureIdentity(realmId, 'Alice@Example.com', 'Alice Example');
      expect(first).toEqual({
        outcome: 'created',
        value: {
          id: expect.stringMatching(/^[0-9a-f]{16}$/),
          username: 'alice@example.com',
          email: 'alice@example.com',
          enrollmentStatus: expect.any(String),
        },
      });
      expect(await setup.ensureIdentity(realmId, 'alice@example.com')).toEqual({
        outcome: 'adopted',
        value: first.value,
      });
      expect(await setup.ensureIdentity(realmId, ' ALICE@EXAMPLE.COM ')).toEqual({
        outcome: 'adopted',
        value: first.value,
      });
      const stored = (await bi.state()).identities.filter(
        (identity) => identity.realm_id === realmId && identity.traits.username.toLowerCase() === 'alice@example.com',
      );
      expect(
        stored.map((identity) => [identity.id, identity.traits.username, identity.traits.primary_email_address]),
      ).toEqual([[first.value.id, 'alice@example.com', 'alice@example.com']]);
    });

    it('builds URLs that survive +, unicode and quotes; refuses % and / with a clear error before any call', async () => {
      for (const email of ['a+b@example.com', 'zoë.åberg@exämple.org', "o'brien@example.com"]) {
        const created = await setup.ensureIdentity(realmId, email);
        expect(created).toMatchObject({ outcome: 'created', value: { username: email.toLowerCase() } });
        expect((await api.findIdentityByUsername(realmId, email))?.id).toBe(created.value.id);
        expect(await setup.ensureIdentity(realmId, email)).toMatchObject({
          outcome: 'adopted',
          value: { id: created.value.id },
        });
      }
      // The filter is exact: a+b must not find "a b" or "ab".
      expect(await api.findIdentityByUsername(realmId, 'ab@example.com')).toBeUndefined();

      const before = sim.faults.describe().stats.requests;
      for (const [email, character] of [
        ['100%@example.com', '%'],
        ['dept/jo@example.com', '/'],
      ] as const) {
        const error = await rejectionOf(setup.ensureIdentity(realmId, email));
        expect(error).toBeInstanceOf(InvalidBeyondIdentityInputError);
        expect(error.message).toBe(`Beyond Identity does not accept "${character}" in a username ("${email}")`);
      }
      expect(sim.faults.describe().stats.requests).toBe(before);
    });

    it('createIdentity, getIdentity, findIdentityByUsername and deleteIdentity', async () => {
      const created = await api.createIdentity(realmId, {
        username: 'temp@example.com',
        email: 'temp@example.com',
        displayName: 'Temp',
      });
      expect(created).toMatchObject({
        display_name: 'Temp',
        traits: { username: 'temp@example.com', primary_email_address: 'temp@example.com' },
      });
      expect((await api.getIdentity(realmId, created.id))?.id).toBe(created.id);
      expect((await api.findIdentityByUsername(realmId, 'TEMP@example.com'))?.id).toBe(created.id);
      expect(await api.deleteIdentity(realmId, created.id)).toBe(true);
      expect(await api.getIdentity(realmId, created.id)).toBeUndefined();
      expect(await api.findIdentityByUsername(realmId, 'temp@example.com')).toBeUndefined();
      expect(await api.deleteIdentity(realmId, created.id)).toBe(false);
    });

    it('ensureBindingJob sends one email, reuses the live job, and after binding reports the completed job and credential', async () => {
      const identity = await setup.ensureIdentity(realmId, 'Bob@Example.com');
      const first = await setup.ensureBindingJob(realmId, identity.value.id, configId);
      expect(first).toEqual({
        outcome: 'created',
        value: { id: expect.any(String), state: 'LINK_SENT', expireTime: expect.any(String), credentialId: undefined },
      });
      expect(await setup.ensureBindingJob(realmId, identity.value.id, configId)).toEqual({
        outcome: 'adopted',
        value: first.value,
      });
      expect(
        (await bi.state()).outbox
          .filter((message) => message.to === 'bob@example.com')
          .map((message) => message.job_id),
      ).toEqual([first.value.id]);

      expect(await setup.bindingProgress(realmId, identity.value.id, first.value.id)).toEqual({
        jobState: 'LINK_SENT',
        credentialId: undefined,
        activeCredential: false,
        enrollmentStatus: 'PENDING', // a link is out, no passkey yet (docs/contracts/beyond-identity.md §3.2)
      });
      await bindPasskeyFromOutbox(sim.managementUrl, 'bob@example.com');
      const progress = await setup.bindingProgress(realmId, identity.value.id, first.value.id);
      expect(progress).toEqual({
        jobState: 'COMPLETE',
        credentialId: expect.any(String),
        activeCredential: true,
        enrollmentStatus: 'ENROLLED',
      });

      // A completed job is reused: no second email.
      expect(await setup.ensureBindingJob(realmId, identity.value.id, configId)).toMatchObject({
        outcome: 'adopted',
        value: { id: first.value.id, state: 'COMPLETE' },
      });
      expect((await bi.state()).outbox.filter((message) => message.to === 'bob@example.com')).toHaveLength(1);

      expect((await api.listBindingJobs(realmId, identity.value.id)).map((job) => job.id)).toEqual([first.value.id]);
      expect(await api.getBindingJob(realmId, identity.value.id, first.value.id)).toMatchObject({
        id: first.value.id,
        state: 'COMPLETE',
        credential_id: progress.credentialId,
      });
      expect(await api.listCredentials(realmId, identity.value.id)).toEqual([
        expect.objectContaining({ id: progress.credentialId, state: 'ACTIVE' }),
      ]);
      expect(
        await api.getBindingJob(realmId, identity.value.id, '00000000-0000-4000-8000-000000000000'),
      ).toBeUndefined();
    });

    it('ensureBindingJob makes a new job once the previous link has expired', async () => {
      const identity = await setup.ensureIdentity(realmId, 'carol@example.com');
      const first = await setup.ensureBindingJob(realmId, identity.value.id, configId);
      await rawOk(`${sim.managementUrl}/_sim/binding-jobs/${first.value.id}/expire`, { method: 'POST' });
      const second = await setup.ensureBindingJob(realmId, identity.value.id, configId);
      expect(second.outcome).toBe('created');
      expect(second.value.id).not.toBe(first.value.id);
      expect(await setup.bindingProgress(realmId, identity.value.id, first.value.id)).toMatchObject({
        jobState: 'EXPIRED',
        activeCredential: false,
      });
      expect(
        (await bi.state()).outbox
          .filter((message) => message.to === 'carol@example.com')
          .map((message) => message.job_id),
      ).toEqual([first.value.id, second.value.id]);
    });
  });

  describe('paging', () => {
    it('lists realms over three pages of 200 and finds a realm on the last page', async () => {
      const existing = (await bi.state()).realms.length;
      const wanted = 401 - existing + 10; // > 400 realms in all: three pages of 200
      await mapLimit([...Array(wanted).keys()], 16, (index) =>
        bi.ok('POST', '/realms', { realm: { display_name: `Paging realm ${String(index).padStart(3, '0')}` } }),
      );
      const total = (await bi.state()).realms.length;
      expect(total).toBeGreaterThan(400);

      const before = requestsSeen();
      const realms = await api.listRealms();
      expect(requestsSeen() - before).toBe(Math.ceil(total / 200));
      expect(requestsSeen() - before).toBeGreaterThanOrEqual(3);
      expect(realms).toHaveLength(total);
      expect(new Set(realms.map((realm) => realm.id)).size).toBe(total);

      const last = `Paging realm ${String(wanted - 1).padStart(3, '0')}`;
      const lastId = (await bi.state()).realms.find((realm) => realm.display_name === last)?.id;
      expect(await setup.ensureRealm(last)).toEqual({ outcome: 'adopted', value: { id: lastId, displayName: last } });
    });

    it('lists applications over three pages of 100, and ensureOidcApplication finds its app on the third', async () => {
      const { realmId, settings } = await guideApp('Many apps realm');
      await mapLimit([...Array(230).keys()], 16, (index) =>
        bi.ok('POST', `/realms/${realmId}/applications`, {
          application: {
            display_name: `Service ${index}`,
            protocol_config: {
              type: 'oauth2',
              grant_type: ['client_credentials'],
              token_configuration: { expires_after: 3600 },
            },
          },
        }),
      );
      const guide = await setup.ensureOidcApplication(realmId, settings); // the 231st
      expect(guide.outcome).toBe('created');

      const before = requestsSeen();
      const apps = await api.listApplications(realmId);
      expect(requestsSeen() - before).toBe(3);
      expect(apps).toHaveLength(231);
      expect(apps.at(-1)?.id).toBe(guide.value.id);
      expect(await setup.ensureOidcApplication(realmId, settings)).toEqual({ outcome: 'adopted', value: guide.value });
    });
  });
});
