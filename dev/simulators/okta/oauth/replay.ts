/**
 * Single-use `jti`s (docs/contracts/okta.md §8.2 for client assertions, §8.4 for DPoP proofs): each is
 * remembered until the JWT carrying it could no longer be accepted anyway, so memory stays bounded
 * by the rate of requests, not by the simulator's lifetime.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Records `key` until `untilMs`; false when it was already recorded (a replay). */
  use(key: string, untilMs: number): boolean {
    const now = this.now();
    this.sweep(now);
    const known = this.seen.get(key);
    if (known !== undefined && known > now) return false;
    this.seen.set(key, untilMs);
    return true;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 10_000;
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
  }
}
