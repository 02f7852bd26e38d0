/**
 * Temporal's time-skipping test server for `@temporalio/testing`, without the SDK's download (which
 * our machines cannot reach): the same server is the Java artifact `io.temporal:temporal-test-server`
 * on Maven Central. Maven copies it and its jars into `.tools/temporal-test-server/<version>/lib`
 * and a wrapper script there starts it; the SDK runs that script as an `existing-path` executable.
 * Order: TEMPORAL_TEST_SERVER_PATH (an explicit setting that does not work is an error), the
 * project's own copy, and only then an install of that copy (needs `java` 17+ and `mvn`).
 */
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileAsync, firstLines, placeStaged, PROJECT_ROOT, run } from './provision';

const TEMPORAL_TEST_SERVER_VERSION = '1.31.0';
const TEMPORAL_TEST_SERVER_ARTIFACT = `io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION}`;
const DEFAULT_TEST_SERVER_TOOLS_DIR = join(PROJECT_ROOT, '.tools', 'temporal-test-server');
/** The wrapper's name: the SDK passes it the port to listen on (and, once, `--enable-time-skipping`). */
const WRAPPER = 'temporal-test-server';

type TestServerSource = 'TEMPORAL_TEST_SERVER_PATH' | 'project';

export interface TemporalTestServer {
  /** An executable that starts the server: `<path> <port> [options]`. */
  path: string;
  source: TestServerSource;
}

export class TemporalTestServerUnavailableError extends Error {
  override name = 'TemporalTestServerUnavailableError';
}

export interface TestServerProvisionOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines for the slow path (installing). Silent when the copy is already there. */
  log?: (line: string) => void;
  /** Default `.tools/temporal-test-server`; the copy lives in `<toolsDir>/<version>/`. */
  toolsDir?: string;
  signal?: AbortSignal;
}

export async function ensureTemporalTestServer(options: TestServerProvisionOptions = {}): Promise<TemporalTestServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const explicit = env.TEMPORAL_TEST_SERVER_PATH?.trim();
  if (explicit) {
    if (!(await executable(explicit))) {
      throw new TemporalTestServerUnavailableError(
        `TEMPORAL_TEST_SERVER_PATH is set to "${explicit}", but that is not an executable file. Fix the path or unset TEMPORAL_TEST_SERVER_PATH.`,
      );
    }
    return { path: explicit, source: 'TEMPORAL_TEST_SERVER_PATH' };
  }
  const dir = join(options.toolsDir ?? DEFAULT_TEST_SERVER_TOOLS_DIR, TEMPORAL_TEST_SERVER_VERSION);
  const wrapper = join(dir, WRAPPER);
  if (await installed(dir)) return { path: wrapper, source: 'project' };

  await requireTools(env);
  log(`Installing Temporal's test server (${TEMPORAL_TEST_SERVER_ARTIFACT}, Maven Central) into ${dir} ...`);
  await install(dir, env, options.signal);
  if (!(await installed(dir)))
    throw new TemporalTestServerUnavailableError(
      `The test server was installed into ${dir}, but its jars or wrapper are missing.`,
    );
  log('Temporal test server ready.');
  return { path: wrapper, source: 'project' };
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function installed(dir: string): Promise<boolean> {
  if (!(await executable(join(dir, WRAPPER)))) return false;
  try {
    return (await readdir(join(dir, 'lib'))).some((name) => name.startsWith('temporal-test-server-'));
  } catch {
    return false;
  }
}

async function requireTools(env: NodeJS.ProcessEnv): Promise<void> {
  const missing: string[] = [];
  for (const [tool, args] of [
    ['java', ['-version']],
    ['mvn', ['--version']],
  ] as const) {
    try {
      await execFileAsync(tool, [...args], { env, timeout: 30_000 });
    } catch (error) {
      missing.push(`  - ${tool}: ${firstLines(error)}`);
    }
  }
  if (missing.length === 0) return;
  throw new TemporalTestServerUnavailableError(
    [
      "The time-skipping tests need Temporal's test server, which the project installs from Maven Central with",
      'Java 17+ and Maven (for example `apt-get install openjdk-17-jre-headless maven`). Missing:',
      ...missing,
      'Or set TEMPORAL_TEST_SERVER_PATH to a test server executable (`<path> <port>` starts it).',
    ].join('\n'),
  );
}

/** A one-dependency pom, its jars copied by Maven, and the wrapper; staged, then renamed into place. */
async function install(dir: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const parent = join(dir, '..');
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(join(parent, 'staging-'));
  try {
    const [groupId, artifactId, version] = TEMPORAL_TEST_SERVER_ARTIFACT.split(':');
    await writeFile(
      join(staging, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.bi-okta</groupId><artifactId>temporal-test-server-copy</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>
  </dependencies>
</project>
`,
    );
    await run(
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=lib'],
      env,
      staging,
      signal,
    );
    // `exec`: the server is the wrapper's own process, so the pid the SDK started is the one to stop.
    await writeFile(
      join(staging, WRAPPER),
      `#!/bin/sh\nexec java -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"\n`,
    );
    await chmod(join(staging, WRAPPER), 0o755);
    await rm(join(staging, 'pom.xml'));
    await placeStaged(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
