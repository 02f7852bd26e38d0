/**
 * The person workflow on Temporal's time-skipping test server (no dev server), with the real
 * activities against both simulators on loopback, and the binding defaults a deployment runs with:
 * three resends, a 7-day deadline. A link that dies is resent, up to the limit, then BindingExpired;
 * a week without an answer from Beyond Identity ends the onboarding at the deadline.
 * Links die by the simulator's `/_sim/binding-jobs/{id}/expire` hook: the simulator's own expiry
 * runs on the wall clock, which the test server does not move.
 *
 * How the week passes: the test server moves its clock only while no activity is scheduled, and
 * the person's wait is one long activity (the watch: hour-long slices polled on the wall clock). So
 * the week passes between the watch's attempts: Beyond Identity answers its look 429 with
 * Retry-After one hour, the activity hands that wait to Temporal's retry (src/activities/failures.ts),
 * and the server skips each hour. The server never suggests continue-as-new (temporal-test-server
 * 1.31.0 has no such rule), so that branch is not reached here.
 *
 * A leaver's grace period passes the same way: the leave run's wait for a return is a durable
 * timer, with no activity scheduled, so thirty days pass at once.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import {
  startBeyondIdentitySimulator,
  type RunningBeyondIdentitySimulator,
} from '../../dev/simulators/beyond-identity';
import { startOktaSimulator, type RunningOktaSimulator } from '../../dev/simulators/okta';
import { createActivities } from '../../src/activities';
import { BeyondIdentityApi } from '../../src/clients/beyond-identity/api';
import { BeyondIdentitySetup } from '../../src/clients/beyond-identity/ensure';
import { OktaApi } from '../../src/clients/okta/api';
import { OktaSetup } from '../../src/clients/okta/ensure';
import { leavePerson } from '../../src/temporal/people';
import { bindPasskeyFromOutbox } from '../../dev/simulators/beyond-identity/person-agent';
import { integrationConfigSchema } from '../../src/config';
import {
  personStatusQuery,
  personWorkflowId,
  type PersonContext,
  type PersonState,
} from '../../src/workflows/definitions';
import type { personOnboarding } from '../../src/workflows/person';
import { startTimeSkipping, testServerChildren, type TimeSkipping } from '../support/time-skipping';
import { waitFor } from '../support/wait';

describe("a person's wait on the time-skipping server", () => {
  let bi: RunningBeyondIdentitySimulator;
  let okta: RunningOktaSimulator;
  let skipping: TimeSkipping;
  let worker: Worker;
  let running: Promise<void>;
  let closeClients: () => Promise<void>;
  let context: PersonContext;
  const taskQueue = `time-skipping-${randomUUID()}`;

  beforeAll(async () => {
    [bi, okta, skipping] = await Promise.all([
      startBeyondIdentitySimulator({ managementPort: 0, authPort: 0 }),
      startOktaSimulator({ port: 0 }),
      startTimeSkipping(),
    ]);
    const { env } = skipping;
    const built = createActivities({
      beyondIdentity: {
        managementUrl: bi.managementUrl,
        authUrl: bi.authUrl,
        tenantId: bi.tenantId,
        credentials: { kind: 'api-token', token: bi.apiToken },
      },
      okta: { orgUrl: okta.url, credentials: { kind: 'api-token', token: okta.apiToken } },
      temporal: { client: env.client, taskQueue },
    });
    closeClients = built.close;
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: built.activities,
    });
    running = worker.run();

    // What the integration has made before a person starts: a realm and its authenticator config.
    const setupApi = new BeyondIdentityApi({
      managementUrl: bi.managementUrl,
      authUrl: bi.authUrl,
      tenantId: bi.tenantId,
      credentials: { kind: 'api-token', token: bi.apiToken },
    });
    const setup = new BeyondIdentitySetup(setupApi);
    const realm = await setup.ensureRealm('Time-skipping realm');
    const config = await setup.ensureHostedWebAuthenticatorConfig(realm.value.id, 'Time-skipping config');
    await setupApi.close();
    // The routing property people are routed by (the integration makes it; here, the test).
    const oktaApi = new OktaApi({ orgUrl: okta.url, credentials: { kind: 'api-token', token: okta.apiToken } });
    await new OktaSetup(oktaApi).ensureRoutingAttribute('biRouting');
    await oktaApi.close();
    // The defaults every deployment starts from (BINDING_MAX_RESENDS, BINDING_DEADLINE_SECONDS); only the poll is
    // quick, since the watch polls on the wall clock.
    const defaults = integrationConfigSchema.parse({});
    context = {
      realmId: realm.value.id,
      applicationId: 'not-used-before-routing',
      authenticatorConfigId: config.value.id,
      routing: { attribute: 'biRouting', value: 'time-skipping' },
      binding: {
        pollIntervalMs: 200,
        maxResends: defaults.BINDING_MAX_RESENDS,
        deadlineMs: defaults.BINDING_DEADLINE_SECONDS * 1000,
      },
      activityTimeoutMs: 60_000,
    };
  }, 180_000);

  afterAll(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await closeClients?.();
    await skipping?.stop();
    await Promise.all([bi?.stop(), okta?.stop()]);
    // Nothing of the Java server is left behind by this file.
    expect(await testServerChildren()).toEqual([]);
  }, 60_000);

  async function expire(jobId: string): Promise<void> {
    const response = await request(`${bi.managementUrl}/_sim/binding-jobs/${encodeURIComponent(jobId)}/expire`, {
      method: 'POST',
    });
    await response.body.text();
    if (response.statusCode >= 400) throw new Error(`expire ${jobId}: HTTP ${response.statusCode}`);
  }

  function onboard(email: string): Promise<WorkflowHandle<typeof personOnboarding>> {
    return skipping.env.client.workflow.start('personOnboarding', {
      taskQueue,
      workflowId: `time-skipping/${email}`,
      args: [{ person: { email, integrationId: 'time-skipping' }, context }],
    });
  }

  function waitingWithEmails(handle: WorkflowHandle<typeof personOnboarding>, emails: number): Promise<PersonState> {
    return waitFor(
      () => handle.query(personStatusQuery),
      (seen: PersonState) => seen.emailsSent === emails && seen.step === 'WaitForBinding',
      30_000,
      50,
    );
  }

  it('a dead link is resent up to the default three times, then the onboarding ends BindingExpired', async () => {
    expect(context.binding).toMatchObject({ maxResends: 3, deadlineMs: 7 * 24 * 3600 * 1000 });
    const handle = await onboard('links.die@example.com');
    const result = handle.result();
    const jobs: string[] = [];
    for (let link = 1; link <= 4; link++) {
      const state = await waitingWithEmails(handle, link);
      jobs.push(state.bindingJobId!);
      await expire(state.bindingJobId!);
    }
    const final = await result;
    expect(new Set(jobs).size).toBe(4);
    expect(final).toMatchObject({
      status: 'BindingExpired',
      step: 'Ended',
      resends: 3,
      emailsSent: 4,
      routed: false,
      bound: false,
    });
    expect(final.note).toBe(
      'The binding link expired 4 time(s); no more emails are sent (limit 3 resends). Nothing was routed.',
    );
    // Far from the 7-day deadline: the expiries ended it, not time.
    expect(Date.parse(final.deadlineAt!) - Date.parse(final.finishedAt!)).toBeGreaterThan(6 * 24 * 3600 * 1000);
  });

  it('a week without an answer about the link ends the onboarding at the 7-day deadline, nothing routed', async () => {
    const handle = await onboard('never.seen@example.com');
    const waiting = await waitingWithEmails(handle, 1);
    const week = 7 * 24 * 3600 * 1000;
    expect(Date.parse(waiting.deadlineAt!) - Date.parse(waiting.startedAt)).toBeGreaterThanOrEqual(week);
    // 170 answers of 429 to the watch's look at the job, each asking for an hour: just over the week. Then the link reads expired.
    bi.faults.configure({
      rules: [
        { path: 'credential-binding-jobs/[^/]+$', methods: ['GET'], burst429: { count: 170, retryAfterSeconds: 3600 } },
      ],
    });
    await expire(waiting.bindingJobId!);
    const started = Date.now();
    const final = await handle.result();
    bi.faults.configure({});
    expect(final).toMatchObject({ status: 'DeadlinePassed', step: 'Ended', routed: false, bound: false });
    expect(final.note).toBe(`No passkey was bound before the deadline (${waiting.deadlineAt}). Nothing was routed.`);
    expect(Date.parse(final.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(waiting.deadlineAt!));
    expect(Date.parse(final.finishedAt!) - Date.parse(final.startedAt)).toBeGreaterThan(week);
    // A week of the server's time, in seconds of ours.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('a leaver who does not come back within the 30-day grace period: their identity and Okta user are deleted', async () => {
    const email = 'leaves.for.good@example.com';
    const integrationId = 'time-skipping';
    const onboarded = await skipping.env.client.workflow.start('personOnboarding', {
      taskQueue,
      workflowId: personWorkflowId(integrationId, email),
      args: [{ person: { email, integrationId }, context }],
    });
    await waitingWithEmails(onboarded, 1);
    await bindPasskeyFromOutbox(bi.managementUrl, email);
    const routed = (await onboarded.result()) as PersonState;
    expect(routed).toMatchObject({ status: 'Onboarded', routed: true, oktaUser: { adopted: false } });

    const days30 = 30 * 24 * 3600 * 1000;
    const temporal = { client: skipping.env.client, taskQueue };
    const reason = 'removed from the group';
    expect(await leavePerson(temporal, integrationId, email, { reason, deleteAfterMs: days30 })).toBe('leaving');
    const started = Date.now();
    const final = (await skipping.env.client.workflow
      .getHandle(personWorkflowId(integrationId, email))
      .result()) as PersonState;
    expect(final).toMatchObject({ status: 'Cancelled', step: 'Undone', routed: false, leaveReason: reason });
    expect(final.identity).toBeUndefined();
    expect(final.oktaUser).toBeUndefined();
    expect(final.note).toMatch(/did not come back by .*: what this service created is removed\.$/);
    expect(Date.parse(final.finishedAt!) - Date.parse(final.suspendedAt!)).toBeGreaterThanOrEqual(days30);
    const identities = await request(`${bi.managementUrl}/_sim/identities?email=${encodeURIComponent(email)}`);
    expect(((await identities.body.json()) as { identities: unknown[] }).identities).toEqual([]);
    const users = (await (await request(`${okta.url}/_sim/state`)).body.json()) as {
      users: { profile: { login: string } }[];
    };
    expect(users.users.map((user) => user.profile.login)).not.toContain(email);
    // Thirty days of the server's time, in seconds of ours.
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
