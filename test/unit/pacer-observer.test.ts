/** The pacer tells its observer which requests it held, why and how long (pure logic, the real pacer). */
import { RateLimitPacer } from '../../src/clients/http/rate-limit-pacer';
import type { PacerObserver } from '../../src/clients/http/observer';

describe('pacer observer', () => {
  it('reports a held request with its bucket, reason (the window, over the wait for a place) and time; one let out at once is not reported', async () => {
    const waits: Parameters<PacerObserver['waited']>[0][] = [];
    const pacer = new RateLimitPacer({
      maxInFlight: 1,
      reserve: 0,
      resetMarginMs: 0,
      observer: { waited: (event) => waits.push(event) },
    });
    const first = await pacer.acquire('users');
    expect(waits).toEqual([]);
    const second = pacer.acquire('users');
    setTimeout(() => first({ limit: 2, remaining: 0, resetAtMs: Date.now() + 150 }), 50);
    const releaseSecond = await second;
    expect(waits).toEqual([expect.objectContaining({ bucket: 'users', reason: 'window' })]);
    expect(waits[0]!.ms).toBeGreaterThanOrEqual(100);
    releaseSecond();
  });
});
