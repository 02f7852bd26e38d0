/**
 * Okta's concurrency limit (requests in flight across the org), over real HTTP: the simulator
 * answers beyond it exactly as Okta does, and our client, sending more at once than the org
 * allows, finishes everything, counts those 429s apart and never takes them for a bucket's limit.
 */
import { request } from 'undici';
import { RateLimitPacer } from '../../src/clients/http/rate-limit-pacer';
import { OktaApi } from '../../src/clients/okta/api';
import type { RunningOktaSimulator } from '../../dev/simulators/okta';
import { Resources, startOkta } from './support';

interface SimConcurrency {
  limit: number;
  inFlight: number;
  peak: number;
  refused: number;
}

async function simState(sim: RunningOktaSimulator): Promise<{
  rateLimits: { concurrency: SimConcurrency; totals: { bucket: string; counted: number; refused: number }[] };
}> {
  const response = await request(`${sim.url}/_sim/state`);
  return (await response.body.json()) as never;
}

describe('Okta concurrency limit', () => {
  const resources = new Resources();
  let sim: RunningOktaSimulator;
  let userId: string;

  beforeAll(async () => {
    // Every API call takes 250 ms, so those sent at once are really in flight together, even on a busy machine
    // (at 40 ms a loaded runner let one request finish before the last of fourteen arrived).
    sim = resources.add(
      await startOkta({ concurrencyLimit: 10, faults: { rules: [{ path: '^/api/v1/', latencyMs: 250 }] } }),
    );
    const created = await request(`${sim.url}/api/v1/users?activate=true`, {
      method: 'POST',
      headers: { authorization: `SSWS ${sim.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        profile: { login: 'conc@example.com', email: 'conc@example.com', firstName: 'C', lastName: 'C' },
      }),
    });
    expect(created.statusCode).toBe(200);
    userId = ((await created.body.json()) as { id: string }).id;
  });
  afterAll(() => resources.release());

  it('refuses a request beyond the limit with 429 E0000047, limit 0, remaining 0 and an estimated reset, without counting it in a bucket', async () => {
    const before = await simState(sim);
    const answers = await Promise.all(
      Array.from({ length: 14 }, () =>
        request(`${sim.url}/api/v1/users/${userId}`, { headers: { authorization: `SSWS ${sim.apiToken}` } }),
      ),
    );
    const refused = answers.filter((answer) => answer.statusCode === 429);
    expect(answers.filter((answer) => answer.statusCode === 200)).toHaveLength(10);
    expect(refused).toHaveLength(4);
    const body = (await refused[0]!.body.json()) as { errorCode: string };
    expect(body.errorCode).toBe('E0000047');
    expect(refused[0]!.headers['x-rate-limit-limit']).toBe('0');
    expect(refused[0]!.headers['x-rate-limit-remaining']).toBe('0');
    const reset = Number(refused[0]!.headers['x-rate-limit-reset']);
    expect(reset).toBeGreaterThan(Date.now() / 1000 + 30);
    await Promise.all(answers.map((answer) => answer.body.dump()));
    const after = await simState(sim);
    const byId = (state: typeof before) => state.rateLimits.totals.find((total) => total.bucket === 'userById')!;
    expect(byId(after).counted - byId(before).counted).toBe(10);
    expect(byId(after).refused).toBe(byId(before).refused);
    expect(after.rateLimits.concurrency.refused - before.rateLimits.concurrency.refused).toBe(4);
    expect(after.rateLimits.concurrency).toMatchObject({ limit: 10, inFlight: 0, peak: 10 });
  });

  it('100 requests with 20 in flight finish without a failure; the concurrency 429s are counted apart, and the bucket is not poisoned', async () => {
    const before = (await simState(sim)).rateLimits.concurrency.refused;
    const pacer = new RateLimitPacer({ reserve: 1, maxInFlight: 20 });
    const api = resources.add(
      new OktaApi({ orgUrl: sim.url, apiToken: sim.apiToken, pacer, maxInFlight: 20, retry: { maxAttempts: 6 } }),
    );
    const lanes = Array.from({ length: 20 }, async () => {
      const found: (string | undefined)[] = [];
      for (let call = 0; call < 5; call++) found.push((await api.getUser(userId))?.id);
      return found;
    });
    const results = (await Promise.all(lanes)).flat();
    expect(results).toHaveLength(100);
    expect(results.every((id) => id === userId)).toBe(true);

    const refusedBySim = (await simState(sim)).rateLimits.concurrency.refused - before;
    expect(refusedBySim).toBeGreaterThan(0);
    const stats = pacer.stats();
    expect(stats.concurrencyRefusals).toBe(refusedBySim);
    // The refusals halved the cap on requests in flight, which then held requests back.
    expect(stats.slotWaits).toBeGreaterThan(0);
    expect(stats.inFlightCap).toBeLessThanOrEqual(20);
    // No bucket learned "limit 0" from them: userById still shows the org's limit, with room.
    const bucket = pacer.snapshot('user-by-id')!;
    expect(bucket.limit).toBe(2000);
    expect(bucket.remaining).toBeGreaterThan(1000);

    // A burst within the bucket's limit afterwards is never held for a window.
    const burst = await Promise.all(Array.from({ length: 30 }, () => api.getUser(userId)));
    expect(burst.every((user) => user?.id === userId)).toBe(true);
    expect(pacer.stats().delayedRequests).toBe(0);
  });
});
