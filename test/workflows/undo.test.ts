/**
 * Undoing: cancelling a person and tearing down an integration remove, in reverse order, what
 * the service created, and never what it adopted (objects that were there before it looked).
 *
 * Two harnesses: in `fresh` the service creates everything (so teardown must leave nothing);
 * in `adopting` an administrator made the realm, two identities and an Okta user beforehand.
 */
import { WorkflowFailedError } from '@temporalio/client';
import * as commands from '../../src/cli/commands';
import type { Output } from '../../src/cli/session';
import { integrationStatusQuery, type IntegrationState, type PersonState } from '../../src/workflows/definitions';
import { ServiceHarness, type BiState, type OktaState } from '../support/service';
import { waitFor } from '../support/wait';
import { activityOrder, completedAt, expectNoSecretsInHistories, historyEvents, oktaApi, routedByOkta, scheduledAt, waitForPerson } from '../support/workflow-checks';

const quiet: Output = { json: true, print: () => undefined, info: () => undefined };

function printed(): Output & { data: unknown[] } {
  const data: unknown[] = [];
  return { json: true, data, print: (value) => data.push(value), info: () => undefined };
}

async function roster(harness: ServiceHarness): Promise<IntegrationState> {
  return harness.integrationHandle().query(integrationStatusQuery);
}

async function waitForRoster(harness: ServiceHarness, email: string, status: string): Promise<IntegrationState> {
  return waitFor(() => roster(harness), (state) => state.people[email]?.status === status, 20_000);
}

/** The person's workflow ended as cancelled (its undo done), not completed or failed. */
async function expectCancelled(harness: ServiceHarness, email: string): Promise<void> {
  const error = await harness.personHandle(email).result().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((await harness.personHandle(email).describe()).status.name).toBe('CANCELLED');
}

async function onboardAndBind(harness: ServiceHarness, emails: string[]): Promise<void> {
  await Promise.all(emails.map((email) => harness.onboard([email])));
  await Promise.all(emails.map((email) => harness.bind(email)));
  for (const email of emails) expect(((await harness.personHandle(email).result()) as PersonState).status).toBe('Onboarded');
}

/** What is left of everything but `email`'s identity: must not change when only that person is cancelled. */
function everythingBut(bi: BiState, okta: OktaState, email: string) {
  return {
    realms: bi.realms,
    applications: bi.applications.map((app) => app.id),
    configs: bi.authenticator_configs.map((config) => config.id),
    identities: bi.identities.filter((identity) => identity.traits.username !== email).map((identity) => identity.id),
    users: okta.users,
    idps: okta.idps.map((idp) => [idp.id, idp.status]),
    rules: okta.rules,
  };
}

