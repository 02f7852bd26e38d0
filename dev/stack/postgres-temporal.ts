/**
 * The stack's Temporal on `TEMPORAL_BACKEND=postgres`: temporal-server on a local PostgreSQL
 * (dev/temporal/postgres-server.ts), its data in DATA_DIR/postgres and DATA_DIR/temporal-server.
 * PostgreSQL listens on TEMPORAL_PORT - 1800 (5433 by default, beside a system PostgreSQL on 5432).
 */
import type { StackConfig } from '../../src/config';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/definitions';
import { ensurePostgres } from '../temporal/postgres';
import { startPostgresTemporal, type PostgresTemporal } from '../temporal/postgres-server';
import { ensureTemporalServer } from '../temporal/server-provision';

function postgresPortFor(temporalPort: number): number {
  return temporalPort - 1800;
}

export async function startPostgresBackend(
  config: StackConfig,
  say: (line: string) => void,
  control: { signal?: AbortSignal; onSpawn?: (pid: number, commandLine: string, name: string) => void | Promise<void> },
): Promise<{ server: PostgresTemporal; lines: string[] }> {
  const binaries = await ensureTemporalServer({ log: say, signal: control.signal });
  const postgres = await ensurePostgres(process.env, say);
  const server = await startPostgresTemporal({
    server: binaries,
    postgres,
    dataDir: config.DATA_DIR,
    frontendPort: config.TEMPORAL_PORT,
    postgresPort: postgresPortFor(config.TEMPORAL_PORT),
    namespace: config.TEMPORAL_NAMESPACE,
    searchAttributes: SEARCH_ATTRIBUTE_KEYS,
    onSpawn: (name, pid, commandLine) => void control.onSpawn?.(pid, commandLine, name),
  });
  return {
    server,
    lines: [
      `Temporal server   ${server.address} (namespace ${server.namespace}; ${binaries.version}, on PostgreSQL; log: ${server.logFile})`,
      'Temporal UI       (none on this backend: the Web UI comes with the dev server; use `npm run cli -- watch`)',
      `PostgreSQL        ${server.postgres.address} (${postgres.version}; data: ${server.postgres.dataDir}; log: ${server.postgres.logFile})`,
    ],
  };
}
