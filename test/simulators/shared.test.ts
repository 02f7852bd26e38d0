/** The fault and error machinery both simulators share, over real HTTP on loopback. */
import { request } from 'undici';
import { FaultInjector } from '../../dev/simulators/shared/faults';
import { createSimulatorApp, listen, type ApiFlavour } from '../../dev/simulators/shared/server';

const flavour: ApiFlavour = {
  error: (kind, status) => ({ status, body: { kind } }),
  tooManyRequests: (retryAfterSeconds) => ({
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { kind: 'rate' },
  }),
};

describe('simulator machinery', () => {
  const faults = new FaultInjector();
  const app = createSimulatorApp({ flavour, faults, bodyLimitBytes: 1024 });
  let base: string;
  let effects = 0;
  app.post('/things', async (req) => {
    effects += 1;
    return { got: req.body ?? null };
  });
  app.get('/things', async () => ({ listed: true }));

  beforeAll(async () => {
    base = await listen(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    faults.configure({});
    effects = 0;
  });

  const post = (body: string, type = 'application/json', timeoutMs = 2_000, path = '/things') =>
    request(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': type },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });

  it('answers bad input in the API shape and keeps serving', async () => {
    const malformed = await post('{"a":');
    expect(malformed.statusCode).toBe(400);
    expect(await malformed.body.json()).toEqual({ kind: 'malformed-body' });
    const huge = await post(JSON.stringify({ a: 'x'.repeat(5000) }));
    expect(huge.statusCode).toBe(413);
    expect(await huge.body.json()).toEqual({ kind: 'body-too-large' });
    const unknown = await request(`${base}/nowhere`);
    expect(unknown.statusCode).toBe(404);
    expect(await unknown.body.json()).toEqual({ kind: 'not-found' });
    const empty = await post('');
    expect(await empty.body.json()).toEqual({ got: null });
    expect(effects).toBe(1);
  });

  it('replays the same fault sequence for the same seed', () => {
    const config = { seed: 42, rules: [{ errorRate: 0.3, dropRate: 0.1, lostResponseRate: 0.2, jitterMs: 100 }] };
    const run = () => {
      const injector = new FaultInjector(config);
      return Array.from({ length: 200 }, () => injector.decide('POST', '/things'));
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(new Set(first.map((decision) => decision.action.kind))).toEqual(
      new Set(['none', 'error', 'drop', 'lose-response']),
    );
    const other = new FaultInjector({ ...config, seed: 43 });
    expect(Array.from({ length: 200 }, () => other.decide('POST', '/things'))).not.toEqual(first);
  });

  it('injects errors, drops, hangs, lost responses and 429 bursts, scoped by path and method', async () => {
    const configure = (rule: object) =>
      request(`${base}/_sim/faults`, {
        method: 'POST',
        body: JSON.stringify({ seed: 7, rules: [rule] }),
        headers: { 'content-type': 'application/json' },
      });

    await configure({ path: '^/things$', methods: ['post'], errorRate: 1, errorStatuses: [503] });
    const failed = await post('{}');
    expect(failed.statusCode).toBe(503);
    expect(await failed.body.json()).toEqual({ kind: 'injected-error' });
    expect(effects).toBe(0);
    // Another path, same method: untouched (the route does not exist, so it is the plain 404).
    const otherPath = await post('{}', 'application/json', 2_000, '/nowhere');
    expect([otherPath.statusCode, await otherPath.body.json()]).toEqual([404, { kind: 'not-found' }]);
    // The same path, another method: untouched.
    const otherMethod = await request(`${base}/things`);
    expect([otherMethod.statusCode, await otherMethod.body.json()]).toEqual([200, { listed: true }]);

    await configure({ dropRate: 1 });
    await expect(post('{}')).rejects.toThrow();
    expect(effects).toBe(0);

    // A hang is only seen as the client's timeout; a short one keeps the test quick.
    await configure({ hangRate: 1, hangMs: 60_000 });
    await expect(post('{}', 'application/json', 300)).rejects.toThrow(/timeout/i);
    expect(effects).toBe(0);

    await configure({ lostResponseRate: 1 });
    await expect(post('{}')).rejects.toThrow();
    expect(effects).toBe(1); // it took effect although the client saw a failure

    await configure({ burst429: { count: 2, retryAfterSeconds: 3 } });
    for (let i = 0; i < 2; i++) {
      const limited = await post('{}');
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('3');
      await limited.body.dump();
    }
    expect((await post('{}')).statusCode).toBe(200);

    const described = (await (await request(`${base}/_sim/faults`)).body.json()) as {
      stats: { tooManyRequests: number };
    };
    expect(described.stats.tooManyRequests).toBe(2);

    // A refused configuration leaves the one in force; DELETE clears it.
    await configure({ errorRate: 1, errorStatuses: [503] });
    const invalid = await configure({ errorRate: 2 });
    expect(invalid.statusCode).toBe(400);
    expect((await post('{}')).statusCode).toBe(503);
    await request(`${base}/_sim/faults`, { method: 'DELETE' });
    expect((await post('{}')).statusCode).toBe(200);
  });
});
