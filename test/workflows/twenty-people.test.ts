/**
 * Twenty people onboarded at the same moment for one integration (twenty concurrent
 * `onboard`s, as twenty operators running it at once would send): the shared objects exist once,
 * every person has one identity and one email, and Okta routes exactly the people who have bound
 * a passkey, through one rule that stays byte-identical however many are routed.
 */
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import * as commands from '../../src/cli/commands';
import {
  customProfileProperties,
  expectNoSecretsInHistories,
  historyEvents,
  personState,
  routedByOkta,
  routingRuleAsStored,
  waitForPerson,
} from '../support/workflow-checks';
import { integrationStatusQuery, type PersonState } from '../../src/workflows/definitions';

const PEOPLE = Array.from({ length: 20 }, (_, index) => `person${String(index + 1).padStart(2, '0')}@example.com`);
const BINDING = PEOPLE.slice(0, 13);
const NOT_BINDING = PEOPLE.slice(13);

describe('twenty people at once, one integration', () => {
  let harness: ServiceHarness;
  let ruleBefore: unknown;
  beforeAll(async () => {
    harness = await ServiceHarness.start();
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('creates the shared objects once and one identity and email per person', async () => {
    // The same moment: twenty onboards, each starting the one integration workflow if it is not running, none awaited before the next.
    await Promise.all(PEOPLE.map((email) => harness.onboard([email])));

    await Promise.all(
      PEOPLE.map((email) => waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding', 45_000)),
    );

    const bi = await harness.biState();
    const realms = bi.realms.filter((realm) => realm.display_name === harness.spec.realmName);
    expect(realms).toHaveLength(1);
    const realmId = realms[0]!.id;
    expect(bi.authenticator_configs.filter((config) => config.realm_id === realmId)).toHaveLength(1);
    expect(bi.applications.filter((app) => app.realm_id === realmId)).toHaveLength(1);
    const usernames = bi.identities
      .filter((identity) => identity.realm_id === realmId)
      .map((identity) => identity.traits.username);
    expect(usernames.sort()).toEqual(PEOPLE);
    const emailsPerPerson = PEOPLE.map((email) => bi.outbox.filter((message) => message.to === email).length);
    expect(emailsPerPerson).toEqual(PEOPLE.map(() => 1));
    expect(bi.outbox).toHaveLength(20);
    expect(bi.credential_binding_jobs).toHaveLength(20);

    const okta = await harness.oktaState();
    expect(okta.idps).toHaveLength(1);
    expect(okta.users).toEqual([]);
    expect(okta.rules).toHaveLength(1);
    expect(await customProfileProperties(harness)).toEqual([harness.spec.routing.attribute]);
    ruleBefore = await routingRuleAsStored(harness);

    // One integration run took all twenty starts, and the objects are its own (a second run would
    // have found them and recorded them as adopted).
    const runs: string[] = [];
    for await (const info of harness.client.workflow.list({ query: `WorkflowId = '${harness.spec.integrationId}'` }))
      runs.push(info.runId);
    expect(runs).toHaveLength(1);
    const integration = await harness.integrationHandle().query(integrationStatusQuery);
    expect(integration).toMatchObject({
      status: 'Ready',
      realm: { adopted: false },
      authenticatorConfig: { adopted: false },
      application: { adopted: false },
      idp: { adopted: false },
      routingAttribute: { adopted: false },
      routingRule: { adopted: false },
    });
    const listed = await commands.listPeople(harness.session);
    expect(listed.map((row) => [row.email, row.status])).toEqual(PEOPLE.map((email) => [email, 'WaitingForBinding']));
  });

  it('routes exactly the thirteen who bound; the seven others wait and cannot be routed', async () => {
    await Promise.all(BINDING.map((email) => harness.bind(email)));
    const done = await Promise.all(
      BINDING.map((email) => harness.personHandle(email).result() as Promise<PersonState>),
    );
    expect(done.map((state) => [state.email, state.status, state.routed])).toEqual(
      BINDING.map((email) => [email, 'Onboarded', true]),
    );

    const okta = await harness.oktaState();
    expect(okta.rules).toHaveLength(1);
    expect(await routedByOkta(harness)).toEqual(BINDING);
    // The rule did not change as people were routed: routing is each person's own property.
    expect(await routingRuleAsStored(harness)).toEqual(ruleBefore);
    expect(okta.idps).toHaveLength(1);
    expect(okta.users.map((user) => [user.profile.login, user.status]).sort()).toEqual(
      BINDING.map((email) => [email, 'ACTIVE']),
    );

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

    const listed = await waitFor(
      () => commands.listPeople(harness.session),
      (rows) => rows.filter((row) => row.status === 'Onboarded').length === 13,
      10_000,
    );
    expect(listed.filter((row) => row.status === 'Onboarded').map((row) => row.email)).toEqual(BINDING);
    expect(listed.filter((row) => row.status === 'WaitingForBinding').map((row) => row.email)).toEqual(NOT_BINDING);
    expect((await harness.biState()).outbox).toHaveLength(20);
    for (const email of BINDING) expect((await harness.signIn(email)).ok).toBe(true);
  });

  it('keeps every token and client secret out of every history', async () => {
    const histories = await harness.histories();
    const personEvents = histories
      .filter(({ workflowId }) => workflowId.includes('/person/'))
      .map(({ workflowId, json }) => [workflowId.split('/person/')[1], historyEvents(json).length] as const);
    expect(personEvents).toHaveLength(20);
    process.stdout.write(
      `history events per person (twenty people): ${personEvents.map(([email, count]) => `${email} ${count}`).join(', ')}\n`,
    );
    // The bound ones have finished: their whole onboarding fits in 30 events (the wait is one activity).
    for (const [email, count] of personEvents)
      if (BINDING.includes(email!)) expect([email, count <= 30]).toEqual([email, true]);
    const integrationEvents = historyEvents(
      histories.find(({ workflowId }) => workflowId === harness.spec.integrationId)!.json,
    ).length;
    expect(integrationEvents).toBeLessThan(80);
    expect(await expectNoSecretsInHistories(harness, await harness.secrets())).toBe(21);
  });
});
