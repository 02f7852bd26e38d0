/**
 * A person who leaves and comes back (the person side of an Okta group sync), on the dev server with
 * both simulators: `leavePerson` takes a routed person out of routing (read back from Okta) and
 * suspends their Beyond Identity identity, which can then not sign in; `returnPerson` unsuspends
 * and routes them again, without an email while their passkey is active, with exactly one new
 * binding email when it is not. A leaver still onboarding is cancelled as `offboard` does. Every
 * start records who onboarded the person (OnboardedBy), and the runs after the first carry it.
 */
import { request } from 'undici';
import * as commands from '../../src/cli/commands';
import {
  leavePerson,
  offboardPerson,
  rebindPerson,
  returnPerson,
  startOnboarding,
  type TaskQueueClient,
} from '../../src/temporal/people';
import {
  onboardedByKey,
  personStatusQuery,
  syncOnboardedBy,
  TASK_PRIORITY,
  type PersonState,
} from '../../src/workflows/definitions';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { routedByOkta, waitForPerson } from '../support/workflow-checks';

const LEAVE = { reason: 'removed from group Engineering', deleteAfterMs: 3_600_000 };

describe('a person leaves and comes back', () => {
  let harness: ServiceHarness;
  let temporal: TaskQueueClient;

  beforeAll(async () => {
    harness = await ServiceHarness.start();
    await harness.startWorker();
    temporal = { client: harness.client, taskQueue: harness.taskQueue };
  });
  afterAll(async () => {
    await harness?.stop();
  });

  async function onboardedAndRouted(email: string): Promise<PersonState> {
    await harness.onboard([email]);
    await harness.bind(email);
    const state = (await harness.personHandle(email).result()) as PersonState;
    expect(state).toMatchObject({ status: 'Onboarded', routed: true });
    return state;
  }

  /** The identity as the Beyond Identity simulator has it (status `active` or `suspended`). */
  async function identityOf(email: string): Promise<{ id: string; status: string } | undefined> {
    const response = await request(`${harness.bi.managementUrl}/_sim/identities?email=${encodeURIComponent(email)}`);
    const body = (await response.body.json()) as { identities: { id: string; status: string }[] };
    return body.identities[0];
  }

  async function oktaUser(email: string) {
    return (await harness.oktaState()).users.find((user) => user.profile.login === email);
  }

  async function onboardedBy(email: string): Promise<string | undefined> {
    return (await harness.personHandle(email).describe()).typedSearchAttributes.get(onboardedByKey);
  }

  it('leaving: out of routing (read back), identity suspended and unable to sign in; back with an active passkey: routed again, no email', async () => {
    const email = 'leaves.returns@example.com';
    const before = await onboardedAndRouted(email);
    expect((await harness.signIn(email)).ok).toBe(true);
    const emailsBefore = (await harness.outbox(email)).length;
    expect(emailsBefore).toBe(1);

    expect(await leavePerson(temporal, harness.spec.integrationId, email, LEAVE)).toBe('leaving');
    const suspended = await waitForPerson(harness, email, (state) => state.step === 'WaitForReturn');
    expect(suspended).toMatchObject({ status: 'Suspended', routed: false, leaveReason: LEAVE.reason });
    expect(Date.parse(suspended.deleteAt!) - Date.parse(suspended.suspendedAt!)).toBeGreaterThanOrEqual(
      LEAVE.deleteAfterMs - 5_000,
    );
    // Okta no longer routes them: the property is gone from their user, which is kept.
    expect(await routedByOkta(harness)).not.toContain(email);
    const user = await oktaUser(email);
    expect(user?.id).toBe(before.oktaUser!.id);
    expect(user?.profile[harness.spec.routing.attribute] ?? null).toBeNull();
    expect(await identityOf(email)).toMatchObject({ id: before.identity!.id, status: 'suspended' });
    expect((await harness.signIn(email)).ok).toBe(false);
    // list shows the person Suspended; a second leave has nothing to do.
    expect((await commands.listPeople(harness.session, 'Suspended')).map((row) => row.email)).toEqual([email]);
    expect(await leavePerson(temporal, harness.spec.integrationId, email, LEAVE)).toBe('alreadyLeft');

    expect(await returnPerson(temporal, harness.spec.integrationId, email)).toBe('returning');
    const back = (await harness.personHandle(email).result()) as PersonState;
    expect(back).toMatchObject({ status: 'Onboarded', step: 'Done', routed: true, bound: true });
    // Still the user this service made: cancelling later removes it.
    expect(back.oktaUser).toEqual(before.oktaUser);
    expect(await routedByOkta(harness)).toContain(email);
    expect(await identityOf(email)).toMatchObject({ status: 'active' });
    expect((await harness.signIn(email)).ok).toBe(true);
    expect(await harness.outbox(email)).toHaveLength(emailsBefore);
    expect(await returnPerson(temporal, harness.spec.integrationId, email)).toBe('notSuspended');
    expect(await returnPerson(temporal, harness.spec.integrationId, 'never.seen@example.com')).toBe('notFound');
    expect(await leavePerson(temporal, harness.spec.integrationId, 'never.seen@example.com', LEAVE)).toBe('notFound');
  });

  it('back after their passkey was revoked: exactly one new binding email, routed once they bind again', async () => {
    const email = 'lost.passkey@example.com';
    const before = await onboardedAndRouted(email);
    expect(await leavePerson(temporal, harness.spec.integrationId, email, LEAVE)).toBe('leaving');
    await waitForPerson(harness, email, (state) => state.step === 'WaitForReturn');
    const path = `/realms/${before.context!.realmId}/identities/${before.identity!.id}/credentials`;
    const { credentials } = (await harness.biApi('GET', path)) as { credentials: { id: string }[] };
    for (const credential of credentials) await harness.biApi('POST', `${path}/${credential.id}:revoke`);

    expect(await returnPerson(temporal, harness.spec.integrationId, email)).toBe('returning');
    const waiting = await waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding');
    expect(waiting).toMatchObject({ routed: false, emailsSent: 2 });
    expect(waiting.bindingJobId).not.toBe(before.bindingJobId);
    expect(await harness.outbox(email)).toHaveLength(2);
    expect(await routedByOkta(harness)).not.toContain(email);

    await bindNewest(email);
    const back = (await harness.personHandle(email).result()) as PersonState;
    expect(back).toMatchObject({ status: 'Onboarded', routed: true, emailsSent: 2 });
    expect(await routedByOkta(harness)).toContain(email);
    expect(await harness.outbox(email)).toHaveLength(2);
  });

  async function bindNewest(email: string): Promise<void> {
    await waitFor(
      () => harness.outbox(email),
      (messages) => messages.length === 2,
      20_000,
    );
    await harness.bind(email);
  }

  it('a leaver still waiting for their passkey is cancelled: their identity deleted, nothing suspended', async () => {
    const email = 'never.bound@example.com';
    await harness.onboard([email]);
    await waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding');
    expect(await identityOf(email)).toBeDefined();
    expect(await leavePerson(temporal, harness.spec.integrationId, email, LEAVE)).toBe('cancelled');
    await waitFor(
      () => harness.personHandle(email).describe(),
      (run) => run.status.name === 'CANCELLED',
      20_000,
    );
    expect(await identityOf(email)).toBeUndefined();
    expect(await leavePerson(temporal, harness.spec.integrationId, email, LEAVE)).toBe('alreadyLeft');
  });

  it('records who onboarded each person, at the priority asked; rebind, leave and offboard runs carry it', async () => {
    const hand = 'by.hand@example.com';
    await harness.onboard([hand]);
    expect(await onboardedBy(hand)).toBe('hand');
    expect((await harness.personHandle(hand).describe()).raw.workflowExecutionInfo?.priority?.priorityKey).toBe(
      TASK_PRIORITY.interactive,
    );

    const synced = 'by.sync@example.com';
    const sync = syncOnboardedBy('00g-engineering');
    const context = (await harness.personHandle(hand).query(personStatusQuery)).context;
    expect(
      await startOnboarding(temporal, { integrationId: harness.spec.integrationId, email: synced }, context, {
        onboardedBy: sync,
        priority: TASK_PRIORITY.bulk,
      }),
    ).toBe('started');
    expect(await onboardedBy(synced)).toBe(sync);
    expect((await harness.personHandle(synced).describe()).raw.workflowExecutionInfo?.priority?.priorityKey).toBe(
      TASK_PRIORITY.bulk,
    );
    await harness.bind(synced);
    expect(((await harness.personHandle(synced).result()) as PersonState).onboardedBy).toBe(sync);

    expect((await rebindPerson(temporal, harness.spec.integrationId, synced)).outcome).toBe('started');
    expect(await onboardedBy(synced)).toBe(sync);
    await harness.personHandle(synced).cancel();
    await waitFor(
      () => harness.personHandle(synced).describe(),
      (run) => run.status.name === 'CANCELLED',
      20_000,
    );

    const left = 'left.by.sync@example.com';
    await startOnboarding(temporal, { integrationId: harness.spec.integrationId, email: left }, context, {
      onboardedBy: sync,
    });
    await harness.bind(left);
    await harness.personHandle(left).result();
    expect(await leavePerson(temporal, harness.spec.integrationId, left, LEAVE)).toBe('leaving');
    expect(await onboardedBy(left)).toBe(sync);
    await waitForPerson(harness, left, (state) => state.step === 'WaitForReturn');
    expect(await offboardPerson(temporal, harness.spec.integrationId, left)).toBe('cancelled');
    await waitFor(
      () => harness.personHandle(left).describe(),
      (run) => run.status.name === 'CANCELLED',
      20_000,
    );
    expect(await identityOf(left)).toBeUndefined();
    expect(await oktaUser(left)).toBeUndefined();

    const ended = 'offboarded.after@example.com';
    await startOnboarding(temporal, { integrationId: harness.spec.integrationId, email: ended }, context, {
      onboardedBy: sync,
    });
    await harness.bind(ended);
    await harness.personHandle(ended).result();
    expect(await offboardPerson(temporal, harness.spec.integrationId, ended)).toBe('undoing');
    expect(await onboardedBy(ended)).toBe(sync);
    const listed = await commands.listPeople(harness.session);
    expect(listed.find((row) => row.email === hand)?.onboardedBy).toBe('hand');
    expect(listed.find((row) => row.email === ended)?.onboardedBy).toBe(sync);
  });
});
