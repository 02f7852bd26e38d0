/**
 * What the official clients send and ask that the contract leaves open: JSON `null` for optional
 * fields (the `bi` CLI sends `external_id`, `given_name`, `family_name` as null when not given),
 * and `filter` on lists that document none (answered 400, never silently ignored).
 */
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import { ManagementClient, startSimulator, type Identity, type Realm } from './support';

describe('Beyond Identity simulator: nulls and filters', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;
  let realm: Realm;
  let identity: Identity;

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ManagementClient(sim);
    realm = await client.ok<Realm>('POST', '/realms', { realm: { display_name: 'Nulls and filters' } });
    identity = await client.ok<Identity>('POST', `/realms/${realm.id}/identities`, {
      identity: {
        display_name: 'Pat Null',
        status: null,
        traits: {
          type: 'traits_v0',
          username: 'pat@example.com',
          primary_email_address: 'pat@example.com',
          external_id: null,
          given_name: null,
          family_name: null,
        },
      },
    });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('creates an identity whose optional fields are null as the official CLI sends them, as if they were not given', () => {
    expect((identity as Identity & { status?: string }).status).toBe('active');
    expect(identity.traits).toEqual({
      type: 'traits_v0',
      username: 'pat@example.com',
      primary_email_address: 'pat@example.com',
    });
  });

  it('takes null in an update as "not changed", and still refuses null where a field is required', async () => {
    const updated = await client.ok<Identity>('PATCH', `/realms/${realm.id}/identities/${identity.id}`, {
      identity: { display_name: null, traits: { type: 'traits_v0', given_name: 'Pat', family_name: null } },
    });
    expect(updated.display_name).toBe('Pat Null');
    expect(updated.traits).toMatchObject({ username: 'pat@example.com', given_name: 'Pat' });
    const refused = await client.call('POST', `/realms/${realm.id}/identities`, {
      body: { identity: { display_name: null, traits: { type: 'traits_v0', username: 'other@example.com' } } },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('identity.display_name');
  });

  it('creates a realm and an application with null optionals', async () => {
    const other = await client.ok<Realm>('POST', '/realms', {
      realm: { display_name: 'Null class', classification: null },
    });
    expect(other.classification).toBe('SECURE_CUSTOMER');
    const application = await client.ok<{ id: string; display_name: string }>(
      'POST',
      `/realms/${other.id}/applications`,
      {
        application: {
          display_name: 'Null app',
          classification: null,
          resource_server_id: null,
          authenticator_config_id: null,
          protocol_config: {
            type: 'oauth2',
            grant_type: ['client_credentials'],
            allowed_scopes: null,
            redirect_uris: null,
            pkce: null,
            token_configuration: { expires_after: 3600, subject_field: null },
          },
        },
      },
    );
    expect(application.display_name).toBe('Null app');
  });

  it('answers 400 `filter` for a filter on every list that takes none, and for an unsupported filter on those that take one', async () => {
    const identityPath = `/realms/${realm.id}/identities/${identity.id}`;
    const lists = [
      '/realms',
      `/realms/${realm.id}/applications`,
      `/realms/${realm.id}/authenticator-configs`,
      `${identityPath}/credentials`,
      `${identityPath}/credential-binding-jobs`,
      `/realms/${realm.id}/identities/-/credentials`,
      `/realms/${realm.id}/identities`, // takes one filter only: traits.username eq "…"
    ];
    for (const list of lists) {
      const answer = await client.call('GET', `${list}?filter=${encodeURIComponent('state eq "ACTIVE"')}`);
      expect([list, answer.status, JSON.stringify(answer.body)]).toEqual([
        list,
        400,
        expect.stringContaining('"field":"filter"'),
      ]);
      // The same list without a filter (or with an empty one) answers.
      expect([list, (await client.call('GET', `${list}?filter=`)).status]).toEqual([list, 200]);
    }
    const byUsername = await client.ok<{ identities: Identity[] }>(
      'GET',
      `/realms/${realm.id}/identities?filter=${encodeURIComponent('traits.username eq "pat@example.com"')}`,
    );
    expect(byUsername.identities.map((found) => found.id)).toEqual([identity.id]);
  });
});
