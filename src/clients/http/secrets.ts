/**
 * Every secret the process knows (API tokens, client secrets, access tokens) is registered here,
 * and every error message and log line the clients produce passes through `redactSecrets`.
 * The first line of defence is never to put a secret into a message; this is the second.
 */
const secrets = new Set<string>();

/** Secrets shorter than this are not redacted: replacing "a" everywhere would destroy messages. */
const MIN_SECRET_LENGTH = 6;
export const REDACTED = '[redacted]';

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}
