/**
 * Every failure the simulators can produce, as the clients classify it: 5xx, hangs, dropped
 * connections, 429 bursts, rejections (401, 404, 409, 422, 400), malformed responses; creates
 * whose response is lost (exactly one object afterwards); Beyond Identity client credentials.
 * Every error and log line produced here is kept, and the last test scans them for secrets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BeyondIdentitySetup } from '../../src/clients/beyond-identity/ensure';
import type { BeyondIdentityApi } from '../../src/clients/beyond-identity/api';
import {
  MalformedUpstreamResponseError,
  RejectedUpstreamError,
  TransientUpstreamError,
} from '../../src/clients/http/errors';
import type { OktaApi } from '../../src/clients/okta/api';
import { OktaSetup, oidcIdpBody, routingRuleBody, type DesiredOidcIdp } from '../../src/clients/okta/ensure';
import type { RunningBeyondIdentitySimulator } from '../../dev/simulators/beyond-identity';
import type { RunningOktaSimulator } from '../../dev/simulators/okta';
import {
  biApi,
  biRaw,
  clockSkewProxy,
  errorTexts,
  oktaApi,
  oktaRaw,
  RecordingLogger,
  REDIRECT_URI,
  rejectionOf,
  Resources,
  secretsIn,
  startBi,
  startOkta,
} from './support';
import { waitFor } from '../support/wait';

const BI_TOKEN = 'biConfiguredApiToken-7f3a9c1e5b2d4f60';
const WRONG_BI_TOKEN = 'biWrongApiToken-0a1b2c3d4e5f6a7b';
const BI_CLIENT = { clientId: 'FailuresTestManagementClient', clientSecret: 'biMgmtClientSecret-9e8d7c6b5a4f3e2d1c0b' };
const WRONG_CLIENT_SECRET = 'biWrongClientSecret-1234567890abcdef';
const OKTA_TOKEN = '00oktaConfiguredToken-5c4b3a2f1e0d9c8b';
const WRONG_OKTA_TOKEN = '00oktaWrongToken-8b7a6f5e4d3c2b1a';
const IDP_SECRET = 'oktaIdpClientSecret-0f1e2d3c4b5a69788796a5b4';

const FAST_RETRY = { initialDelayMs: 50, maxDelayMs: 200 };
/** Short timeouts and one attempt: the raw failure, not what retries make of it. */
const RAW = { timeouts: { headersMs: 500, bodyMs: 500 }, retry: { maxAttempts: 1 } };

