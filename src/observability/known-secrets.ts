/**
 * The secrets the worker's configuration holds, so that the one redaction point
 * (src/clients/http/secrets.ts) knows them before the first log line is written.
 */
import { registerSecret } from '../clients/http/secrets';

const SECRET_VARIABLES = [
  'BI_API_TOKEN',
  'BI_CLIENT_SECRET',
  'OKTA_API_TOKEN',
  'OKTA_PRIVATE_KEY',
  'CODEC_AUTH_TOKEN',
] as const;

/** Every secret value in `env`: the API tokens, the client secret, the codec server's static token, and TEMPORAL_CODEC_KEYS (`keyId:base64key,...`) whole and each key. */
export function knownSecrets(env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  for (const name of SECRET_VARIABLES) if (env[name]) found.push(env[name]);
  const codecKeys = env.TEMPORAL_CODEC_KEYS?.trim();
  if (codecKeys) {
    found.push(codecKeys);
    for (const entry of codecKeys.split(',')) {
      const trimmed = entry.trim();
      const colon = trimmed.indexOf(':');
      found.push(trimmed);
      if (colon >= 0) found.push(trimmed.slice(colon + 1));
    }
  }
  return found.filter(Boolean);
}

export function registerKnownSecrets(env: NodeJS.ProcessEnv): void {
  for (const secret of knownSecrets(env)) registerSecret(secret);
}
