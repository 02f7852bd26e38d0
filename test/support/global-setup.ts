/**
 * Starts one real Temporal dev server for the whole jest run, on free loopback ports so it never
 * collides with a running `npm start`. Test files reach it through TEST_TEMPORAL_ADDRESS.
 * TEST_TEMPORAL_ADDRESS already set: that server is reused (search attributes registered, never
 * stopped). TEST_TEMPORAL_BACKEND=postgres: temporal-server on a local PostgreSQL instead.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findFreePort, findFreePorts } from '../../dev/net/ports';
import { reuseServer, startDevServer, type TemporalServer } from '../../dev/temporal/dev-server';
import { ensurePostgres } from '../../dev/temporal/postgres';
import { startPostgresTemporal } from '../../dev/temporal/postgres-server';
import { ensureTemporalServer } from '../../dev/temporal/server-provision';
import { ensureTemporalCli } from '../../dev/temporal/provision';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/definitions';
import { freeServicePorts } from '../../dev/temporal/server-config';

declare global {
  var __TEST_TEMPORAL__: { server: TemporalServer } | undefined;
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
  log: () => undefined,
};

export default async function globalSetup(): Promise<void> {
  const cli = await ensureTemporalCli();
  const dir = await mkdtemp(join(tmpdir(), 'bi-okta-test-temporal-'));
  const start = async (): Promise<TemporalServer> => {
    const backend = process.env.TEST_TEMPORAL_BACKEND ?? 'dev';
    if (backend === 'postgres') return startPostgresForTests(dir);
    if (backend !== 'dev') throw new Error(`TEST_TEMPORAL_BACKEND="${backend}": use dev or postgres.`);
    return startDevServer({
      cliPath: cli.path,
      port: await findFreePort(),
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      logFile: join(dir, 'temporal.log'),
    });
  };
  const external = process.env.TEST_TEMPORAL_ADDRESS;
  const namespace = process.env.TEST_TEMPORAL_NAMESPACE || 'default';
  // A free port can be taken by another process between our check and the server's bind: try once more.
  const server = external
    ? await reuseExternal(external, namespace)
    : await start().catch(async (error: unknown) => {
        process.stderr.write(
          `The test Temporal server did not start (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); trying another port.\n`,
        );
        return start();
      });
  // The workflow bundle is built once per run; every worker in the suite loads it.
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietBundlerLogger,
  });
  const bundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);
  process.env.TEST_WORKFLOW_BUNDLE_PATH = bundlePath;
  globalThis.__TEST_TEMPORAL__ = { server };
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_TEMPORAL_NAMESPACE = server.namespace;
  process.env.TEST_TEMPORAL_CLI_PATH = cli.path;
}

async function reuseExternal(address: string, namespace: string): Promise<TemporalServer> {
  const server = await reuseServer(address, namespace, SEARCH_ATTRIBUTE_KEYS);
  if (!server)
    throw new Error(
      `TEST_TEMPORAL_ADDRESS=${address} is set, but no Temporal frontend answers there (namespace "${namespace}"). Start it, or unset TEST_TEMPORAL_ADDRESS.`,
    );
  return server;
}

async function startPostgresForTests(dir: string): Promise<TemporalServer> {
  const [frontendPort, postgresPort] = await findFreePorts(2);
  return startPostgresTemporal({
    server: await ensureTemporalServer(),
    postgres: await ensurePostgres(),
    dataDir: join(dir, 'postgres-temporal'),
    frontendPort: frontendPort!,
    ports: await freeServicePorts(frontendPort!),
    postgresPort: postgresPort!,
    searchAttributes: SEARCH_ATTRIBUTE_KEYS,
  });
}
