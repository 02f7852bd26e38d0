/**
 * Every secret the process knows (API tokens, client secrets, access tokens, codec keys) is
 * registered here, and every error message and log line passes through `redactSecrets` (the
 * worker's log lines through `redactValue`): the one redaction point. The first line of defence
 * is never to put a secret into a message; this is the second.
 */
const secrets = new Set<string>();

/** Secrets shorter than this are not redacted: replacing "a" everywhere would destroy messages. */
const MIN_SECRET_LENGTH = 6;
export const REDACTED = '[redacted]';

/** Credentials recognisable by their shape even when not registered: `SSWS <token>`, `Bearer <token>`, `DPoP <token>`, `Basic <credentials>`. */
const CREDENTIAL_PATTERN = /\b(SSWS|Bearer|DPoP|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi;

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let result = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result.replace(CREDENTIAL_PATTERN, (_match, scheme: string) => `${scheme} ${REDACTED}`);
}

/** `value` with every string in it (keys included) redacted; errors become plain objects. Cycles and depth are cut. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object')
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    const { name, message, stack } = value;
    const cause = (value as { cause?: unknown }).cause;
    return redactValue({ ...value, name, message, stack, ...(cause !== undefined ? { cause } : {}) }, depth + 1, seen);
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [redactSecrets(key), redactValue(item, depth + 1, seen)]),
  );
}
