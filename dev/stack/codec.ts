/**
 * The embedded stack's payload encryption: the keys (the operator's TEMPORAL_CODEC_KEYS or
 * TEMPORAL_CODEC_KEYS_FILE, else a local key made once in DATA_DIR/codec-keys, readable by this
 * user only) and the codec server the Temporal UI decodes through. Started before Temporal, whose
 * UI is told the endpoint at start.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AesGcmPayloadCodec } from '../../src/codec/aes-gcm-codec';
import { codecServerConfigSchema, startCodecServer } from '../../src/codec/codec-server';
import { codecKeysFromEnv, KEY_BYTES, LOCAL_KEYS_FILENAME, type CodecKeyring } from '../../src/codec/keys';
import { parseConfig } from '../../src/config';
import type { Running } from './components';

export interface StackCodec extends Running {
  keyring: CodecKeyring;
  /** What the worker (and the CLI, the demo) are given to find the same keys. */
  workerEnv: Record<string, string>;
  url: string;
}

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
  const server = await startCodecServer({ codec: new AesGcmPayloadCodec(keyring), host, port, corsOrigins });
  const keys = `${keyring.source}${made ? ', made now' : ''}; encrypting with key id ${keyring.encryptKeyId}`;
  return {
    name: 'codec server',
    keyring,
    workerEnv,
    url: server.url,
    lines: [`Codec server      ${server.url} (payloads encrypted; keys: ${keys})`],
    stop: () => server.stop(),
  };
}
