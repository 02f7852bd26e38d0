/**
 * Every way the wait for a passkey ends, against the real Temporal dev server and both simulators.
 *
 * Two harnesses, because the paths need different integration settings:
 * - `operator`: the workflow's own poll every hour, so what ends the wait is only what the test
 *   sends (the `credentialBound` signal or the `confirmBinding` update); which of them counted
 *   (boundVia) is then certain, never a race with a poll.
 * - `auto`: the poll every second, one resend allowed, a 12 s deadline: detection, expiry and
 *   resend, BindingExpired, DeadlinePassed.
 * After each path Okta routes exactly the people who are bound (their profile property; the rule never changes).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import * as commands from '../../src/cli/commands';
import { validatePeople } from '../../src/cli/people';
import { rebind } from '../../src/cli/rebind';
import type { Output } from '../../src/cli/session';
import { recordRequests } from '../support/requests';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import {
  expectNoSecretsInHistories,
  expireBindingJob,
  historyEvents,
  historyText,
  personState,
  routedByOkta,
  waitForPerson,
} from '../support/workflow-checks';
import { confirmBindingUpdate, credentialBoundSignal, type PersonState } from '../../src/workflows/definitions';

const DEADLINE_SECONDS = 12;
const quiet: Output = { json: true, print: () => undefined, info: () => undefined };

describe('the wait for the passkey', () => {
  let operator: ServiceHarness;
  let auto: ServiceHarness;
  const boundOperator: string[] = [];
  const boundAuto: string[] = [];
  const secrets = new Set<string>();

  beforeAll(async () => {
    [operator, auto] = await Promise.all([
      ServiceHarness.start({ integrationEnv: { BINDING_POLL_INTERVAL_SECONDS: '3600' } }),
      ServiceHarness.start({
        integrationEnv: {
          BINDING_POLL_INTERVAL_SECONDS: '1',
          BINDING_MAX_RESENDS: '1',
          BINDING_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
        },
      }),
    ]);
    await Promise.all([operator.startWorker(), auto.startWorker()]);
  });
  afterAll(async () => {
    await Promise.allSettled([operator?.stop(), auto?.stop()]);
  });

  async function onboardAndWait(harness: ServiceHarness, email: string): Promise<PersonState> {
    await harness.onboard([email]);
    return waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding' && state.emailsSent === 1);
  }

  async function expectRoutedExactly(harness: ServiceHarness, bound: string[]): Promise<void> {
    expect(await routedByOkta(harness)).toEqual([...bound].sort());
  }

  describe('operator paths (no polling)', () => {
    it('(a) credentialBound after the person bound: verified, routed, boundVia signal', async () => {
      const email = 'signal.after.bind@example.com';
      const requests = recordRequests(operator.bi);
      try {
        const waiting = await onboardAndWait(operator, email);
        const looks = () => requests.count('GET', credentialsPath(waiting));
        // The watch has had its first look (the next is an hour away): the passkey bound from here on
        // is news to the workflow, and only the signal can bring it.
        await waitFor(
          async () => looks(),
          (count) => count >= 1,
          10_000,
          20,
        );
        await operator.bind(email);
        const unrouted = await personState(operator, email);
        expect(unrouted).toMatchObject({ status: 'WaitingForBinding', bound: false, routed: false });
        await expectRoutedExactly(operator, boundOperator);

        await operator.personHandle(email).signal(credentialBoundSignal);
        await waitForPerson(operator, email, (state) => state.status === 'Onboarded');
        const done = (await operator.personHandle(email).result()) as PersonState;
        boundOperator.push(email);
        expect(done).toMatchObject({
          status: 'Onboarded',
          bound: true,
          boundVia: 'signal',
          routed: true,
          emailsSent: 1,
        });
        // Verified, not taken on trust: the look that routed was the one the signal started, and it
        // asked Beyond Identity (the watch's one look, then the signal's); the watch never routed.
        expect(await routingLooks(operator, email)).toEqual([
          { afterSignal: false, outcome: undefined },
          { afterSignal: true, outcome: 'routed' },
        ]);
        expect(looks()).toBe(2);
      } finally {
        requests.stop();
      }
      await expectRoutedExactly(operator, boundOperator);
      expect((await operator.signIn(email)).ok).toBe(true);
    });

    it('(b) credentialBound when nothing is bound: not routed, still waiting, with a note', async () => {
      const email = 'signal.too.early@example.com';
      await onboardAndWait(operator, email);
      await operator.personHandle(email).signal(credentialBoundSignal);
      const waiting = await waitForPerson(operator, email, (state) => state.note !== undefined);
      expect(waiting.status).toBe('WaitingForBinding');
      expect(waiting.bound).toBe(false);
      expect(waiting.routed).toBe(false);
      expect(waiting.operatorSaidBound).toBe(false);
      expect(waiting.note).toMatch(/Beyond Identity shows none yet.*nothing is routed/);
      expect(waiting.oktaUser).toBeUndefined();
      await expectRoutedExactly(operator, boundOperator);
      expect((await operator.signIn(email)).reason).toMatch(/^route:/);
      // The operator's word counts once it is true: bind, say so again, and the note is gone.
      await operator.bind(email);
      await operator.personHandle(email).signal(credentialBoundSignal);
      const done = (await operator.personHandle(email).result()) as PersonState;
      boundOperator.push(email);
      expect(done).toMatchObject({ status: 'Onboarded', boundVia: 'signal', routed: true });
      expect(done.note).toBeUndefined();
      await expectRoutedExactly(operator, boundOperator);
    });

    it('(c) confirmBinding after binding: accepted, routed, boundVia update', async () => {
      const email = 'update.accepted@example.com';
      await onboardAndWait(operator, email);
      await operator.bind(email);
      const answer = await operator.personHandle(email).executeUpdate(confirmBindingUpdate);
      expect(answer.accepted).toBe(true);
      expect(answer.reason).toMatch(/active passkey|COMPLETE/);
      const done = (await operator.personHandle(email).result()) as PersonState;
      boundOperator.push(email);
      expect(done).toMatchObject({ status: 'Onboarded', boundVia: 'update', routed: true });
      await expectRoutedExactly(operator, boundOperator);
    });

    it('(d) confirmBinding without a credential: rejected with the reason, nothing routed; the CLI exits 1', async () => {
      const email = 'update.rejected@example.com';
      await onboardAndWait(operator, email);
      const answer = await operator.personHandle(email).executeUpdate(confirmBindingUpdate);
      expect(answer.accepted).toBe(false);
      expect(answer.reason).toMatch(/no active passkey for update\.rejected@example\.com.*LINK_SENT/);
      const output = capture();
      expect(await commands.bound(operator.session, output, email, true)).toBe(1);
      expect(output.printed).toMatchObject([{ email, accepted: false }]);
      const state = await personState(operator, email);
      expect(state).toMatchObject({ status: 'WaitingForBinding', bound: false, routed: false });
      expect(state.oktaUser).toBeUndefined();
      expect((await operator.oktaState()).users.map((user) => user.profile.login)).not.toContain(email);
      await expectRoutedExactly(operator, boundOperator);
      // Visibility (what `list` shows) has the person waiting.
      expect(await listedStatus(operator, email)).toBe('WaitingForBinding');
    });

    it('(d) confirmBinding before any binding email exists: refused by the validator, nothing written', async () => {
      const email = 'update.too.soon@example.com';
      // Beyond Identity refuses to create identities for now (503): the person stays at CreateIdentity, retrying.
      operator.bi.faults.configure({
        rules: [{ path: '/identities$', methods: ['POST'], errorRate: 1, errorStatuses: [503] }],
      });
      try {
        await operator.onboard([email]);
        await waitForPerson(operator, email, (state) => state.step === 'CreateIdentity');
        const refusal = await operator
          .personHandle(email)
          .executeUpdate(confirmBindingUpdate)
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((refusal as WorkflowUpdateFailedError).cause?.message).toMatch(/has not been sent a binding email yet/);
        // The CLI passes the validator's reason on.
        await expect(commands.bound(operator.session, capture(), email, true)).rejects.toThrow(
          /has not been sent a binding email yet/,
        );
        const history = await operator.personHandle(email).fetchHistory();
        expect(JSON.stringify(history)).not.toMatch(/WORKFLOW_EXECUTION_UPDATE_(ACCEPTED|COMPLETED)/);
      } finally {
        operator.bi.faults.configure({});
      }
      // Once Beyond Identity answers again the onboarding goes on by itself.
      const waiting = await waitForPerson(operator, email, (state) => state.status === 'WaitingForBinding', 30_000);
      expect(waiting.emailsSent).toBe(1);
      await expectRoutedExactly(operator, boundOperator);
    });
  });

  describe('automatic paths (poll every second)', () => {
    it('(e) detected by polling, no signal and no update: boundVia detected', async () => {
      const email = 'detected@example.com';
      await onboardAndWait(auto, email);
      await auto.bind(email);
      const done = (await auto.personHandle(email).result()) as PersonState;
      boundAuto.push(email);
      expect(done).toMatchObject({
        status: 'Onboarded',
        bound: true,
        boundVia: 'detected',
        routed: true,
        emailsSent: 1,
        resends: 0,
      });
      await expectRoutedExactly(auto, boundAuto);
      expect((await auto.signIn(email)).ok).toBe(true);
    });

    it('(f) the link expires: exactly one new email, and the new link binds', async () => {
      const email = 'expired.once@example.com';
      const waiting = await onboardAndWait(auto, email);
      const firstJob = waiting.bindingJobId!;
      const requests = recordRequests(auto.bi);
      try {
        await expireBindingJob(auto, firstJob);
        const resent = await waitForPerson(
          auto,
          email,
          (state) => state.emailsSent === 2 && state.step === 'WaitForBinding',
        );
        expect(resent).toMatchObject({ status: 'WaitingForBinding', resends: 1 });
        expect(resent.bindingJobId).not.toBe(firstJob);
        // Several polls later (the watch has looked at the new, live link three times): still exactly
        // one email per expiry, and the person still waits on that link.
        await waitFor(
          async () => requests.count('GET', bindingJobPath(resent.bindingJobId!)),
          (looks) => looks >= 3,
          15_000,
          50,
        );
        const outbox = await auto.outbox(email);
        expect(outbox.map((message) => message.job_id).sort()).toEqual([firstJob, resent.bindingJobId].sort());
        expect(await personState(auto, email)).toMatchObject({
          status: 'WaitingForBinding',
          emailsSent: 2,
          resends: 1,
          bindingJobId: resent.bindingJobId,
        });
      } finally {
        requests.stop();
      }
      await expectRoutedExactly(auto, boundAuto);

      await auto.bind(email); // the newest link
      const done = (await auto.personHandle(email).result()) as PersonState;
      boundAuto.push(email);
      expect(done).toMatchObject({
        status: 'Onboarded',
        boundVia: 'detected',
        emailsSent: 2,
        resends: 1,
        routed: true,
      });
      await expectRoutedExactly(auto, boundAuto);
    });

    it('(f) the link expires again after the last resend: BindingExpired, nothing routed', async () => {
      const email = 'expired.twice@example.com';
      const waiting = await onboardAndWait(auto, email);
      await expireBindingJob(auto, waiting.bindingJobId!);
      const resent = await waitForPerson(
        auto,
        email,
        (state) => state.emailsSent === 2 && state.step === 'WaitForBinding',
      );
      await expireBindingJob(auto, resent.bindingJobId!);
      const done = (await auto.personHandle(email).result()) as PersonState;
      expect(done).toMatchObject({ status: 'BindingExpired', bound: false, routed: false, emailsSent: 2, resends: 1 });
      expect(done.note).toMatch(/expired 2 time\(s\).*limit 1 resends.*Nothing was routed/);
      expect(await auto.outbox(email)).toHaveLength(2);
      expect((await auto.oktaState()).users.map((user) => user.profile.login)).not.toContain(email);
      await expectRoutedExactly(auto, boundAuto);
      expect(await listedStatus(auto, email)).toBe('BindingExpired');
    });

    it('(g) nobody binds before the deadline: DeadlinePassed, nothing routed, `list` shows it', async () => {
      const email = 'too.late@example.com';
      const waiting = await onboardAndWait(auto, email);
      const deadline = Date.parse(waiting.deadlineAt!);
      expect(deadline - Date.parse(waiting.startedAt)).toBeGreaterThanOrEqual((DEADLINE_SECONDS - 1) * 1000);
      const done = (await auto.personHandle(email).result()) as PersonState;
      expect(done).toMatchObject({ status: 'DeadlinePassed', bound: false, routed: false, emailsSent: 1 });
      expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(deadline);
      expect(done.note).toMatch(/before the deadline.*Nothing was routed/);
      expect((await auto.oktaState()).users.map((user) => user.profile.login)).not.toContain(email);
      await expectRoutedExactly(auto, boundAuto);
      expect(await listedStatus(auto, email)).toBe('DeadlinePassed');
      expect((await auto.signIn(email)).reason).toMatch(/^route:/);
    });
    it('(h) a rebind nobody completes: DeadlinePassed, still routed; `onboard` then starts nothing and says to rebind', async () => {
      const email = 'rebind.unfinished@example.com';
      await onboardAndWait(auto, email);
      await auto.bind(email);
      const onboarded = (await auto.personHandle(email).result()) as PersonState;
      boundAuto.push(email);
      const credentials = `/realms/${onboarded.context!.realmId}/identities/${onboarded.identity!.id}/credentials`;
      for (const credential of ((await auto.biApi('GET', credentials)) as { credentials: { id: string }[] })
        .credentials)
        await auto.biApi('POST', `${credentials}/${credential.id}:revoke`);

      expect(await rebind(auto.session, quiet, email)).toBe(0);
      const ended = (await auto.personHandle(email).result()) as PersonState;
      expect(ended).toMatchObject({ status: 'DeadlinePassed', routed: true, bound: false });
      expect(ended.note).toMatch(/Rebind ended.*still routed.*bi-okta rebind/);
      const endedRun = (await auto.personHandle(email).describe()).runId;

      let printed: { people: { email: string; outcome: string }[] } | undefined;
      let text = '';
      const capture: Output = {
        json: false,
        info: () => undefined,
        print: (data, render) => ((printed = data as typeof printed), (text = render())),
      };
      expect(
        await commands.onboard(
          auto.session,
          capture,
          validatePeople([{ email, where: '#1' }], auto.spec.integrationId),
        ),
      ).toBe(0);
      expect(printed!.people).toEqual([expect.objectContaining({ email, outcome: 'stillRouted' })]);
      expect(text).toContain(`${email}: still routed from an ended rebind, without a passkey: \`rebind\` them`);
      // Nothing started: the ended rebind is still the newest run, and the identity is still the service's own.
      expect((await auto.personHandle(email).describe()).runId).toBe(endedRun);
      expect(ended.identity).toMatchObject({ adopted: false });
      await expectRoutedExactly(auto, boundAuto);
    });
  });

  it('keeps every token and client secret out of every history', async () => {
    for (const harness of [operator, auto]) for (const secret of await harness.secrets()) secrets.add(secret);
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    // The scan itself finds a secret hidden in a payload.
    const planted = JSON.stringify({
      events: [
        {
          input: {
            payloads: [{ data: Buffer.from(JSON.stringify({ token: operator.bi.apiToken })).toString('base64') }],
          },
        },
      ],
    });
    expect(historyText(planted)).toContain(operator.bi.apiToken);
    expect(planted).not.toContain(operator.bi.apiToken);
    expect(await expectNoSecretsInHistories(operator, secrets)).toBeGreaterThanOrEqual(6);
    expect(await expectNoSecretsInHistories(auto, secrets)).toBeGreaterThanOrEqual(5);
  });
});

/** The person's status as `list` shows it (visibility, newest run). */
async function listedStatus(harness: ServiceHarness, email: string): Promise<string | undefined> {
  const rows = await waitFor(
    () => commands.listPeople(harness.session),
    (found) =>
      found.some((row) => row.email === email && row.execution !== 'RUNNING') ||
      found.some((row) => row.email === email && row.status === 'WaitingForBinding'),
    10_000,
  );
  return rows.find((row) => row.email === email)?.status;
}

