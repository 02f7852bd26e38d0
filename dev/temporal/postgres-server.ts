/**
 * A full temporal-server on a local PostgreSQL, for `TEMPORAL_BACKEND=postgres npm start`, the
 * tests and the bench: PostgreSQL started (dev/temporal/postgres.ts), the databases and schema
 * set up with the server's sql tool (idempotent: a second start only checks), the config written
 * (dev/temporal/server-config.ts), temporal-server supervised, the namespace and our search
 * attributes registered. The same TemporalServer shape as the dev server; stop() stops
 * temporal-server, then PostgreSQL. Restarting either alone is for the crash tests.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { isPortFree, isPortOpen } from '../net/ports';
import { spawnSupervised, type Supervised } from '../stack/supervised';
import { isFrontendAnswering, registerSearchAttributes, type TemporalServer } from './dev-server';
import { LocalPostgres, POSTGRES_ROLE, type PostgresBinaries } from './postgres';
import { run } from './provision';
import {
  allPorts,
  derivedPorts,
  TEMPORAL_DATABASE,
  VISIBILITY_DATABASE,
  writeServerConfig,
  type ServicePorts,
} from './server-config';
import { POSTGRES_SCHEMA, type TemporalServerBinaries } from './server-provision';

class PostgresTemporalStartError extends Error {
  override name = 'PostgresTemporalStartError';
}

export interface PostgresTemporalOptions {
  server: TemporalServerBinaries;
  postgres: PostgresBinaries;
  /** Holds postgres/ (cluster, socket, log) and temporal-server/ (config, log). */
  dataDir: string;
  frontendPort: number;
  /** Default: derived from the frontend port (server-config.ts derivedPorts). */
  ports?: ServicePorts;
  postgresPort: number;
  namespace?: string;
  searchAttributes: readonly SearchAttributeKey<SearchAttributeType>[];
  /** Each process as soon as it runs: name, pid, and a fragment of its command line that identifies it. */
  onSpawn?: (name: 'PostgreSQL' | 'temporal-server', pid: number, commandLine: string) => void;
  readyTimeoutMs?: number;
}

const RETENTION = '3 days';

export class PostgresTemporal implements TemporalServer {
  readonly namespace: string;
  readonly address: string;
  readonly postgres: LocalPostgres;
  readonly ports: ServicePorts;
  readonly serverDir: string;
  private supervised?: Supervised;
  private log?: WriteStream;
  private serverPid?: number;

  constructor(readonly options: PostgresTemporalOptions) {
    this.namespace = options.namespace ?? 'default';
    this.address = `127.0.0.1:${options.frontendPort}`;
    this.ports = options.ports ?? derivedPorts(options.frontendPort);
    this.serverDir = join(options.dataDir, 'temporal-server');
    this.postgres = new LocalPostgres({
      binaries: options.postgres,
      dir: join(options.dataDir, 'postgres'),
      port: options.postgresPort,
      onSpawn: (pid) => options.onSpawn?.('PostgreSQL', pid, `-D ${join(options.dataDir, 'postgres', 'data')}`),
    });
  }

  get pid(): number | undefined {
    return this.serverPid;
  }
  /** Every process of ours that runs now: temporal-server and the postmaster. */
  get pids(): number[] {
    return [this.serverPid, this.postgres.pid].filter((pid): pid is number => pid !== undefined);
  }
  get logFile(): string {
    return join(this.serverDir, 'temporal-server.log');
  }

