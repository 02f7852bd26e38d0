/**
 * The parts of the embedded stack, each started on its own and stopped by the handle it returns:
 * the Temporal server (started, or reused), the two simulators, and the worker as a child process
 * (the same `src/worker.ts` a production deployment runs).
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  observabilityConfigSchema,
  parseConfig,
  type simulatorPortsSchema,
  type StackConfig as StackBaseConfig,
} from '../../src/config';
import type { z } from 'zod';

type StackConfig = StackBaseConfig & z.infer<typeof simulatorPortsSchema>;
import { startBeyondIdentitySimulator, type RunningBeyondIdentitySimulator } from '../simulators/beyond-identity';
import { startOktaSimulator, type RunningOktaSimulator } from '../simulators/okta';
import { reuseServer, startDevServer, type TemporalServer } from '../temporal/dev-server';
import { ensureTemporalCli } from '../temporal/provision';
import { startPostgresBackend } from './postgres-temporal';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/definitions';

export interface Running {
  name: string;
  /** Lines for the banner: addresses and what to do with them. */
  lines: string[];
  stop(): Promise<void>;
}

const WORKER_ENTRY = join('src', 'worker.ts');

export class StackStartError extends Error {
  override name = 'StackStartError';
}

/** How the stack follows a component's start: its child's pid as soon as it runs, and a way to cut the start short. */
export interface StartControl {
  signal?: AbortSignal;
  onSpawn?: (pid: number, commandLine: string, name?: string) => void | Promise<void>;
  /** The codec server the Temporal UI decodes payloads through. */
  uiCodecEndpoint?: string;
}

export async function startTemporal(
  config: StackConfig,
  say: (line: string) => void,
  control: StartControl = {},
): Promise<Running & { server: TemporalServer }> {
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
      server: reused,
      lines: [`Temporal server   ${reused.address} (already running; reused, not stopped on exit)`],
      stop: reused.stop,
    };
  }
  if (config.TEMPORAL_BACKEND === 'postgres') {
    const { server, lines } = await startPostgresBackend(config, say, control);
    return { name: 'Temporal (temporal-server and PostgreSQL)', server, lines, stop: () => server.stop() };
  }
  const cli = await ensureTemporalCli({ log: say, signal: control.signal });
  const dbFilename = join(config.DATA_DIR, 'temporal.db');
  const server = await startDevServer({
    cliPath: cli.path,
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    uiCodecEndpoint: control.uiCodecEndpoint,
    dbFilename,
    signal: control.signal,
    onSpawn: (pid) => void control.onSpawn?.(pid, `--db-filename ${dbFilename}`),
    namespace: config.TEMPORAL_NAMESPACE,
    searchAttributes: SEARCH_ATTRIBUTE_KEYS,
    logFile: join(config.DATA_DIR, 'temporal.log'),
  });
  return {
    name: 'Temporal',
    server,
    lines: [
      `Temporal server   ${server.address} (namespace ${server.namespace}; ${cli.version})`,
      `Temporal UI       ${server.uiUrl ?? '(headless)'}${server.uiUrl && control.uiCodecEndpoint ? ' (decodes payloads through the codec server)' : ''}`,
      `Temporal data     ${join(config.DATA_DIR, 'temporal.db')} (log: ${join(config.DATA_DIR, 'temporal.log')})`,
    ],
    stop: server.stop,
  };
}

export async function startBeyondIdentity(
  config: StackConfig,
  env: NodeJS.ProcessEnv,
): Promise<Running & { sim: RunningBeyondIdentitySimulator }> {
  const sim = await startBeyondIdentitySimulator({
    managementPort: config.BI_SIM_MANAGEMENT_PORT,
    authPort: config.BI_SIM_AUTH_PORT,
    tenantId: env.BI_TENANT_ID || undefined,
    apiTokens: env.BI_API_TOKEN ? [env.BI_API_TOKEN] : undefined,
    stateFile: join(config.DATA_DIR, 'beyond-identity-simulator.json'),
  });
  return { name: 'Beyond Identity simulator', sim, lines: sim.bannerLines(), stop: sim.stop };
}

export async function startOkta(
  config: StackConfig,
  env: NodeJS.ProcessEnv,
): Promise<Running & { sim: RunningOktaSimulator }> {
  const sim = await startOktaSimulator({
    port: config.OKTA_SIM_PORT,
    concurrencyLimit: config.OKTA_SIM_CONCURRENCY_LIMIT,
    // The simulated org has the custom domain the integration is configured with.
    customDomain: env.OKTA_CUSTOM_DOMAIN || undefined,
    apiTokens: env.OKTA_API_TOKEN ? [env.OKTA_API_TOKEN] : undefined,
    stateFile: join(config.DATA_DIR, 'okta-simulator.json'),
  });
  return { name: 'Okta simulator', sim, lines: sim.bannerLines(), stop: sim.stop };
}

/**
 * The worker as a child process, its output prefixed in this terminal and kept in
 * .data/worker.log. Ready when it says it is polling; a worker that exits during start (a
 * configuration error, say) fails the stack with its own message.
 */
export async function startWorkerProcess(
  config: StackConfig,
  workerEnv: NodeJS.ProcessEnv,
  control: StartControl = {},
): Promise<Running> {
  const root = resolve(__dirname, '..', '..');
  const logFile = join(config.DATA_DIR, 'worker.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, WORKER_ENTRY)], {
    cwd: root,
    env: workerEnv,
    // Its own process group: the terminal's Ctrl-C reaches us, and we stop the worker in order.
    detached: true,
    // The IPC channel ties its life to ours: it stops when the channel closes (src/worker.ts).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  if (child.pid) await control.onSpawn?.(child.pid, WORKER_ENTRY);
  let output = '';
  let ready = false;
  const relay = (chunk: Buffer) => {
    const text = chunk.toString();
    log.write(text);
    if (!ready) output += text;
    for (const line of text.split('\n')) if (line.trim()) process.stdout.write(`[worker] ${line}\n`);
  };
  child.stdout!.on('data', relay);
  child.stderr!.on('data', relay);
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );

  const deadline = Date.now() + 180_000;
  while (!/Worker polling task queue/.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      log.end();
      throw new StackStartError(
        `The worker exited during start (${child.exitCode ?? child.signalCode}):\n${output.trim()}`,
      );
    }
    if (Date.now() > deadline || control.signal?.aborted) {
      child.kill('SIGKILL');
      await exited;
      log.end();
      throw new StackStartError(
        control.signal?.aborted
          ? "The worker's start was cut short (stopping)."
          : `The worker did not start within 180 s; see ${logFile}.`,
      );
    }
    await sleep(100);
  }
  ready = true;
  output = '';
  const metrics = parseConfig(observabilityConfigSchema, workerEnv).METRICS_ADDRESS;
  return {
    name: 'worker',
    lines: [
      `Worker            pid ${child.pid}, task queue ${workerEnv.TASK_QUEUE} (log: ${logFile}, ${workerEnv.LOG_FORMAT === 'pretty' ? 'pretty' : 'JSON'} lines)`,
      ...(metrics === 'off' ? [] : [`Worker metrics    http://${metrics}/metrics (Prometheus)`]),
    ],
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), sleep(20_000, false, { ref: false })]);
        if (!stopped) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      log.end();
    },
  };
}
