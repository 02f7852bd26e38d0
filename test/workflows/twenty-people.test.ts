/**
 * Twenty people onboarded at the same moment for one integration (twenty concurrent
 * signal-with-starts, as twenty operators running `onboard` at once would send): the shared
 * objects exist once, every person has one identity and one email, and the routing rule sends
 * exactly the people who have bound a passkey to Beyond Identity.
 */
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { expectNoSecretsInHistories, historyEvents, personState, routedByOkta, waitForPerson } from '../support/workflow-checks';
import { integrationStatusQuery, type PersonState } from '../../src/workflows/definitions';

const PEOPLE = Array.from({ length: 20 }, (_, index) => `person${String(index + 1).padStart(2, '0')}@example.com`);
const BINDING = PEOPLE.slice(0, 13);
const NOT_BINDING = PEOPLE.slice(13);

describe('twenty people at once, one integration', () => {
  let harness: ServiceHarness;
  beforeAll(async () => {
    harness = await ServiceHarness.start();
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('creates the shared objects once and one identity and email per person', async () => {
    // The same moment: twenty signal-with-starts of the one integration workflow, none awaited before the next.
    await Promise.all(PEOPLE.map((email) => harness.onboard([email])));

    await Promise.all(PEOPLE.map((email) => waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding', 45_000)));

    const bi = await harness.biState();
    const realms = bi.realms.filter((realm) => realm.display_name === harness.spec.realmName);
    expect(realms).toHaveLength(1);
    const realmId = realms[0]!.id;
    expect(bi.authenticator_configs.filter((config) => config.realm_id === realmId)).toHaveLength(1);
    expect(bi.applications.filter((app) => app.realm_id === realmId)).toHaveLength(1);
    const usernames = bi.identities.filter((identity) => identity.realm_id === realmId).map((identity) => identity.traits.username);
    expect(usernames.sort()).toEqual(PEOPLE);
    const emailsPerPerson = PEOPLE.map((email) => bi.outbox.filter((message) => message.to === email).length);
    expect(emailsPerPerson).toEqual(PEOPLE.map(() => 1));
    expect(bi.outbox).toHaveLength(20);
    expect(bi.credential_binding_jobs).toHaveLength(20);

    const okta = await harness.oktaState();
    expect(okta.idps).toHaveLength(1);
    expect(okta.users).toEqual([]);
    expect(okta.rules).toEqual([]);

    const roster = await harness.integrationHandle().query(integrationStatusQuery);
    expect(Object.keys(roster.people).sort()).toEqual(PEOPLE);
    expect(roster.status).toBe('Ready');
  });

  it('routes exactly the thirteen who bound; the seven others wait and cannot be routed', async () => {
    await Promise.all(BINDING.map((email) => harness.bind(email)));
    const done = await Promise.all(BINDING.map((email) => harness.personHandle(email).result() as Promise<PersonState>));
    expect(done.map((state) => [state.email, state.status, state.routed])).toEqual(BINDING.map((email) => [email, 'Onboarded', true]));

    const okta = await harness.oktaState();
    expect(okta.rules).toHaveLength(1);
    expect(await routedByOkta(harness)).toEqual(BINDING);
    expect(okta.idps).toHaveLength(1);
    expect(okta.users.map((user) => [user.profile.login, user.status]).sort()).toEqual(BINDING.map((email) => [email, 'ACTIVE']));

    for (const email of NOT_BINDING) {
      const state = await personState(harness, email);
      expect([email, state.status, state.bound, state.routed]).toEqual([email, 'WaitingForBinding', false, false]);
    }

    const bound = await harness.signIn(BINDING[6]!);
    expect(bound.reason ?? null).toBeNull();
    expect(bound.ok).toBe(true);
    const unbound = await harness.signIn(NOT_BINDING[0]!);
    expect(unbound.ok).toBe(false);
    expect(unbound.reason).toMatch(/^route:/);

    const roster = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => Object.values(state.people).filter((person) => person.status === 'Onboarded').length === 13,
      10_000,
    );
    expect(roster.routedEmails).toEqual(BINDING);
    expect(Object.values(roster.people).filter((person) => person.status === 'WaitingForBinding').map((person) => person.email).sort()).toEqual(NOT_BINDING);
    expect((await harness.biState()).outbox).toHaveLength(20);
  });

  it('keeps every token and client secret out of every history', async () => {
    const histories = await harness.histories();
    const personEvents = histories.filter(({ workflowId }) => workflowId.includes('/person/')).map(({ workflowId, json }) => [workflowId.split('/person/')[1], historyEvents(json).length] as const);
    expect(personEvents).toHaveLength(20);
    process.stdout.write(`history events per person (twenty people): ${personEvents.map(([email, count]) => `${email} ${count}`).join(', ')}\n`);
    expect(await expectNoSecretsInHistories(harness, await harness.secrets())).toBe(21);
  });
});
