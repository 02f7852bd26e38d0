/**
 * The operator CLI as a person runs it: a real process (`src/client.ts`, what `npm run cli` and
 * the bin run), against the run's Temporal server, both simulators and a worker. Checks output,
 * --json, and the exit codes the README promises.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../dev/net/ports';
import { integrationStatusQuery, personStatusQuery, type PersonState } from '../src/workflows/definitions';
import { CliRunner } from './support/cli';
import { ServiceHarness } from './support/service';
import { waitFor } from './support/wait';

describe('the operator CLI', () => {
  let harness: ServiceHarness;
  let dir: string;
  let runner: CliRunner;
  const cli = (args: string[], env: Record<string, string> = {}) => runner.run(args, env);

  beforeAll(async () => {
    // A slow poll: the answers below come from the operator's commands, not the workflow's own check.
    harness = await ServiceHarness.start({ integrationEnv: { BINDING_POLL_INTERVAL_SECONDS: '120' } });
    await harness.startWorker();
    runner = new CliRunner((env) => harness.env(env));
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-cli-'));
  });
  afterAll(async () => {
    // A command a failed test left waiting (teardown --wait) must not outlive the run.
    await runner?.stopAll();
    await harness?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses invalid input as a whole, starting nothing (exit 2)', async () => {
    const file = join(dir, 'people.csv');
    const tooLong = `${'x'.repeat(60)}@example.com`;
    await writeFile(
      file,
      `email,firstName,lastName\nok.person@example.com,Ok,Person\nnot-an-email,Bad,Row\n${tooLong},,\n`,
    );
    const run = await cli(['onboard', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.output).toContain('Nothing was started');
    expect(run.output).toMatch(/people\.csv:3: "not-an-email": not a valid email address/);
    expect(run.output).toMatch(
      /people\.csv:4: "x+@example\.com": a Beyond Identity username must be 1 to 64 characters/,
    );
    await expect(harness.integrationHandle().describe()).rejects.toThrow(/not found/i);
  });

  it('onboards from arguments and a CSV file, and lists, shows and checks the people', async () => {
    const file = join(dir, 'more.csv');
    await writeFile(file, 'email,first_name,last_name\nbob.jones@example.com,Bob,Jones\n');
    const run = await cli(['onboard', 'Carol@Example.com', '--file', file, '--json']);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as { integrationId: string; people: { email: string; workflowId: string }[] };
    expect(answer.integrationId).toBe(harness.spec.integrationId);
    expect(answer.people.map((person) => person.email).sort()).toEqual(['bob.jones@example.com', 'carol@example.com']);

    await waitFor(
      () => harness.personHandle('carol@example.com').query(personStatusQuery),
      (state: PersonState) => state.status === 'WaitingForBinding',
      30_000,
    );
    await waitFor(
      () => harness.personHandle('bob.jones@example.com').query(personStatusQuery),
      (state: PersonState) => state.status === 'WaitingForBinding',
      30_000,
    );

    // Commands that change nothing (a rejected --check writes nothing), run at once.
    const [list, waitingList, badStatus, status, rejected] = await Promise.all([
      cli(['list']),
      cli(['--json', 'list', '--status', 'WaitingForBinding']),
      cli(['list', '--status', 'Sleeping']),
      cli(['status', 'carol@example.com']),
      cli(['bound', 'carol@example.com', '--check']),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^EMAIL +STATUS +STEP +WORKFLOW +STARTED/m);
    expect(list.stdout).toMatch(/^carol@example\.com +WaitingForBinding +WaitForBinding +RUNNING/m);
    const waiting = JSON.parse(waitingList.stdout) as { email: string }[];
    expect(waiting.map((row) => row.email)).toEqual(['bob.jones@example.com', 'carol@example.com']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.output).toMatch(/Allowed choices are/);

    expect(status.code).toBe(0);
    expect(status.stdout).toContain('carol@example.com: WaitingForBinding (step WaitForBinding)');
    expect(status.stdout).toMatch(/emails sent +1/);

    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/^Rejected: Beyond Identity shows no active passkey for carol@example\.com/);

    await harness.bind('carol@example.com');
    const accepted = await cli(['--json', 'bound', 'carol@example.com', '--check']);
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ email: 'carol@example.com', accepted: true });
    await waitFor(
      () => harness.personHandle('carol@example.com').query(personStatusQuery),
      (state: PersonState) => state.status === 'Onboarded',
      30_000,
    );

    await harness.bind('bob.jones@example.com');
    const signalled = await cli(['bound', 'Bob.Jones@example.com']);
    expect(signalled.code).toBe(0);
    const watch = await cli(['watch', '--until-settled', '--interval', '0.5']);
    expect(watch.code).toBe(0);
    expect(watch.stdout).toMatch(/People: 2 — Onboarded 2; routed to Beyond Identity: 2/);
    expect((await harness.signIn('bob.jones@example.com')).ok).toBe(true);

    const integration = await cli(['status']);
    expect(integration.code).toBe(0);
    expect(integration.stdout).toContain(`Integration ${harness.spec.integrationId}: Ready`);
    expect(integration.stdout).toMatch(/People +2, routed 2 \(Onboarded 2\)/);
    expect(integration.stdout).toMatch(/Routing +beyondIdentityIntegration = "/);
  });

  it('says what is wrong with exit codes scripts can use', async () => {
    // Independent commands, run at once (each is a process of its own).
    const [unknown, cancelUnknown, frobnicate, noConfirm, unreachable] = await Promise.all([
      cli(['status', 'nobody@example.com']),
      cli(['cancel', 'nobody@example.com']),
      cli(['frobnicate']),
      cli(['teardown']),
      findFreePort().then((port) => cli(['list'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` })),
    ]);
    expect(unknown.code).toBe(4);
    expect(unknown.output).toContain('No onboarding of nobody@example.com');
    expect(cancelUnknown.code).toBe(4);
    expect(frobnicate.code).toBe(2);
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.output).toContain('--yes');

    expect(unreachable.code).toBe(3);
    expect(unreachable.output).toMatch(/Temporal is not reachable at 127\.0\.0\.1:\d+/);
    expect(unreachable.output).toContain('npm start');
  });

  it('cancels a person and tears the integration down, waiting when asked', async () => {
    const cancel = await cli(['cancel', 'carol@example.com']);
    expect(cancel.code).toBe(0);
    await waitFor(
      async () => (await harness.oktaState()).users.map((user) => user.profile.login),
      (logins) => !logins.includes('carol@example.com'),
      30_000,
    );
    // Offboarded, and shown so: `status` and `list` say Cancelled, not the ended run's Onboarded.
    const carol = await waitFor(
      () => cli(['status', 'carol@example.com']),
      (shown) => /Undone/.test(shown.stdout),
      30_000,
    );
    expect(carol.stdout).toMatch(/^carol@example\.com: Cancelled \(step Undone\)/m);
    const listed = await cli(['list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: 'carol@example.com', status: 'Cancelled', step: 'Undone' }),
      ]),
    );
    const waiting = cli(['teardown', '--yes', '--wait']);
    // Watched by the integration's own state: a teardown that stops (NeedsAttention) fails here, with that state.
    await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'TornDown',
      30_000,
      100,
    );
    const teardown = await waiting;
    expect(teardown.code).toBe(0);
    expect(teardown.stdout).toMatch(/Torn down at /);
    const okta = await harness.oktaState();
    expect(okta.users).toEqual([]);
    expect(okta.idps).toEqual([]);
    expect(okta.rules).toEqual([]);
    const bi = await harness.biState();
    expect(bi.realms.filter((realm) => realm.display_name === harness.spec.realmName)).toEqual([]);
  });
});
