/**
 * `bi-okta okta-service-app` as an admin runs it: the CLI as a process, with the Okta
 * simulator's SSWS token, against the simulator started here. Checks what it makes (app, key
 * file, grants, role), that running it again makes nothing, that no private key material is ever
 * printed, that the printed settings work, and its refusals and exit codes.
 */
import { createPrivateKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../dev/net/ports';
import { OktaApi } from '../src/clients/okta/api';
import { oktaCredentialsFromEnv } from '../src/clients/okta/credentials-env';
import { startOktaSimulator, type RunningOktaSimulator } from '../dev/simulators/okta';
import { CliRunner, type CliRun } from './support/cli';

const WORKER_SCOPES = [
  'okta.users.manage',
  'okta.groups.read',
  'okta.schemas.manage',
  'okta.idps.manage',
  'okta.policies.manage',
  // An Okta group sync's System Log (required only where a sync is configured; granted up front).
  'okta.logs.read',
];

interface Answer {
  app: { id: string; clientId: string; label: string; created: boolean; dpop: boolean };
  key: { kid: string; alg: string; file: string; written: boolean; addedToApp: boolean };
  scopes: { granted: string[]; alreadyGranted: string[]; extra: string[] };
  role: { type: string; assigned: boolean; others: string[] };
  settings: Record<string, string>;
  removeFromWorker: string[];
  warnings: string[];
}

describe('bi-okta okta-service-app', () => {
  let sim: RunningOktaSimulator;
  let dir: string;
  let runner: CliRunner;
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runner.run(['okta-service-app', ...args], env);

  /** The simulated org's Management API, as the admin. */
  async function okta<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const response = await fetch(`${sim.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `SSWS ${sim.apiToken}`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (response.status >= 300)
      throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
  const appsLabelled = async (label: string) =>
    (await okta<{ id: string; label: string }[]>(`/api/v1/apps?q=${encodeURIComponent(label)}&limit=200`)).filter(
      (app) => app.label === label,
    );
  const keysOf = (appId: string) => okta<{ kid: string; status: string }[]>(`/api/v1/apps/${appId}/credentials/jwks`);
  const grantsOf = async (appId: string) =>
    (await okta<{ scopeId: string }[]>(`/api/v1/apps/${appId}/grants`)).map((grant) => grant.scopeId).sort();
  const rolesOf = async (clientId: string) =>
    (await okta<{ type: string }[]>(`/oauth2/v1/clients/${clientId}/roles`)).map((role) => role.type);

  /** Nothing that belongs to the private key: its PEM armour, any line of its base64 body, or a JWK's private members. */
  async function expectNoKeyMaterial(run: CliRun, keyFile: string): Promise<void> {
    const pem = await readFile(keyFile, 'utf8');
    expect(run.output).not.toContain('PRIVATE KEY');
    for (const line of pem.split('\n').filter((text) => text.length > 20 && !text.startsWith('-----')))
      expect(run.output).not.toContain(line);
    const jwk = createPrivateKey(pem).export({ format: 'jwk' });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const)
      if (jwk[member]) expect(run.output).not.toContain(jwk[member]);
  }

  beforeAll(async () => {
    sim = await startOktaSimulator({ port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-service-app-'));
    runner = new CliRunner((overrides) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        OKTA_ORG_URL: sim.url,
        OKTA_API_TOKEN: sim.apiToken,
        ...overrides,
      };
      for (const name of ['OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY', 'OKTA_PRIVATE_KEY_FILE', 'OKTA_KEY_ID', 'OKTA_SCOPES'])
        delete env[name];
      return env;
    });
  });
  afterAll(async () => {
    await runner?.stopAll();
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the app, a 0600 PKCS#8 key file, the worker's scopes and ORG_ADMIN; prints the worker's settings and no key material", async () => {
    const keyFile = join(dir, 'okta-service-app.pem');
    const run = await cli(['--key-file', keyFile]);
    expect(run.output).toContain('Created the service app "bi-okta-federation"');
    expect(run.code).toBe(0);

    const [app, ...others] = await appsLabelled('bi-okta-federation');
    expect(others).toEqual([]);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const pem = await readFile(keyFile, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength).toBe(2048);

    const clientId = /^OKTA_CLIENT_ID=(\S+)$/m.exec(run.stdout)?.[1];
    const kid = /^OKTA_KEY_ID=(\S+)$/m.exec(run.stdout)?.[1];
    expect(clientId).toBe(app!.id);
    expect(run.stdout).toContain(`OKTA_ORG_URL=${sim.url}\n`);
    expect(run.stdout).toContain(`OKTA_PRIVATE_KEY_FILE=${keyFile}\n`);
    expect(run.stdout).toContain(`OKTA_SCOPES='${WORKER_SCOPES.join(' ')}'\n`);
    expect(run.stdout).toMatch(/Remove OKTA_API_TOKEN from the worker's environment/);
    expect((await keysOf(app!.id)).map((key) => [key.kid, key.status])).toEqual([[kid, 'ACTIVE']]);
    expect(await grantsOf(app!.id)).toEqual([...WORKER_SCOPES].sort());
    expect(await rolesOf(clientId!)).toEqual(['ORG_ADMIN']);
    await expectNoKeyMaterial(run, keyFile);
  });

  it('run again (--json), it creates nothing: the same client id and key, one app, no new key, grant or role', async () => {
    const keyFile = join(dir, 'okta-service-app.pem');
    const [app] = await appsLabelled('bi-okta-federation');
    const before = {
      keys: await keysOf(app!.id),
      grants: await grantsOf(app!.id),
      roles: await rolesOf(app!.id),
      pem: await readFile(keyFile, 'utf8'),
    };

    const run = await cli(['--key-file', keyFile], { OKTA_ORG_URL: `${sim.url}/` });
    const text = await cli(['--key-file', keyFile]);
    const json = await runner.run(['--json', 'okta-service-app', '--key-file', keyFile]);
    for (const each of [run, text, json]) expect(each.code).toBe(0);
    expect(text.stdout).toContain('(nothing had to change)');
    const answer = JSON.parse(json.stdout) as Answer;
    expect(answer.app).toMatchObject({ id: app!.id, clientId: app!.id, created: false, dpop: true });
    expect(answer.key).toMatchObject({ file: keyFile, written: false, addedToApp: false, alg: 'RS256' });
    expect(answer.scopes).toEqual({ granted: [], alreadyGranted: WORKER_SCOPES, extra: [] });
    expect(answer.role).toEqual({ type: 'ORG_ADMIN', assigned: false, others: [] });
    expect(answer.settings).toEqual({
      OKTA_ORG_URL: sim.url,
      OKTA_CLIENT_ID: app!.id,
      OKTA_PRIVATE_KEY_FILE: keyFile,
      OKTA_KEY_ID: before.keys[0]!.kid,
      OKTA_SCOPES: WORKER_SCOPES.join(' '),
    });
    expect(answer.removeFromWorker).toEqual(['OKTA_API_TOKEN']);
    // Progress goes to stderr with --json: stdout is the answer alone.
    expect(json.output).toContain('Found the service app "bi-okta-federation"');

    expect(await appsLabelled('bi-okta-federation')).toHaveLength(1);
    expect(await keysOf(app!.id)).toEqual(before.keys);
    expect(await grantsOf(app!.id)).toEqual(before.grants);
    expect(await rolesOf(app!.id)).toEqual(before.roles);
    expect(await readFile(keyFile, 'utf8')).toBe(before.pem);
    for (const each of [run, text, json]) await expectNoKeyMaterial(each, keyFile);
  });

  it("with the printed settings, the worker's own Okta client gets a DPoP-bound token with the scopes and calls Okta", async () => {
    const keyFile = join(dir, 'okta-service-app.pem');
    const run = await runner.run(['--json', 'okta-service-app', '--key-file', keyFile]);
    const { settings } = JSON.parse(run.stdout) as Answer;
    // The worker's environment: these settings and no API token (the worker refuses both at once).
    const { credentials, problems } = oktaCredentialsFromEnv(settings);
    expect(problems).toEqual([]);
    const api = new OktaApi({ orgUrl: settings.OKTA_ORG_URL!, credentials: credentials!, retry: { maxAttempts: 1 } });
    try {
      expect((await api.grantedScopes())?.sort()).toEqual([...WORKER_SCOPES].sort());
      expect(await api.findUserByLogin('nobody.here@example.com')).toBeUndefined();
      expect((await api.getUserSchema()).definitions.base).toBeDefined();
    } finally {
      await api.close();
    }
  });

  it('an app without a key held here gets a new key added, never a second app; an extra grant is warned about and left', async () => {
    const [app] = await appsLabelled('bi-okta-federation');
    await okta(`/api/v1/apps/${app!.id}/grants`, {
      method: 'POST',
      body: { scopeId: 'okta.apps.read', issuer: sim.url },
    });
    const otherKeyFile = join(dir, 'another-machine.pem');
    const run = await runner.run(['--json', 'okta-service-app', '--key-file', otherKeyFile]);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as Answer;
    expect(answer.app.created).toBe(false);
    expect(answer.key).toMatchObject({ written: true, addedToApp: true });
    expect(answer.scopes.extra).toEqual(['okta.apps.read']);
    expect(run.output).toMatch(
      /Warning: App "bi-okta-federation" also has scopes the worker does not use: okta\.apps\.read\. They are left granted/,
    );
    expect(await appsLabelled('bi-okta-federation')).toHaveLength(1);
    expect((await keysOf(app!.id)).map((key) => key.kid)).toContain(answer.key.kid);
    expect(await keysOf(app!.id)).toHaveLength(2);
    expect(await grantsOf(app!.id)).toContain('okta.apps.read');
    await expectNoKeyMaterial(run, otherKeyFile);
  });

  it('--key-type ec --no-dpop --role and --scopes: an EC P-256 key (ES256) on an app without DPoP, with what was asked', async () => {
    const keyFile = join(dir, 'ec.pem');
    const run = await runner.run([
      '--json',
      'okta-service-app',
      '--name',
      'bi-okta-ec',
      '--key-file',
      keyFile,
      '--key-type',
      'ec',
      '--no-dpop',
      '--role',
      'USER_ADMIN',
      '--scopes',
      'okta.users.read,okta.groups.read',
    ]);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as Answer;
    expect(answer.app).toMatchObject({ label: 'bi-okta-ec', created: true, dpop: false });
    expect(answer.key.alg).toBe('ES256');
    expect(createPrivateKey(await readFile(keyFile, 'utf8')).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(await grantsOf(answer.app.id)).toEqual(['okta.groups.read', 'okta.users.read']);
    expect(await rolesOf(answer.app.clientId)).toEqual(['USER_ADMIN']);
    expect(answer.settings.OKTA_SCOPES).toBe('okta.users.read okta.groups.read');
  });

  it('leaves a key file that is not its own as it is, and says so (exit 2)', async () => {
    const keyFile = join(dir, 'not-a-key.pem');
    await writeFile(keyFile, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI someone@example\n', { mode: 0o600 });
    const run = await cli(['--name', 'bi-okta-untouched', '--key-file', keyFile]);
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/is not an unencrypted PKCS#8 PEM private key .* left as it is/);
    expect(await readFile(keyFile, 'utf8')).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI someone@example\n');
    expect(await appsLabelled('bi-okta-untouched')).toEqual([]);
  });

  it('a bad admin token: exit 1, the 401 named, what to check; nothing written', async () => {
    const keyFile = join(dir, 'bad-token.pem');
    const run = await cli(['--key-file', keyFile], { OKTA_API_TOKEN: '00not-the-right-token-at-all' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/Okta at http:\/\/127\.0\.0\.1:\d+ refused the API token \(HTTP 401 E0000011/);
    expect(run.output).toMatch(/must be an active API token of this org, made by a Super Administrator/);
    expect(run.output).not.toContain('00not-the-right-token-at-all');
    await expect(stat(keyFile)).rejects.toThrow(/ENOENT/);
  });

  it('usage: no admin token or org URL (exit 2); an org that does not answer (exit 3)', async () => {
    const noToken = await cli([], { OKTA_API_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.output).toMatch(/OKTA_API_TOKEN: required: an API token of a Super Administrator/);
    const adminConsole = await cli(['--org-url', 'https://example-admin.okta.com']);
    expect(adminConsole.code).toBe(2);
    expect(adminConsole.output).toContain("is the Admin Console's address");
    const port = await findFreePort();
    const unreachable = await cli([
      '--org-url',
      `http://127.0.0.1:${port}`,
      '--key-file',
      join(dir, 'unreachable.pem'),
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.output).toMatch(
      new RegExp(`Could not reach Okta .*is http://127\\.0\\.0\\.1:${port} the org URL`),
    );
  });

  describe('with an admin who is not a Super Administrator', () => {
    let org: Server;
    let url: string;
    beforeAll(async () => {
      // Okta's answer to a non-super admin creating an app or granting scopes (docs/contracts/okta.md §0.3, §9.2).
      org = createServer((request, response) => {
        response.setHeader('content-type', 'application/json');
        if (request.method === 'GET') return response.end('[]');
        response.statusCode = 403;
        response.end(
          JSON.stringify({
            errorCode: 'E0000006',
            errorSummary: 'You do not have permission to perform the requested action',
            errorLink: 'E0000006',
            errorId: 'oae1',
            errorCauses: [],
          }),
        );
      });
      await new Promise<void>((done) => org.listen(0, '127.0.0.1', done));
      url = `http://127.0.0.1:${(org.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((done) => org.close(() => done())));

    it('exit 1, and that only a Super Administrator can do this', async () => {
      const run = await cli(['--org-url', url, '--key-file', join(dir, 'not-super.pem')]);
      expect(run.code).toBe(1);
      expect(run.output).toMatch(
        /Okta refused to create the service app \(HTTP 403 E0000006\): only a Super Administrator may create the service app, grant it Okta API scopes and assign it an admin role/,
      );
    });

    it("the key that run made is kept and used by the next run, with a Super Administrator's token", async () => {
      const keyFile = join(dir, 'not-super.pem');
      const pem = await readFile(keyFile, 'utf8');
      const run = await runner.run([
        '--json',
        'okta-service-app',
        '--name',
        'bi-okta-after-403',
        '--key-file',
        keyFile,
      ]);
      expect(run.code).toBe(0);
      const answer = JSON.parse(run.stdout) as Answer;
      expect(answer.app.created).toBe(true);
      expect(answer.key.written).toBe(false);
      expect((await keysOf(answer.app.id)).map((key) => key.kid)).toEqual([answer.key.kid]);
      expect(await readFile(keyFile, 'utf8')).toBe(pem);
    });
  });
});
