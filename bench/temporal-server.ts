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
import type { BenchConfig } from './options';
import type { Restartable } from './types';
import { readTreeStats, type ProcStats } from './workers';

export async function startRunServer(
  config: BenchConfig,
  files: { workDir: string; logPrefix: string },
  say: (line: string) => void,
): Promise<{ server: RestartableServer; version: string }> {
  if (config.temporalAddress) {
    const reused = await reuseServer(config.temporalAddress, 'default', SEARCH_ATTRIBUTE_KEYS);
    if (!reused)
      throw new Error(
        `--temporal-address ${config.temporalAddress}: no Temporal frontend answers there (namespace "default").`,
      );
    say(`  Temporal server ${reused.address} (external: reused, not stopped; its CPU is not measured)`);
    return {
      server: new RestartableServer(reused, () => Promise.reject(new Error('an external server is not restarted'))),
      version: `external ${reused.address}`,
    };
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
    say(
      `  temporal-server ${server.current.address} (${binaries.version}) on PostgreSQL 127.0.0.1:${postgresPort}, data in ${options.dataDir}`,
    );
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
  say(
    `  Temporal dev server ${server.current.address} (${cli.version}${serverOptions.dbFilename ? `; SQLite ${serverOptions.dbFilename}` : ''})`,
  );
  return { server, version: cli.version };
}

/**
 * The Temporal dev server of a run, restartable: `kill` SIGKILLs the server's own process (its
 * supervisor sees it die and exits; we wait for that) and `restart` starts it again with the same
 * options (port, SQLite file). `current` is the server now running.
 */
export class RestartableServer implements Restartable {
  readonly label = 'Temporal dev server';
  kills = 0;
  restarts = 0;
  private readonly killedStats: ProcStats[] = [];
  private starting?: Promise<TemporalServer>;
  private stopped = false;

  constructor(
    public current: TemporalServer,
    private readonly startAgain: () => Promise<TemporalServer>,
  ) {}

  async kill(): Promise<void> {
    const pid = this.current.pid;
    if (!pid) throw new Error('the Temporal dev server has no pid of its own (a reused server cannot be killed)');
    this.killedStats.push(...this.liveStats());
    process.kill(pid, 'SIGKILL');
    this.kills += 1;
    // The supervisor exits once its command is gone; stop() resolves when it has.
    await this.current.stop();
  }

  async restart(): Promise<void> {
    if (this.stopped) return;
    this.starting = this.startAgain();
    try {
      this.current = await this.starting;
      this.restarts += 1;
    } finally {
      this.starting = undefined;
    }
    if (this.stopped) await this.current.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await this.current.stop();
  }

  /** Each process of the server now: the dev server's one, or temporal-server and PostgreSQL (with its backends). */
  private liveStats(): ProcStats[] {
    const pids =
      'pids' in this.current ? (this.current as { pids: number[] }).pids : this.current.pid ? [this.current.pid] : [];
    return pids.map((pid) => readTreeStats(pid)).filter((stats): stats is ProcStats => stats !== undefined);
  }

  /** For the process's exit handler. */
  killNow(): void {
    if (this.current.pid) process.kill(this.current.pid, 'SIGKILL');
  }

  /** CPU of every server process of the run (killed ones up to just before their kill), and the highest peak RSS. */
  stats(): ProcStats | undefined {
    const all = [...this.killedStats, ...this.liveStats()];
    if (all.length === 0) return undefined;
    return {
      cpuSeconds: all.reduce((sum, stats) => sum + stats.cpuSeconds, 0),
      peakRssKb: Math.max(...all.map((stats) => stats.peakRssKb)),
    };
  }
}
