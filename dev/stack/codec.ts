/**
 * The embedded stack's payload encryption: the keys (the operator's TEMPORAL_CODEC_KEYS or
 * TEMPORAL_CODEC_KEYS_FILE, else a local key made once in DATA_DIR/codec-keys, readable by this
 * user only) and the codec server the Temporal UI decodes through. Started before Temporal, whose
 * UI is told the endpoint at start. The codec server checks a static token (the operator's
 * CODEC_AUTH_TOKEN, else one made once in DATA_DIR/codec-auth-token, this user only) and any JWT
 * settings given. The dev server's UI can be given an endpoint URL but no header, so its endpoint
 * carries the token as the path's first segment, which this codec server alone accepts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AesGcmPayloadCodec } from '../../src/codec/aes-gcm-codec';
import { codecAuthConfigSchema, codecAuthOptions, describeCodecAuth } from '../../src/codec/codec-auth';
import { codecServerConfigSchema, startCodecServer } from '../../src/codec/codec-server';
import { codecKeysFromEnv, KEY_BYTES, LOCAL_KEYS_FILENAME, type CodecKeyring } from '../../src/codec/keys';
import { parseConfig } from '../../src/config';
import type { Running } from './components';

export interface StackCodec extends Running {
  keyring: CodecKeyring;
  /** What the worker (and the CLI, the demo) are given to find the same keys. */
  workerEnv: Record<string, string>;
  /** What the Temporal UI is given: the codec server with the static token as the path's first segment. */
  uiEndpoint: string;
}

const AUTH_TOKEN_FILENAME = 'codec-auth-token';

export function codecServerAddress(env: NodeJS.ProcessEnv): { host: string; port: number } {
  const address = parseConfig(codecServerConfigSchema, env).CODEC_SERVER_ADDRESS;
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
}

/** The operator's keys, or the stack's local one (made on first start). */
async function stackKeyring(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Promise<{ keyring: CodecKeyring; workerEnv: Record<string, string>; made: boolean }> {
  if (env.TEMPORAL_CODEC_KEYS || env.TEMPORAL_CODEC_KEYS_FILE)
    return { keyring: codecKeysFromEnv(env)!, workerEnv: {}, made: false };
  const file = join(dataDir, LOCAL_KEYS_FILENAME);
  await mkdir(dataDir, { recursive: true });
  let made = false;
  try {
    const id = `local-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    writeFileSync(file, `${id}:${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    made = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return {
    keyring: codecKeysFromEnv({ TEMPORAL_CODEC_KEYS_FILE: file })!,
    workerEnv: { TEMPORAL_CODEC_KEYS_FILE: file },
    made,
  };
}

/** The operator's CODEC_AUTH_TOKEN, or the stack's own (made on first start, readable by this user only). */
function stackAuthToken(env: NodeJS.ProcessEnv, dataDir: string): { token: string; source: string } {
  if (env.CODEC_AUTH_TOKEN) return { token: env.CODEC_AUTH_TOKEN, source: 'CODEC_AUTH_TOKEN' };
  const file = join(dataDir, AUTH_TOKEN_FILENAME);
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { token: readFileSync(file, 'utf8').trim(), source: file };
}

export async function startStackCodec(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  uiPort: number | undefined,
): Promise<StackCodec> {
  const { keyring, workerEnv, made } = await stackKeyring(env, dataDir);
  const { host, port } = codecServerAddress(env);
  const configured = parseConfig(codecServerConfigSchema, env).CODEC_CORS_ORIGINS;
  const corsOrigins =
    env.CODEC_CORS_ORIGINS || uiPort === undefined
      ? configured
      : [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
  const { token, source } = stackAuthToken(env, dataDir);
  // The operator's JWT settings too, when given; the message of a bad one names the variable.
  const auth = {
    ...codecAuthOptions(parseConfig(codecAuthConfigSchema, { ...env, CODEC_AUTH_TOKEN: token })),
    tokenInPath: true,
  };
  const server = await startCodecServer({ codec: new AesGcmPayloadCodec(keyring), host, port, corsOrigins, auth });
  const keys = `${keyring.source}${made ? ', made now' : ''}; encrypting with key id ${keyring.encryptKeyId}`;
  return {
    name: 'codec server',
    keyring,
    workerEnv,
    uiEndpoint: `${server.url}/${encodeURIComponent(token)}`,
    lines: [
      `Codec server      ${server.url} (payloads encrypted; keys: ${keys})`,
      `                  callers need a ${describeCodecAuth(auth)}: the token is in ${source}, e.g. temporal workflow show --codec-endpoint ${server.url} --codec-auth "Bearer $(cat ${source})"`,
    ],
    stop: () => server.stop(),
  };
}
