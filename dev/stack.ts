/**
 * `npm start`: the embedded stack on loopback, started and stopped as one: a real Temporal dev
 * server (SQLite in .data/), the Beyond Identity and Okta simulators (unless real upstreams are
 * configured), and the worker. With the simulators the worker authenticates to Okta as an OAuth
 * service app, which the stack makes first by running `bi-okta okta-service-app` as an operator
 * would (OKTA_AUTH=ssws: the simulator's API token instead). Runs until Ctrl-C or SIGTERM, then
 * stops everything it started, in reverse order.
 */
import {
  integrationConfigSchema,
  integrationSpecFrom,
  observabilityConfigSchema,
  parseConfig,
  simulatorPortsSchema,
  stackConfigSchema,
  usesEmbeddedUpstreams,
} from '../src/config';
import { isPortFree } from './net/ports';
import { codecServerAddress, startStackCodec } from './stack/codec';
import {
  startBeyondIdentity,
  startOkta,
  startTemporal,
  startWorkerProcess,
  StackStartError,
  type Running,
} from './stack/components';
import { takeStackLock } from './stack/lock';
import {
  apiTokenCredential,
  describeGivenCredential,
  makeServiceApp,
  withoutOktaCredentials,
  type OktaCredentialForWorker,
} from './stack/okta-service-app';
import { DEFAULT_TASK_QUEUE } from '../src/temporal/connection';

/** A signal arrived during start: what had started is stopped again. */
export class StackStopped extends Error {
  override name = 'StackStopped';
}

/** Failures we explain in words; anything else also prints its stack. */
const EXPECTED_ERRORS = new Set([
  'StackStartError',
  'StackLockedError',
  'StackStopped',
  'ConfigError',
  'TemporalCliUnavailableError',
  'DevServerStartError',
  'TemporalServerUnavailableError',
  'PostgresUnavailableError',
  'PostgresStartError',
  'PostgresTemporalStartError',
]);

