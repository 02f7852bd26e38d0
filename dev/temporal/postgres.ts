/**
 * A local PostgreSQL for the PostgreSQL-backed Temporal: found on the machine (PG_BIN, PATH,
 * /usr/lib/postgresql/<n>/bin, /usr/local/bin) or, as root, installed from Debian's `postgresql`
 * package; a cluster made once in its data dir; started supervised on a loopback port (its unix
 * socket in a dir of its own, never /var/run), stopped with a fast shutdown, restartable.
 *
 * PostgreSQL refuses to run as root. Run as root, we run it as the unprivileged `postgres` user
 * (Debian's package makes it; we make it if missing) through setpriv, which execs postgres itself
 * so the supervised pid is the postmaster's. Otherwise it runs as whoever we are.
 * Authentication is `trust` on loopback only: a development database with no secret to keep.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPortFree } from '../net/ports';
import { spawnSupervised, type Supervised } from '../stack/supervised';
import { execFileAsync, run } from './provision';

const POSTGRES_USER = 'postgres';
/** The database role Temporal connects as (made by initdb as the cluster's superuser). */
export const POSTGRES_ROLE = 'temporal';

class PostgresUnavailableError extends Error {
  override name = 'PostgresUnavailableError';
}
class PostgresStartError extends Error {
  override name = 'PostgresStartError';
}

export interface PostgresBinaries {
  binDir: string;
  version: string;
}

/** Finds postgres + initdb; as root with apt-get, installs Debian's package when none is found. */
export async function ensurePostgres(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = () => undefined,
): Promise<PostgresBinaries> {
  const found = await findPostgres(env);
  if (found) return found;
  if (process.getuid?.() === 0 && (await commandWorks('apt-get', ['--version']))) {
    log("No PostgreSQL found: installing Debian's `postgresql` package (apt-get) ...");
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], aptEnv);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'], aptEnv);
    const installed = await findPostgres(env);
    if (installed) return installed;
  }
  throw new PostgresUnavailableError(
    'No PostgreSQL (postgres and initdb) was found. Install it (Debian/Ubuntu: `apt-get install postgresql`; macOS: `brew install postgresql`), ' +
      'or set PG_BIN to the folder holding its postgres and initdb.',
  );
}

async function findPostgres(env: NodeJS.ProcessEnv = process.env): Promise<PostgresBinaries | undefined> {
  const explicit = env.PG_BIN?.trim();
  if (explicit) {
    const version = await versionIn(explicit);
    if (!version)
      throw new PostgresUnavailableError(
        `PG_BIN="${explicit}" is set, but it holds no working postgres and initdb. Fix it or unset PG_BIN.`,
      );
    return { binDir: explicit, version };
  }
  const debian = await readdirSafe('/usr/lib/postgresql');
  const candidates = [
    ...(env.PATH ?? '').split(delimiter).filter(Boolean),
    ...debian.sort((a, b) => Number(b) - Number(a)).map((major) => join('/usr/lib/postgresql', major, 'bin')),
    '/usr/local/bin',
  ];
  for (const dir of candidates) {
    const version = await versionIn(dir);
    if (version) return { binDir: dir, version };
  }
  return undefined;
}

