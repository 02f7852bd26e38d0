/**
 * `npm run codec-server`: the codec server on its own (CODEC_SERVER_ADDRESS, default
 * 127.0.0.1:8234), for a Temporal UI started with `--ui-codec-endpoint` (or Temporal Cloud's
 * codec setting). Keys as the worker has them; callers authenticated (CODEC_AUTH_TOKEN and/or
 * CODEC_AUTH_ISSUER/AUDIENCE/JWKS_URL, src/codec/codec-auth.ts), or it does not start. SIGINT/SIGTERM stop it.
 */
import { AesGcmPayloadCodec } from './codec/aes-gcm-codec';
import { codecAuthConfigSchema, codecAuthOptions, describeCodecAuth } from './codec/codec-auth';
import { codecServerConfigSchema, startCodecServer } from './codec/codec-server';
import { codecKeysFromEnv } from './codec/keys';
import { ConfigError, parseConfig } from './config';
import { errorMessage } from './util/errors';

async function main(): Promise<void> {
  const config = parseConfig(codecServerConfigSchema, process.env);
  // Refuses to start with no credential to check (the message says what to set).
  const auth = codecAuthOptions(parseConfig(codecAuthConfigSchema, process.env));
  const keyring = codecKeysFromEnv(process.env);
  if (!keyring)
    throw new ConfigError(
      "Invalid configuration:\n  TEMPORAL_CODEC_KEYS: required (or TEMPORAL_CODEC_KEYS_FILE): the codec server decodes with the worker's keys",
    );
  const separator = config.CODEC_SERVER_ADDRESS.lastIndexOf(':');
  const server = await startCodecServer({
    codec: new AesGcmPayloadCodec(keyring),
    host: config.CODEC_SERVER_ADDRESS.slice(0, separator),
    port: Number(config.CODEC_SERVER_ADDRESS.slice(separator + 1)),
    corsOrigins: config.CODEC_CORS_ORIGINS,
    auth,
  });
  process.stdout.write(
    `Codec server ${server.url} (key ids ${[...keyring.keys.keys()].join(', ')}; CORS for ${config.CODEC_CORS_ORIGINS.join(', ')}; callers need a ${describeCodecAuth(auth)})\n`,
  );
  const stop = (): void => {
    void server.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 5_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Codec server stopped: ${errorMessage(error)}\n`);
  process.exit(1);
});
