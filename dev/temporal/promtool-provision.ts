/**
 * Prometheus's `promtool` (pinned), the rule checker and rule-test runner for deploy/prometheus/
 * (test/full/alert-rules.test.ts). Order: PROMTOOL_PATH (an explicit setting that does not work is an
 * error), the project's own copy in `.tools/promtool/<version>/`, and only then `go install` of
 * github.com/prometheus/prometheus/cmd/promtool from the Go module proxy into that copy (minutes the
 * first time; seconds with a warm Go build cache).
 */
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execFileAsync, firstLines, placeStaged, PROJECT_ROOT, run } from './provision';
import { findGo } from './server-provision';

const PROMTOOL_VERSION = '0.316.0';
const PROMTOOL_GO_PACKAGE = `github.com/prometheus/prometheus/cmd/promtool@v${PROMTOOL_VERSION}`;
const DEFAULT_PROMTOOL_TOOLS_DIR = join(PROJECT_ROOT, '.tools', 'promtool');

type PromtoolSource = 'PROMTOOL_PATH' | 'project';

export interface Promtool {
  path: string;
  /** The pinned version for the project's copy (a `go install` build prints none), else `promtool --version`'s first line. */
  version: string;
  source: PromtoolSource;
}

class PromtoolUnavailableError extends Error {
  override name = 'PromtoolUnavailableError';
}

export interface PromtoolProvisionOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines for the slow path (building). Silent when the copy is already there. */
  log?: (line: string) => void;
  /** Default `.tools/promtool`; the copy lives in `<toolsDir>/<version>/`. */
  toolsDir?: string;
  signal?: AbortSignal;
}

export async function ensurePromtool(options: PromtoolProvisionOptions = {}): Promise<Promtool> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const explicit = env.PROMTOOL_PATH?.trim();
  if (explicit) {
    const version = await probe(explicit);
    if (!version) {
      throw new PromtoolUnavailableError(
        `PROMTOOL_PATH is set to "${explicit}", but that is not a working promtool (\`promtool --version\` failed). Fix the path or unset PROMTOOL_PATH.`,
      );
    }
    return { path: explicit, version, source: 'PROMTOOL_PATH' };
  }
  const dir = join(options.toolsDir ?? DEFAULT_PROMTOOL_TOOLS_DIR, PROMTOOL_VERSION);
  const path = join(dir, 'promtool');
  const pinned = `promtool v${PROMTOOL_VERSION}`;
  if (await probe(path)) return { path, version: pinned, source: 'project' };

  const go = await findGo(env);
  if (!go) {
    throw new PromtoolUnavailableError(
      `No promtool ${PROMTOOL_VERSION} in ${dir}, and no Go to build one. Install Go (https://go.dev/dl/; or set GO=/path/to/go), ` +
        'or set PROMTOOL_PATH to a promtool you have.',
    );
  }
  const started = Date.now();
  log(
    `Building promtool ${PROMTOOL_VERSION} from the Go module proxy (go install -tags remove_all_sd ${PROMTOOL_GO_PACKAGE}) into ${dir} ...`,
  );
  await mkdir(dirname(dir), { recursive: true });
  // Built into a staging folder renamed into place: a concurrent or interrupted build never leaves a half copy.
  const staging = await mkdtemp(join(dirname(dir), `${PROMTOOL_VERSION}-staging-`));
  try {
    // Rule checks need no service discovery: without the cloud SDKs it pulls in, a cold build takes 4.6 min, not 11.
    await run(
      go,
      ['install', '-tags', 'remove_all_sd', PROMTOOL_GO_PACKAGE],
      { ...env, GOBIN: staging },
      undefined,
      options.signal,
    );
    await chmod(staging, 0o755);
    await placeStaged(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (options.signal?.aborted) throw error;
    throw new PromtoolUnavailableError(`Building ${PROMTOOL_GO_PACKAGE} failed: ${firstLines(error)}`);
  }
  if (!(await probe(path)))
    throw new PromtoolUnavailableError(`The build of ${PROMTOOL_GO_PACKAGE} finished, but ${path} does not run.`);
  // Its own `--version` is blank in a `go install` build: the pinned version is the one to show.
  log(`promtool ready: ${pinned} (built in ${Math.round((Date.now() - started) / 1000)} s)`);
  return { path, version: pinned, source: 'project' };
}

async function probe(path: string): Promise<string | undefined> {
  try {
    await access(path, fsConstants.X_OK);
    const { stdout, stderr } = await execFileAsync(path, ['--version'], { timeout: 15_000 });
    return (stdout || stderr).trim().split('\n')[0] || undefined;
  } catch {
    return undefined;
  }
}
