/**
 * Fault injection through the shared module, in Beyond Identity's error shapes: 500/503, 429
 * bursts with Retry-After, hangs past the client's timeout, dropped connections, responses lost
 * after the request took effect, latency; seeded so a run replays; one injector for both listeners.
 */
import { request } from 'undici';
import type { RunningBeyondIdentitySimulator } from '../../../dev/simulators/beyond-identity';
import { applicationIssuer, basicAuth, ManagementClient, startSimulator } from './support';

describe('Beyond Identity simulator: faults', () => {
  let sim: RunningBeyondIdentitySimulator;
  let client: ManagementClient;

  beforeAll(async () => {
    sim = await startSimulator();
    client = new ManagementClient(sim);
  });
  afterAll(async () => {
    await sim.stop();
  });
  afterEach(() => {
    sim.faults.configure({});
  });

  async function configureFaults(baseUrl: string, config: object): Promise<number> {
    const answer = await request(`${baseUrl}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify(config),
      headers: { 'content-type': 'application/json' },
    });
    await answer.body.dump();
    return answer.statusCode;
  }

  /** A management call with a short timeout: hanging faults must fail fast. */
  const quickCall = (path: string, method = 'GET', body?: string) =>
    request(`${sim.managementUrl}/v1/tenants/${sim.tenantId}${path}`, {
      method: method as 'GET',
      headers: { authorization: `Bearer ${sim.apiToken}`, ...(body && { 'content-type': 'application/json' }) },
      body,
      headersTimeout: 300,
      bodyTimeout: 300,
    });

  it('answers injected 500 and 503 in the API shape, scoped by path and method', async () => {
    expect(
      await configureFaults(sim.managementUrl, {
        rules: [{ path: '/realms$', methods: ['GET'], errorRate: 1, errorStatuses: [500] }],
      }),
    ).toBe(200);
    const failed = await client.call('GET', '/realms');
    expect([failed.status, failed.body]).toEqual([
      500,
      { code: 'internal_server_error', message: 'internal server error' },
    ]);
    expect((await client.call('GET', '')).status).toBe(200); // another path
    expect((await client.call('POST', '/realms', { body: { realm: { display_name: 'Unaffected' } } })).status).toBe(
      200,
    ); // another method

    await configureFaults(sim.managementUrl, { rules: [{ errorRate: 1, errorStatuses: [503] }] });
    const unavailable = await client.call('GET', '');
    expect([unavailable.status, unavailable.body]).toEqual([
      503,
      { code: 'service_unavailable', message: 'service unavailable' },
    ]);
    // /_sim is never fault-injected, so a test can always repair what it broke.
    expect((await request(`${sim.managementUrl}/_sim/state`)).statusCode).toBe(200);
  });

  it('answers a burst of 429 with Retry-After and RateLimit headers, then recovers', async () => {
    await configureFaults(sim.managementUrl, { rules: [{ burst429: { count: 2, retryAfterSeconds: 7 } }] });
    for (let i = 0; i < 2; i++) {
      const limited = await client.call('GET', '/realms');
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ code: 'too_many_requests', message: 'too many requests' });
      expect(limited.headers).toMatchObject({ 'retry-after': '7', 'ratelimit-remaining': '0', 'ratelimit-reset': '7' });
    }
    expect((await client.call('GET', '/realms')).status).toBe(200);
  });

  it('hangs past the client timeout and drops connections, without the request taking effect', async () => {
    const before = (await client.ok<{ total_size: number }>('GET', '/realms')).total_size;
    await configureFaults(sim.managementUrl, {
      rules: [{ path: '/realms$', methods: ['POST'], hangRate: 1, hangMs: 60_000 }],
    });
    const started = Date.now();
    await expect(quickCall('/realms', 'POST', JSON.stringify({ realm: { display_name: 'Hung' } }))).rejects.toThrow(
      /timeout/i,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    await configureFaults(sim.managementUrl, { rules: [{ path: '/realms$', methods: ['POST'], dropRate: 1 }] });
    await expect(
      quickCall('/realms', 'POST', JSON.stringify({ realm: { display_name: 'Dropped' } })),
    ).rejects.toThrow();
    sim.faults.configure({});
    expect((await client.ok<{ total_size: number }>('GET', '/realms')).total_size).toBe(before);
  });

  it('loses the response of a create that took effect (the case that makes a naive retry create twice)', async () => {
    await configureFaults(sim.managementUrl, { rules: [{ path: '/realms$', methods: ['POST'], lostResponseRate: 1 }] });
    await expect(
      quickCall('/realms', 'POST', JSON.stringify({ realm: { display_name: 'Landed anyway' } })),
    ).rejects.toThrow();
    sim.faults.configure({});
    const { realms } = await client.ok<{ realms: { display_name: string }[] }>('GET', '/realms?page_size=200');
    expect(realms.filter((realm) => realm.display_name === 'Landed anyway')).toHaveLength(1);
  });

  it('adds latency', async () => {
    await configureFaults(sim.managementUrl, { rules: [{ latencyMs: 250 }] });
    const started = Date.now();
    expect((await client.call('GET', '')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('shares one injector between the listeners: set on the auth host, effective on both, scoped by path', async () => {
    const tokenUrl = `${applicationIssuer(sim, { realm_id: sim.managementClient.realmId, id: sim.managementClient.applicationId })}/token`;
    expect(
      await configureFaults(sim.authUrl, { rules: [{ path: '/token$', errorRate: 1, errorStatuses: [503] }] }),
    ).toBe(200);
    const tokenAnswer = await request(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basicAuth(sim.managementClient.clientId, sim.managementClient.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect([tokenAnswer.statusCode, await tokenAnswer.body.json()]).toEqual([
      503,
      { code: 'service_unavailable', message: 'service unavailable' },
    ]);
    expect((await client.call('GET', '/realms')).status).toBe(200);
    const described = (await (await request(`${sim.managementUrl}/_sim/faults`)).body.json()) as {
      config: { rules: { path: string }[] };
    };
    expect(described.config.rules[0]!.path).toBe('/token$');
    expect(await configureFaults(sim.authUrl, { rules: [{ errorRate: 2 }] })).toBe(400);
  });

  it('replays the same fault sequence for the same seed, and another for another seed', async () => {
    const run = async (seed: number) => {
      await configureFaults(sim.managementUrl, {
        seed,
        rules: [{ path: '/realms$', errorRate: 0.5, errorStatuses: [500, 503] }],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await client.call('GET', '/realms')).status);
      return statuses;
    };
    const first = await run(42);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });

  it('takes faults from the start options', async () => {
    const faulty = await startSimulator({
      faults: { seed: 1, rules: [{ path: '/realms$', errorRate: 1, errorStatuses: [500] }] },
    });
    try {
      const faultyClient = new ManagementClient(faulty);
      expect((await faultyClient.call('GET', '/realms')).status).toBe(500);
      expect((await faultyClient.call('GET', '')).status).toBe(200);
    } finally {
      await faulty.stop();
    }
  });
});
