/**
 * The lean build: `npm run build` compiles the worker and the CLI to dist/ (with the workflow code
 * bundled once), and both run under plain Node, without tsx, with the production dependency
 * tree, which holds none of the development tooling.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PersonState } from '../src/workflows/definitions';
import { findFreePorts } from '../dev/net/ports';
import { PROJECT_ROOT, startCommand } from './support/processes';
import { ServiceHarness } from './support/service';

const run = promisify(execFile);

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

function packageNames(tree: NpmTree, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
    into.add(name);
    packageNames(child, into);
  }
  return into;
}

describe('npm run build', () => {
  let harness: ServiceHarness | undefined;
  beforeAll(async () => {
    await run('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, timeout: 180_000 });
  }, 200_000);
  afterAll(async () => {
    await harness?.stop();
  });

  it('writes the compiled worker, CLI and workflow bundle to dist/, and nothing of the development tooling', () => {
    for (const file of ['worker.js', 'client.js', 'codec-server.js', 'workflow-bundle.js', 'workflows/index.js'])
      expect(existsSync(join(PROJECT_ROOT, 'dist', file))).toBe(true);
    for (const tooling of ['simulators', 'stack', 'stack.js', 'demo.js', 'dev'])
      expect(existsSync(join(PROJECT_ROOT, 'dist', tooling))).toBe(false);
  });

  it("gives the compose file's codec server under plain Node", async () => {
    const [port] = await findFreePorts(1);
    const env = {
      PATH: process.env.PATH,
      TEMPORAL_CODEC_KEYS: `build-1:${randomBytes(32).toString('base64')}`,
      CODEC_SERVER_ADDRESS: `127.0.0.1:${port}`,
    };
    // No credential configured: it does not start, and says what to set.
    const open = startCommand(process.execPath, ['dist/codec-server.js'], env);
    expect((await open.exited).code).toBe(1);
    expect(open.output()).toMatch(/CODEC_AUTH_TOKEN: the codec server decrypts for whoever calls it/);
    const token = randomBytes(32).toString('base64url');
    const server = startCommand(process.execPath, ['dist/codec-server.js'], { ...env, CODEC_AUTH_TOKEN: token });
    try {
      await server.waitFor(/Codec server http:\/\/127\.0\.0\.1:\d+ \(key ids build-1;.*static bearer token/, 20_000);
      const decode = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: '{}',
        });
      expect((await decode({})).status).toBe(401);
      expect(await (await decode({ authorization: `Bearer ${token}` })).json()).toEqual({ payloads: [] });
      expect(server.output()).not.toContain(token);
    } finally {
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  });

  it('gives a CLI that runs under plain Node, as the package bin', async () => {
    const direct = await run(process.execPath, ['dist/client.js', '--help'], { cwd: PROJECT_ROOT });
    expect(direct.stdout).toMatch(/^Usage: bi-okta/);
    const bin = await run(process.execPath, ['bin/bi-okta.js', '--help'], { cwd: PROJECT_ROOT });
    expect(bin.stdout).toBe(direct.stdout);
  });

  it('has a production dependency tree without fastify or tsx', async () => {
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--json'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 32 * 1024 * 1024,
    });
    const names = packageNames(JSON.parse(stdout) as NpmTree);
    expect(names.has('@temporalio/worker')).toBe(true);
    for (const tooling of ['fastify', 'tsx', 'esbuild', 'jest', 'typescript']) expect(names.has(tooling)).toBe(false);
  });

  it('gives a worker that runs an onboarding to the end from dist/, with no tsx loaded', async () => {
    harness = await ServiceHarness.start();
    // No WORKFLOW_BUNDLE_PATH: the compiled worker finds dist/workflow-bundle.js beside itself.
    const worker = await harness.spawnWorker({ WORKFLOW_BUNDLE_PATH: '' }, ['dist/worker.js']);
    const email = 'compiled.worker@example.com';
    await harness.onboard([email]);
    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');
    expect((await harness.signIn(email)).ok).toBe(true);
    expect(worker.output()).not.toMatch(/tsx/);
  });
});
