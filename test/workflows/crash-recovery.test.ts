/**
 * Crashes and restarts: a worker process killed with SIGKILL in the middle of an activity (while
 * its request is in flight and lands anyway) and between steps, and the Temporal server itself
 * stopped and restarted on the same SQLite file during the wait. Each time the onboarding
 * completes with no object created twice and no second binding email.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../dev/net/ports';
import { startDevServer, type TemporalServer } from '../../dev/temporal/dev-server';
import { personStatusQuery, SEARCH_ATTRIBUTE_KEYS, type PersonState } from '../../src/workflows/definitions';
import { killWorkerWhileIdentityCreateInFlight } from '../support/crashes';
import { ServiceHarness } from '../support/service';
import { testTemporal } from '../support/temporal';
import { waitFor } from '../support/wait';
import { expectNoSecretsInHistories, historyEvents, routedByOkta } from '../support/workflow-checks';

const FAST_RETRY = { ACTIVITY_TIMEOUT_SECONDS: '4' };

async function personState(harness: ServiceHarness, email: string): Promise<PersonState> {
  return harness.personHandle(email).query(personStatusQuery);
}

/** The attempt number the activity of `type` completed on: above 1 proves an earlier attempt died. */
async function completedOnAttempt(harness: ServiceHarness, email: string, type: string): Promise<number | undefined> {
  const events = historyEvents(JSON.stringify(await harness.personHandle(email).fetchHistory())) as (ReturnType<
    typeof historyEvents
  >[number] & {
    activityTaskStartedEventAttributes?: { scheduledEventId?: string; attempt?: number };
  })[];
  const scheduled = events
    .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type)
    .map((event) => event.eventId);
  const started = events.filter(
    (event) =>
      event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED' &&
      scheduled.includes(event.activityTaskStartedEventAttributes?.scheduledEventId),
  );
  return started.at(-1)?.activityTaskStartedEventAttributes?.attempt;
}

async function expectSecretsAbsent(harness: ServiceHarness): Promise<void> {
  expect(await expectNoSecretsInHistories(harness, await harness.secrets())).toBeGreaterThan(0);
}

