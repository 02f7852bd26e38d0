/**
 * Temporal's time-skipping test server (Java, installed by dev/temporal/test-server-provision.ts on
 * first use) for one test file: it needs no dev server. `@temporalio/testing` starts the server,
 * but its Java process outlives `env.teardown()`; `stop` kills what this process started and
 * checks that no server is left.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalTestServer } from '../../dev/temporal/test-server-provision';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/definitions';
import { waitFor } from './wait';

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  /** Tears the environment down and stops the server's process; fails if it is still alive 10 s later. */
  stop(): Promise<void>;
}

export async function startTimeSkipping(): Promise<TimeSkipping> {
  const server = await ensureTemporalTestServer();
  const before = new Set(await testServerChildren());
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: server.path } },
  });
  const started = (await testServerChildren()).filter((pid) => !before.has(pid));
  try {
    // The test server knows only its own Custom*Field attributes; ours are registered as the dev server's are.
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, keyword])),
    });
  } catch (error) {
    await stopAll(env, started);
    throw error;
  }
  return { env, stop: () => stopAll(env, started) };
}

async function stopAll(env: TestWorkflowEnvironment, pids: number[]): Promise<void> {
  await env.teardown().catch(() => undefined);
  const stopped = () =>
    waitFor(
      async () => pids.filter(alive),
      (running) => running.length === 0,
      10_000,
      100,
    );
  for (const pid of pids) signal(pid, 'SIGTERM');
  await stopped()
    .catch(() => {
      for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
      return stopped();
    })
    .catch(() => {
      throw new Error(`the time-skipping test server is still running (pid ${pids.filter(alive).join(', ')})`);
    });
}

/** This process's children that run the test server (the wrapper `exec`s java, so the SDK's child is java itself). */
export async function testServerChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, then the parent's pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid || !alive(Number(entry))) continue;
      const command = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (command.includes('io.temporal.testserver.TestServer')) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Running, not a zombie waiting for the SDK to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
