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
import {
  credentialBoundSignal,
  integrationStatusQuery,
  personStatusQuery,
  type IntegrationState,
  type PersonState,
} from '../../src/workflows/definitions';
import { ServiceHarness, type BiState, type OktaState } from '../support/service';
import { waitFor } from '../support/wait';
import {
  activityOrder,
  completedAt,
  customProfileProperties,
  expectNoSecretsInHistories,
  historyEvents,
  oktaApi,
  routedByOkta,
  scheduledAt,
  tearDown,
  waitForPerson,
} from '../support/workflow-checks';

const quiet: Output = { json: true, print: () => undefined, info: () => undefined };

function printed(): Output & { data: unknown[] } {
  const data: unknown[] = [];
  return { json: true, data, print: (value) => data.push(value), info: () => undefined };
}

async function integrationState(harness: ServiceHarness): Promise<IntegrationState> {
  return harness.integrationHandle().query(integrationStatusQuery);
}

/** Waits until the person's newest run has ended Cancelled (its undo done), as `list` and `status` show it. */
async function waitUntilUndone(harness: ServiceHarness, email: string): Promise<PersonState> {
  await waitFor(
    () => commands.listPeople(harness.session),
    (rows) =>
      rows.some(
        (row) =>
          row.email === email && row.status === 'Cancelled' && row.step === 'Undone' && row.execution !== 'RUNNING',
      ),
    30_000,
  );
  const state = await harness.personHandle(email).query(personStatusQuery);
  expect(state).toMatchObject({ status: 'Cancelled', step: 'Undone', routed: false });
  return state;
}

/** The person's workflow ended as cancelled (its undo done), not completed or failed. */
async function expectCancelled(harness: ServiceHarness, email: string): Promise<void> {
  const error = await harness
    .personHandle(email)
    .result()
    .then(
      () => undefined,
      (failure: unknown) => failure,
    );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((await harness.personHandle(email).describe()).status.name).toBe('CANCELLED');
}

function scheduledIdOf(event: ReturnType<typeof historyEvents>[number]): string | undefined {
  const attributes = event as Record<string, { scheduledEventId?: string } | undefined>;
  return (
    attributes.activityTaskCompletedEventAttributes ??
    attributes.activityTaskCanceledEventAttributes ??
    attributes.activityTaskFailedEventAttributes
  )?.scheduledEventId;
}

function eventTime(event: ReturnType<typeof historyEvents>[number]): number {
  return Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
}

