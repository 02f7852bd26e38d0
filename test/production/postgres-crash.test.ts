/**
 * Crashes on the production-shaped Temporal: temporal-server on PostgreSQL (dev/temporal/postgres-server.ts),
 * its own in a temp dir on free ports. A worker SIGKILLed mid-activity, temporal-server stopped
 * and restarted during a person's wait, PostgreSQL restarted while people are between steps: each
 * time every onboarding completes, nothing is created twice, and nobody gets a second email.
 * Skipped (saying why) only where neither a built temporal-server nor Go to build one is there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePorts } from '../../dev/net/ports';
import { isAlive } from '../../dev/stack/lock';
import { ensurePostgres } from '../../dev/temporal/postgres';
import { startPostgresTemporal, type PostgresTemporal } from '../../dev/temporal/postgres-server';
import { freeServicePorts } from '../../dev/temporal/server-config';
import { ensureTemporalServer, projectCopy } from '../../dev/temporal/server-provision';
import { personStatusQuery, SEARCH_ATTRIBUTE_KEYS, type PersonState } from '../../src/workflows/definitions';
import { killWorkerWhileIdentityCreateInFlight } from '../support/crashes';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';

const FAST_RETRY = { ACTIVITY_TIMEOUT_SECONDS: '4' };

function serverCanBeHad(): boolean {
  if (process.env.TEMPORAL_SERVER_PATH || existsSync(projectCopy().serverPath)) return true;
  return [process.env.GO, 'go', '/usr/local/go/bin/go'].some((go) => go && spawnSync(go, ['version']).status === 0);
}
const available = serverCanBeHad();
if (!available)
  process.stderr.write(
    'postgres-crash: SKIPPED: no temporal-server in .tools/temporal-server and no Go to build one (see docs/testing.md, "The PostgreSQL-backed Temporal").\n',
  );
const describeIfAvailable = available ? describe : describe.skip;

describeIfAvailable('on temporal-server with PostgreSQL', () => {
  let dir: string;
  let server: PostgresTemporal | undefined;
  let harness: ServiceHarness;
  const pidsSeen: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-pg-crash-'));
    const [frontendPort, postgresPort] = await findFreePorts(2);
    server = await startPostgresTemporal({
      // Builds it when the project has no copy yet (minutes; CI provisions it in an earlier step).
      server: await ensureTemporalServer({ log: (line) => process.stderr.write(`${line}\n`) }),
      postgres: await ensurePostgres(),
      dataDir: dir,
      frontendPort: frontendPort!,
      ports: await freeServicePorts(frontendPort!),
      postgresPort: postgresPort!,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
    });
    pidsSeen.push(...server.pids);
    harness = await ServiceHarness.start({ temporalAddress: server.address, integrationEnv: FAST_RETRY });
  }, 40 * 60_000);

  afterAll(async () => {
    await harness?.killSpawnedWorkers();
    await harness?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const personState = (email: string): Promise<PersonState> => harness.personHandle(email).query(personStatusQuery);

  /** Onboarded, one identity, one Okta user, one binding email, and the federated sign-in works. */
  async function expectOnboardedOnce(email: string): Promise<void> {
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');
    const bi = await harness.biState();
    expect(bi.identities.filter((identity) => identity.traits.username === email)).toHaveLength(1);
    expect(await harness.outbox(email)).toHaveLength(1);
    expect((await harness.oktaState()).users.filter((user) => user.profile.login === email)).toHaveLength(1);
    expect((await harness.signIn(email)).ok).toBe(true);
  }

  async function expectSharedObjectsOnce(): Promise<void> {
    const okta = await harness.oktaState();
    expect(okta.idps).toHaveLength(1);
    expect(okta.rules).toHaveLength(1);
    expect(
      (await harness.biState()).realms.filter((realm) => realm.display_name === harness.spec.realmName),
    ).toHaveLength(1);
  }

  it('a worker SIGKILLed while its identity create is in flight: the create that landed is found, not repeated', async () => {
    const email = 'pg.killed.during.identity@example.com';
    await killWorkerWhileIdentityCreateInFlight(harness, email, 11);
    await waitFor(
      () => personState(email),
      (state) => state.status === 'WaitingForBinding',
      60_000,
    );
    await harness.bind(email);
    await expectOnboardedOnce(email);
    await expectSharedObjectsOnce();
  });

  it('temporal-server stopped and restarted during the wait: completes on the same database', async () => {
    const email = 'pg.server.restart@example.com';
    await harness.onboard([email]);
    await waitFor(
      () => personState(email),
      (state) => state.status === 'WaitingForBinding',
      60_000,
    );

    await server!.stopServer();
    await harness.bind(email); // the person binds while the server is down
    await server!.startServer();
    pidsSeen.push(...server!.pids);
    expect((await harness.personHandle(email).describe()).status.name).toBe('RUNNING');

    await waitFor(
      () => personState(email),
      (state) => state.status === 'Onboarded',
      90_000,
      500,
    );
    await expectOnboardedOnce(email);
    await expectSharedObjectsOnce();
  });

  it('PostgreSQL restarted while people are between steps: all complete, nothing twice', async () => {
    const emails = ['pg.restart.a@example.com', 'pg.restart.b@example.com', 'pg.restart.c@example.com'];
    await harness.onboard(emails);
    for (const email of emails)
      await waitFor(
        () => personState(email),
        (state) => state.status === 'WaitingForBinding',
        60_000,
      );

    await server!.restartPostgres();
    pidsSeen.push(...server!.pids);
    for (const email of emails) await harness.bind(email);
    for (const email of emails)
      await waitFor(
        () => personState(email),
        (state) => state.status === 'Onboarded',
        90_000,
        500,
      );
    for (const email of emails) await expectOnboardedOnce(email);
    await expectSharedObjectsOnce();
  });

  it('stops: neither temporal-server nor PostgreSQL (nor any of its earlier pids) remains', async () => {
    await harness.killSpawnedWorkers();
    const pids = [...new Set([...pidsSeen, ...server!.pids])];
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await server!.stop();
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
  });
});