/** Where Beyond Identity is asked for the person's credentials: once by every look at their binding. */
function credentialsPath(state: PersonState): RegExp {
  return new RegExp(`/identities/${state.identity!.id}/credentials$`);
}

/** Where Beyond Identity is asked for one binding job: once by every look while that link is the person's. */
function bindingJobPath(jobId: string): RegExp {
  return new RegExp(`/credential-binding-jobs/${jobId}$`);
}

type Event = ReturnType<typeof historyEvents>[number] & {
  workflowExecutionSignaledEventAttributes?: { signalName?: string };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string; result?: { payloads?: { data?: string }[] } };
};

/**
 * Each routing look (routeWhenBound) of the person's current run, in the order scheduled: whether it
 * was scheduled after the first credentialBound signal, and what it answered (undefined: it never completed).
 */
async function routingLooks(
  harness: ServiceHarness,
  email: string,
): Promise<{ afterSignal: boolean; outcome?: string }[]> {
  const events = historyEvents(JSON.stringify(await harness.personHandle(email).fetchHistory())) as Event[];
  const signalAt = events.find(
    (event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'credentialBound',
  )?.eventId;
  return events
    .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'routeWhenBound')
    .map((scheduled) => {
      const completed = events.find(
        (event) => event.activityTaskCompletedEventAttributes?.scheduledEventId === scheduled.eventId,
      );
      const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      const outcome =
        payload === undefined
          ? undefined
          : (JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { outcome: string }).outcome;
      return { afterSignal: signalAt !== undefined && Number(scheduled.eventId) > Number(signalAt), outcome };
    });
}

function capture() {
  const printed: unknown[] = [];
  return { json: true, printed, print: (data: unknown) => printed.push(data), info: () => undefined };
}
