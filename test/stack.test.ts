/**
 * `npm start` as an operator runs it: the real command, a real dev server, SIGTERM to npm.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePorts, isPortFree } from '../dev/net/ports';
import { isFrontendAnswering } from '../dev/temporal/dev-server';
import { pidsMatching, startCommand, type RunningCommand } from './support/processes';
import { testTemporal } from './support/temporal';
import { waitFor } from './support/wait';

/** A developer's own service-app settings or OKTA_AUTH must not change what the stack does here. */
const OKTA_SERVICE_APP_VARIABLES = [
  'OKTA_AUTH',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY',
  'OKTA_PRIVATE_KEY_FILE',
  'OKTA_KEY_ID',
  'OKTA_SCOPES',
];

describe('npm start', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let ports: { temporal: number; ui: number; biManagement: number; biAuth: number; okta: number; codec: number };
  const started: RunningCommand[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bi-okta-stack-'));
    const [temporal, ui, biManagement, biAuth, okta, codec] = await findFreePorts(6);
    ports = { temporal: temporal!, ui: ui!, biManagement: biManagement!, biAuth: biAuth!, okta: okta!, codec: codec! };
    env = {
      ...process.env,
      TEMPORAL_CLI_PATH: testTemporal().cliPath,
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      BI_SIM_MANAGEMENT_PORT: String(ports.biManagement),
      BI_SIM_AUTH_PORT: String(ports.biAuth),
      OKTA_SIM_PORT: String(ports.okta),
      CODEC_SERVER_ADDRESS: `127.0.0.1:${ports.codec}`,
      // Not the default 9464: a developer's own `npm start` may hold it.
      METRICS_ADDRESS: 'off',
      DATA_DIR: dataDir,
    };
    for (const name of [
      'TEMPORAL_ADDRESS',
      'BI_REGION',
      'BI_MANAGEMENT_URL',
      'BI_AUTH_URL',
      'OKTA_ORG_URL',
      'BI_API_TOKEN',
      'OKTA_API_TOKEN',
      'BI_TENANT_ID',
      ...OKTA_SERVICE_APP_VARIABLES,
    ])
      delete env[name];
  });

  afterAll(async () => {
    // A failed assertion leaves the stack up: npm's death does not end it (and its open pipes keep jest waiting); its own SIGTERM does.
    const lock = await readLock(dataDir);
    if (lock && isAlive(lock.pid)) process.kill(lock.pid, 'SIGTERM');
    await waitFor(
      async () => (lock && isAlive(lock.pid)) || false,
      (alive) => !alive,
      60_000,
    ).catch(() => undefined);
    for (const command of started) if (command.child.exitCode === null) command.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('brings up Temporal, the UI, both simulators and the worker, refuses a second start, and leaves nothing behind after SIGTERM', async () => {
    const stack = startCommand('npm', ['start', '--silent'], env);
    started.push(stack);
    const banner = await stack.waitFor(/Press Ctrl-C to stop everything/, 180_000);
    expect(banner).toContain(`Temporal server   127.0.0.1:${ports.temporal}`);
    expect(banner).toContain(`Temporal UI       http://127.0.0.1:${ports.ui}`);
    expect(banner).toContain(`management API   http://127.0.0.1:${ports.biManagement}/v1/tenants/`);
    expect(banner).toContain(`Okta simulator (org URL): http://127.0.0.1:${ports.okta}`);
    // Development defaults are printed as such.
    expect(banner).toMatch(/API token +\S+ \(development default; set BI_API_TOKEN to change\)/);
    const workerPid = Number(/Worker +pid (\d+)/.exec(banner)?.[1]);
    expect(workerPid).toBeGreaterThan(0);
    expect(isAlive(workerPid)).toBe(true);
    // The worker authenticates to Okta as a service app the stack made with `okta-service-app`, and holds no API token.
    const keyFile = join(dataDir, 'okta-service-app.pem');
    const credential =
      /Okta credential +OAuth service app (\S+) \(private_key_jwt, DPoP; key (\S+) in (\S+); made now; no API token in the worker/.exec(
        banner,
      );
    expect(credential?.[3]).toBe(keyFile);
    expect(banner).toContain('[okta-service-app] Created the service app "bi-okta-federation"');
    expect(banner).not.toContain('PRIVATE KEY');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const workerEnv = await environmentOf(workerPid);
    expect(workerEnv.OKTA_API_TOKEN).toBeUndefined();
    expect(workerEnv).toMatchObject({
      OKTA_CLIENT_ID: credential?.[1],
      OKTA_KEY_ID: credential?.[2],
      OKTA_PRIVATE_KEY_FILE: keyFile,
      OKTA_ORG_URL: `http://127.0.0.1:${ports.okta}`,
    });
    expect((await fetch(`http://127.0.0.1:${ports.biManagement}/_sim/outbox`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.okta}/_sim/faults`)).status).toBe(200);

    expect(await isFrontendAnswering(`127.0.0.1:${ports.temporal}`, 'default')).toBe(true);
    const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
    expect(ui.status).toBe(200);
    // Payloads are encrypted with a local key made now, and the UI decodes them through the codec server.
    expect(banner).toContain(
      `Codec server      http://127.0.0.1:${ports.codec} (payloads encrypted; keys: ${join(dataDir, 'codec-keys')}, made now`,
    );
    expect((await stat(join(dataDir, 'codec-keys'))).mode & 0o777).toBe(0o600);
    const settings = (await (await fetch(`http://127.0.0.1:${ports.ui}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string };
    };
    // The dev server's UI sends no header: its endpoint carries the stack's codec token (made now, this user only).
    const codecToken = (await readFile(join(dataDir, 'codec-auth-token'), 'utf8')).trim();
    expect((await stat(join(dataDir, 'codec-auth-token'))).mode & 0o777).toBe(0o600);
    expect(settings.Codec?.Endpoint).toBe(`http://127.0.0.1:${ports.codec}/${codecToken}`);
    expect(banner).not.toContain(codecToken);
    const decode = async (url: string) =>
      (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status;
    expect(await decode(`${settings.Codec!.Endpoint!}/decode`)).toBe(200);
    expect(await decode(`http://127.0.0.1:${ports.codec}/decode`)).toBe(401);
    const preflight = await fetch(`http://127.0.0.1:${ports.codec}/decode`, {
      method: 'OPTIONS',
      headers: { origin: `http://127.0.0.1:${ports.ui}`, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${ports.ui}`);
    // One server (its supervisor's command line names the database too, but does not start with the CLI).
    const serverPids = await pidsMatching(
      `^${testTemporal().cliPath} server start-dev .*${join(dataDir, 'temporal.db')}`,
    );
    expect(serverPids.length).toBe(1);

    // The same checkout again: refused by the lock, before anything is started.
    const second = startCommand('npm', ['start', '--silent'], env);
    started.push(second);
    const refusal = await second.exited;
    expect(refusal.code).not.toBe(0);
    expect(second.output()).toMatch(/Another `npm start` is already running from this checkout \(pid \d+\)/);

    // Another checkout (its own data folder) on the same ports: refused, naming the ports.
    const otherData = await mkdtemp(join(tmpdir(), 'bi-okta-stack-other-'));
    const third = startCommand('npm', ['start', '--silent'], { ...env, DATA_DIR: otherData });
    started.push(third);
    expect((await third.exited).code).not.toBe(0);
    expect(third.output()).toContain(
      `127.0.0.1:${ports.temporal} (Temporal frontend; choose another with TEMPORAL_PORT=...)`,
    );
    expect(third.output()).not.toMatch(/The embedded stack is up/);
    await rm(otherData, { recursive: true, force: true });

    // The first stack is unharmed by both refusals, and `npm run demo` runs one person end to end on it, through the service app.
    expect(await isFrontendAnswering(`127.0.0.1:${ports.temporal}`, 'default')).toBe(true);
    const demo = startCommand('npm', ['run', 'demo', '--silent'], env);
    started.push(demo);
    expect((await demo.exited).code).toBe(0);
    expect(demo.output()).toContain('Using the stack of the running `npm start`');
    expect(demo.output()).toMatch(
      /Success in [\d.]+ s: demo\.person\+\d+@example\.com signs in to Okta with a Beyond Identity passkey\./,
    );

    stack.child.kill('SIGTERM');
    const exit = await stack.exited;
    expect(exit.code).toBe(0);
    expect(stack.output()).toContain('Stopping Temporal');
    expect(await pidsMatching(join(dataDir, 'temporal.db'))).toEqual([]);
    expect(isAlive(workerPid)).toBe(false);
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);
  });
});

describe('npm start with real upstreams half-configured', () => {
  it("stops with the worker's list of what is missing, and leaves nothing running", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bi-okta-stack-bad-'));
    const [temporal, ui, codec] = await findFreePorts(3);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_CLI_PATH: testTemporal().cliPath,
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      CODEC_SERVER_ADDRESS: `127.0.0.1:${codec}`,
      DATA_DIR: dataDir,
      // An Okta org is named, so the simulators are not used; nothing else is set.
      OKTA_ORG_URL: 'https://example.okta.com',
    };
    for (const name of [
      'TEMPORAL_ADDRESS',
      'BI_REGION',
      'BI_MANAGEMENT_URL',
      'BI_AUTH_URL',
      'BI_API_TOKEN',
      'OKTA_API_TOKEN',
      'BI_TENANT_ID',
      ...OKTA_SERVICE_APP_VARIABLES,
    ])
      delete env[name];
    const stack = startCommand('npm', ['start', '--silent'], env);
    const exit = await stack.exited;
    expect(exit.code).toBe(1);
    const output = stack.output();
    expect(output).toContain('The worker exited during start');
    expect(output).toMatch(/BI_TENANT_ID: required/);
    expect(output).toMatch(/BI_API_TOKEN: required/);
    expect(output).toMatch(/BI_REGION: required/);
    expect(output).toMatch(/OKTA_API_TOKEN/);
    expect(output).toContain('Stopping Temporal');
    expect(await pidsMatching(join(dataDir, 'temporal.db'))).toEqual([]);
    expect(await isPortFree(temporal!)).toBe(true);
    await rm(dataDir, { recursive: true, force: true });
  });
});

interface StackLockFile {
  pid: number;
  processes: { name: string; pid: number; commandLine: string }[];
}

/** A stack of its own (data folder, free ports) for one lifecycle case. */
async function ownStackEnv(): Promise<{
  env: NodeJS.ProcessEnv;
  dataDir: string;
  ports: number[];
  okta: number;
  temporal: number;
}> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bi-okta-lifecycle-'));
  const ports = await findFreePorts(6);
  const [temporal, ui, biManagement, biAuth, okta, codec] = ports as [number, number, number, number, number, number];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_CLI_PATH: testTemporal().cliPath,
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    BI_SIM_MANAGEMENT_PORT: String(biManagement),
    BI_SIM_AUTH_PORT: String(biAuth),
    OKTA_SIM_PORT: String(okta),
    CODEC_SERVER_ADDRESS: `127.0.0.1:${codec}`,
    DATA_DIR: dataDir,
    // The run's workflow bundle, built once: the worker starts in a second instead of bundling
    // (the first test above starts the stack as an operator does, bundle and all).
    WORKFLOW_BUNDLE_PATH: testTemporal().workflowBundlePath,
  };
  for (const name of [
    'TEMPORAL_ADDRESS',
    'BI_REGION',
    'BI_MANAGEMENT_URL',
    'BI_AUTH_URL',
    'OKTA_ORG_URL',
    'BI_API_TOKEN',
    'OKTA_API_TOKEN',
    'BI_TENANT_ID',
    ...OKTA_SERVICE_APP_VARIABLES,
  ])
    delete env[name];
  return { env, dataDir, ports, okta, temporal };
}

async function readLock(dataDir: string): Promise<StackLockFile | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, 'stack.lock'), 'utf8')) as StackLockFile;
  } catch {
    return undefined;
  }
}

/** Within 30 s of the stack's end: every process it recorded is gone and no port of it is open. */
async function expectNothingLeft(lock: StackLockFile, ports: number[], dataDir: string): Promise<void> {
  await waitFor(
    async () => lock.processes.filter((child) => isAlive(child.pid)).map((child) => `${child.name} ${child.pid}`),
    (alive) => alive.length === 0,
    30_000,
  );
  await waitFor(
    async () =>
      (await Promise.all(ports.map(async (port) => ((await isPortFree(port)) ? undefined : port)))).filter(Boolean),
    (open) => open.length === 0,
    30_000,
  );
  expect(await pidsMatching(dataDir)).toEqual([]);
}

describe('npm start leaves nothing behind, however it ends', () => {
  const commands: RunningCommand[] = [];
  const dataDirs: string[] = [];
  afterAll(async () => {
    // A failed case may leave a stack running: npm's death does not end it, its own does (SIGTERM stops it in order).
    for (const dir of dataDirs) {
      const lock = await readLock(dir);
      if (lock && isAlive(lock.pid)) process.kill(lock.pid, 'SIGTERM');
    }
    await Promise.all(commands.map((command) => command.exited));
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  const moments: [string, (own: Awaited<ReturnType<typeof ownStackEnv>>) => Promise<unknown>][] = [
    [
      'right after the Temporal frontend answers',
      ({ temporal }) =>
        waitFor(() => isFrontendAnswering(`127.0.0.1:${temporal}`, 'default', 500), Boolean, 90_000, 50),
    ],
    // The simulator itself answering (not merely something on its port: another process may hold a port findFreePorts gave us).
    [
      'right after the simulators answer',
      ({ okta }) =>
        waitFor(async () => (await fetch(`http://127.0.0.1:${okta}/_sim/faults`)).status === 200, Boolean, 90_000, 50),
    ],
    // The okta-service-app command, a child of the stack (its command line names the key file in the data folder).
    [
      'while the Okta service app is being made',
      ({ dataDir }) =>
        waitFor(
          () => pidsMatching(`okta-service-app .*${join(dataDir, 'okta-service-app.pem')}`),
          (pids) => pids.length > 0,
          90_000,
          20,
        ),
    ],
    [
      'while the worker starts',
      ({ dataDir }) =>
        waitFor(
          () => readLock(dataDir),
          (lock) => Boolean(lock?.processes.some((child) => child.name === 'worker')),
          90_000,
          50,
        ),
    ],
  ];
  it.each(moments)(
    'SIGTERM %s: the start is cut short and 30 s later no process or port of it is left',
    async (_moment, reached) => {
      const own = await ownStackEnv();
      dataDirs.push(own.dataDir);
      const stack = startCommand('npm', ['start', '--silent'], own.env);
      commands.push(stack);
      await reached(own);
      const lock = await readLock(own.dataDir);
      expect(lock).toBeDefined();
      expect(stack.output()).not.toContain('The embedded stack is up');
      process.kill(lock!.pid, 'SIGTERM');
      const exit = await stack.exited;
      expect(stack.output()).toContain('Stopped during start; everything it had started is stopped again.');
      expect(exit.code).toBe(0);
      await expectNothingLeft(lock!, own.ports, own.dataDir);
    },
  );

  it('npm run demo killed with SIGKILL once its stack is up leaves no process or port behind', async () => {
    const own = await ownStackEnv();
    dataDirs.push(own.dataDir);
    const demo = startCommand('npm', ['run', 'demo', '--silent'], own.env);
    commands.push(demo);
    // Printed once the demo's stack (server, simulators, a polling worker) is up.
    await demo.waitFor(/Sample person:/, 180_000);
    const lock = await readLock(own.dataDir);
    expect(lock?.processes.map((child) => child.name)).toEqual(['Temporal dev server', 'worker']);
    process.kill(lock!.pid, 'SIGKILL');
    await demo.exited;
    await expectNothingLeft(lock!, own.ports, own.dataDir);
  });

  it("with OKTA_AUTH=ssws the worker gets the simulator's API token and no service app is made; SIGTERM leaves nothing", async () => {
    const own = await ownStackEnv();
    dataDirs.push(own.dataDir);
    const stack = startCommand('npm', ['start', '--silent'], { ...own.env, OKTA_AUTH: 'ssws' });
    commands.push(stack);
    const banner = await stack.waitFor(/Press Ctrl-C to stop everything/, 180_000);
    expect(banner).toContain('Okta credential   API token (SSWS), as OKTA_AUTH=ssws asks');
    expect(banner).not.toContain('okta-service-app');
    const workerEnv = await environmentOf(Number(/Worker +pid (\d+)/.exec(banner)?.[1]));
    expect(workerEnv.OKTA_API_TOKEN).toBeTruthy();
    expect(workerEnv.OKTA_CLIENT_ID).toBeUndefined();
    await expect(stat(join(own.dataDir, 'okta-service-app.pem'))).rejects.toThrow(/ENOENT/);
    const lock = (await readLock(own.dataDir))!;
    process.kill(lock.pid, 'SIGTERM');
    expect((await stack.exited).code).toBe(0);
    await expectNothingLeft(lock, own.ports, own.dataDir);
  });

  it('after a SIGKILL of the stack process its children stop by themselves, and the next start stops what a dead stack left and comes up on the same ports', async () => {
    const own = await ownStackEnv();
    dataDirs.push(own.dataDir);
    const first = startCommand('npm', ['start', '--silent'], own.env);
    commands.push(first);
    await first.waitFor(/Press Ctrl-C to stop everything/, 180_000);
    const lock = (await readLock(own.dataDir))!;
    expect(lock.processes.map((child) => child.name)).toEqual(['Temporal dev server', 'worker']);
    process.kill(lock.pid, 'SIGKILL');
    await expectNothingLeft(lock, own.ports, own.dataDir);

    // What a stack killed beyond its supervisors' reach would leave: a process it recorded, still
    // running. Beside it, one with the same command line that it did not record, and a recorded
    // pid now running another program: neither is the dead stack's, so neither is touched.
    const leftoverLine = `--db-filename ${join(own.dataDir, 'temporal.db')}`;
    const idle = ['-e', 'setInterval(() => undefined, 1000)', '--'];
    const leftover = spawn(process.execPath, [...idle, leftoverLine], { stdio: 'ignore' });
    const unrecorded = spawn(process.execPath, [...idle, leftoverLine], { stdio: 'ignore' });
    const reused = spawn(process.execPath, [...idle, 'something else'], { stdio: 'ignore' });
    try {
      await writeFile(
        join(own.dataDir, 'stack.lock'),
        JSON.stringify({
          ...lock,
          processes: [
            ...lock.processes,
            { name: 'Temporal dev server', pid: leftover.pid, commandLine: leftoverLine },
            { name: 'worker', pid: reused.pid, commandLine: 'src/worker.ts' },
          ],
        }),
      );
      const second = startCommand('npm', ['start', '--silent'], own.env);
      commands.push(second);
      const banner = await second.waitFor(/Press Ctrl-C to stop everything/, 180_000);
      expect(banner).toContain(
        `An earlier \`npm start\` (pid ${lock.pid}) ended without stopping its Temporal dev server (pid ${leftover.pid}): stopping it.`,
      );
      // The same data folder: the service app and its key are reused, nothing is made twice.
      expect(serviceAppOf(banner)).toEqual({ ...serviceAppOf(first.output()), made: 'reused' });
      expect(banner).toContain('[okta-service-app] Found the service app "bi-okta-federation"');
      expect(banner).toContain(`Temporal server   127.0.0.1:${own.temporal}`);
      expect(leftover.exitCode !== null || leftover.signalCode !== null || !isAlive(leftover.pid!)).toBe(true);
      expect(isAlive(unrecorded.pid!)).toBe(true);
      expect(isAlive(reused.pid!)).toBe(true);
      for (const child of [unrecorded, reused]) child.kill('SIGKILL');
      await Promise.all(
        [unrecorded, reused].map(
          (child) =>
            new Promise((done) =>
              child.exitCode !== null || child.signalCode !== null ? done(undefined) : child.once('exit', done),
            ),
        ),
      );
      const secondLock = (await readLock(own.dataDir))!;
      process.kill(secondLock.pid, 'SIGTERM');
      expect((await second.exited).code).toBe(0);
      await expectNothingLeft(secondLock, own.ports, own.dataDir);
    } finally {
      for (const child of [leftover, unrecorded, reused]) child.kill('SIGKILL');
    }
  });
});

/** The banner's service app: client id, key id, and whether it was made now or reused. */
function serviceAppOf(banner: string): { clientId?: string; kid?: string; made?: string } {
  const match =
    /Okta credential +OAuth service app (\S+) \(private_key_jwt, DPoP; key (\S+) in \S+; (made now|reused);/.exec(
      banner,
    );
  return { clientId: match?.[1], kid: match?.[2], made: match?.[3] };
}

/** A process's environment, as Linux shows it. */
async function environmentOf(pid: number): Promise<Record<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
