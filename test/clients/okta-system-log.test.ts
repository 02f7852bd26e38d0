/**
 * The Okta client's System Log poll over real HTTP against the simulator: a first page from
 * `since` with a filter, then the `next` cursor followed as given, which returns only newer events
 * (nothing twice) and stays there on an empty page, as Okta's polling mode does.
 */
import type { OktaApi } from '../../src/clients/okta/api';
import type { RunningOktaSimulator } from '../../dev/simulators/okta';
import { oktaApi, oktaRaw, Resources, startOkta } from './support';

describe('Okta client: the System Log', () => {
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

  const user = (login: string) =>
    okta.ok<{ id: string }>('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'A', lastName: 'B' },
    });

  it('polls membership events from a cursor: each event once, the cursor kept on an empty page', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const group = await okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Passkeys' } });
    const first = await user('first@example.com');
    await okta.ok('PUT', `/api/v1/groups/${group.id}/users/${first.id}`);
    const filter = `eventType eq "group.user_membership.add" or eventType eq "group.user_membership.remove"`;

    const page1 = await api.readLogPage({ since, filter });
    expect(page1.events.map((event) => event.eventType)).toEqual(['group.user_membership.add']);
    const targets = page1.events[0]!.target ?? [];
    expect(targets.find((target) => target.type === 'User')?.id).toBe(first.id);
    expect(targets.find((target) => target.type === 'UserGroup')?.id).toBe(group.id);

    const empty = await api.readLogPage({ next: page1.next });
    expect(empty.events).toEqual([]);

    const second = await user('second@example.com');
    await okta.ok('PUT', `/api/v1/groups/${group.id}/users/${second.id}`);
    await okta.ok('DELETE', `/_sim/groups/${group.id}/members/${first.id}`);
    const page2 = await api.readLogPage({ next: empty.next });
    expect(page2.events.map((event) => [event.eventType, event.target?.find((t) => t.type === 'User')?.id])).toEqual([
      ['group.user_membership.add', second.id],
      ['group.user_membership.remove', first.id],
    ]);
    const seen = [...page1.events, ...page2.events].map((event) => event.uuid);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await api.readLogPage({ next: page2.next })).events).toEqual([]);
  });
});