async function onboardAndBind(harness: ServiceHarness, emails: string[]): Promise<void> {
  await Promise.all(emails.map((email) => harness.onboard([email])));
  await Promise.all(emails.map((email) => harness.bind(email)));
  for (const email of emails)
    expect(((await harness.personHandle(email).result()) as PersonState).status).toBe('Onboarded');
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
      const state = await waitUntilUndone(fresh, waiting);
      expect(state.identity).toBeUndefined();

      const [biAfter, oktaAfter] = await Promise.all([fresh.biState(), fresh.oktaState()]);
      expect(biAfter.identities.map((identity) => identity.traits.username)).not.toContain(waiting);
      expect(everythingBut(biAfter, oktaAfter, waiting)).toEqual(everythingBut(biBefore, oktaBefore, waiting));
      expect(await routedByOkta(fresh)).toEqual([stays]);
    });

    it('cancelling an onboarded person clears their routing first (read back), then removes the Okta user and the identity; list and status say Cancelled', async () => {
      await onboardAndBind(fresh, [onboarded]);
      expect(await routedByOkta(fresh)).toEqual([onboarded, stays]);
      const before = (await fresh.personHandle(onboarded).result()) as PersonState;
      const { identity, oktaUser } = before;
      expect(identity?.adopted).toBe(false);
      expect(oktaUser?.adopted).toBe(false);
      const ruleBefore = (await fresh.oktaState()).rules;

      expect(await commands.cancel(fresh.session, quiet, onboarded)).toBe(0);
      await waitUntilUndone(fresh, onboarded);

      expect(await routedByOkta(fresh)).toEqual([stays]);
      const [bi, okta] = await Promise.all([fresh.biState(), fresh.oktaState()]);
      expect(bi.identities.map((candidate) => candidate.id)).not.toContain(identity!.id);
      expect(okta.users.map((user) => user.id)).not.toContain(oktaUser!.id);
      expect(okta.users.map((user) => user.profile.login)).toEqual([stays]);
      expect(okta.rules).toEqual(ruleBefore);
      // The undo ran in a new run of the person's own workflow, in this order.
      expect(activityOrder(JSON.stringify(await fresh.personHandle(onboarded).fetchHistory()))).toEqual([
        'clearOktaRouting',
        'removeOktaUser',
        'deleteIdentity',
      ]);
      const listed = (await commands.listPeople(fresh.session)).find((row) => row.email === onboarded);
      expect(listed).toMatchObject({ status: 'Cancelled', step: 'Undone' });
      expect((await commands.listPeople(fresh.session, 'Onboarded')).map((row) => row.email)).toEqual([stays]);
      const status = printed();
      await commands.status(fresh.session, status, onboarded);
      expect(status.data[0]).toMatchObject({ status: 'Cancelled', routed: false });
      expect((await fresh.signIn(onboarded)).reason).toMatch(/^route:/);
      expect((await fresh.signIn(stays)).ok).toBe(true);
      // Cancelling again has nothing left to do.
      const again = printed();
      expect(await commands.cancel(fresh.session, again, onboarded)).toBe(0);
      expect(again.data[0]).toMatchObject({ outcome: 'alreadyCancelled' });
    });

    it('cancelling a person while their Okta user is being made: nothing is removed until that look has stopped, and nothing is left routed', async () => {
      const racing = 'being.routed@example.com';
      // Okta takes 2 s to create a user: the cancel lands while the person is being routed.
      fresh.okta.faults.configure({ rules: [{ path: '^/api/v1/users$', methods: ['POST'], latencyMs: 2_000 }] });
      try {
        await fresh.onboard([racing]);
        await waitForPerson(fresh, racing, (state) => state.status === 'WaitingForBinding');
        await fresh.bind(racing);
        await fresh.personHandle(racing).signal(credentialBoundSignal);
        // The create is in flight at Okta.
        await waitFor(
          async () => fresh.okta.faults.describe(),
          (faults) => faults.stats.delayed > 0,
          10_000,
          20,
        );
        await fresh.personHandle(racing).cancel();
        await expectCancelled(fresh, racing);
        await waitUntilUndone(fresh, racing);
      } finally {
        fresh.okta.faults.configure({});
      }
      expect(await routedByOkta(fresh)).not.toContain(racing);
      const okta = await fresh.oktaState();
      expect(okta.users.map((user) => user.profile.login)).not.toContain(racing);

      // In the person's history: every look that could route had closed before the undo's clearing finished.
      const events = historyEvents(JSON.stringify(await fresh.personHandle(racing).fetchHistory()));
      const looks = scheduledAt(events, 'routeWhenBound').length;
      const closedLooks = events.filter((event) =>
        [
          'EVENT_TYPE_ACTIVITY_TASK_COMPLETED',
          'EVENT_TYPE_ACTIVITY_TASK_CANCELED',
          'EVENT_TYPE_ACTIVITY_TASK_FAILED',
        ].includes(event.eventType ?? ''),
      );
      expect(looks).toBeGreaterThanOrEqual(1);
      const clearing = completedAt(events, 'clearOktaRouting');
      expect(clearing).toHaveLength(1);
      const lookIds = new Set(
        events
          .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'routeWhenBound')
          .map((event) => event.eventId),
      );
      const lookEnds = closedLooks.filter((event) => lookIds.has(scheduledIdOf(event)));
      expect(lookEnds).toHaveLength(looks);
      expect(Math.max(...lookEnds.map(eventTime))).toBeLessThanOrEqual(clearing[0]!);
      // The user the cancelled look made was found by the undo and removed as ours.
      expect(scheduledAt(events, 'removeOktaUser')).toHaveLength(1);
    });

    it('teardown removes everything, in reverse order, and leaves the schema as it was', async () => {
      await fresh.onboard([atTeardown]);
      await waitForPerson(fresh, atTeardown, (state) => state.status === 'WaitingForBinding');
      for (const secret of await fresh.secrets()) secrets.add(secret); // before the app, and its secret, is gone
      const realmId = (await integrationState(fresh)).realm!.id;
      expect(await customProfileProperties(fresh)).toEqual(['beyondIdentityIntegration']);

      const output = printed();
      expect(await tearDown(fresh, fresh.session, output)).toBe(0);
      const final = output.data[0] as IntegrationState;
      expect(final).toMatchObject({ status: 'TornDown', step: 'Done', kept: [] });
      expect(final.offboarded).toEqual({ cancelled: 1, undone: 1, alreadyEnded: 3 });
      expect(final.realm).toBeUndefined();
      expect(final.idp).toBeUndefined();
      expect(final.routingRule).toBeUndefined();
      expect(final.routingAttribute).toBeUndefined();
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
      expect(await customProfileProperties(fresh)).toEqual([]);

      const order = activityOrder(JSON.stringify(await fresh.integrationHandle().fetchHistory()));
      expect(order.slice(order.indexOf('deleteRoutingRule'))).toEqual([
        'deleteRoutingRule',
        'offboardPeople', // everyone out, each by their own workflow, before any shared object goes
        'removeRoutingAttribute',
        'removeIdentityProvider',
        'deleteApplication',
        'deleteAuthenticatorConfig',
        'deleteRealm',
      ]);
      // The one still onboarded was undone by a run of its own: routing cleared, then user and identity.
      expect(activityOrder(JSON.stringify(await fresh.personHandle(stays).fetchHistory()))).toEqual([
        'clearOktaRouting',
        'removeOktaUser',
        'deleteIdentity',
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
      const realm = (await adopting.biApi('POST', '/realms', {
        realm: { display_name: adopting.spec.realmName, classification: 'SECURE_CUSTOMER' },
      })) as { id: string };
      realmId = realm.id;
      identities = {};
      for (const email of [adoptedBoth, adoptedWaiting]) {
        const identity = (await adopting.biApi('POST', `/realms/${realmId}/identities`, {
          identity: {
            display_name: email,
            traits: { type: 'traits_v0', username: email, primary_email_address: email },
          },
        })) as { id: string };
        identities[email] = identity.id;
      }
      // The administrator also made the routing property already (say, for a first try by hand),
      // as the fix the service prints says: Okta-mastered and read-only to people (an unsafe one is
      // refused: test/workflows/routing-property.test.ts).
      await oktaApi(adopting, 'POST', '/api/v1/meta/schemas/user/default', {
        definitions: {
          custom: {
            id: '#custom',
            type: 'object',
            properties: {
              beyondIdentityIntegration: {
                title: 'Made by hand',
                type: 'string',
                master: { type: 'OKTA' },
                permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
              },
            },
          },
        },
      });
      const user = (await oktaApi(adopting, 'POST', '/api/v1/users?activate=true', {
        profile: { login: adoptedBoth, email: adoptedBoth, firstName: 'Adopted', lastName: 'Both' },
        credentials: { password: { value: 'Adm1n-Made-Passw0rd' } },
      })) as { id: string };
      oktaUserId = user.id;
    });

    it('adopts the realm, identities and Okta user it finds: the adopted user gets the property once bound, and keeps existing after cancel', async () => {
      await onboardAndBind(adopting, [adoptedBoth, created]);
      await adopting.onboard([adoptedWaiting]);
      const waitingState = await waitForPerson(
        adopting,
        adoptedWaiting,
        (state) => state.status === 'WaitingForBinding',
      );
      expect(waitingState.identity).toEqual({ id: identities[adoptedWaiting], adopted: true });
      const state = await integrationState(adopting);
      expect(state.realm).toEqual({ id: realmId, adopted: true });
      expect(state.routingAttribute).toEqual({ id: 'beyondIdentityIntegration', adopted: true });
      const both = (await adopting.personHandle(adoptedBoth).result()) as PersonState;
      expect(both).toMatchObject({
        identity: { id: identities[adoptedBoth], adopted: true },
        oktaUser: { id: oktaUserId, adopted: true },
      });
      expect(await routedByOkta(adopting)).toEqual([adoptedBoth, created]);
      const adoptedProfile = (await adopting.oktaState()).users.find((user) => user.id === oktaUserId)!.profile;
      expect(adoptedProfile).toMatchObject({
        beyondIdentityIntegration: adopting.spec.routing.value,
        firstName: 'Adopted',
        lastName: 'Both',
      });

      expect(await commands.cancel(adopting.session, quiet, adoptedWaiting)).toBe(0);
      await expectCancelled(adopting, adoptedWaiting);
      expect(await commands.cancel(adopting.session, quiet, adoptedBoth)).toBe(0);
      await waitUntilUndone(adopting, adoptedBoth);

      expect(await routedByOkta(adopting)).toEqual([created]);
      const [bi, okta] = await Promise.all([adopting.biState(), adopting.oktaState()]);
      expect(bi.identities.map((identity) => identity.id)).toEqual(
        expect.arrayContaining([identities[adoptedBoth], identities[adoptedWaiting]]),
      );
      const kept = okta.users.find((user) => user.id === oktaUserId);
      expect(kept?.status).toBe('ACTIVE');
      expect(kept?.profile.beyondIdentityIntegration ?? null).toBeNull();
      expect(activityOrder(JSON.stringify(await adopting.personHandle(adoptedBoth).fetchHistory()))).toEqual([
        'clearOktaRouting',
      ]);
      expect((await adopting.signIn(adoptedBoth)).reason).toMatch(/^route:/);
    });

    it('teardown keeps the adopted realm and profile property and says so; removes what it created', async () => {
      for (const secret of await adopting.secrets()) secrets.add(secret);
      const createdIdentity = ((await adopting.personHandle(created).result()) as PersonState).identity!.id;
      const output = printed();
      expect(await tearDown(adopting, adopting.session, output)).toBe(0);
      const final = output.data[0] as IntegrationState;
      expect(final.status).toBe('TornDown');
      expect(final.kept).toEqual([
        'Okta profile property beyondIdentityIntegration (adopted)',
        `realm ${realmId} (adopted)`,
      ]);

      const [bi, okta] = await Promise.all([adopting.biState(), adopting.oktaState()]);
      expect(
        bi.realms.filter((realm) => realm.display_name === adopting.spec.realmName).map((realm) => realm.id),
      ).toEqual([realmId]);
      expect(bi.applications.filter((app) => app.realm_id === realmId)).toEqual([]);
      expect(bi.authenticator_configs.filter((config) => config.realm_id === realmId)).toEqual([]);
      expect(
        bi.identities
          .filter((identity) => identity.realm_id === realmId)
          .map((identity) => identity.id)
          .sort(),
      ).toEqual([identities[adoptedBoth], identities[adoptedWaiting]].sort());
      expect(bi.identities.map((identity) => identity.id)).not.toContain(createdIdentity);
      expect(okta.users.map((user) => [user.id, user.status])).toEqual([[oktaUserId, 'ACTIVE']]);
      expect(okta.idps).toEqual([]);
      expect(okta.rules).toEqual([]);
      expect(await customProfileProperties(adopting)).toEqual(['beyondIdentityIntegration']);
    });
  });

  it('keeps every token and client secret out of every history', async () => {
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    // Every run: an ended person's undo is a run of its own.
    expect(await expectNoSecretsInHistories(fresh, secrets)).toBe(8);
    expect(await expectNoSecretsInHistories(adopting, secrets)).toBe(6);
  });
});