describe('failures the simulators produce, as the clients classify them', () => {
  const resources = new Resources();
  const logger = new RecordingLogger();
  /** Every error a test saw, for the secrets scan at the end. */
  const errors: Error[] = [];
  /** Secrets that only become known during the run (application client secrets). */
  const learnedSecrets: string[] = [];

  let bi: RunningBeyondIdentitySimulator;
  let okta: RunningOktaSimulator;
  let biClient: BeyondIdentityApi;
  let biRawClient: BeyondIdentityApi;
  let biSetup: BeyondIdentitySetup;
  let oktaClient: OktaApi;
  let oktaRawClient: OktaApi;
  let oktaSetup: OktaSetup;
  let realmId: string;
  let configId: string;

  async function failure(promise: Promise<unknown>): Promise<Error> {
    const error = await rejectionOf(promise);
    errors.push(error);
    return error;
  }

  beforeAll(async () => {
    bi = resources.add(await startBi({ apiTokens: [BI_TOKEN], managementClient: BI_CLIENT, accessTokenTtlSeconds: 2 }));
    okta = resources.add(
      await startOkta({
        apiTokens: [OKTA_TOKEN],
        rateLimits: { other: 100_000, usersCollection: 100_000, userById: 100_000 },
      }),
    );
    biClient = resources.add(biApi(bi, { logger, retry: FAST_RETRY }));
    biRawClient = resources.add(biApi(bi, { logger, ...RAW }));
    biSetup = new BeyondIdentitySetup(biClient);
    oktaClient = resources.add(oktaApi(okta, { logger, retry: FAST_RETRY }));
    oktaRawClient = resources.add(oktaApi(okta, { logger, ...RAW }));
    oktaSetup = new OktaSetup(oktaClient);
    realmId = (await biSetup.ensureRealm('Failures realm')).value.id;
    configId = (await biSetup.ensureHostedWebAuthenticatorConfig(realmId, 'Okta hosted web')).value.id;
  });
  afterEach(() => {
    bi.faults.configure({});
    okta.faults.configure({});
  });
  afterAll(() => resources.release());

  const biState = () => biRaw(bi).state();
  const oktaState = () => oktaRaw(okta).state();
  const desiredIdp = (name: string): DesiredOidcIdp => ({
    name,
    clientId: 'biClientIdForFailureTests00',
    clientSecret: IDP_SECRET,
    issuer: 'http://127.0.0.1:9/i',
    authorizationUrl: 'http://127.0.0.1:9/i/authorize',
    tokenUrl: 'http://127.0.0.1:9/i/token',
    jwksUrl: 'http://127.0.0.1:9/i/jwks',
  });
  const person = (login: string) => ({ login, email: login, firstName: 'Fault', lastName: 'Tester' });

  describe('5xx', () => {
    it('Beyond Identity: a 503 is a TransientUpstreamError "server-error" with the upstream code', async () => {
      bi.faults.configure({ rules: [{ path: '/realms$', methods: ['GET'], errorRate: 1, errorStatuses: [503] }] });
      const error = await failure(biRawClient.listRealms());
      expect(error).toBeInstanceOf(TransientUpstreamError);
      expect(error).toMatchObject({
        kind: 'server-error',
        status: 503,
        upstreamCode: 'service_unavailable',
        service: 'beyond-identity',
        operation: 'list realms',
      });
      expect(error.message).toBe(
        'Beyond Identity failed "list realms" with HTTP 503: service_unavailable service unavailable',
      );
    });

    it('Okta: a 500 is "server-error" with errorCode and the request id', async () => {
      okta.faults.configure({
        rules: [{ path: '^/api/v1/idps$', methods: ['GET'], errorRate: 1, errorStatuses: [500] }],
      });
      const error = await failure(oktaRawClient.listOidcIdps('x'));
      expect(error).toMatchObject({
        name: 'TransientUpstreamError',
        kind: 'server-error',
        status: 500,
        upstreamCode: 'E0000009',
        requestId: expect.any(String),
      });
      expect(error.message).toContain(`[request id ${(error as TransientUpstreamError).requestId}]`);
    });

    it.each(['beyond-identity', 'okta'] as const)(
      '%s: an idempotent GET succeeds once the 5xx stop, after logged retries',
      async (service) => {
        const sim = service === 'okta' ? okta : bi;
        sim.faults.configure({ rules: [{ methods: ['GET'], errorRate: 1 }] });
        const linesBefore = logger.lines.length;
        const call: Promise<unknown[]> =
          service === 'okta' ? oktaClient.listOidcIdps('Lost-response target') : biClient.listRealms();
        await waitFor(
          async () => sim.faults.describe().stats.errors,
          (errors) => errors >= 2,
          5_000,
          10,
        ); // two attempts failed
        sim.faults.configure({});
        expect(Array.isArray(await call)).toBe(true);
        const retries = logger.lines.slice(linesBefore).filter((line) => line.startsWith('warn retrying'));
        expect(retries.length).toBeGreaterThanOrEqual(2);
        expect(retries[0]).toMatch(/failed .* with HTTP 5\d\d/);
      },
    );

    it('a create (POST) that got a 5xx is not blindly repeated; ensureRealm looks again and gives up after three tries, creating nothing', async () => {
      bi.faults.configure({ rules: [{ path: '/realms$', methods: ['POST'], errorRate: 1 }] });
      const before = bi.faults.describe().stats;
      const direct = await failure(biClient.createRealm('Never created'));
      expect(direct).toMatchObject({ kind: 'server-error' });
      expect(bi.faults.describe().stats.requests - before.requests).toBe(1);

      const ensured = await failure(biSetup.ensureRealm('Never created'));
      expect(ensured).toMatchObject({ name: 'TransientUpstreamError', kind: 'server-error' });
      expect(bi.faults.describe().stats.errors).toBe(4); // 1 direct + 3 creates; the lookups in between succeeded
      expect((await biState()).realms.filter((realm) => realm.display_name === 'Never created')).toEqual([]);
    });
  });

  describe('hangs and dropped connections', () => {
    it.each(['beyond-identity', 'okta'] as const)(
      '%s: a hang past the headers timeout is "timeout", quickly',
      async (service) => {
        const sim = service === 'okta' ? okta : bi;
        sim.faults.configure({ rules: [{ methods: ['GET'], hangRate: 1, hangMs: 5_000 }] });
        const started = Date.now();
        const error = await failure(service === 'okta' ? oktaRawClient.getUser('00u1') : biRawClient.listRealms());
        expect(error).toBeInstanceOf(TransientUpstreamError);
        expect(error).toMatchObject({ kind: 'timeout' });
        expect(error.message).toMatch(/did not answer ".*" in time \(UND_ERR_HEADERS_TIMEOUT\)/);
        expect(Date.now() - started).toBeLessThan(2_500);
      },
    );

    it.each(['beyond-identity', 'okta'] as const)('%s: a dropped connection is "network"', async (service) => {
      const sim = service === 'okta' ? okta : bi;
      sim.faults.configure({ rules: [{ methods: ['GET'], dropRate: 1 }] });
      const error = await failure(service === 'okta' ? oktaRawClient.getIdp('0oa1') : biRawClient.listRealms());
      expect(error).toBeInstanceOf(TransientUpstreamError);
      expect(error).toMatchObject({ kind: 'network' });
      expect(error.message).toMatch(/^Could not reach (Okta|Beyond Identity) for ".*" \(UND_ERR_SOCKET\)$/);
    });

    it('a GET whose connection drops is retried and succeeds once the network is back', async () => {
      bi.faults.configure({ rules: [{ methods: ['GET'], dropRate: 1 }] });
      const call = biClient.getRealm(realmId);
      await waitFor(
        async () => bi.faults.describe().stats.drops,
        (drops) => drops >= 1,
        5_000,
        10,
      );
      bi.faults.configure({});
      expect(await call).toMatchObject({ id: realmId });
    });
  });

  describe('429 bursts', () => {
    it('Beyond Identity: waits what Retry-After asks, then succeeds (GET and POST alike)', async () => {
      bi.faults.configure({ rules: [{ path: '/realms$', burst429: { count: 2, retryAfterSeconds: 1 } }] });
      const linesBefore = logger.lines.length;
      const started = Date.now();
      const realms = await biClient.listRealms();
      expect(realms.map((realm) => realm.id)).toContain(realmId);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_950);
      const retries = logger.lines.slice(linesBefore).filter((line) => line.startsWith('warn retrying'));
      expect(retries).toEqual([
        expect.stringMatching(/^warn retrying "list realms" in 1000 ms .*rate-limited .*retry in 1 s/),
        expect.stringMatching(/in 1000 ms/),
      ]);

      bi.faults.configure({
        rules: [{ path: '/realms$', methods: ['POST'], burst429: { count: 1, retryAfterSeconds: 1 } }],
      });
      const created = await biClient.createRealm('After a 429');
      expect(
        (await biState()).realms.filter((realm) => realm.display_name === 'After a 429').map((realm) => realm.id),
      ).toEqual([created.id]);
    });

    it('Okta: waits until X-Rate-Limit-Reset (read against Date), then succeeds', async () => {
      const user = await oktaClient.createFederatedUser(person('limited@example.com'));
      // The org's clock runs an hour ahead of ours: read against our clock, the reset would be an hour away.
      const proxy = await clockSkewProxy(okta.url, 3_600_000);
      const skewed = oktaApi(okta, { logger, retry: FAST_RETRY, orgUrl: proxy.url });
      try {
        okta.faults.configure({
          rules: [{ path: '^/api/v1/users/[^/]+$', methods: ['GET'], burst429: { count: 1, retryAfterSeconds: 1 } }],
        });
        const linesBefore = logger.lines.length;
        const started = Date.now();
        expect((await skewed.getUser(user.id))?.id).toBe(user.id);
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(1_000);
        expect(elapsed).toBeLessThan(5_000);
        const retries = logger.lines.slice(linesBefore).filter((line) => line.startsWith('warn retrying'));
        expect(retries).toEqual([
          expect.stringMatching(
            /^warn retrying "get user" in \d{4} ms .*Okta rate-limited .*get user.* \(HTTP 429\); retry in \d s/,
          ),
        ]);
        expect(okta.faults.describe().stats.tooManyRequests).toBe(1);
      } finally {
        await skewed.close();
        await proxy.close();
      }
    });

    it.each(['beyond-identity', 'okta'] as const)(
      '%s: a wait longer than the client will sit out is handed up as "rate-limited" with the wait',
      async (service) => {
        const sim = service === 'okta' ? okta : bi;
        sim.faults.configure({ rules: [{ burst429: { count: 1, retryAfterSeconds: 30 } }] });
        const client =
          service === 'okta'
            ? oktaApi(okta, { logger, retry: { maxRetryAfterMs: 1_000 } })
            : biApi(bi, { logger, retry: { maxRetryAfterMs: 1_000 } });
        try {
          const started = Date.now();
          const error = await failure('getIdp' in client ? client.getIdp('0oa1') : client.listRealms());
          expect(error).toMatchObject({ name: 'TransientUpstreamError', kind: 'rate-limited', status: 429 });
          const wait = (error as TransientUpstreamError).retryAfterMs ?? 0;
          expect(wait).toBeGreaterThanOrEqual(29_000);
          expect(wait).toBeLessThanOrEqual(32_000);
          expect(Date.now() - started).toBeLessThan(1_000);
        } finally {
          await client.close();
        }
      },
    );
  });

  describe('rejections', () => {
    it('401: a wrong Beyond Identity token, then a wrong Okta token', async () => {
      const wrongBi = biApi(bi, { logger, credentials: { kind: 'api-token', token: WRONG_BI_TOKEN } });
      const wrongOkta = oktaApi(okta, { logger, apiToken: WRONG_OKTA_TOKEN });
      try {
        const biError = await failure(wrongBi.listRealms());
        expect(biError).toBeInstanceOf(RejectedUpstreamError);
        expect(biError).toMatchObject({ kind: 'authentication', status: 401, upstreamCode: 'unauthorized' });
        expect(biError.message).toMatch(/check the Beyond Identity API token or client credentials/);
        const oktaError = await failure(wrongOkta.getUser('00u1'));
        expect(oktaError).toMatchObject({
          name: 'RejectedUpstreamError',
          kind: 'authentication',
          status: 401,
          upstreamCode: 'E0000011',
          requestId: expect.any(String),
        });
      } finally {
        await Promise.all([wrongBi.close(), wrongOkta.close()]);
      }
    });

    it('404: a realm that does not exist; an Okta IdP that does not exist', async () => {
      const biError = await failure(biClient.listApplications('ffffffffffffffff'));
      expect(biError).toMatchObject({
        name: 'RejectedUpstreamError',
        kind: 'not-found',
        status: 404,
        upstreamCode: 'not_found',
        upstreamMessage: 'realm not found',
      });
      const oktaError = await failure(oktaClient.setIdpActive('0oa00000000000000000', true));
      expect(oktaError).toMatchObject({
        name: 'RejectedUpstreamError',
        kind: 'not-found',
        status: 404,
        upstreamCode: 'E0000007',
      });
    });

    it('400: a realm name Beyond Identity refuses, with the field that was wrong', async () => {
      const error = await failure(biClient.createRealm('a/b'));
      expect(error).toMatchObject({
        name: 'RejectedUpstreamError',
        kind: 'invalid-request',
        status: 400,
        upstreamCode: 'bad_request',
      });
      expect(error.message).toContain('realm.display_name: invalid characters');
    });

    it('409: a duplicate username is a conflict; racing ensureIdentity calls make one identity and adopt it', async () => {
      await biClient.createIdentity(realmId, {
        username: 'dup@example.com',
        email: 'dup@example.com',
        displayName: 'Dup',
      });
      const conflict = await failure(
        biClient.createIdentity(realmId, { username: 'DUP@example.com', email: 'dup@example.com', displayName: 'Dup' }),
      );
      expect(conflict).toMatchObject({
        name: 'RejectedUpstreamError',
        kind: 'conflict',
        status: 409,
        upstreamCode: 'conflict',
        upstreamMessage: 'username already exists',
      });

      // Five callers look, find nothing, and create at once: the slow POSTs make sure every lookup comes first.
      bi.faults.configure({ rules: [{ path: '/identities$', methods: ['POST'], latencyMs: 150 }] });
      const emails = [
        'Race@Example.com',
        'race@example.com',
        'RACE@example.com',
        'race@EXAMPLE.com',
        'race@example.COM',
      ];
      const results = await Promise.all(emails.map((email) => biSetup.ensureIdentity(realmId, email)));
      const ids = new Set(results.map((result) => result.value.id));
      expect(ids.size).toBe(1);
      expect(results.map((result) => result.outcome).sort()).toEqual([
        'adopted',
        'adopted',
        'adopted',
        'adopted',
        'created',
      ]);
      expect(
        (await biState()).identities
          .filter((identity) => identity.traits.username === 'race@example.com')
          .map((identity) => identity.id),
      ).toEqual([...ids]);
    });

    it('Okta: racing ensureUser calls make one user; the duplicate-login 400 is adopted', async () => {
      okta.faults.configure({ rules: [{ path: '^/api/v1/users$', methods: ['POST'], latencyMs: 150 }] });
      const results = await Promise.all([1, 2, 3].map(() => oktaSetup.ensureUser(person('okta.race@example.com'))));
      expect(new Set(results.map((result) => result.value.id)).size).toBe(1);
      expect(results.map((result) => result.outcome).sort()).toEqual(['adopted', 'adopted', 'created']);
      expect((await oktaState()).users.filter((user) => user.profile.login === 'okta.race@example.com')).toHaveLength(
        1,
      );

      const duplicate = await failure(oktaClient.createFederatedUser(person('OKTA.RACE@example.com')));
      expect(duplicate).toMatchObject({
        name: 'RejectedUpstreamError',
        kind: 'invalid-request',
        status: 400,
        upstreamCode: 'E0000001',
      });
      expect(duplicate.message).toContain('login: An object with this field already exists');
    });

    it('422: a binding job for an identity without an email', async () => {
      // Made through the raw API: the ensure-operation would always give it one.
      const identity = await biClient.createIdentity(realmId, {
        username: 'no-email-person',
        email: '',
        displayName: 'No Email',
      });
      expect(identity.traits.primary_email_address).toBeUndefined();
      const error = await failure(biSetup.ensureBindingJob(realmId, identity.id, configId));
      expect(error).toMatchObject({
        name: 'RejectedUpstreamError',
        kind: 'invalid-request',
        status: 422,
        upstreamCode: 'unprocessable_entity',
        upstreamMessage: 'Identity missing email address',
      });
      expect((await biState()).credential_binding_jobs.filter((job) => job.identity_id === identity.id)).toEqual([]);
    });
  });

  describe('malformed responses', () => {
    let server: Server;
    let base: string;
    const seen: string[] = [];

    beforeAll(async () => {
      const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
        // A realm without its display_name.
        '/v1/tenants/T/realms': (_request, response) =>
          json(response, 200, { realms: [{ id: 'r1', display_name: 'ok' }, { id: 'r2' }] }),
        // Not JSON at all.
        '/v1/tenants/T/realms/r1/applications': (_request, response) =>
          response.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
        // A proxy that echoes the Authorization header into an error page.
        '/v1/tenants/T/realms/echo/applications': (request, response) =>
          response
            .writeHead(400, { 'content-type': 'text/plain' })
            .end(`bad request with ${request.headers.authorization}`),
        // An Okta user missing status and profile, with an id of the wrong type.
        '/api/v1/users/00u1': (_request, response) => json(response, 200, { id: 5 }),
        // A next link to another origin.
        '/api/v1/idps': (_request, response) =>
          json(response, 200, [], { link: '<http://evil.example/api/v1/idps?after=x>; rel="next"' }),
      };
      server = createServer((request, response) => {
        const path = (request.url ?? '').split('?')[0] ?? '';
        seen.push(path);
        const route = routes[path];
        if (route) route(request, response);
        else json(response, 404, { code: 'not_found', message: 'not found' });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    }

    it('names the bad field, says when the body is not JSON, and does not retry', async () => {
      const api = biApi(bi, {
        logger,
        managementUrl: base,
        tenantId: 'T',
        credentials: { kind: 'api-token', token: BI_TOKEN },
      });
      try {
        const shape = await failure(api.listRealms());
        expect(shape).toBeInstanceOf(MalformedUpstreamResponseError);
        expect((shape as MalformedUpstreamResponseError).problems).toEqual([
          'realms.1.display_name: Invalid input: expected string, received undefined',
        ]);
        expect(shape.message).toMatch(
          /^Beyond Identity answered "list realms" with a response we do not understand \(HTTP 200\): realms\.1\.display_name/,
        );

        const notJson = await failure(api.listApplications('r1'));
        expect(notJson).toBeInstanceOf(MalformedUpstreamResponseError);
        expect(notJson.message).toContain('the body is not JSON: <html>maintenance</html>');

        const echoed = await failure(api.listApplications('echo'));
        expect(echoed).toMatchObject({
          name: 'RejectedUpstreamError',
          status: 400,
          upstreamMessage: 'bad request with Bearer [redacted]',
        });
        expect(seen.filter((path) => path.startsWith('/v1/'))).toHaveLength(3);
      } finally {
        await api.close();
      }
    });

    it('Okta: a user of the wrong shape, and a Link to another origin that is not followed', async () => {
      const api = oktaApi(okta, { logger, orgUrl: base, apiToken: OKTA_TOKEN });
      try {
        const user = await failure(api.getUser('00u1'));
        expect(user).toBeInstanceOf(MalformedUpstreamResponseError);
        expect((user as MalformedUpstreamResponseError).problems).toEqual([
          'id: Invalid input: expected string, received number',
          'status: Invalid input: expected string, received undefined',
          'profile: Invalid input: expected object, received undefined',
        ]);
        const link = await failure(api.listOidcIdps('x'));
        expect(link).toBeInstanceOf(MalformedUpstreamResponseError);
        expect(link.message).toContain('a link points to http://evil.example, not to');
        expect(seen.filter((path) => path.startsWith('/api/'))).toEqual(['/api/v1/users/00u1', '/api/v1/idps']);
      } finally {
        await api.close();
      }
    });
  });

  describe('creates whose response is lost', () => {
    interface Case {
      what: string;
      sim: () => RunningBeyondIdentitySimulator | RunningOktaSimulator;
      /** The POST path the fault applies to. */
      path: string;
      /** The client's own create call (no recovery of its own). */
      create: (name: string) => Promise<unknown>;
      ensure: (name: string) => Promise<{ outcome: string; value: { id: string } | null }>;
      /** Ids of the objects with this name the simulator holds. */
      stored: (name: string) => Promise<string[]>;
    }
    const appSettings = (name: string) => ({
      displayName: name,
      authenticatorConfigId: configId,
      redirectUris: [REDIRECT_URI],
      expiresAfterSeconds: 604_800,
    });
    const rule = (name: string, idpId: string) => ({
      name,
      idpId,
      attribute: 'beyondIdentityIntegration',
      value: 'lost/realm',
      priority: 1,
    });
    let idpId = '';
    const cases: Case[] = [
      {
        what: 'Beyond Identity realm',
        sim: () => bi,
        path: '/realms$',
        create: (name) => biClient.createRealm(name),
        ensure: (name) => biSetup.ensureRealm(name),
        stored: async (name) =>
          (await biState()).realms.filter((realm) => realm.display_name === name).map((realm) => realm.id),
      },
      {
        what: 'Beyond Identity identity',
        sim: () => bi,
        path: '/identities$',
        create: (name) => biClient.createIdentity(realmId, { username: name, email: name, displayName: 'Lost' }),
        ensure: (name) => biSetup.ensureIdentity(realmId, name),
        stored: async (name) =>
          (await biState()).identities
            .filter((identity) => identity.traits.username === name)
            .map((identity) => identity.id),
      },
      {
        what: 'Beyond Identity application',
        sim: () => bi,
        path: '/applications$',
        create: (name) => biClient.createApplication(realmId, appSettings(name)),
        ensure: (name) => biSetup.ensureOidcApplication(realmId, appSettings(name)),
        stored: async (name) =>
          (await biState()).applications.filter((app) => app.display_name === name).map((app) => app.id),
      },
      {
        what: 'Okta user',
        sim: () => okta,
        path: '^/api/v1/users$',
        create: (name) => oktaClient.createFederatedUser(person(name)),
        ensure: (name) => oktaSetup.ensureUser(person(name)),
        stored: async (name) =>
          (await oktaState()).users.filter((user) => user.profile.login === name).map((user) => user.id),
      },
      {
        what: 'Okta IdP',
        sim: () => okta,
        path: '^/api/v1/idps$',
        create: (name) => oktaClient.createIdp(oidcIdpBody(desiredIdp(name))),
        ensure: (name) => oktaSetup.ensureOidcIdp(desiredIdp(name)),
        stored: async (name) => (await oktaState()).idps.filter((idp) => idp.body.name === name).map((idp) => idp.id),
      },
      {
        what: 'Okta routing rule',
        sim: () => okta,
        path: '^/api/v1/policies/[^/]+/rules$',
        create: async (name) =>
          oktaClient.createRule(await oktaClient.idpDiscoveryPolicyId(), routingRuleBody(rule(name, idpId))),
        ensure: (name) => oktaSetup.ensureRoutingRule(rule(name, idpId)),
        stored: async (name) =>
          (await oktaState()).rules.filter((candidate) => candidate.name === name).map((candidate) => candidate.id),
      },
    ];
    beforeAll(async () => {
      idpId = (await oktaSetup.ensureOidcIdp(desiredIdp('Lost-response target'))).value.id;
      await oktaSetup.ensureRoutingAttribute('beyondIdentityIntegration');
    });

    it.each(cases.map((c) => [c.what, c] as const))(
      '%s: the create lands but its answer is lost; the retried ensure adopts it: exactly one',
      async (_what, c) => {
        const name = `crash-${c.what.toLowerCase().replace(/\W+/g, '-')}@example.com`;
        c.sim().faults.configure({ rules: [{ path: c.path, methods: ['POST'], lostResponseRate: 1 }] });
        const error = await failure(c.create(name));
        expect(error).toMatchObject({ name: 'TransientUpstreamError', kind: 'network' });
        expect(c.sim().faults.describe().stats.lostResponses).toBe(1);
        c.sim().faults.configure({});

        const landed = await c.stored(name);
        expect(landed).toHaveLength(1);
        const retried = await c.ensure(name);
        expect(retried.outcome).toBe('adopted');
        expect(retried.value?.id).toBe(landed[0]);
        expect(await c.stored(name)).toEqual(landed);
      },
    );

    it.each(cases.map((c) => [c.what, c] as const))(
      '%s: within one ensure call, the lost create is found again and reported as created',
      async (_what, c) => {
        const name = `inline-${c.what.toLowerCase().replace(/\W+/g, '-')}@example.com`;
        c.sim().faults.configure({ rules: [{ path: c.path, methods: ['POST'], lostResponseRate: 1 }] });
        const result = await c.ensure(name);
        expect(c.sim().faults.describe().stats.lostResponses).toBe(1);
        c.sim().faults.configure({});
        expect(result.outcome).toBe('created');
        const stored = await c.stored(name);
        expect(stored).toEqual([result.value?.id]);
        expect(await c.ensure(name)).toMatchObject({ outcome: 'adopted', value: { id: result.value?.id } });
        expect(await c.stored(name)).toEqual(stored);
      },
    );

    it('a binding job whose answer is lost is found again: one job, one email', async () => {
      const identity = await biSetup.ensureIdentity(realmId, 'lost.link@example.com');
      bi.faults.configure({ rules: [{ path: '/credential-binding-jobs$', methods: ['POST'], lostResponseRate: 1 }] });
      const result = await biSetup.ensureBindingJob(realmId, identity.value.id, configId);
      expect(bi.faults.describe().stats.lostResponses).toBe(1); // the answer really was lost
      bi.faults.configure({});
      expect(result).toMatchObject({ outcome: 'created', value: { state: 'LINK_SENT' } });
      expect(await biSetup.ensureBindingJob(realmId, identity.value.id, configId)).toMatchObject({
        outcome: 'adopted',
        value: { id: result.value.id },
      });
      expect(
        (await biState()).outbox
          .filter((message) => message.to === 'lost.link@example.com')
          .map((message) => message.job_id),
      ).toEqual([result.value.id]);
    });

    it('a create whose connection drops before it is handled creates nothing, and the ensure says so', async () => {
      bi.faults.configure({ rules: [{ path: '/realms$', methods: ['POST'], dropRate: 1 }] });
      const error = await failure(biSetup.ensureRealm('Dropped realm'));
      expect(error).toMatchObject({ name: 'TransientUpstreamError', kind: 'network' });
      expect(bi.faults.describe().stats.drops).toBe(3);
      expect((await biState()).realms.filter((realm) => realm.display_name === 'Dropped realm')).toEqual([]);
    });
  });

  describe('Beyond Identity client credentials', () => {
    const tokenUrl = () =>
      `${bi.authUrl}/v1/tenants/${bi.tenantId}/realms/${bi.managementClient.realmId}/applications/${bi.managementClient.applicationId}/token`;
    const credentials = (clientSecret = BI_CLIENT.clientSecret) => ({
      kind: 'client-credentials' as const,
      clientId: BI_CLIENT.clientId,
      clientSecret,
      tokenUrl: tokenUrl(),
    });
    /** Token requests, counted by the simulator: a 1 ms latency rule on the token path marks each one. */
    const countTokenRequests = () => bi.faults.configure({ rules: [{ path: '/token$', latencyMs: 1 }] });
    const tokenRequests = () => bi.faults.describe().stats.delayed;
    const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

    it('fetches one token for concurrent calls, reuses it, and refreshes it once after the simulator rejects it as expired', async () => {
      const api = biApi(bi, { logger, credentials: credentials() });
      const requests = () => bi.faults.describe().stats.requests;
      try {
        // The simulator's tokens expire at a whole second (exp = floor(issued) + 2 s): start 0.75 s into a
        // second so the token is dead at +1.25 s while the client, which counts 2 s from receipt, still holds it.
        await sleepUntil(Math.ceil(Date.now() / 1000) * 1000 + 750);
        const issued = Date.now();
        let before = requests();
        const lists = await Promise.all([1, 2, 3, 4, 5].map(() => api.listRealms()));
        expect(lists.every((realms) => realms.some((realm) => realm.id === realmId))).toBe(true);
        expect((await api.getRealm(realmId))?.id).toBe(realmId);
        expect(requests() - before).toBe(6 + 1); // six calls, one token request

        // The answers to the refused calls come back spread out, as they would over a real network.
        bi.faults.configure({ rules: [{ path: '/realms/[^/]+$', methods: ['GET'], jitterMs: 100 }] });
        await sleepUntil(issued + 1_500);
        before = bi.faults.describe().stats.requests;
        const realms = await Promise.all([1, 2, 3, 4, 5].map(() => api.getRealm(realmId)));
        expect(realms.map((realm) => realm?.id)).toEqual([realmId, realmId, realmId, realmId, realmId]);
        expect(requests() - before).toBe(5 + 1 + 5); // five refused calls, one token request, the five again
      } finally {
        await api.close();
      }
    });

    it('a wrong client secret is a RejectedUpstreamError "authentication" from the token endpoint', async () => {
      const api = biApi(bi, { logger, credentials: credentials(WRONG_CLIENT_SECRET) });
      try {
        const error = await failure(api.listRealms());
        expect(error).toBeInstanceOf(RejectedUpstreamError);
        expect(error).toMatchObject({
          kind: 'authentication',
          status: 401,
          upstreamCode: 'invalid_client',
          operation: 'get an access token (client credentials)',
        });
      } finally {
        await api.close();
      }
    });

    it('refreshes only once when the fresh token is refused too (a token for another tenant), then reports "permission"', async () => {
      const api = biApi(bi, { logger, credentials: credentials(), tenantId: 'someOtherTenant' });
      try {
        countTokenRequests();
        const error = await failure(api.listRealms());
        expect(error).toMatchObject({
          name: 'RejectedUpstreamError',
          kind: 'permission',
          status: 403,
          upstreamCode: 'forbidden',
        });
        expect(tokenRequests()).toBe(2);
      } finally {
        await api.close();
      }
    });
  });

  it('no error message or log line produced above holds a token, a client secret or an access token', async () => {
    const appSecrets = await Promise.all(
      (await biClient.listApplications(realmId)).map(
        async (app) => (await biSetup.applicationCredentials(realmId, app.id)).clientSecret,
      ),
    );
    learnedSecrets.push(...appSecrets);
    const secrets = [
      BI_TOKEN,
      WRONG_BI_TOKEN,
      BI_CLIENT.clientSecret,
      WRONG_CLIENT_SECRET,
      OKTA_TOKEN,
      WRONG_OKTA_TOKEN,
      IDP_SECRET,
      ...learnedSecrets,
    ];
    const texts = [...errors.flatMap(errorTexts), ...logger.lines];
    // The scan has material and would see a secret: the tests above produced errors and retries.
    expect(errors.length).toBeGreaterThanOrEqual(25);
    expect(logger.lines.length).toBeGreaterThanOrEqual(5);
    expect(appSecrets.length).toBeGreaterThanOrEqual(2);
    expect(secretsIn([`x ${OKTA_TOKEN} y`, 'Bearer eyJhbGciOi.eyJzdWIiOiJ4.c2lnbmF0dXJl'], secrets)).toEqual([
      OKTA_TOKEN,
      'a JWT: eyJhbGciOi.e…',
    ]);
    expect(secretsIn(texts, secrets)).toEqual([]);
  });
});
