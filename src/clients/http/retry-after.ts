/**
 * How long a 429 asks us to wait, from whichever header the upstream uses:
 * `Retry-After` (seconds or an HTTP date; Beyond Identity), `X-Rate-Limit-Reset` (epoch seconds,
 * measured against the response's own `Date` header, as Okta's SDK does, so clock skew between us
 * and the upstream does not matter), or `RateLimit-Reset` (seconds; BI's SCIM endpoints).
 */
import { headerValue, serverNow, type ResponseHeaders } from './headers';

/** Added to an X-Rate-Limit-Reset wait: the reset is rounded to whole seconds. */
const RESET_MARGIN_MS = 1_000;

export function retryAfterMs(headers: ResponseHeaders, nowMs: number): number | undefined {
  const retryAfter = headerValue(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - serverNow(headers, nowMs));
  }
  const reset = headerValue(headers, 'x-rate-limit-reset')?.trim();
  // A comma means the header was duplicated by a proxy: the value cannot be trusted (Okta's SDK agrees).
  if (reset && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - serverNow(headers, nowMs)) + RESET_MARGIN_MS;
  }
  const delta = headerValue(headers, 'ratelimit-reset')?.trim();
  if (delta && /^\d+$/.test(delta)) return Number(delta) * 1000;
  return undefined;
}
