/**
 * A failure no retry can fix puts the workflow in NeedsAttention, visibly (status query, search
 * attributes, the CLI), keeps all progress, and after the operator fixes the cause and sends
 * `retry` it completes without redoing the steps that had finished.
 */
import { temporal } from '@temporalio/proto';
import * as commands from '../../src/cli/commands';
import {
  integrationStatusQuery,
  onboardingStatusKey,
  onboardingStepKey,
  personStatusQuery,
  type PersonState,
} from '../../src/workflows/definitions';
import { captureOutput as capture } from '../support/output';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import {
  completedAt,
  expectNoSecretsInHistories,
  historyEvents,
  oktaApi,
  personState,
  routedByOkta,
  scheduledActivities,
  waitForPerson,
} from '../support/workflow-checks';

const WRONG_OKTA_TOKEN = 'okta-token-that-okta-never-issued-0123456789';
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/** A workflow task completed after the first signal of this name: the workflow has handled it. */
function signalHandled(history: unknown, name: string): boolean {
  const events = historyEvents(JSON.stringify(history)) as (ReturnType<typeof historyEvents>[number] & {
    workflowExecutionSignaledEventAttributes?: { signalName?: string };
  })[];
  const signal = events.find((event) => event.workflowExecutionSignaledEventAttributes?.signalName === name);
  return (
    signal !== undefined &&
    events.some(
      (event) =>
        event.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED' && Number(event.eventId) > Number(signal.eventId),
    )
  );
}

