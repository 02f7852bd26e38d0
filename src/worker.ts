/**
 * The worker process: polls the onboarding task queue of the configured Temporal cluster and runs
 * the workflows (src/workflows) and activities (src/activities) against Beyond Identity and Okta
 * (real, or the simulators of the embedded stack). Configuration comes from the environment and
 * is checked as a whole before anything starts. SIGINT/SIGTERM stop it gracefully: the SDK's
 * Runtime handles them, running activities get the grace time to finish.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from './activities';
import { codecSetupFromEnv, NOT_ENCRYPTED_WARNING } from './codec/data-converter';
import { BEYOND_IDENTITY_REGIONS } from './clients/beyond-identity/config';
import { ConfigError, parseConfig, upstreamConfigSchema, workerConfigSchema, type UpstreamConfig } from './config';
import { registerSecret } from './clients/http/secrets';
import { describeCredentialKind } from './clients/okta/credentials';
import { clientLogger } from './observability/client-logger';
import { installObservability, processLogger, type Observability } from './observability/runtime';
import { DEFAULT_TASK_QUEUE, temporalTarget } from './temporal/connection';
import { errorMessage } from './util/errors';

function activityDependencies(
  config: UpstreamConfig,
  temporal: ActivityDependencies['temporal'],
  observability?: Observability,
): ActivityDependencies {
  const logger = observability ? clientLogger(observability.logger) : undefined;
  const observer = observability?.metrics;
  const hosts = config.BI_REGION
    ? BEYOND_IDENTITY_REGIONS[config.BI_REGION]
    : { managementUrl: config.BI_MANAGEMENT_URL!, authUrl: config.BI_AUTH_URL! };
  const timeoutMs = config.UPSTREAM_TIMEOUT_SECONDS * 1000;
  const timeouts = { connectMs: Math.min(timeoutMs, 10_000), headersMs: timeoutMs, bodyMs: timeoutMs };
  return {
    beyondIdentity: {
      ...hosts,
      tenantId: config.BI_TENANT_ID,
      credentials: config.BI_API_TOKEN
        ? { kind: 'api-token', token: config.BI_API_TOKEN }
        : {
            kind: 'client-credentials',
            clientId: config.BI_CLIENT_ID!,
            clientSecret: config.BI_CLIENT_SECRET!,
            tokenUrl: config.BI_TOKEN_URL!,
          },
      timeouts,
      logger,
      observer,
    },
    okta: {
      orgUrl: config.OKTA_ORG_URL,
      credentials: config.OKTA_CREDENTIALS,
      timeouts,
      maxInFlight: config.OKTA_MAX_IN_FLIGHT,
      logger,
      observer,
    },
    temporal,
    biRegion: config.BI_REGION,
  };
}

/** `npm run build` leaves the workflow code bundled beside the compiled worker (dist/); sources run under tsx bundle at start. */
function prebuiltWorkflowBundle(): string | undefined {
  const path = join(__dirname, 'workflow-bundle.js');
  return existsSync(path) ? path : undefined;
}

export interface WorkerRun {
  worker: Worker;
  /** Resolves when the worker has stopped and its connections are closed. */
  done: Promise<void>;
}

/** Creates the worker (connected, activities wired) and starts it running. */
export async function startWorker(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<WorkerOptions> = {},
): Promise<WorkerRun> {
  const upstream = parseConfig(upstreamConfigSchema, env);
  const capacity = parseConfig(workerConfigSchema, env);
  const { dataConverter, keyring } = codecSetupFromEnv(env);
  const observability = await installObservability(env);
  if (!keyring) observability.logger.warn(NOT_ENCRYPTED_WARNING);
  // Keys from a file are not in the environment the redaction point was given.
  for (const key of keyring?.keys.values() ?? []) registerSecret(key.toString('base64'));
  const target = temporalTarget(env);
  const taskQueue = env.TASK_QUEUE || DEFAULT_TASK_QUEUE;
  const connection = await NativeConnection.connect(target.connectionOptions);
  // The activities' own client: integration contexts (a query), runs described and cancelled, offboarding runs started, the verify schedule.
  const clientConnection = await Connection.connect(target.connectionOptions).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  const client = new Client({ connection: clientConnection, namespace: target.namespace, dataConverter });
  const { activities, close: closeClients } = createActivities(
    activityDependencies(upstream, { client, taskQueue }, observability),
  );
  const close = async () => {
    await Promise.all([closeClients(), clientConnection.close()]);
  };
  const bundlePath = env.WORKFLOW_BUNDLE_PATH || prebuiltWorkflowBundle();
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: target.namespace,
      taskQueue,
      activities,
      dataConverter,
      ...(bundlePath
        ? { workflowBundle: { codePath: bundlePath } }
        : { workflowsPath: require.resolve('./workflows') }),
      shutdownGraceTime: '10 seconds',
      maxConcurrentActivityTaskExecutions: capacity.WORKER_MAX_ACTIVITIES,
      ...overrides,
    });
  } catch (error) {
    await Promise.all([connection.close(), close()]);
    throw error;
  }
  // The line the stack, the bench and the tests wait for (/Worker polling task queue/).
  observability.announce(
    `Worker polling task queue "${taskQueue}" on ${target.address} (namespace ${target.namespace}); ` +
      `Beyond Identity tenant ${upstream.BI_TENANT_ID}, Okta ${upstream.OKTA_ORG_URL} with ${describeCredentialKind(upstream.OKTA_CREDENTIALS.kind)}; ` +
      `payloads ${keyring ? `encrypted (key id ${keyring.encryptKeyId})` : 'NOT encrypted'}.`,
    {
      taskQueue,
      namespace: target.namespace,
      payloads: keyring ? 'encrypted' : 'clear',
      oktaCredentials: upstream.OKTA_CREDENTIALS.kind,
      ...(observability.metricsAddress ? { metrics: `http://${observability.metricsAddress}/metrics` } : {}),
    },
  );
  const done = worker.run().finally(async () => {
    await Promise.all([connection.close(), close()]);
  });
  return { worker, done };
}

/**
 * A worker started with an IPC channel (by `npm start`, the bench or the tests) stops when that
 * parent ends, however it ends: the kernel closes the channel even on SIGKILL. Gracefully first,
 * for certain after `hardStopMs`. Without a channel (production), nothing changes.
 */
function stopWhenParentEnds(shutdown: () => void, hardStopMs: number): void {
  if (!process.channel) return;
  process.once('disconnect', () => {
    setTimeout(() => process.exit(1), hardStopMs).unref();
    shutdown();
  });
  // Listening refs the channel; it must not be what keeps this process alive.
  process.channel.unref();
}

if (require.main === module) {
  let running: Worker | undefined;
  stopWhenParentEnds(() => {
    if (!running) process.exit(1);
    try {
      running.shutdown();
    } catch {
      // already stopping
    }
  }, 30_000);
  startWorker()
    .then(({ worker, done }) => {
      running = worker;
      return done;
    })
    .then(() => processLogger().info('Worker stopped.'))
    .catch((error: unknown) => {
      const text = error instanceof ConfigError ? `${error.message}\nSee docs/configuration.md.` : errorMessage(error);
      processLogger().error(`Worker stopped: ${text}`);
      process.exit(1);
    });
}
