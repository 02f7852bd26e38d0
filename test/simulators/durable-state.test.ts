/**
 * The simulators' durable mode (`durableState`): a change the simulator has answered is on disk,
 * so it survives a SIGKILL of the process right after the answer. A child process runs the
 * simulator on a state file; the test creates an object over HTTP, SIGKILLs the child as soon as
 * the answer is in, starts a new child on the same file and finds the object there.
 * Without durable mode the write would still wait in the 50-ms coalescing timer when the kill lands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';

const ROOT = resolve(__dirname, '..', '..');
const TENANT = 'durable0tenant';
const TOKEN = 'durable-state-token';

type Kind = 'okta' | 'beyond-identity';

/** The child: starts one simulator on any free port with the state file, in durable mode, and sends its base URL over IPC. */
const CHILD = `
const kind = process.env.SIM_KIND;
const stateFile = process.env.SIM_STATE_FILE;
process.on('disconnect', () => process.exit(0));
(async () => {
  if (kind === 'okta') {
    const { startOktaSimulator } = require(${JSON.stringify(join(ROOT, 'dev/simulators/okta'))});
    const sim = await startOktaSimulator({ port: 0, apiTokens: [${JSON.stringify(TOKEN)}], stateFile, durableState: true });
    process.send({ url: sim.url });
  } else {
    const { startBeyondIdentitySimulator } = require(${JSON.stringify(join(ROOT, 'dev/simulators/beyond-identity'))});
    const sim = await startBeyondIdentitySimulator({ managementPort: 0, authPort: 0, tenantId: ${JSON.stringify(TENANT)}, apiTokens: [${JSON.stringify(TOKEN)}], stateFile, durableState: true });
    process.send({ url: sim.managementUrl });
  }
})().catch((error) => {
  process.stderr.write(String(error && error.stack || error));
  process.exit(1);
});
`;

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<void>;
}

const children = new Set<ChildProcess>();

async function startChild(kind: Kind, stateFile: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, SIM_KIND: kind, SIM_STATE_FILE: stateFile },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => children.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((done, fail) => {
    child.once('message', (message: { url: string }) => done(message.url));
    child.once('exit', (code, signal) =>
      fail(new Error(`the simulator's child ended before it was ready (${code ?? signal}): ${stderr}`)),
    );
  });
  return { process: child, url, exited };
}

async function call(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<{ status: number; json: () => Promise<unknown> }> {
  const authorization = url.includes('/api/v1/') ? `SSWS ${TOKEN}` : `Bearer ${TOKEN}`;
  const response = await request(url, {
    method,
    headers: {
      authorization,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  return { status: response.statusCode, json: () => response.body.json() };
}

/** For each simulator: how to create one object, and where to find it again. */
const cases: {
  kind: Kind;
  create: (url: string) => Promise<{ status: number; json: () => Promise<unknown> }>;
  find: (url: string, id: string) => string;
}[] = [
  {
    kind: 'okta',
    create: (url) =>
      call('POST', `${url}/api/v1/users?activate=false`, {
        profile: { firstName: 'Dur', lastName: 'Able', email: 'durable@example.org', login: 'durable@example.org' },
      }),
    find: (url, id) => `${url}/api/v1/users/${id}`,
  },
  {
    kind: 'beyond-identity',
    create: (url) => call('POST', `${url}/v1/tenants/${TENANT}/realms`, { realm: { display_name: 'Durable realm' } }),
    find: (url, id) => `${url}/v1/tenants/${TENANT}/realms/${id}`,
  },
];

describe('simulators: durable state survives SIGKILL', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'sim-durable-'));
  });
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  it.each(cases)(
    '$kind: an object created and answered is there after a SIGKILL right after the answer',
    async ({ kind, create, find }) => {
      const stateFile = join(directory, `${kind}.json`);
      const first = await startChild(kind, stateFile);
      const created = await create(first.url);
      const { id } = (await created.json()) as { id: string };
      // The kill lands as soon as the answer is in: well within the 50 ms a coalesced write waits.
      first.process.kill('SIGKILL');
      expect(created.status).toBe(200);
      await first.exited;
      expect(first.process.signalCode).toBe('SIGKILL');

      const second = await startChild(kind, stateFile);
      try {
        const found = await call('GET', find(second.url, id));
        expect(found.status).toBe(200);
        expect(((await found.json()) as { id: string }).id).toBe(id);
      } finally {
        second.process.kill('SIGKILL');
        await second.exited;
      }
    },
  );
});
