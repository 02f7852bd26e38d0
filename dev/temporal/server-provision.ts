/**
 * Makes a full `temporal-server` (pinned) and its `temporal-sql-tool` available, with the
 * PostgreSQL schema they come with, for the PostgreSQL-backed Temporal (dev/temporal/postgres-server.ts).
 * Order: TEMPORAL_SERVER_PATH + TEMPORAL_SQL_TOOL_PATH (an explicit setting that does not work is
 * an error), the project's own copy in `.tools/temporal-server/<version>/`, and only then a build
 * of go.temporal.io/server from the Go module proxy into that copy (minutes; a second build in a
 * fresh clone reuses Go's build cache and is much faster).
 */
import { constants as fsConstants } from 'node:fs';
import { access, cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { chmodTree, execFileAsync, firstLines, placeStaged, PROJECT_ROOT, run } from './provision';

const TEMPORAL_SERVER_VERSION = '1.32.1';
const TEMPORAL_SERVER_GO_MODULE = `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`;
const DEFAULT_SERVER_TOOLS_DIR = join(PROJECT_ROOT, '.tools', 'temporal-server');

/** Inside the schema dir: what the sql tool's update-schema reads. */
export const POSTGRES_SCHEMA = {
  temporal: join('postgresql', 'v12', 'temporal', 'versioned'),
  visibility: join('postgresql', 'v12', 'visibility', 'versioned'),
} as const;

type ServerSource = 'TEMPORAL_SERVER_PATH' | 'project';

export interface TemporalServerBinaries {
  serverPath: string;
  sqlToolPath: string;
  /** Holds postgresql/v12/{temporal,visibility}/versioned. */
  schemaDir: string;
  version: string;
  source: ServerSource;
}

class TemporalServerUnavailableError extends Error {
  override name = 'TemporalServerUnavailableError';
}

export interface ServerProvisionOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Default `.tools/temporal-server`; the copy lives in `<toolsDir>/<version>/`. */
  toolsDir?: string;
  signal?: AbortSignal;
}

export function projectCopy(toolsDir = DEFAULT_SERVER_TOOLS_DIR) {
  const dir = join(toolsDir, TEMPORAL_SERVER_VERSION);
  return {
    dir,
    serverPath: join(dir, 'temporal-server'),
    sqlToolPath: join(dir, 'temporal-sql-tool'),
    schemaDir: join(dir, 'schema'),
  };
}

/** What is there without building: the explicit setting (checked) or the project's copy; undefined when neither. */
async function findTemporalServer(options: ServerProvisionOptions = {}): Promise<TemporalServerBinaries | undefined> {
  const env = options.env ?? process.env;
  const explicitServer = env.TEMPORAL_SERVER_PATH?.trim();
  const explicitTool = env.TEMPORAL_SQL_TOOL_PATH?.trim();
  if (explicitServer || explicitTool) return explicitBinaries(explicitServer, explicitTool, env);
  const copy = projectCopy(options.toolsDir);
  return usable(copy.serverPath, copy.sqlToolPath, copy.schemaDir, 'project');
}

export async function ensureTemporalServer(options: ServerProvisionOptions = {}): Promise<TemporalServerBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const existing = await findTemporalServer(options);
  if (existing) return existing;
  const copy = projectCopy(options.toolsDir);

  const go = await findGo(env);
  if (!go) {
    throw new TemporalServerUnavailableError(
      `No temporal-server ${TEMPORAL_SERVER_VERSION} in ${copy.dir}, and no Go to build one. Install Go (https://go.dev/dl/; ` +
        'or set GO=/path/to/go), or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH to binaries you have.',
    );
  }
  const started = Date.now();
  log(
    `Building temporal-server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool from the Go module proxy (${TEMPORAL_SERVER_GO_MODULE}) into ${copy.dir}; this takes minutes (about 6 on 2 cores the first time, under 2 with a warm Go build cache) ...`,
  );
  try {
    await buildServer(go, copy.dir, env, log, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new TemporalServerUnavailableError(`Building ${TEMPORAL_SERVER_GO_MODULE} failed: ${firstLines(error)}`);
  }
  const built = await usable(copy.serverPath, copy.sqlToolPath, copy.schemaDir, 'project');
  if (!built)
    throw new TemporalServerUnavailableError(
      `The build of ${TEMPORAL_SERVER_GO_MODULE} finished, but ${copy.serverPath} does not run.`,
    );
  log(`temporal-server ready: ${built.version} (built in ${Math.round((Date.now() - started) / 1000)} s)`);
  return built;
}