async function versionIn(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(join(dir, 'postgres'), ['--version'], { timeout: 10_000 });
    await execFileAsync(join(dir, 'initdb'), ['--version'], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function commandWorks(command: string, args: string[]): Promise<boolean> {
  return execFileAsync(command, args, { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}

/** How to run a PostgreSQL program: as `postgres` through setpriv when we are root, else as ourselves. */
interface RunAs {
  prefix: string[];
  uid?: number;
  gid?: number;
}

async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return { prefix: [] };
  let ids = await userIds(POSTGRES_USER);
  if (!ids) {
    await run(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', POSTGRES_USER],
      process.env,
    );
    ids = await userIds(POSTGRES_USER);
    if (!ids)
      throw new PostgresUnavailableError(
        `Could not create the user "${POSTGRES_USER}" to run PostgreSQL as (it refuses to run as root).`,
      );
  }
  return { prefix: ['setpriv', `--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--init-groups', '--'], ...ids };
}

async function userIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number((await execFileAsync('id', ['-u', name])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', name])).stdout.trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export interface PostgresOptions {
  binaries: PostgresBinaries;
  /** Holds data/ (the cluster), socket/ and postgres.log. */
  dir: string;
  port: number;
  onSpawn?: (pid: number) => void;
}

/** One PostgreSQL cluster on loopback: start() once, restart() as often as a test likes, stop(). */
export class LocalPostgres {
  private supervised?: Supervised;
  private log?: WriteStream;
  pid?: number;

  constructor(readonly options: PostgresOptions) {}

  get dataDir(): string {
    return join(this.options.dir, 'data');
  }
  get socketDir(): string {
    return join(this.options.dir, 'socket');
  }
  get logFile(): string {
    return join(this.options.dir, 'postgres.log');
  }

  /** Makes the cluster (once), starts the postmaster and waits until it accepts connections. */
  async start(): Promise<void> {
    const who = await runAs();
    await mkdir(this.options.dir, { recursive: true });
    // The unprivileged user must be able to reach its folders (traverse only; no listing of ours).
    if (who.uid !== undefined) await this.letPostgresReach(this.options.dir);
    for (const dir of [this.dataDir, this.socketDir]) {
      await mkdir(dir, { recursive: true });
      if (who.uid !== undefined && who.gid !== undefined) await chown(dir, who.uid, who.gid);
      await chmod(dir, 0o700);
    }
    const bin = (name: string) => join(this.options.binaries.binDir, name);
    if (!(await exists(join(this.dataDir, 'PG_VERSION')))) {
      const [command, ...args] = [
        ...who.prefix,
        bin('initdb'),
        '-D',
        this.dataDir,
        '-U',
        POSTGRES_ROLE,
        '--auth=trust',
        '--encoding=UTF8',
        '--no-instructions',
      ];
      await run(command!, args, process.env).catch((error: Error) => {
        throw new PostgresStartError(`initdb of ${this.dataDir} failed: ${error.message}`);
      });
    }
    if (!(await isPortFree(this.options.port)))
      throw new PostgresStartError(
        `PostgreSQL cannot start on 127.0.0.1:${this.options.port}: the port is already in use.`,
      );

    this.log = createWriteStream(this.logFile, { flags: 'a' });
    const [command, ...args] = [
      ...who.prefix,
      bin('postgres'),
      '-D',
      this.dataDir,
      '-h',
      '127.0.0.1',
      '-p',
      String(this.options.port),
      '-k',
      this.socketDir,
      // Temporal's connection pools, a few tools, and headroom for a restart's reconnects.
      '-c',
      'max_connections=200',
    ];
    // SIGINT is PostgreSQL's fast shutdown: SIGTERM (smart) would wait for Temporal's connections to close.
    const supervised = spawnSupervised(command!, args, { graceMs: 20_000, output: 'pipe', stopSignal: 'SIGINT' });
    supervised.supervisor.stdout?.pipe(this.log, { end: false });
    supervised.supervisor.stderr?.pipe(this.log, { end: false });
    this.supervised = supervised;
    this.pid = await supervised.pid.catch(() => undefined);
    if (this.pid) this.options.onSpawn?.(this.pid);
    await this.waitUntilReady(supervised);
  }

  /** Fast shutdown; resolves once the postmaster (and so every backend) is gone. */
  async stop(): Promise<void> {
    await this.supervised?.stop();
    this.supervised = undefined;
    this.log?.end();
    this.log = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * The unprivileged user must be able to traverse every folder above its own. We add traverse
   * (not read) where it is missing on our folder, its parent, and folders inside the temp dir;
   * anywhere else (a home directory, say) we say what to do rather than change it.
   */
  private async letPostgresReach(dir: string): Promise<void> {
    const top = resolve(tmpdir());
    for (let current = resolve(dir), depth = 0; current !== dirname(current); current = dirname(current), depth++) {
      const mode = (await stat(current)).mode;
      if ((mode & 0o001) !== 0) continue;
      if (depth <= 1 || isInside(current, top)) await addTraverse(current);
      else {
        throw new PostgresStartError(
          `PostgreSQL runs as the user "${POSTGRES_USER}" (it refuses root), and that user cannot reach ${current} (no traverse permission). ` +
            `Allow it with \`chmod o+x ${current}\`, or put DATA_DIR somewhere it can reach.`,
        );
      }
    }
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  private async waitUntilReady(supervised: Supervised): Promise<void> {
    let exited: string | undefined;
    void supervised.exited.then((status) => (exited = String(status.error ?? status.code ?? status.signal)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && exited === undefined) {
      // postmaster.pid's 8th line is the postmaster's state: "ready" once it accepts connections.
      const state = (await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8').catch(() => ''))
        .split('\n')[7]
        ?.trim();
      if (state === 'ready') return;
      await sleep(100);
    }
    await this.stop();
    const tail = (await readFile(this.logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-15).join('\n');
    throw new PostgresStartError(
      `PostgreSQL on ${this.address} did not become ready (${exited === undefined ? 'no "ready" within 60 s' : `it exited: ${exited}`}).\nLast lines of ${this.logFile}:\n${tail}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function addTraverse(dir: string): Promise<void> {
  const mode = (await stat(dir)).mode;
  if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o777) | 0o011);
}

function isInside(child: string, parent: string): boolean {
  const path = relative(parent, child);
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}
