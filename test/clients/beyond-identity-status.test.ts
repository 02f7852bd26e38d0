/**
 * The Beyond Identity client's identity status over real HTTP against the simulator: a suspended
 * identity can bind no passkey (its binding job is refused, not retried) and keeps its passkeys;
 * setting the status it already has is harmless; unsuspended, it binds again.
 */
import type { BeyondIdentityApi } from '../../src/clients/beyond-identity/api';
import { BeyondIdentitySetup } from '../../src/clients/beyond-identity/ensure';
import { RejectedUpstreamError } from '../../src/clients/http/errors';
import type { RunningBeyondIdentitySimulator } from '../../dev/simulators/beyond-identity';
import { bindPasskeyFromOutbox } from '../../dev/simulators/beyond-identity/person-agent';
import { biApi, rejectionOf, Resources, startBi } from './support';

describe('Beyond Identity client: identity status', () => {
  const resources = new Resources();
  let sim: RunningBeyondIdentitySimulator;
  let api: BeyondIdentityApi;
  let realmId: string;
  let configId: string;

  beforeAll(async () => {
    sim = resources.add(await startBi());
    api = resources.add(biApi(sim));
    const setup = new BeyondIdentitySetup(api);
    realmId = (await setup.ensureRealm('Status realm')).value.id;
    configId = (await setup.ensureHostedWebAuthenticatorConfig(realmId, 'Okta hosted web')).value.id;
  });
  afterAll(() => resources.release());

  it('suspends and unsuspends, passkeys kept; a suspended identity gets no binding job (a refusal, not retried)', async () => {
    const identity = await api.createIdentity(realmId, {
      username: 'leaver@example.com',
      email: 'leaver@example.com',
      displayName: 'Leaver',
    });
    await api.createEmailBindingJob(realmId, identity.id, configId);
    await bindPasskeyFromOutbox(sim.managementUrl, 'leaver@example.com');
    const passkeys = await api.listCredentials(realmId, identity.id);
    expect(passkeys.length).toBeGreaterThan(0);

    expect((await api.setIdentityStatus(realmId, identity.id, 'suspended')).status).toBe('suspended');
    // Again: the same status, the same answer (a retry after a lost reply is safe).
    expect((await api.setIdentityStatus(realmId, identity.id, 'suspended')).status).toBe('suspended');
    expect((await api.getIdentity(realmId, identity.id))?.status).toBe('suspended');
    expect(await api.listCredentials(realmId, identity.id)).toEqual(passkeys);

    const refused = await rejectionOf(api.createEmailBindingJob(realmId, identity.id, configId));
    expect(refused).toBeInstanceOf(RejectedUpstreamError);
    expect(refused.message).toMatch(/422/);

    expect((await api.setIdentityStatus(realmId, identity.id, 'active')).status).toBe('active');
    await expect(api.createEmailBindingJob(realmId, identity.id, configId)).resolves.toBeDefined();
  });
});
