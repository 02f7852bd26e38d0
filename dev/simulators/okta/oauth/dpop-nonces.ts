/**
 * The token endpoint's DPoP nonce (docs/contracts/okta.md §8.4): one current value, renewed every 24 hours;
 * the one before stays good too (Okta: a nonce "renews every 24 hours" and an old one works for
 * three days; here, until the next renewal after it).
 */
import { randomBytes } from 'node:crypto';

const RENEWAL_MS = 24 * 60 * 60 * 1000;

export class DpopNonces {
  private current: string = randomBytes(24).toString('base64url');
  private previous: string | undefined;
  private renewedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.renewedAt = now();
  }

  /** The nonce to hand out now. */
  value(): string {
    if (this.now() - this.renewedAt >= RENEWAL_MS) this.renew();
    return this.current;
  }

  accepts(nonce: unknown): boolean {
    return typeof nonce === 'string' && (nonce === this.value() || nonce === this.previous);
  }

  /** A new nonce at once; the old one stays good (what a renewal does). */
  renew(): void {
    this.previous = this.current;
    this.current = randomBytes(24).toString('base64url');
    this.renewedAt = this.now();
  }
}
