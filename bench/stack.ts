/**
 * The run's own stack, on free loopback ports only (never the 7233/8233/802x defaults): a real
 * Temporal server (bench/temporal-server.ts: the dev server, headless, in memory, on a SQLite file
 * when the run kills it; or temporal-server on PostgreSQL; or an external one), both simulators with the run's rate limits, latency and faults (in
 * this process; in one child process of their own with durable state files when the run kills
 * them), the workflow bundle built once, and K worker processes loading it. Every part registers
 * its stop with the run's Cleanup.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Session } from '../src/cli/session';
import { dataConverterFromEnv, FAILURE_CONVERTER_PATH } from '../src/codec/data-converter';
import { integrationConfigSchema, integrationSpecFrom, parseConfig } from '../src/config';
import { findFreePorts } from '../dev/net/ports';
import { startBeyondIdentitySimulator } from '../dev/simulators/beyond-identity';
import { startOktaSimulator } from '../dev/simulators/okta';
import { verifyScheduleId, type IntegrationSpec } from '../src/workflows/definitions';
import type { Cleanup } from './cleanup';
import { API_PATHS, FaultPlan, type FaultCounters } from './faults';
import { oktaCredentialSettings } from './okta-auth';
import type { BenchConfig } from './options';
import { SimulatorsProcess } from './simulators-child';
import { startRunServer, type RestartableServer } from './temporal-server';
import { WorkerPool } from './workers';

export const PROJECT_ROOT = resolve(__dirname, '..');

export interface Simulators {
  bi: { managementUrl: string; authUrl: string; tenantId: string; apiToken: string };
  okta: { url: string; apiToken: string };
  biFaults: FaultCounters;
  oktaFaults: FaultCounters;
}

/**
 * Both simulators on ports the OS picks, with the run's limits and link lifetime. `withFaults`
 * false gives the baseline's simulators: the same limits and latency, no injected faults.
 */
export async function startSimulators(config: BenchConfig, cleanup: Cleanup, withFaults: boolean): Promise<Simulators> {
  const bi = await startBeyondIdentitySimulator({
    managementPort: 0,
    authPort: 0,
    apiTokens: [`bench-bi-${randomUUID()}`],
    bindingLinkTtlSeconds: config.linkTtlSeconds,
  });
  cleanup.add('Beyond Identity simulator', () => bi.stop());
  const okta = await startOktaSimulator({
    port: 0,
    apiTokens: [`bench-okta-${randomUUID()}`],
    rateLimits: config.limits,
    concurrencyLimit: config.oktaConcurrencyLimit,
  });
  cleanup.add('Okta simulator', () => okta.stop());
  const plan = (injector: typeof bi.faults, path: string, seed: number) =>
    new FaultPlan({
      injector,
      path,
      latencyMs: config.latencyMs,
      jitterMs: config.jitterMs,
      mix: withFaults && config.faultPreset !== 'none' ? config.faults : undefined,
      seed,
    });
  return {
    bi,
    okta,
    biFaults: plan(bi.faults, API_PATHS.beyondIdentity, config.seed),
    oktaFaults: plan(okta.faults, API_PATHS.okta, config.seed + 7919),
  };
}

/**
 * Both simulators in a child process of their own (bench/simulators-process.ts), for
 * `--kill-simulators`: fixed ports, tokens and tenant id for the whole run, durable state files in
 * the work directory, the run's latency and fault mix applied in the child.
 */
