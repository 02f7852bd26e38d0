/**
 * `OktaApi.listUserGroups` over real HTTP against the simulator (docs/contracts/okta.md §14): the
 * groups a user is a member of, following membership changes; a user that does not exist is undefined.
 */
import type { OktaApi } from '../../src/clients/okta/api';
import type { RunningOktaSimulator } from '../../dev/simulators/okta';
import { oktaApi, oktaRaw, Resources, startOkta } from './support';

describe('Okta client: a user’s groups against the simulator', () => {
  const resources = new Resources();
  let sim: RunningOktaSimulator;
  let api: OktaApi;
  let okta: ReturnType<typeof oktaRaw>;

  beforeAll(async () => {
    sim = resources.add(await startOkta());
    api = resources.add(oktaApi(sim));
    okta = oktaRaw(sim);
  });
  afterAll(() => resources.release());

  it('lists the groups the user is in, by id or login, as membership changes', async () => {
    const user = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=true', {
      profile: { login: 'member@example.com', email: 'member@example.com', firstName: 'A', lastName: 'B' },
    });
    const group = (name: string) => okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name } });
    const passkeys = await group('Passkeys');
    const admins = await group('Admins');
    await group('Elsewhere');
    expect(await api.listUserGroups(user.id)).toEqual([]);

    await okta.ok('PUT', `/api/v1/groups/${passkeys.id}/users/${user.id}`);
    await okta.ok('POST', `/_sim/groups/${admins.id}/members`, { userId: user.id });
    const groups = await api.listUserGroups(user.id);
    expect(groups?.map((found) => [found.id, found.profile.name])).toEqual([
      [passkeys.id, 'Passkeys'],
      [admins.id, 'Admins'],
    ]);
    expect((await api.listUserGroups('member@example.com'))?.map((found) => found.id)).toEqual([
      passkeys.id,
      admins.id,
    ]);

    await okta.ok('DELETE', `/api/v1/groups/${passkeys.id}/users/${user.id}`);
    expect((await api.listUserGroups(user.id))?.map((found) => found.id)).toEqual([admins.id]);
  });

  it('answers undefined for a user that does not exist', async () => {
    expect(await api.listUserGroups('00unosuchuser')).toBeUndefined();
  });
});
