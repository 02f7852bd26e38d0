/**
 * `npm start`: the embedded stack on loopback, started and stopped as one. A real Temporal dev
 * server (SQLite in .data/), and, as they arrive, the simulators and the worker. Runs until
 * Ctrl-C or SIGTERM, then stops everything it started, in reverse order.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig, stackConfigSchema, type StackConfig } from './config';
import { isPortFree } from './net/ports';
import { reuseServer, startDevServer } from './temporal/dev-server';
import { ensureTemporalCli } from './temporal/provision';
import { SEARCH_ATTRIBUTE_KEYS } from './workflows/definitions';

interface Running {
  name: string;
  /** Lines for the banner: addresses and what to do with them. */
  lines: string[];
  stop(): Promise<void>;
}

export class StackStartError extends Error {
  override name = 'StackStartError';
}

/** Failures we explain in words; anything else also prints its stack. */
const EXPECTED_ERRORS = new Set(['StackStartError', 'ConfigError', 'TemporalCliUnavailableError', 'DevServerStartError']);

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** One `npm start` at a time per checkout: a second one fails before it starts anything. */
async function takeLock(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lockFile = join(dataDir, 'stack.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (holder && isAlive(holder)) {
        throw new StackStartError(
          `Another \`npm start\` is already running from this checkout (pid ${holder}). ` +
            `Stop it with Ctrl-C in its terminal or \`kill ${holder}\`, then try again.`,
        );
      }
      await rm(lockFile, { force: true }); // left by a process that died without cleaning up
    }
  }
  throw new StackStartError(`Could not take the lock ${lockFile}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function assertPortsFree(ports: { port: number; variable: string; what: string }[]): Promise<void> {
  const taken: string[] = [];
  for (const { port, variable, what } of ports) {
    if (!(await isPortFree(port))) taken.push(`  127.0.0.1:${port} (${what}; choose another with ${variable}=...)`);
  }
  if (taken.length > 0) {
    throw new StackStartError(
      `These ports are already in use, so the stack was not started:\n${taken.join('\n')}\n` +
        'Is another `npm start` (from another checkout) or a Temporal server running? Stop it, or pick other ports.',
    );
  }
}

async function startTemporal(config: StackConfig): Promise<Running> {
  if (config.TEMPORAL_ADDRESS) {
    const reused = await reuseServer(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, SEARCH_ATTRIBUTE_KEYS);
    if (!reused) {
      throw new StackStartError(
        `TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS} is set, but no Temporal frontend answers there ` +
          `(namespace "${config.TEMPORAL_NAMESPACE}"). Start that server, or unset TEMPORAL_ADDRESS to run the embedded one.`,
      );
    }
    return {
      name: 'Temporal',
      lines: [`Temporal server   ${reused.address} (already running; reused, not stopped on exit)`],
      stop: reused.stop,
    };
  }
  const cli = await ensureTemporalCli({ log: say });
  const server = await startDevServer({
    cliPath: cli.path,
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    dbFilename: join(config.DATA_DIR, 'temporal.db'),
    namespace: config.TEMPORAL_NAMESPACE,
    searchAttributes: SEARCH_ATTRIBUTE_KEYS,
    logFile: join(config.DATA_DIR, 'temporal.log'),
  });
  return {
    name: 'Temporal',
    lines: [
      `Temporal server   ${server.address} (namespace ${server.namespace}; ${cli.version})`,
      `Temporal UI       ${server.uiUrl ?? '(headless)'}`,
      `Temporal data     ${join(config.DATA_DIR, 'temporal.db')} (log: ${join(config.DATA_DIR, 'temporal.log')})`,
    ],
    stop: server.stop,
  };
}

async function main(): Promise<void> {
  const config = parseConfig(stackConfigSchema);
  const releaseLock = await takeLock(config.DATA_DIR);
  const running: Running[] = [];
  let stopping: Promise<void> | undefined;

  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const component of running.reverse()) {
        say(`Stopping ${component.name} ...`);
        try {
          await component.stop();
        } catch (error) {
          process.stderr.write(`Could not stop ${component.name} cleanly: ${String(error)}\n`);
        }
      }
      await releaseLock();
    })();
    return stopping;
  };
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    say(`\n${signal} received; stopping the stack.`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    const ports = config.TEMPORAL_ADDRESS
      ? []
      : [
          { port: config.TEMPORAL_PORT, variable: 'TEMPORAL_PORT', what: 'Temporal frontend' },
          { port: config.TEMPORAL_UI_PORT, variable: 'TEMPORAL_UI_PORT', what: 'Temporal UI' },
        ];
    await assertPortsFree(ports);
    const steps: (() => Promise<Running>)[] = [() => startTemporal(config)];
    for (const step of steps) {
      if (signalled) return;
      running.push(await step());
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  say('');
  say('The embedded stack is up:');
  for (const component of running) for (const line of component.lines) say(`  ${line}`);
  say('');
  say('Press Ctrl-C to stop everything.');
}

main().catch((error: unknown) => {
  const expected = error instanceof Error && EXPECTED_ERRORS.has(error.name);
  const text = error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
