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
  let ports: { temporal: number; ui: number };
  const started: RunningCommand[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bi-okta-stack-'));
    const [temporal, ui] = await findFreePorts(2);
    ports = { temporal: temporal!, ui: ui! };
    env = {
      ...process.env,
      TEMPORAL_CLI_PATH: testTemporal().cliPath,
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      DATA_DIR: dataDir,
    };
    delete env.TEMPORAL_ADDRESS;
  });

  afterAll(async () => {
    for (const command of started) if (command.child.exitCode === null) command.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('brings up the frontend and the UI, refuses a second start, and leaves nothing behind after SIGTERM', async () => {
    const stack = startCommand('npm', ['start', '--silent'], env);
    started.push(stack);
    const banner = await stack.waitFor(/Press Ctrl-C to stop everything/);
    expect(banner).toContain(`Temporal server   127.0.0.1:${ports.temporal}`);
    expect(banner).toContain(`Temporal UI       http://127.0.0.1:${ports.ui}`);

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
    expect(await isPortFree(ports.temporal)).toBe(true);
    expect(await isPortFree(ports.ui)).toBe(true);
  });
});
