/**
 * The run's Temporal: the CLI's dev server (default), temporal-server on a local PostgreSQL
 * (`--temporal-backend postgres`, in the run's work directory), or an external server
 * (`--temporal-address`, reused, never stopped). Restartable for `--kill-server` when it is ours.
 */
import { join } from 'node:path';
import { findFreePort, findFreePorts } from '../dev/net/ports';
import { reuseServer, startDevServer, type DevServerOptions, type TemporalServer } from '../dev/temporal/dev-server';
import { ensurePostgres } from '../dev/temporal/postgres';
import { startPostgresTemporal } from '../dev/temporal/postgres-server';
import { ensureTemporalCli } from '../dev/temporal/provision';
import { freeServicePorts } from '../dev/temporal/server-config';
import { ensureTemporalServer } from '../dev/temporal/server-provision';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/workflows/definitions';
import { RestartableServer } from './chaos';
import type { BenchConfig } from './options';

export async function startRunServer(config: BenchConfig, files: { workDir: string; logPrefix: string }, say: (line: string) => void): Promise<{ server: RestartableServer; version: string }> {
  if (config.temporalAddress) {
    const reused = await reuseServer(config.temporalAddress, 'default', SEARCH_ATTRIBUTE_KEYS);
    if (!reused) throw new Error(`--temporal-address ${config.temporalAddress}: no Temporal frontend answers there (namespace "default").`);
    say(`  Temporal server ${reused.address} (external: reused, not stopped; its CPU is not measured)`);
    return { server: new RestartableServer(reused, () => Promise.reject(new Error('an external server is not restarted'))), version: `external ${reused.address}` };
  }
  if (config.temporalBackend === 'postgres') {
    const binaries = await ensureTemporalServer({ log: say });
    const [frontendPort, postgresPort] = (await findFreePorts(2)) as [number, number];
    const options = {
      server: binaries,
      postgres: await ensurePostgres(process.env, say),
      dataDir: join(files.workDir, 'postgres-temporal'),
      frontendPort,
      ports: await freeServicePorts(frontendPort),
      postgresPort,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
    };
    const start = (): Promise<TemporalServer> => startPostgresTemporal(options);
    const server = new RestartableServer(await start(), start);
    say(`  temporal-server ${server.current.address} (${binaries.version}) on PostgreSQL 127.0.0.1:${postgresPort}, data in ${options.dataDir}`);
    return { server, version: `${binaries.version} on PostgreSQL` };
  }
  const cli = await ensureTemporalCli({ log: say });
  const serverOptions: DevServerOptions = {
    cliPath: cli.path,
    port: await findFreePort(),
    searchAttributes: SEARCH_ATTRIBUTE_KEYS,
    logFile: `${files.logPrefix}.temporal.log`,
    // Killed and restarted, it must find its workflows again: a file, not memory.
    ...(config.killServerCount > 0 && { dbFilename: join(files.workDir, 'temporal.sqlite') }),
  };
  const server = new RestartableServer(await startDevServer(serverOptions), () => startDevServer(serverOptions));
  say(`  Temporal dev server ${server.current.address} (${cli.version}${serverOptions.dbFilename ? `; SQLite ${serverOptions.dbFilename}` : ''})`);
  return { server, version: cli.version };
}