describe('cancel and teardown', () => {
  let fresh: ServiceHarness;
  let adopting: ServiceHarness;
  const secrets = new Set<string>();

  beforeAll(async () => {
    [fresh, adopting] = await Promise.all([ServiceHarness.start(), ServiceHarness.start()]);
    await Promise.all([fresh.startWorker(), adopting.startWorker()]);
  });
  afterAll(async () => {
    await Promise.allSettled([fresh?.stop(), adopting?.stop()]);
  });

  describe('what the service created', () => {
    const waiting = 'waiting.cancelled@example.com';
    const onboarded = 'onboarded.cancelled@example.com';
    const stays = 'stays.routed@example.com';
    const atTeardown = 'still.waiting@example.com';

    it('cancelling a waiting person deletes their identity and touches nothing else', async () => {
      await onboardAndBind(fresh, [stays]);
      await fresh.onboard([waiting]);
      await waitForPerson(fresh, waiting, (state) => state.status === 'WaitingForBinding');
      const [biBefore, oktaBefore] = await Promise.all([fresh.biState(), fresh.oktaState()]);
      expect(biBefore.identities.map((identity) => identity.traits.username)).toContain(waiting);

      expect(await commands.cancel(fresh.session, quiet, waiting)).toBe(0);
      await expectCancelled(fresh, waiting);
      const state = await waitForRoster(fresh, waiting, 'Cancelled');
      expect(state.people[waiting]).toMatchObject({ routed: false });
      expect(state.people[waiting]?.identity).toBeUndefined();

      const [biAfter, oktaAfter] = await Promise.all([fresh.biState(), fresh.oktaState()]);
      expect(biAfter.identities.map((identity) => identity.traits.username)).not.toContain(waiting);
      expect(everythingBut(biAfter, oktaAfter, waiting)).toEqual(everythingBut(biBefore, oktaBefore, waiting));
      expect(await routedByOkta(fresh)).toEqual([stays]);
    });

    it('cancelling an onboarded person takes them out of the rule first, then removes the Okta user and the identity', async () => {
      await onboardAndBind(fresh, [onboarded]);
      expect(await routedByOkta(fresh)).toEqual([onboarded, stays]);
      const before = await roster(fresh);
      const { identity, oktaUser } = before.people[onboarded]!;
      expect(identity?.adopted).toBe(false);
      expect(oktaUser?.adopted).toBe(false);
      const activitiesBefore = activityOrder(JSON.stringify(await fresh.integrationHandle().fetchHistory())).length;

      expect(await commands.cancel(fresh.session, quiet, onboarded)).toBe(0);
      await waitForRoster(fresh, onboarded, 'Cancelled');

      expect(await routedByOkta(fresh)).toEqual([stays]);
      const [bi, okta] = await Promise.all([fresh.biState(), fresh.oktaState()]);
      expect(bi.identities.map((candidate) => candidate.id)).not.toContain(identity!.id);
      expect(okta.users.map((user) => user.id)).not.toContain(oktaUser!.id);
      expect(okta.users.map((user) => user.profile.login)).toEqual([stays]);
      const undo = activityOrder(JSON.stringify(await fresh.integrationHandle().fetchHistory())).slice(activitiesBefore);
      expect(undo).toEqual(['ensureRoutingRule', 'removeOktaUser', 'deleteIdentity']);
      expect((await fresh.signIn(onboarded)).reason).toMatch(/^route:/);
      expect((await fresh.signIn(stays)).ok).toBe(true);
    });

    it('cancelling a person while the rule is being changed to route them: nothing is removed until the rule no longer routes them', async () => {
      const racing = 'being.routed@example.com';
      // Okta takes 2 s for every change to a rule: the cancel lands while the person is being added.
      fresh.okta.faults.configure({ rules: [{ path: '/rules', methods: ['POST', 'PUT'], latencyMs: 2_000 }] });
      try {
        await fresh.onboard([racing]);
        await waitForPerson(fresh, racing, (state) => state.status === 'WaitingForBinding');
        await fresh.bind(racing);
        await waitForPerson(fresh, racing, (state) => state.step === 'Route', 10_000);
        // The integration is writing the rule with this person in it.
        await waitFor(() => roster(fresh), (state) => state.step === 'UpdateRoutingRule', 10_000, 50);
        // Cancelled directly (as from Temporal UI), not through the integration, which would wait for its rule change to finish first.
        await fresh.personHandle(racing).cancel();
        await expectCancelled(fresh, racing);
        await waitForRoster(fresh, racing, 'Cancelled');
        // The integration has settled: the rule change in flight is done, and nothing else pending.
        await waitFor(() => roster(fresh), (state) => state.step === 'Ready' && state.routedEmails.join() === stays, 15_000);
      } finally {
        fresh.okta.faults.configure({});
      }
      expect(await routedByOkta(fresh)).toEqual([stays]);
      const okta = await fresh.oktaState();
      expect(okta.users.map((user) => user.profile.login)).toEqual([stays]);

      // Order across the two workflows: the rule change that took the person out had finished
      // before the person's own undo removed anything.
      const integrationEvents = historyEvents(JSON.stringify(await fresh.integrationHandle().fetchHistory()));
      const ruleChangesDone = completedAt(integrationEvents, 'ensureRoutingRule');
      const personEvents = historyEvents(JSON.stringify(await fresh.personHandle(racing).fetchHistory()));
      const removals = scheduledAt(personEvents, 'removeOktaUser');
      expect(removals).toHaveLength(1);
      // Two rule changes since the cancel: the person in, then out again.
      expect(ruleChangesDone.filter((at) => at > scheduledAt(personEvents, 'ensureOktaUser')[0]!)).toHaveLength(2);
      expect(ruleChangesDone.at(-1)!).toBeLessThanOrEqual(removals[0]!);
    });

    it('teardown removes everything, in reverse order, and ends TornDown with nothing kept', async () => {
      await fresh.onboard([atTeardown]);
      await waitForPerson(fresh, atTeardown, (state) => state.status === 'WaitingForBinding');
      for (const secret of await fresh.secrets()) secrets.add(secret); // before the app, and its secret, is gone
      const realmId = (await roster(fresh)).realm!.id;

      const output = printed();
      expect(await commands.teardown(fresh.session, output, true)).toBe(0);
      const final = output.data[0] as IntegrationState;
      expect(final).toMatchObject({ status: 'TornDown', step: 'Done', kept: [], routedEmails: [] });
      expect(final.realm).toBeUndefined();
      expect(final.idp).toBeUndefined();
      expect(final.routingRule).toBeUndefined();
      expect((await fresh.integrationHandle().describe()).status.name).toBe('COMPLETED');
      await expectCancelled(fresh, atTeardown);

      const [bi, okta] = await Promise.all([fresh.biState(), fresh.oktaState()]);
      expect(bi.realms.map((realm) => realm.id)).not.toContain(realmId);
      expect(bi.realms.filter((realm) => realm.display_name === fresh.spec.realmName)).toEqual([]);
      expect(bi.applications.filter((app) => app.realm_id === realmId)).toEqual([]);
      expect(bi.authenticator_configs.filter((config) => config.realm_id === realmId)).toEqual([]);
      expect(bi.identities.filter((identity) => identity.realm_id === realmId)).toEqual([]);
      expect(okta.rules).toEqual([]);
      expect(okta.idps).toEqual([]);
      expect(okta.users).toEqual([]);

      const order = activityOrder(JSON.stringify(await fresh.integrationHandle().fetchHistory()));
      expect(order.slice(order.indexOf('deleteRoutingRule'))).toEqual([
        'deleteRoutingRule',
        'removeOktaUser', // the one still onboarded, after routing is gone
        'deleteIdentity',
        'removeIdentityProvider',
        'deleteApplication',
        'deleteAuthenticatorConfig',
        'deleteRealm',
      ]);
    });
  });

  describe('what the service adopted', () => {
    const adoptedBoth = 'adopted.both@example.com'; // identity and Okta user made by an administrator
    const adoptedWaiting = 'adopted.waiting@example.com'; // identity made by an administrator
    const created = 'created.here@example.com';
    let realmId: string;
    let identities: Record<string, string>;
    let oktaUserId: string;

    beforeAll(async () => {
      const realm = (await adopting.biApi('POST', '/realms', { realm: { display_name: adopting.spec.realmName, classification: 'SECURE_CUSTOMER' } })) as { id: string };
      realmId = realm.id;
      identities = {};
      for (const email of [adoptedBoth, adoptedWaiting]) {
        const identity = (await adopting.biApi('POST', `/realms/${realmId}/identities`, {
          identity: { display_name: email, traits: { type: 'traits_v0', username: email, primary_email_address: email } },
        })) as { id: string };
        identities[email] = identity.id;
      }
      const user = (await oktaApi(adopting, 'POST', '/api/v1/users?activate=true', {
        profile: { login: adoptedBoth, email: adoptedBoth, firstName: 'Adopted', lastName: 'Both' },
        credentials: { password: { value: 'Adm1n-Made-Passw0rd' } },
      })) as { id: string };
      oktaUserId = user.id;
    });

    it('adopts the realm, identities and Okta user it finds, and cancelling never deletes them', async () => {
      await onboardAndBind(adopting, [adoptedBoth, created]);
      await adopting.onboard([adoptedWaiting]);
      const waitingState = await waitForPerson(adopting, adoptedWaiting, (state) => state.status === 'WaitingForBinding');
      expect(waitingState.identity).toEqual({ id: identities[adoptedWaiting], adopted: true });
      const state = await roster(adopting);
      expect(state.realm).toEqual({ id: realmId, adopted: true });
      expect(state.people[adoptedBoth]).toMatchObject({ identity: { id: identities[adoptedBoth], adopted: true }, oktaUser: { id: oktaUserId, adopted: true } });
      expect(await routedByOkta(adopting)).toEqual([adoptedBoth, created]);

      expect(await commands.cancel(adopting.session, quiet, adoptedWaiting)).toBe(0);
      await expectCancelled(adopting, adoptedWaiting);
      expect(await commands.cancel(adopting.session, quiet, adoptedBoth)).toBe(0);
      await waitForRoster(adopting, adoptedBoth, 'Cancelled');

      expect(await routedByOkta(adopting)).toEqual([created]);
      const [bi, okta] = await Promise.all([adopting.biState(), adopting.oktaState()]);
      expect(bi.identities.map((identity) => identity.id)).toEqual(expect.arrayContaining([identities[adoptedBoth], identities[adoptedWaiting]]));
      expect(okta.users.find((user) => user.id === oktaUserId)?.status).toBe('ACTIVE');
    });

    it('teardown keeps the adopted realm and says so; removes what it created', async () => {
      for (const secret of await adopting.secrets()) secrets.add(secret);
      const before = await roster(adopting);
      const output = printed();
      expect(await commands.teardown(adopting.session, output, true)).toBe(0);
      const final = output.data[0] as IntegrationState;
      expect(final.status).toBe('TornDown');
      expect(final.kept).toEqual([`realm ${realmId} (adopted)`]);

      const [bi, okta] = await Promise.all([adopting.biState(), adopting.oktaState()]);
      expect(bi.realms.filter((realm) => realm.display_name === adopting.spec.realmName).map((realm) => realm.id)).toEqual([realmId]);
      expect(bi.applications.filter((app) => app.realm_id === realmId)).toEqual([]);
      expect(bi.authenticator_configs.filter((config) => config.realm_id === realmId)).toEqual([]);
      expect(bi.identities.filter((identity) => identity.realm_id === realmId).map((identity) => identity.id).sort()).toEqual(
        [identities[adoptedBoth], identities[adoptedWaiting]].sort(),
      );
      expect(bi.identities.map((identity) => identity.id)).not.toContain(before.people[created]!.identity!.id);
      expect(okta.users.map((user) => [user.id, user.status])).toEqual([[oktaUserId, 'ACTIVE']]);
      expect(okta.idps).toEqual([]);
      expect(okta.rules).toEqual([]);
    });
  });

  it('keeps every token and client secret out of every history', async () => {
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    expect(await expectNoSecretsInHistories(fresh, secrets)).toBe(6);
    expect(await expectNoSecretsInHistories(adopting, secrets)).toBe(4);
  });
});
