/**
 * What every request and response follows (docs/contracts/okta.md §0, §4 items 1-4 and 10): token auth, the
 * standard headers, per-bucket rate limits and 429, injected faults, framework errors in Okta's
 * shape, the 411 rule, the banner, and persistence across a restart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expectOktaError,
  idpBody,
  OktaClient,
  rawStatus,
  ruleBody,
  sleep,
  startSimulator,
  userBody,
  useSimulator,
  type Exchange,
} from './support';

const header = (exchange: Exchange, name: string) => exchange.headers[name] as string | undefined;

describe('Okta simulator: auth, headers, rate limits, faults and framework errors', () => {
  const t = useSimulator({
    apiTokens: ['first-token', 'second-token'],
    rateLimits: { usersCollection: 300, userById: 400, userMutations: 500, other: 600, windowSeconds: 3600 },
  });
  afterEach(async () => {
    await t.okta.call('DELETE', '/_sim/faults');
  });

  it('accepts SSWS and Bearer with any configured token and refuses everything else with 401 E0000011', async () => {
    expect(t.sim.apiToken).toBe('first-token');
    expect(t.sim.usingDevelopmentDefaults).toEqual({ apiToken: false });
    expect((await t.okta.call('GET', '/api/v1/users', { authorization: 'SSWS second-token' })).status).toBe(200);
    expect((await t.okta.call('GET', '/api/v1/users', { authorization: 'Bearer first-token' })).status).toBe(200);
    for (const authorization of [
      null,
      'SSWS wrong-token',
      'Basic Zmlyc3QtdG9rZW46',
      'SSWS',
      'first-token',
      'SSWS first-token extra',
    ]) {
      const error = expectOktaError(await t.okta.call('GET', '/api/v1/users', { authorization }), 401, 'E0000011');
      expect(error.errorSummary).toBe('Invalid token provided');
    }
    // Unauthenticated requests neither reach the route nor change anything.
    expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { authorization: null, body: userBody('sneaky@example.org') }),
      401,
      'E0000011',
    );
    expectOktaError(await t.okta.call('GET', '/api/v1/users/sneaky%40example.org'), 404, 'E0000007');
  });

  it('sends Date, a fresh X-Okta-Request-Id and the X-Rate-Limit-* headers of the right bucket on every kind of response', async () => {
    const user = await t.okta.ok<{ id: string }>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('headers@example.org'),
    );
    const cases: [string, string, number, string][] = [
      ['GET', '/api/v1/users', 200, '300'],
      ['GET', `/api/v1/users/${user.id}`, 200, '400'],
      ['GET', '/api/v1/users/nobody', 404, '400'],
      ['POST', `/api/v1/users/${user.id}/lifecycle/deactivate`, 200, '500'],
      ['DELETE', `/api/v1/users/${user.id}`, 204, '500'],
      ['GET', '/api/v1/idps', 200, '600'],
      ['GET', '/api/v1/policies', 400, '600'],
      ['GET', '/api/v1/no-such-thing', 404, '600'],
    ];
    const requestIds = new Set<string>();
    for (const [method, path, status, limit] of cases) {
      const first = await t.okta.call(method, path);
      const second = await t.okta.call(method === 'GET' ? 'GET' : 'GET', '/api/v1/idps');
      expect([method, path, first.status]).toEqual([method, path, status]);
      expect(Math.abs(new Date(header(first, 'date')!).getTime() - Date.now())).toBeLessThan(5_000);
      expect(header(first, 'x-okta-request-id')).toMatch(/^[A-Za-z0-9]{24}$/);
      requestIds.add(header(first, 'x-okta-request-id')!);
      expect([path, header(first, 'x-rate-limit-limit')]).toEqual([path, limit]);
      expect(Number(header(first, 'x-rate-limit-remaining'))).toBeLessThan(Number(limit));
      expect(Number(header(first, 'x-rate-limit-reset')) % 3600).toBe(0);
      expect(Number(header(first, 'x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000);
      expect(header(second, 'x-rate-limit-limit')).toBe('600');
    }
    expect(requestIds.size).toBe(cases.length);
    const before = Number(header(await t.okta.call('GET', '/api/v1/idps'), 'x-rate-limit-remaining'));
    expect(Number(header(await t.okta.call('GET', '/api/v1/idps'), 'x-rate-limit-remaining'))).toBe(before - 1);
    // /_sim endpoints are not the Okta API and count against nothing.
    const state = await t.okta.call('GET', '/_sim/state');
    expect(header(state, 'x-rate-limit-limit')).toBeUndefined();
    expect(Number(header(await t.okta.call('GET', '/api/v1/idps'), 'x-rate-limit-remaining'))).toBe(before - 2);
  });

  it('renders injected 5xx as E0000009 and injected 429 bursts as Okta 429s with X-Rate-Limit-* (no Retry-After)', async () => {
    await t.okta.ok('POST', '/_sim/faults', {
      seed: 3,
      rules: [{ path: '^/api/v1/idps$', errorRate: 1, errorStatuses: [500] }],
    });
    const internal = expectOktaError(await t.okta.call('GET', '/api/v1/idps'), 500, 'E0000009');
    expect(internal.errorSummary).toBe('Internal Server Error');
    expect((await t.okta.call('GET', '/api/v1/users')).status).toBe(200); // other paths untouched
    await t.okta.ok('POST', '/_sim/faults', { seed: 3, rules: [{ errorRate: 1, errorStatuses: [503] }] });
    const unavailable = expectOktaError(await t.okta.call('GET', '/api/v1/idps'), 503, 'E0000009');
    expect(unavailable.errorSummary).toBe('Service Unavailable');
    expect((await t.okta.call('GET', '/_sim/state')).status).toBe(200); // /_sim is never faulted

    await t.okta.ok('POST', '/_sim/faults', {
      seed: 3,
      rules: [{ path: '^/api/v1/users', burst429: { count: 2, retryAfterSeconds: 7 } }],
    });
    for (let i = 0; i < 2; i++) {
      const limited = await t.okta.call('GET', '/api/v1/users');
      const error = expectOktaError(limited, 429, 'E0000047');
      expect(error.errorSummary).toBe('API call exceeded rate limit due to too many requests.');
      expect(header(limited, 'x-rate-limit-limit')).toBe('300');
      expect(header(limited, 'x-rate-limit-remaining')).toBe('0');
      const reset = Number(header(limited, 'x-rate-limit-reset'));
      const serverNow = new Date(header(limited, 'date')!).getTime() / 1000;
      expect(reset - serverNow).toBeGreaterThanOrEqual(6);
      expect(reset - serverNow).toBeLessThanOrEqual(8);
      expect(limited.headers['retry-after']).toBeUndefined();
      expect(header(limited, 'x-okta-request-id')).toBeTruthy();
    }
    expect((await t.okta.call('GET', '/api/v1/users')).status).toBe(200);
  });

  it('keeps the effect of a request whose response was lost', async () => {
    await t.okta.ok('POST', '/_sim/faults', {
      seed: 1,
      rules: [{ path: '^/api/v1/users$', methods: ['POST'], lostResponseRate: 1 }],
    });
    await expect(
      t.okta.call('POST', '/api/v1/users?activate=false', { body: userBody('lost@example.org') }),
    ).rejects.toThrow();
    await t.okta.call('DELETE', '/_sim/faults');
    expect((await t.okta.ok<{ status: string }>('GET', '/api/v1/users/lost%40example.org')).status).toBe('STAGED');
  });

  it('answers malformed JSON, other media types, large bodies, unknown and undecodable paths in Okta error shape', async () => {
    const malformed = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { raw: '{"profile":' }),
      400,
      'E0000003',
    );
    expect(malformed.errorSummary).toBe('The request body was not well-formed.');
    expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { raw: 'profile=x', contentType: 'text/plain' }),
      415,
      'E0000003',
    );
    expectOktaError(
      await t.okta.call('POST', '/api/v1/idps', { raw: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) }),
      413,
      'E0000003',
    );
    const unknown = expectOktaError(await t.okta.call('GET', '/api/v1/authorizationServers'), 404, 'E0000007');
    expect(unknown.errorSummary).toBe('Not found: Resource not found: GET /api/v1/authorizationServers (Path)');
    expectOktaError(await t.okta.call('GET', '/api/v1/users/%E0%A4%A'), 404, 'E0000007');
    expect((await t.okta.call('GET', '/api/v1/users')).status).toBe(200); // still serving
  });

  it('answers 411 to a POST or PUT that has no body and no Content-Length: 0 (also when chunked and empty)', async () => {
    const auth = 'Authorization: SSWS first-token\r\n';
    const [policy] = await t.okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
    const idp = await t.okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('For 411'));
    const rule = await t.okta.ok<{ id: string }>(
      'POST',
      `/api/v1/policies/${policy!.id}/rules`,
      ruleBody('For 411', idp.id, 'x@example.org'),
    );
    const lifecycle = `/api/v1/policies/${policy!.id}/rules/${rule.id}/lifecycle/deactivate`;
    expect(await rawStatus(t.sim.url, `POST ${lifecycle} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`)).toBe(411);
    expect(
      await rawStatus(
        t.sim.url,
        `POST ${lifecycle} HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      ),
    ).toBe(411);
    expect(
      await rawStatus(
        t.sim.url,
        `POST ${lifecycle} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      ),
    ).toBe(411);
    expect(await rawStatus(t.sim.url, `PUT /api/v1/idps/${idp.id} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`)).toBe(411);
    expect((await t.okta.ok<{ status: string }>('GET', `/api/v1/policies/${policy!.id}/rules/${rule.id}`)).status).toBe(
      'ACTIVE',
    );
    // With Content-Length: 0 (what undici sends for a body-less POST) it works.
    expect(
      await rawStatus(t.sim.url, `POST ${lifecycle} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\n\r\n`),
    ).toBe(204);
    expect((await t.okta.call('POST', lifecycle.replace('deactivate', 'activate'))).status).toBe(204);
    // A chunked body that is not empty is fine.
    const chunk = JSON.stringify(userBody('chunked@example.org'));
    const chunked = `POST /api/v1/users?activate=false HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
    expect(await rawStatus(t.sim.url, chunked)).toBe(200);
  });
});

describe('Okta simulator: rate-limit windows', () => {
  it('answers 429 E0000047 when a bucket is used up, and serves again after X-Rate-Limit-Reset', async () => {
    const sim = await startSimulator({ rateLimits: { other: 2, windowSeconds: 1 } });
    try {
      const okta = new OktaClient(sim);
      // Start just after a window boundary so the three calls share one window.
      await sleep(1000 - (Date.now() % 1000) + 20);
      const first = await okta.call('GET', '/api/v1/idps');
      const second = await okta.call('GET', '/api/v1/idps');
      const third = await okta.call('GET', '/api/v1/idps');
      expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
      expect([
        header(first, 'x-rate-limit-remaining'),
        header(second, 'x-rate-limit-remaining'),
        header(third, 'x-rate-limit-remaining'),
      ]).toEqual(['1', '0', '0']);
      expectOktaError(third, 429, 'E0000047');
      expect(header(third, 'x-rate-limit-limit')).toBe('2');
      const reset = Number(header(third, 'x-rate-limit-reset'));
      expect(reset).toBe(Number(header(first, 'x-rate-limit-reset')));
      // Users buckets are separate.
      expect((await okta.call('GET', '/api/v1/users')).status).toBe(200);
      // The SDK's wait: reset − the server's Date + 1 s; here only until the reset itself.
      await sleep(reset * 1000 - Date.now() + 50);
      const after = await okta.call('GET', '/api/v1/idps');
      expect(after.status).toBe(200);
      expect(header(after, 'x-rate-limit-remaining')).toBe('1');
      expect(Number(header(after, 'x-rate-limit-reset'))).toBeGreaterThan(reset);
    } finally {
      await sim.stop();
    }
  });
});

describe('Okta simulator: banner and persistence', () => {
  it('prints the development token only when it is the default', async () => {
    const defaults = await startSimulator();
    const custom = await startSimulator({ apiTokens: ['my-own-token'] });
    try {
      expect(defaults.usingDevelopmentDefaults).toEqual({ apiToken: true });
      const lines = defaults.bannerLines().join('\n');
      expect(lines).toContain(defaults.url);
      expect(lines).toContain(defaults.apiToken);
      expect(lines).toContain('development default');
      expect(lines).toContain(`${defaults.url}/_sim/sign-in`);
      expect(lines).toContain(`${defaults.url}/_sim/faults`);
      expect(custom.bannerLines().join('\n')).not.toContain('my-own-token');
    } finally {
      await Promise.all([defaults.stop(), custom.stop()]);
    }
  });

  it('keeps users, IdPs and rules across a restart with a state file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'okta-sim-'));
    const stateFile = join(directory, 'okta.json');
    try {
      const first = await startSimulator({ stateFile });
      const okta = new OktaClient(first);
      const user = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=false', userBody('kept@example.org'));
      const idp = await okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Kept IdP'));
      const [policy] = await okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
      const rule = await okta.ok<{ id: string }>(
        'POST',
        `/api/v1/policies/${policy!.id}/rules`,
        ruleBody('Kept rule', idp.id, 'kept@example.org'),
      );
      await first.stop();
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).users).toHaveLength(1);

      const second = await startSimulator({ stateFile });
      try {
        const again = new OktaClient(second);
        expect((await again.ok<{ id: string }>('GET', '/api/v1/users/kept%40example.org')).id).toBe(user.id);
        const kept = await again.ok<{
          _links: { clientRedirectUri: { href: string } };
          protocol: { credentials: { client: { client_secret: string } } };
        }>('GET', `/api/v1/idps/${idp.id}`);
        expect(kept._links.clientRedirectUri.href).toBe(`${second.url}/oauth2/v1/authorize/callback`);
        expect(kept.protocol.credentials.client.client_secret).toBe('bi-client-secret');
        const rules = await again.ok<{ id: string; priority: number }[]>('GET', `/api/v1/policies/${policy!.id}/rules`);
        expect(rules.map((entry) => [entry.id, entry.priority])).toEqual([
          [rule.id, 1],
          [expect.any(String), 2],
        ]);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