function say(line: string): void {
  process.stdout.write(`${line}\n`);
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

export interface EmbeddedStack {
  embedded: boolean;
  running: Running[];
  temporalAddress: string;
  namespace: string;
  uiUrl?: string;
  biManagementUrl?: string;
  oktaUrl?: string;
  /** Stops everything started, in reverse order, and releases the lock. */
  stop(): Promise<void>;
}

/**
 * Starts the whole stack (checks first: the lock, then every port, so a refusal starts nothing).
 * Aborting `signal` cuts a start short at any moment: what had started is stopped again, and the
 * start fails with StackStopped.
 */
export async function startStack(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<EmbeddedStack> {
  const config = { ...parseConfig(stackConfigSchema, env), ...parseConfig(simulatorPortsSchema, env) };
  const embedded = usesEmbeddedUpstreams(env);
  const lock = await takeStackLock(config.DATA_DIR, log);
  const checkpoint = (): void => {
    if (signal?.aborted) throw new StackStopped('Stopped during start; everything it had started is stopped again.');
  };
  const running: Running[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const component of [...running].reverse()) {
        log(`Stopping ${component.name} ...`);
        try {
          await component.stop();
        } catch (error) {
          process.stderr.write(`Could not stop ${component.name} cleanly: ${String(error)}\n`);
        }
      }
      await lock.release();
    })();
    return stopping;
  };
  const stack: EmbeddedStack = { embedded, running, temporalAddress: '', namespace: config.TEMPORAL_NAMESPACE, stop };

  try {
    let oktaCredentialLine: string | undefined;
    const codecPort = codecServerAddress(env).port;
    const metrics = parseConfig(observabilityConfigSchema, env).METRICS_ADDRESS;
    const ports = [
      { port: codecPort, variable: 'CODEC_SERVER_ADDRESS', what: 'codec server' },
      ...(metrics === 'off'
        ? []
        : [
            {
              port: Number(metrics.slice(metrics.lastIndexOf(':') + 1)),
              variable: 'METRICS_ADDRESS',
              what: "the worker's /metrics",
            },
          ]),
      ...(config.TEMPORAL_ADDRESS
        ? []
        : [
            { port: config.TEMPORAL_PORT, variable: 'TEMPORAL_PORT', what: 'Temporal frontend' },
            ...(config.TEMPORAL_BACKEND === 'dev'
              ? [{ port: config.TEMPORAL_UI_PORT, variable: 'TEMPORAL_UI_PORT', what: 'Temporal UI' }]
              : []),
          ]),
      ...(embedded
        ? [
            {
              port: config.BI_SIM_MANAGEMENT_PORT,
              variable: 'BI_SIM_MANAGEMENT_PORT',
              what: 'Beyond Identity simulator, management API',
            },
            {
              port: config.BI_SIM_AUTH_PORT,
              variable: 'BI_SIM_AUTH_PORT',
              what: 'Beyond Identity simulator, auth host',
            },
            { port: config.OKTA_SIM_PORT, variable: 'OKTA_SIM_PORT', what: 'Okta simulator' },
          ]
        : []),
    ];
    await assertPortsFree(ports);

    checkpoint();
    // Before Temporal: its UI is told where to decode payloads when it starts.
    const codec = await startStackCodec(
      env,
      config.DATA_DIR,
      config.TEMPORAL_BACKEND === 'dev' ? config.TEMPORAL_UI_PORT : undefined,
    );
    running.push(codec);
    checkpoint();
    const temporal = await startTemporal(config, log, {
      signal,
      uiCodecEndpoint: codec.uiEndpoint,
      onSpawn: (pid, commandLine, name) => lock.record(name ?? 'Temporal dev server', pid, commandLine),
    });
    running.push(temporal);
    stack.temporalAddress = temporal.server.address;
    stack.uiUrl = temporal.server.uiUrl;
    let workerEnv: NodeJS.ProcessEnv = {
      ...env,
      TEMPORAL_ADDRESS: temporal.server.address,
      TEMPORAL_NAMESPACE: temporal.server.namespace,
      TASK_QUEUE: env.TASK_QUEUE || DEFAULT_TASK_QUEUE,
      ...codec.workerEnv,
      LOG_LEVEL: env.LOG_LEVEL || 'WARN',
    };
    if (embedded) {
      checkpoint();
      const bi = await startBeyondIdentity(config, env);
      running.push(bi);
      stack.biManagementUrl = bi.sim.managementUrl;
      checkpoint();
      const okta = await startOkta(config, env);
      running.push(okta);
      stack.oktaUrl = okta.sim.url;
      checkpoint();
      // The worker gets one Okta credential: the service app the stack makes as an operator would, or the API token.
      const credential: OktaCredentialForWorker =
        config.OKTA_AUTH === 'oauth'
          ? await makeServiceApp(okta.sim, config.DATA_DIR, env, log, signal)
          : apiTokenCredential(okta.sim.apiToken);
      oktaCredentialLine = credential.line;
      workerEnv = {
        ...withoutOktaCredentials(workerEnv),
        BI_TENANT_ID: bi.sim.tenantId,
        BI_API_TOKEN: bi.sim.apiToken,
        BI_MANAGEMENT_URL: bi.sim.managementUrl,
        BI_AUTH_URL: bi.sim.authUrl,
        OKTA_ORG_URL: okta.sim.url,
        ...credential.env,
      };
    }
    checkpoint();
    const worker = await startWorkerProcess(config, workerEnv, {
      signal,
      onSpawn: (pid, commandLine) => lock.record('worker', pid, commandLine),
    });
    running.push(worker);
    worker.lines.push(oktaCredentialLine ?? describeGivenCredential(workerEnv));
    checkpoint();
    return stack;
  } catch (error) {
    await stop();
    if (signal?.aborted && !(error instanceof StackStopped))
      throw new StackStopped('Stopped during start; everything it had started is stopped again.');
    throw error;
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const stopRequested = new AbortController();
  const started: { stack?: EmbeddedStack } = {};
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested.signal.aborted) return;
    say(`\n${signal} received; stopping the stack.`);
    stopRequested.abort();
    // During start, startStack stops what it started and fails with StackStopped; once it is up, we stop it here.
    if (started.stack) void started.stack.stop().then(() => process.exit(0));
    // Whatever hangs, we end; what we started ends with us (supervised, or watching our IPC channel).
    setTimeout(() => process.exit(1), 60_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  let stack: EmbeddedStack;
  try {
    stack = await startStack(env, say, stopRequested.signal);
  } catch (error) {
    if (error instanceof StackStopped) {
      say(error.message);
      process.exit(0);
    }
    throw error;
  }
  started.stack = stack;
  const spec = integrationSpecFrom(parseConfig(integrationConfigSchema, env));
  say('');
  say(`The ${stack.embedded ? 'embedded ' : ''}stack is up:`);
  for (const component of stack.running) for (const line of component.lines) say(`  ${line}`);
  say('');
  say(`Integration       ${spec.integrationId}`);
  say('Try it:           npm run cli -- onboard alice@example.com   (then: npm run cli -- watch)');
  if (stack.embedded) say('                  npm run demo   (one person end to end, with the sign-in check)');
  say('');
  say('Press Ctrl-C to stop everything.');
}

/** The message for a failure to start: words for the expected ones, the stack trace for bugs. */
export function startFailureText(error: unknown): string {
  const expected = error instanceof Error && EXPECTED_ERRORS.has(error.name);
  return error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${startFailureText(error)}\n`);
    process.exit(1);
  });
}