describe('a worker process killed with SIGKILL', () => {
  let harness: ServiceHarness;
  beforeAll(async () => {
    harness = await ServiceHarness.start({ integrationEnv: FAST_RETRY });
  });
  afterAll(async () => {
    await harness?.stop();
  });
  // Each test kills the one worker there is: none of an earlier test may be left to take its activity.
  afterEach(async () => {
    await harness.killSpawnedWorkers();
  });

  it('in the middle of creating the identity: the create that landed is found, not repeated', async () => {
    const email = 'killed.during.identity@example.com';
    // The identity create is held in the simulator, the worker killed while it is in flight, and the create lands anyway.
    await killWorkerWhileIdentityCreateInFlight(harness, email, 1);

    await waitFor(
      () => personState(harness, email),
      (state) => state.status === 'WaitingForBinding',
      60_000,
    );
    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');
    // The kill happened mid-activity: the identity step completed on a second attempt.
    expect(await completedOnAttempt(harness, email, 'ensureIdentity')).toBeGreaterThanOrEqual(2);
    // The identity the dead attempt created counts as ours (so teardown would remove it).
    expect(done.identity?.adopted).toBe(false);

    const bi = await harness.biState();
    expect(bi.identities.filter((identity) => identity.traits.username === email)).toHaveLength(1);
    expect(bi.outbox.filter((message) => message.to === email)).toHaveLength(1);
    expect((await harness.signIn(email)).ok).toBe(true);
  });

  it('in the middle of sending the binding email: no second email', async () => {
    const email = 'killed.during.email@example.com';
    let worker = await harness.spawnWorker();
    harness.bi.faults.configure({
      seed: 2,
      rules: [{ path: '/credential-binding-jobs$', methods: ['POST'], latencyMs: 2_500 }],
    });
    await harness.onboard([email]);
    await waitFor(
      async () => harness.bi.faults.describe().stats.delayed,
      (delayed) => delayed >= 1,
      60_000,
      50,
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    await waitFor(
      async () => (await harness.outbox(email)).length,
      (count) => count === 1,
      10_000,
    );
    harness.bi.faults.configure({});
    worker = await harness.spawnWorker();

    await waitFor(
      () => personState(harness, email),
      (state) => state.status === 'WaitingForBinding',
      60_000,
    );
    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');
    expect(await completedOnAttempt(harness, email, 'ensureBindingEmail')).toBeGreaterThanOrEqual(2);
    expect(await harness.outbox(email)).toHaveLength(1);
    const bi = await harness.biState();
    const identity = bi.identities.find((candidate) => candidate.traits.username === email);
    expect(bi.credential_binding_jobs.filter((job) => job.identity_id === identity?.id)).toHaveLength(1);
  });

  it('in the middle of routing (the Okta user create in flight): the user that landed is found as ours, routed once', async () => {
    const email = 'killed.during.routing@example.com';
    let worker = await harness.spawnWorker();
    await harness.onboard([email]);
    await waitFor(
      () => personState(harness, email),
      (state) => state.status === 'WaitingForBinding',
      60_000,
    );
    harness.okta.faults.configure({
      seed: 3,
      rules: [{ path: '^/api/v1/users$', methods: ['POST'], latencyMs: 2_500 }],
    });
    await harness.bind(email);
    await waitFor(
      async () => harness.okta.faults.describe().stats.delayed,
      (delayed) => delayed >= 1,
      60_000,
      50,
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    await waitFor(
      async () => (await harness.oktaState()).users.filter((user) => user.profile.login === email).length,
      (count) => count === 1,
      10_000,
    );
    harness.okta.faults.configure({});
    worker = await harness.spawnWorker();

    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done).toMatchObject({ status: 'Onboarded', routed: true, oktaUser: { adopted: false } });
    expect(await completedOnAttempt(harness, email, 'routeWhenBound')).toBeGreaterThanOrEqual(2);
    expect((await harness.oktaState()).users.filter((user) => user.profile.login === email)).toHaveLength(1);
    expect(await routedByOkta(harness)).toContain(email);
    expect((await harness.signIn(email)).ok).toBe(true);
  });

  it('between steps, while the person binds: completes when a worker comes back', async () => {
    const email = 'killed.between.steps@example.com';
    let worker = await harness.spawnWorker();
    await harness.onboard([email]);
    await waitFor(
      () => personState(harness, email),
      (state) => state.status === 'WaitingForBinding',
      60_000,
    );
    worker.child.kill('SIGKILL');
    await worker.exited;

    await harness.bind(email); // the person does not know or care that no worker is running
    worker = await harness.spawnWorker();
    // The watch died with the worker: Temporal notices by its heartbeat timeout and runs it again on the new one.
    await waitFor(
      () => personState(harness, email),
      (state) => state.status === 'Onboarded',
      45_000,
    );
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');
    expect(done.emailsSent).toBe(1);
    expect(await completedOnAttempt(harness, email, 'routeWhenBound')).toBeGreaterThanOrEqual(2);

    const okta = await harness.oktaState();
    expect(okta.users.filter((user) => user.profile.login === email)).toHaveLength(1);
    expect(okta.idps).toHaveLength(1);
    expect(okta.rules).toHaveLength(1);
    const bi = await harness.biState();
    expect(bi.realms.filter((realm) => realm.display_name === harness.spec.realmName)).toHaveLength(1);
    expect(bi.applications).toHaveLength(2); // ours, and the management API app of the admin realm
    expect((await harness.signIn(email)).ok).toBe(true);
    await expectSecretsAbsent(harness);
  });
});

describe('the Temporal server stopped and restarted during the wait', () => {
  let harness: ServiceHarness | undefined;
  let server: TemporalServer | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-restart-'));
  });
  afterAll(async () => {
    await harness?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes on the same SQLite file, with the binding done while the server was down', async () => {
    const options = {
      cliPath: testTemporal().cliPath,
      port: await findFreePort(),
      dbFilename: join(dir, 'temporal.db'),
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      logFile: join(dir, 'temporal.log'),
    };
    server = await startDevServer(options);
    harness = await ServiceHarness.start({ temporalAddress: server.address, integrationEnv: FAST_RETRY });
    await harness.spawnWorker();
    const email = 'server.restart@example.com';
    await harness.onboard([email]);
    await waitFor(
      () => personState(harness!, email),
      (state) => state.status === 'WaitingForBinding',
      60_000,
    );

    await server.stop();
    await harness.bind(email);
    server = await startDevServer(options);
    // Back on the same file: the onboarding is there, still running (a fresh database would not know it).
    expect((await harness.personHandle(email).describe()).status.name).toBe('RUNNING');

    const done = await waitFor(
      () => personState(harness!, email),
      (state) => state.status === 'Onboarded',
      90_000,
      500,
    );
    expect(done.routed).toBe(true);
    expect(await harness.outbox(email)).toHaveLength(1);
    expect((await harness.signIn(email)).ok).toBe(true);
    await expectSecretsAbsent(harness);
  });
});