  /** PostgreSQL, schema, temporal-server, namespace, search attributes. */
  async start(): Promise<void> {
    try {
      await this.postgres.start();
      await this.setUpSchema();
      await this.startServer();
      await this.registerNamespace();
      await registerSearchAttributes(this.address, this.namespace, this.options.searchAttributes);
      await this.waitForSearchAttributes();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.stopServer();
    await this.postgres.stop();
  }

  async stopServer(): Promise<void> {
    await this.supervised?.stop();
    this.supervised = undefined;
    this.serverPid = undefined;
    this.log?.end();
    this.log = undefined;
  }

  async restartServer(): Promise<void> {
    await this.stopServer();
    await this.startServer();
  }

  /** PostgreSQL down and up again under a running temporal-server, which reconnects by itself. */
  async restartPostgres(): Promise<void> {
    await this.postgres.restart();
  }

  async startServer(): Promise<void> {
    const taken: number[] = [];
    for (const port of allPorts(this.ports)) if (!(await isPortFree(port))) taken.push(port);
    if (taken.length > 0)
      throw new PostgresTemporalStartError(
        `temporal-server cannot start on ${this.address}: ports ${taken.join(', ')} are in use (pick another TEMPORAL_PORT).`,
      );
    const configFile = await writeServerConfig(this.serverDir, this.ports, this.postgres.address);
    await mkdir(this.serverDir, { recursive: true });
    this.log = createWriteStream(this.logFile, { flags: 'a' });
    const supervised = spawnSupervised(
      this.options.server.serverPath,
      ['--config-file', configFile, '--allow-no-auth', 'start'],
      { graceMs: 15_000, output: 'pipe' },
    );
    supervised.supervisor.stdout?.pipe(this.log, { end: false });
    supervised.supervisor.stderr?.pipe(this.log, { end: false });
    this.supervised = supervised;
    this.serverPid = await supervised.pid.catch(() => undefined);
    if (this.serverPid) this.options.onSpawn?.('temporal-server', this.serverPid, configFile);
    let exited: string | undefined;
    void supervised.exited.then((status) => (exited = String(status.error ?? status.code ?? status.signal)));
    await this.until(
      'the frontend answers',
      () => exited ?? false,
      async () => this.frontendUp(),
    );
  }

  private async frontendUp(): Promise<boolean> {
    if (!(await isPortOpen(this.ports.frontend.grpc, '127.0.0.1', 1_000))) return false;
    return this.withConnection(async (connection) => {
      await connection.workflowService.getSystemInfo({});
      return true;
    }).catch(() => false);
  }

  /** The sql tool: both databases, the base versioning tables, then every versioned step (each a no-op once done). */
  private async setUpSchema(): Promise<void> {
    const tool = this.options.server.sqlToolPath;
    const [host, port] = this.postgres.address.split(':') as [string, string];
    for (const [database, dir] of [
      [TEMPORAL_DATABASE, POSTGRES_SCHEMA.temporal],
      [VISIBILITY_DATABASE, POSTGRES_SCHEMA.visibility],
    ] as const) {
      const base = ['--plugin', 'postgres12', '--ep', host, '-p', port, '-u', POSTGRES_ROLE, '--db', database];
      await run(tool, [...base, 'create-database'], process.env).catch((error: Error) => {
        if (!/already exists/.test(error.message)) throw error;
      });
      await run(tool, [...base, 'setup-schema', '-v', '0.0'], process.env);
      await run(tool, [...base, 'update-schema', '-d', join(this.options.server.schemaDir, dir)], process.env);
    }
  }

  private async registerNamespace(): Promise<void> {
    if (!(await isFrontendAnswering(this.address, this.namespace))) {
      await this.until(
        `namespace "${this.namespace}" is registered`,
        () => false,
        () =>
          this.withConnection(async (connection) => {
            await connection.workflowService
              .registerNamespace({ namespace: this.namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) })
              .catch((error: { code?: number }) => {
                if (error.code !== 6) throw error; // ALREADY_EXISTS: a retry after a lost answer
              });
            return true;
          }).catch(() => false),
      );
    }
    // The frontend serves from a namespace cache refreshed every few seconds: wait until it knows.
    await this.until(
      `namespace "${this.namespace}" is served`,
      () => false,
      () =>
        this.withConnection(async (connection) => {
          await connection.workflowService.countWorkflowExecutions({ namespace: this.namespace });
          return true;
        }).catch(() => false),
    );
  }

  private async waitForSearchAttributes(): Promise<void> {
    const names = this.options.searchAttributes.map((key) => key.name);
    await this.until(
      'our search attributes are visible',
      () => false,
      () =>
        this.withConnection(async (connection) => {
          const listed = await connection.operatorService.listSearchAttributes({ namespace: this.namespace });
          return names.every((name) => name in (listed.customAttributes ?? {}));
        }).catch(() => false),
    );
  }

  private async withConnection<T>(use: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address: this.address, connectTimeout: 2_000 });
    try {
      return await use(connection);
    } finally {
      await connection.close();
    }
  }

  /** Polls `ready` until true; fails with the server's last log lines on a timeout or when `failed` says why. */
  private async until(what: string, failed: () => string | false, ready: () => Promise<boolean>): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const why = failed();
      if (why) return this.fail(what, `temporal-server exited (${why})`);
      if (await ready()) return;
      await sleep(250);
    }
    return this.fail(what, `not within ${Math.round(timeoutMs / 1000)} s`);
  }

  private async fail(what: string, why: string): Promise<never> {
    const tail = (await readFile(this.logFile, 'utf8').catch(() => ''))
      .trimEnd()
      .split('\n')
      .slice(-12)
      .map((line) => line.slice(0, 400))
      .join('\n');
    throw new PostgresTemporalStartError(
      `temporal-server on ${this.address}: waited until ${what}, but ${why}.${tail ? `\nLast lines of ${this.logFile}:\n${tail}` : ''}`,
    );
  }
}

/** Starts the whole PostgreSQL-backed server and returns it running. */
export async function startPostgresTemporal(options: PostgresTemporalOptions): Promise<PostgresTemporal> {
  const server = new PostgresTemporal(options);
  await server.start();
  return server;
}