async function startSimulatorsProcess(
  config: BenchConfig,
  files: { workDir: string; logPrefix: string },
  cleanup: Cleanup,
): Promise<{ sims: Simulators; process: SimulatorsProcess }> {
  const [managementPort, authPort, oktaPort] = (await findFreePorts(3)) as [number, number, number];
  const log = createWriteStream(`${files.logPrefix}.simulators.log`, { flags: 'a' });
  cleanup.add("simulators' log", () => new Promise((done) => log.end(done)));
  const tenantId = `bench${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const biToken = `bench-bi-${randomUUID()}`;
  const oktaToken = `bench-okta-${randomUUID()}`;
  const child = new SimulatorsProcess({
    root: PROJECT_ROOT,
    log,
    seed: config.seed,
    config: {
      beyondIdentity: {
        managementPort,
        authPort,
        tenantId,
        apiToken: biToken,
        linkTtlSeconds: config.linkTtlSeconds,
        stateFile: join(files.workDir, 'beyond-identity.json'),
      },
      okta: {
        port: oktaPort,
        apiToken: oktaToken,
        rateLimits: config.limits,
        concurrencyLimit: config.oktaConcurrencyLimit,
        stateFile: join(files.workDir, 'okta.json'),
      },
      latencyMs: config.latencyMs,
      jitterMs: config.jitterMs,
      mix: config.faultPreset !== 'none' ? config.faults : undefined,
    },
  });
  cleanup.add(
    "simulators' process",
    () => child.stop(),
    () => child.killNow(),
  );
  const urls = await child.start();
  return {
    sims: {
      bi: { ...urls.beyondIdentity, tenantId, apiToken: biToken },
      okta: { url: urls.okta.url, apiToken: oktaToken },
      biFaults: child.faultCounters('beyondIdentity'),
      oktaFaults: child.faultCounters('okta'),
    },
    process: child,
  };
}

export interface BenchStack {
  /** The dev server (`server.current`), which the chaos may kill and restart on the same port and file. */
  server: RestartableServer;
  temporalVersion: string;
  client: Client;
  sims: Simulators;
  workers: WorkerPool;
  spec: IntegrationSpec;
  session: Session;
  /** Set when the simulators run in a process of their own (`--kill-simulators`). */
  simulatorsProcess?: SimulatorsProcess;
  /**
   * What the operator's CLI, run as a process of its own, needs to reach this stack's integration
   * (Temporal, the task queue, the settings the integration id is made of) and decode its payloads
   * (the run's codec key): no upstream API token, since the CLI talks to Temporal only.
   */
  cliEnv: NodeJS.ProcessEnv;
}

const quietBundler = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
  log: () => undefined,
};

export async function startStack(
  config: BenchConfig,
  files: { workDir: string; logPrefix: string },
  cleanup: Cleanup,
  random: () => number,
  say: (line: string) => void,
): Promise<BenchStack> {
  const { server, version: temporalVersion } = await startRunServer(config, files, say);
  cleanup.add(
    'Temporal server',
    () => server.stop(),
    () => server.killNow(),
  );
  const temporal = server.current;

  const own = config.killSimulatorsCount > 0 ? await startSimulatorsProcess(config, files, cleanup) : undefined;
  const sims = own?.sims ?? (await startSimulators(config, cleanup, true));
  say(
    `  simulators${own ? ` (their own process, durable state in ${files.workDir})` : ''}: Beyond Identity ${sims.bi.managementUrl} (auth ${sims.bi.authUrl}), Okta ${sims.okta.url}`,
  );

  const oktaCredential = await oktaCredentialSettings(config.oktaAuth, sims.okta, files.workDir, () => undefined);
  say(`  Okta credential of the workers: ${oktaCredential.line}`);

  const connection = await Connection.connect({ address: temporal.address });
  cleanup.add('Temporal client', () => connection.close());
  // Payloads encrypted as in production (the codec's cost is part of the figures); a key for this run only.
  const codecKeys = `bench-${randomUUID().slice(0, 8)}:${randomBytes(32).toString('base64')}`;
  const client = new Client({
    connection,
    namespace: temporal.namespace,
    dataConverter: dataConverterFromEnv({ TEMPORAL_CODEC_KEYS: codecKeys }),
  });

  say('  bundling the workflows once for every worker ...');
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietBundler,
  });
  const bundlePath = join(files.workDir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);

  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const integrationEnv = {
    BI_TENANT_ID: sims.bi.tenantId,
    OKTA_ORG_URL: sims.okta.url,
    BI_REALM_NAME: `Okta federation bench ${taskQueue.slice(6)}`,
    BINDING_POLL_INTERVAL_SECONDS: String(config.pollIntervalSeconds),
    ACTIVITY_TIMEOUT_SECONDS: String(config.activityTimeoutSeconds),
    BINDING_MAX_RESENDS: '3',
  };
  const spec = integrationSpecFrom(parseConfig(integrationConfigSchema, integrationEnv));
  // With --temporal-address the server outlives the run: its integration's verify schedule must not.
  cleanup.add('verify schedule', () =>
    client.schedule
      .getHandle(verifyScheduleId(spec.integrationId))
      .delete()
      .catch(() => undefined),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TASK_QUEUE: taskQueue,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    BI_TENANT_ID: sims.bi.tenantId,
    BI_API_TOKEN: sims.bi.apiToken,
    BI_MANAGEMENT_URL: sims.bi.managementUrl,
    BI_AUTH_URL: sims.bi.authUrl,
    OKTA_ORG_URL: sims.okta.url,
    ...oktaCredential.env,
    UPSTREAM_TIMEOUT_SECONDS: String(config.upstreamTimeoutSeconds),
    LOG_LEVEL: 'WARN',
    // scanWorkerLog reads the pretty layout; several workers cannot share one metrics port.
    LOG_FORMAT: 'pretty',
    METRICS_ADDRESS: 'off',
    TEMPORAL_CODEC_KEYS: codecKeys,
  };
  const log = createWriteStream(`${files.logPrefix}.workers.log`, { flags: 'a' });
  cleanup.add('workers log', () => new Promise((done) => log.end(done)));
  const workers = new WorkerPool({ root: PROJECT_ROOT, env, count: config.workers, log, random, say });
  cleanup.add(
    'workers',
    () => workers.stop(),
    () => workers.killAllNow(),
  );
  say(`  starting ${config.workers} worker process(es) ...`);
  await workers.start();

  const session: Session = {
    client,
    spec,
    taskQueue,
    address: temporal.address,
    namespace: temporal.namespace,
    uiUrl: 'http://127.0.0.1',
    close: async () => undefined,
  };
  const cliEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TASK_QUEUE: taskQueue,
    TEMPORAL_CODEC_KEYS: codecKeys,
    ...integrationEnv,
  };
  return {
    server,
    temporalVersion,
    client,
    sims,
    workers,
    spec,
    session,
    cliEnv,
    ...(own && { simulatorsProcess: own.process }),
  };
}