describe('NeedsAttention, fixed, retry', () => {
  let harness: ServiceHarness;
  /** An integration whose operator gives up instead of fixing the token. */
  let abandoned: ServiceHarness;
  beforeAll(async () => {
    [harness, abandoned] = await Promise.all([ServiceHarness.start(), ServiceHarness.start()]);
  });
  afterAll(async () => {
    await Promise.allSettled([harness?.stop(), abandoned?.stop()]);
  });

  it('a wrong Okta token stops the integration at CreateIdentityProvider, visibly; the right one and `retry` complete it without redoing Beyond Identity', async () => {
    // No grace time at shutdown: what it would drain (the person's first step, waiting for the set-up) is retried by the next worker.
    const wrongWorker = await harness.startWorker({ OKTA_API_TOKEN: WRONG_OKTA_TOKEN }, { shutdownGraceTime: 0 });
    const email = 'first.person@example.com';
    await harness.onboard([email]);

    const stuck = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'NeedsAttention',
      20_000,
    );
    expect(stuck.step).toBe('CreateIdentityProvider');
    expect(stuck.attention).toMatchObject({
      step: 'CreateIdentityProvider',
      type: 'RejectedUpstreamError',
      service: 'okta',
      status: 401,
      upstreamCode: 'E0000011',
    });
    expect(stuck.attention?.message).toMatch(/Okta/);
    expect(stuck.realm?.adopted).toBe(false);
    expect(stuck.application?.adopted).toBe(false);
    expect(stuck.idp).toBeUndefined();

    // Search attributes: an operator (or the UI) finds it by status.
    const query = `Integration = '${harness.spec.integrationId}' AND OnboardingStatus = 'NeedsAttention'`;
    const listed = await waitFor(
      async () => {
        const found = [];
        for await (const info of harness.client.workflow.list({ query })) found.push(info);
        return found;
      },
      (found) => found.length === 1,
      15_000,
    );
    expect(listed[0]!.workflowId).toBe(harness.spec.integrationId);
    expect(listed[0]!.typedSearchAttributes.get(onboardingStepKey)).toBe('CreateIdentityProvider');
    expect(listed[0]!.typedSearchAttributes.get(onboardingStatusKey)).toBe('NeedsAttention');

    // The CLI: `status` (the integration) and `list --status NeedsAttention`.
    const status = capture();
    expect(await commands.status(harness.session, status, undefined)).toBe(1);
    expect(status.data[0]).toMatchObject({ status: 'NeedsAttention', step: 'CreateIdentityProvider' });
    expect(status.text[0]).toMatch(/NeedsAttention \(step CreateIdentityProvider\)/);
    expect(status.text[0]).toMatch(/Needs attention at CreateIdentityProvider.*\[okta, HTTP 401, E0000011\]/s);
    const list = capture();
    expect(await commands.list(harness.session, list, 'NeedsAttention')).toBe(0);
    expect(list.data[0]).toEqual([
      expect.objectContaining({
        kind: 'integration',
        workflowId: harness.spec.integrationId,
        status: 'NeedsAttention',
        step: 'CreateIdentityProvider',
      }),
    ]);
    expect(list.text[0]).toMatch(/\(integration\)\s+NeedsAttention\s+CreateIdentityProvider/);

    // Nothing for the person yet: their onboarding has started, and waits for the shared objects.
    expect((await harness.biState()).identities).toEqual([]);
    expect(await personState(harness, email)).toMatchObject({ status: 'Running', step: 'WaitForIntegration' });
    expect((await harness.oktaState()).idps).toEqual([]);

    // The fix: a worker with the right token, then `retry`.
    wrongWorker.worker.shutdown();
    await wrongWorker.done;
    await harness.startWorker();
    // The person's first step, cut off with the old worker, runs again on the new one and looks at the
    // integration at once, while it is still stuck: it must go on waiting (below: when their identity was made).
    await waitFor(
      async () => (await harness.personHandle(email).describe()).raw.pendingActivities ?? [],
      (pending) =>
        pending.some(
          (activity) =>
            activity.activityType?.name === 'ensureIdentity' &&
            (activity.attempt ?? 0) >= 2 &&
            activity.state === STARTED,
        ),
      15_000,
      50,
    );
    const retried = capture();
    expect(await commands.retry(harness.session, retried, undefined)).toBe(0);

    await waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding');
    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done).toMatchObject({ status: 'Onboarded', routed: true });
    expect(await routedByOkta(harness)).toEqual([email]);
    expect((await harness.signIn(email)).ok).toBe(true);

    const ready = await harness.integrationHandle().query(integrationStatusQuery);
    expect(ready.status).toBe('Ready');
    expect(ready.attention).toBeUndefined();
    expect(ready.realm).toEqual(stuck.realm);
    expect(ready.application).toEqual(stuck.application);
    expect(ready.authenticatorConfig).toEqual(stuck.authenticatorConfig);

    // Beyond Identity was not set up twice: one of each in the simulator, one activity each in the history.
    const bi = await harness.biState();
    expect(bi.realms.filter((realm) => realm.display_name === harness.spec.realmName)).toHaveLength(1);
    expect(bi.applications.filter((app) => app.realm_id === stuck.realm!.id)).toHaveLength(1);
    expect(bi.authenticator_configs.filter((config) => config.realm_id === stuck.realm!.id)).toHaveLength(1);
    expect((await harness.oktaState()).idps).toHaveLength(1);
    const history = await harness.integrationHandle().fetchHistory();
    expect(scheduledActivities(JSON.stringify(history))).toEqual({
      checkWorkerTarget: 1,
      ensureRealm: 1,
      ensureAuthenticatorConfig: 1,
      ensureApplication: 1,
      ensureIdentityProvider: 2, // refused with the wrong token, then done with the right one
      ensureRoutingAttribute: 1,
      ensureRoutingRule: 1,
      ensureVerifySchedule: 1, // once Ready: the verify schedule
    });
    // The person waited for the whole set-up: Beyond Identity made their identity only after the
    // integration's last shared object (the routing rule) existed, not while it was stuck with a realm and an application.
    const [ruleDone] = completedAt(historyEvents(JSON.stringify(history)), 'ensureRoutingRule');
    const identity = bi.identities.find((candidate) => candidate.traits.username === email) as
      { create_time?: string } | undefined;
    expect(Date.parse(identity?.create_time ?? '')).toBeGreaterThan(ruleDone!);
  });

  it('a person whose Okta user exists but is DEPROVISIONED needs attention at RouteOktaUser, with nothing written; activated in Okta and `retry`, they are onboarded', async () => {
    const email = 'returning.person@example.com';
    // An administrator's earlier user for this person, deactivated since.
    const user = (await oktaApi(harness, 'POST', '/api/v1/users?activate=true', {
      profile: { login: email, email, firstName: 'Returning', lastName: 'Person' },
      credentials: { password: { value: 'An0ld-Passw0rd!' } },
    })) as { id: string };
    await oktaApi(harness, 'POST', `/api/v1/users/${user.id}/lifecycle/deactivate`);

    await harness.onboard([email]);
    await waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding');
    await harness.bind(email);
    const stuck = await waitForPerson(harness, email, (state) => state.status === 'NeedsAttention');
    expect(stuck.step).toBe('WaitForBinding');
    expect(stuck.routed).toBe(false);
    expect(stuck.attention).toMatchObject({ step: 'RouteOktaUser', type: 'OktaUserNotActiveError' });
    expect(stuck.attention?.message).toMatch(/DEPROVISIONED.*must be ACTIVE/);
    expect(await routedByOkta(harness)).toEqual(['first.person@example.com']);
    expect(
      (await harness.oktaState()).users.find((candidate) => candidate.id === user.id)?.profile
        .beyondIdentityIntegration,
    ).toBeUndefined();

    const listed = capture();
    await waitFor(
      async () => {
        listed.data.length = 0;
        listed.text.length = 0;
        await commands.list(harness.session, listed, 'NeedsAttention');
        return listed.data[0] as { email: string; status: string; step: string }[];
      },
      (rows) => rows.some((row) => row.email === email && row.status === 'NeedsAttention'),
      15_000,
    );
    expect(listed.text[0]).toMatch(/returning\.person@example\.com\s+NeedsAttention\s+WaitForBinding/);
    const shown = capture();
    expect(await commands.status(harness.session, shown, email)).toBe(1);
    expect(shown.text[0]).toMatch(/Needs attention at RouteOktaUser.*DEPROVISIONED/s);

    // The fix, in Okta; then retry.
    await oktaApi(harness, 'POST', `/api/v1/users/${user.id}/lifecycle/activate?sendEmail=false`);
    expect(await commands.retry(harness.session, capture(), email)).toBe(0);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done).toMatchObject({ status: 'Onboarded', routed: true, oktaUser: { id: user.id, adopted: true } });
    expect(done.attention).toBeUndefined();
    expect(await routedByOkta(harness)).toEqual(['first.person@example.com', email]);
    expect((await harness.signIn(email)).ok).toBe(true);
    expect((await personState(harness, email)).emailsSent).toBe(1);

    // Identity and binding email were not redone; the routing look ran twice (refused, then adopted and routed).
    const history = await harness.personHandle(email).fetchHistory();
    expect(scheduledActivities(JSON.stringify(history))).toEqual({
      ensureIdentity: 1,
      ensureBindingEmail: 1,
      routeWhenBound: 2,
    });
    expect((await harness.oktaState()).users.filter((candidate) => candidate.profile.login === email)).toHaveLength(1);
  });

  it('teardown of an integration stuck in NeedsAttention undoes what setup had made, without a retry', async () => {
    await abandoned.startWorker({ OKTA_API_TOKEN: WRONG_OKTA_TOKEN });
    await abandoned.onboard(['never.started@example.com']);
    const stuck = await waitFor(
      () => abandoned.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'NeedsAttention',
      20_000,
    );
    expect(stuck.step).toBe('CreateIdentityProvider');
    secretsOfAbandoned.push(...(await abandoned.secrets()));

    const output = capture();
    const teardown = commands.teardown(abandoned.session, output, true);
    // The step waiting for a retry is abandoned by the teardown signal itself: once a workflow task
    // has handled the signal, the integration is tearing down, no longer waiting at CreateIdentityProvider.
    await waitFor(
      () => abandoned.integrationHandle().fetchHistory(),
      (history) => signalHandled(history, 'teardown'),
      15_000,
    );
    const handled = await abandoned.integrationHandle().query(integrationStatusQuery);
    expect({ status: handled.status, attention: handled.attention }).toEqual({
      status: expect.stringMatching(/^(TearingDown|TornDown)$/),
      attention: undefined,
    });
    // Then it runs to its end, as the integration's own state shows.
    await waitFor(
      () => abandoned.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'TornDown',
      30_000,
    );
    expect(await teardown).toBe(0);
    expect(output.data[0]).toMatchObject({ status: 'TornDown', kept: [] });
    const bi = await abandoned.biState();
    expect(bi.realms.filter((realm) => realm.display_name === abandoned.spec.realmName)).toEqual([]);
    expect(bi.applications.filter((app) => app.realm_id === stuck.realm!.id)).toEqual([]);
    expect(bi.authenticator_configs.filter((config) => config.realm_id === stuck.realm!.id)).toEqual([]);
    expect(bi.identities).toEqual([]);
    expect((await abandoned.oktaState()).idps).toEqual([]);
    // The failed step was not tried again.
    const history = JSON.stringify(await abandoned.integrationHandle().fetchHistory());
    expect(scheduledActivities(history)).toMatchObject({ ensureIdentityProvider: 1 });
    // The person who waited for the integration was cancelled by the teardown, having made nothing.
    const person = abandoned.personHandle('never.started@example.com');
    expect((await person.describe()).status.name).toBe('CANCELLED');
    expect(await person.query(personStatusQuery)).toMatchObject({ status: 'Cancelled', step: 'Undone' });
    expect((await person.query(personStatusQuery)).identity).toBeUndefined();
    expect(scheduledActivities(JSON.stringify(await person.fetchHistory()))).toEqual({ ensureIdentity: 1 });
    expect(output.data[0]).toMatchObject({ offboarded: { cancelled: 1, undone: 0, alreadyEnded: 0 } });
  });

  const secretsOfAbandoned: string[] = [];

  it('keeps every token (the wrong one too) and client secret out of every history', async () => {
    const secrets = [...(await harness.secrets()), ...secretsOfAbandoned, WRONG_OKTA_TOKEN];
    expect(await expectNoSecretsInHistories(harness, secrets)).toBe(3);
    expect(await expectNoSecretsInHistories(abandoned, secrets)).toBe(2);
  });
});
