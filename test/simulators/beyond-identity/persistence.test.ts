/** State in a JSON file survives a restart (signing key included), and /_sim/state shows it with secrets masked. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import {
  applicationIssuer,
  basicAuth,
  bindThroughEmail,
  fetchRaw,
  ManagementClient,
  REDIRECT_URI,
  startSimulator,
  verifyWithJwks,
  type Application,
  type Identity,
} from './support';

describe('Beyond Identity simulator: persistence and /_sim/state', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'bi-sim-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps realms, identities, apps with secrets, jobs, credentials, the outbox and the signing key across a restart', async () => {
    const stateFile = join(directory, 'state.json');
    const first = await startSimulator({ stateFile });
    const client = new ManagementClient(first);
    const realm = await client.createRealm('Persistent');
    const configId = (await client.createHostedWebConfig(realm.id)).id;
    const application = await client.createOktaApplication(realm.id, configId);
    const identity = await client.createIdentity(realm.id, 'erin@example.com');
    const { credential_binding_job: job } = await client.createEmailJob(realm.id, identity.id, configId);
    await bindThroughEmail(client, 'erin@example.com');
    const authorize = await fetchRaw(
      `${applicationIssuer(first, application)}/authorize?${new URLSearchParams({ client_id: application.protocol_config.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', login_hint: 'erin@example.com' })}`,
    );
    const code = new URL(String(authorize.headers.location)).searchParams.get('code')!;
    const tokens = (
      await fetchRaw(`${applicationIssuer(first, application)}/token`, {
        form: {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          client_id: application.protocol_config.client_id,
          client_secret: application.protocol_config.client_secret!,
        },
      })
    ).json() as { id_token: string };
    const managementTokenUrl = `${applicationIssuer(first, { realm_id: first.managementClient.realmId, id: first.managementClient.applicationId })}/token`;
    const accessToken = (
      (
        await fetchRaw(managementTokenUrl, {
          headers: { authorization: basicAuth(first.managementClient.clientId, first.managementClient.clientSecret) },
          form: { grant_type: 'client_credentials' },
        })
      ).json() as { access_token: string }
    ).access_token;
    const jwksBefore = (await fetchRaw(`${applicationIssuer(first, application)}/.well-known/jwks.json`)).text;
    await first.stop();

    const second = await startSimulator({ stateFile });
    try {
      const again = new ManagementClient(second);
      expect(second.managementClient).toEqual(first.managementClient);
      expect(await again.ok('GET', `/realms/${realm.id}`)).toMatchObject({ display_name: 'Persistent' });
      expect(await again.ok<Application>('GET', `/realms/${realm.id}/applications/${application.id}`)).toEqual(
        application,
      );
      expect((await again.ok<Identity>('GET', `/realms/${realm.id}/identities/${identity.id}`)).enrollment_status).toBe(
        'ENROLLED',
      );
      expect(
        await again.ok('GET', `/realms/${realm.id}/identities/${identity.id}/credential-binding-jobs/${job.id}`),
      ).toMatchObject({ state: 'COMPLETE' });
      expect(await again.outbox('erin@example.com')).toHaveLength(1);
      // Same key: the JWKS is unchanged, tokens issued before the restart still verify and still work.
      expect((await fetchRaw(`${applicationIssuer(second, application)}/.well-known/jwks.json`)).text).toBe(jwksBefore);
      const { payload } = await verifyWithJwks(
        tokens.id_token,
        `${applicationIssuer(second, application)}/.well-known/jwks.json`,
      );
      expect(payload.sub).toBe('erin@example.com');
      expect((await again.call('GET', '/realms', { token: accessToken })).status).toBe(200);
    } finally {
      await second.stop();
    }
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ version: 1, tenant: { id: second.tenantId } });
  });

  it('refuses a state file of another tenant, and a corrupt one, with a message that says what to do', async () => {
    const stateFile = join(directory, 'other-tenant.json');
    const sim = await startSimulator({ stateFile, tenantId: '0001222233334444' });
    await sim.stop();
    await expect(startSimulator({ stateFile })).rejects.toThrow(/belongs to tenant 0001222233334444/);
    const corrupt = join(directory, 'corrupt.json');
    writeFileSync(corrupt, JSON.stringify({ version: 1, realms: 'nope' }));
    await expect(startSimulator({ stateFile: corrupt })).rejects.toThrow(/does not match the expected shape/);
  });

  it('shows the whole state on /_sim/state with every secret masked', async () => {
    const sim = await startSimulator();
    try {
      const client = new ManagementClient(sim);
      const realm = await client.createRealm('Masked');
      const configId = (await client.createHostedWebConfig(realm.id)).id;
      const application = await client.createOktaApplication(realm.id, configId);
      const identity = await client.createIdentity(realm.id, 'frank@example.com');
      await client.createEmailJob(realm.id, identity.id, configId);
      const [message] = await client.outbox('frank@example.com');
      const linkToken = new URL(message!.link).searchParams.get('token')!;

      const answer = await request(`${sim.managementUrl}/_sim/state`);
      const text = await answer.body.text();
      const state = JSON.parse(text) as Record<string, unknown[]>;
      expect(state.realms).toEqual(expect.arrayContaining([expect.objectContaining({ id: realm.id })]));
      expect(state.identities).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: identity.id, enrollment_status: 'PENDING' })]),
      );
      expect(state.applications).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: application.id,
            protocol_config: expect.objectContaining({ client_secret: '<masked>' }),
          }),
        ]),
      );
      expect(state.credential_binding_jobs).toHaveLength(1);
      expect(state.outbox).toHaveLength(1);
      for (const secret of [
        application.protocol_config.client_secret!,
        sim.managementClient.clientSecret,
        sim.apiToken,
        linkToken,
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/"d":/); // no private key material
    } finally {
      await sim.stop();
    }
  });
});
