/**
 * `npm start` as an operator runs it: the real command, a real dev server, SIGTERM to npm.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePorts, isPortFree } from '../src/net/ports';
import { isFrontendAnswering } from '../src/temporal/dev-server';
import { pidsMatching, startCommand, type RunningCommand } from './support/processes';
import { testTemporal } from './support/temporal';

describe('npm start', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let ports: { temporal: number; ui: number; biManagement: number; biAuth: number; okta: number };
  const started: RunningCommand[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bi-okta-stack-'));
    const [temporal, ui, biManagement, biAuth, okta] = await findFreePorts(5);
    ports = { temporal: temporal!, ui: ui!, biManagement: biManagement!, biAuth: biAuth!, okta: okta! };
    env = {
      ...process.env,
      TEMPORAL_CLI_PATH: testTemporal().cliPath,
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      BI_SIM_MANAGEMENT_PORT: String(ports.biManagement),
      BI_SIM_AUTH_PORT: String(ports.biAuth),
      OKTA_SIM_PORT: String(ports.okta),
      DATA_DIR: dataDir,
    };
    for (const name of ['TEMPORAL_ADDRESS', 'BI_REGION', 'BI_MANAGEMENT_URL', 'BI_AUTH_URL', 'OKTA_ORG_URL', 'BI_API_TOKEN', 'OKTA_API_TOKEN', 'BI_TENANT_ID']) delete env[name];
  });

  afterAll(async () => {
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
    expect((await fetch(`http://127.0.0.1:${ports.biManagement}/_sim/outbox`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.okta}/_sim/faults`)).status).toBe(200);

    expect(await isFrontendAnswering(`127.0.0.1:${ports.temporal}`, 'default')).toBe(true);
    const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
    expect(ui.status).toBe(200);
    const serverPids = await pidsMatching(join(dataDir, 'temporal.db'));
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
    expect(third.output()).toContain(`127.0.0.1:${ports.temporal} (Temporal frontend; choose another with TEMPORAL_PORT=...)`);
    expect(third.output()).not.toMatch(/The embedded stack is up/);
    await rm(otherData, { recursive: true, force: true });

    // The first stack is unharmed by both refusals.
    expect(await isFrontendAnswering(`127.0.0.1:${ports.temporal}`, 'default')).toBe(true);

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
  it('stops with the worker\'s list of what is missing, and leaves nothing running', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bi-okta-stack-bad-'));
    const [temporal, ui] = await findFreePorts(2);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_CLI_PATH: testTemporal().cliPath,
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      DATA_DIR: dataDir,
      // An Okta org is named, so the simulators are not used; nothing else is set.
      OKTA_ORG_URL: 'https://example.okta.com',
    };
    for (const name of ['TEMPORAL_ADDRESS', 'BI_REGION', 'BI_MANAGEMENT_URL', 'BI_AUTH_URL', 'BI_API_TOKEN', 'OKTA_API_TOKEN', 'BI_TENANT_ID']) delete env[name];
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
