/**
 * Codec keys from the environment: TEMPORAL_CODEC_KEYS = `keyId:base64Key,...` (each key 32
 * bytes), or TEMPORAL_CODEC_KEYS_FILE naming a file in the same format (commas or newlines). The
 * first key encrypts; every key decrypts, so a rotation puts the new key first and keeps the old.
 * With neither set, the embedded stack's local key (DATA_DIR/codec-keys) when it exists.
 * Messages name key ids and positions, never key material.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CodecKeyConfigError } from './errors';

export const KEY_BYTES = 32;
export const LOCAL_KEYS_FILENAME = 'codec-keys';

export interface CodecKeyring {
  /** The key new payloads are encrypted with. */
  encryptKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from, for banners: a variable name or a file path. */
  source: string;
}

const keyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1 to 64 letters, digits, ".", "_" or "-"');
const keyMaterial = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'is not base64')
  .transform((text) => Buffer.from(text, 'base64'))
  .refine((key) => key.length === KEY_BYTES, { message: `must decode to ${KEY_BYTES} bytes (AES-256)` });

/** Parses the `keyId:base64Key` list; `source` names where it came from in the messages. */
export function parseCodecKeys(text: string, source: string): CodecKeyring {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  const problems: string[] = [];
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`entry ${index + 1} is not keyId:base64Key`);
      return;
    }
    const id = keyId.safeParse(entry.slice(0, colon).trim());
    if (!id.success) {
      problems.push(`entry ${index + 1}: ${id.error.issues[0]!.message}`);
      return;
    }
    const key = keyMaterial.safeParse(entry.slice(colon + 1).trim());
    if (!key.success) problems.push(`key ${id.data}: ${key.error.issues[0]!.message}`);
    else if (keys.has(id.data)) problems.push(`key ${id.data} is listed twice`);
    else keys.set(id.data, key.data);
  });
  if (entries.length === 0) problems.push('no keys (expected keyId:base64Key, comma-separated)');
  if (problems.length > 0)
    throw new CodecKeyConfigError(
      `Invalid configuration:\n${problems.map((line) => `  ${source}: ${line}`).join('\n')}`,
    );
  return { encryptKeyId: keys.keys().next().value!, keys, source };
}

/** The default data directory of the embedded stack, as src/config.ts's stack schema has it. */
function dataDir(env: NodeJS.ProcessEnv): string {
  return env.DATA_DIR || resolve(__dirname, '..', '..', '.data');
}

/** The keys this process is configured with, or undefined when none are (payloads then stay in clear). */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKeyring | undefined {
  if (env.TEMPORAL_CODEC_KEYS && env.TEMPORAL_CODEC_KEYS_FILE) {
    throw new CodecKeyConfigError(
      'Invalid configuration:\n  TEMPORAL_CODEC_KEYS: set either TEMPORAL_CODEC_KEYS or TEMPORAL_CODEC_KEYS_FILE, not both',
    );
  }
  if (env.TEMPORAL_CODEC_KEYS) return parseCodecKeys(env.TEMPORAL_CODEC_KEYS, 'TEMPORAL_CODEC_KEYS');
  const file = env.TEMPORAL_CODEC_KEYS_FILE || localKeysFile(env);
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CodecKeyConfigError(
      `Invalid configuration:\n  TEMPORAL_CODEC_KEYS_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseCodecKeys(text, file);
}

/** The embedded stack's local key file, when it exists (`npm start` makes it; the CLI and demo find it there). */
function localKeysFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = join(dataDir(env), LOCAL_KEYS_FILENAME);
  return existsSync(file) ? file : undefined;
}