async function explicitBinaries(
  server: string | undefined,
  tool: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<TemporalServerBinaries> {
  if (!server || !tool) {
    throw new TemporalServerUnavailableError(
      "Set both TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH (or neither, for the project's own copy).",
    );
  }
  const schemaDir = env.TEMPORAL_SERVER_SCHEMA_DIR?.trim() || join(dirname(tool), 'schema');
  const found = await usable(server, tool, schemaDir, 'TEMPORAL_SERVER_PATH');
  if (!found) {
    throw new TemporalServerUnavailableError(
      `TEMPORAL_SERVER_PATH="${server}" / TEMPORAL_SQL_TOOL_PATH="${tool}" are set, but they are not a working temporal-server and ` +
        `temporal-sql-tool with a schema directory at "${schemaDir}" (set TEMPORAL_SERVER_SCHEMA_DIR to the server's schema/ folder). Fix them or unset both.`,
    );
  }
  return found;
}

async function usable(
  serverPath: string,
  sqlToolPath: string,
  schemaDir: string,
  source: ServerSource,
): Promise<TemporalServerBinaries | undefined> {
  const version = await probe(serverPath);
  if (!version || !(await probe(sqlToolPath))) return undefined;
  for (const dir of Object.values(POSTGRES_SCHEMA)) {
    if (!(await isDir(join(schemaDir, dir)))) return undefined;
  }
  return { serverPath, sqlToolPath, schemaDir, version, source };
}

async function probe(path: string): Promise<string | undefined> {
  try {
    await access(path, fsConstants.X_OK);
    const { stdout } = await execFileAsync(path, ['--version'], { timeout: 15_000 });
    return stdout.trim().split('\n')[0] || undefined;
  } catch {
    return undefined;
  }
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

export async function findGo(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const candidate of [env.GO, 'go', '/usr/local/go/bin/go'].filter((value): value is string => Boolean(value))) {
    try {
      await execFileAsync(candidate, ['version'], { env, timeout: 15_000 });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Builds into a staging folder renamed into place: a concurrent or interrupted build never leaves a half copy. */
async function buildServer(
  go: string,
  target: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), `${TEMPORAL_SERVER_VERSION}-staging-`));
  try {
    const { stdout } = await execFileAsync(go, ['mod', 'download', '-json', TEMPORAL_SERVER_GO_MODULE], {
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 20 * 60_000,
      signal,
    });
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error('`go mod download` did not report a module directory');
    const source = join(staging, 'src');
    await cp(moduleDir, source, { recursive: true });
    await chmodTree(source);
    const out = join(staging, 'out');
    await mkdir(out, { recursive: true });
    const buildEnv = { ...env, GOFLAGS: '-mod=mod' };
    for (const [name, pkg] of [
      ['temporal-server', './cmd/server'],
      ['temporal-sql-tool', './cmd/tools/sql'],
    ] as const) {
      const step = Date.now();
      log(`  go build ${pkg} ...`);
      await run(go, ['build', '-o', join(out, name), pkg], buildEnv, source, signal);
      log(`  ${name} built in ${Math.round((Date.now() - step) / 1000)} s`);
    }
    for (const dir of Object.values(POSTGRES_SCHEMA))
      await cp(join(source, 'schema', dir), join(out, 'schema', dir), { recursive: true });
    await placeStaged(out, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
