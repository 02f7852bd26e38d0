/** The AES-256-GCM codec and its keys: pure logic, real crypto. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA_KEY,
  NoKeyPayloadCodec,
} from '../../src/codec/aes-gcm-codec';
import { CodecDecryptError, CodecKeyConfigError, MissingCodecKeyError } from '../../src/codec/errors';
import { codecKeysFromEnv, parseCodecKeys } from '../../src/codec/keys';

const newKey = () => randomBytes(32).toString('base64');
const meta = (payload: Payload, key: string) => Buffer.from(payload.metadata![key]!).toString('utf8');
const person = { email: 'alice@example.com', firstName: 'Alice' };

describe('the payload codec', () => {
  const oldKey = newKey();
  const newerKey = newKey();
  const original = defaultPayloadConverter.toPayload(person);

  it('round-trips a payload, hiding its data and its encoding', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(`k1:${oldKey}`, 'TEMPORAL_CODEC_KEYS'));
    const [encrypted] = await codec.encode([original]);
    expect(meta(encrypted!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(encrypted!, KEY_ID_METADATA_KEY)).toBe('k1');
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('alice');
    expect(JSON.stringify(encrypted)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(person);
    // A fresh IV each time.
    const [again] = await codec.encode([original]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(encrypted!.data!))).toBe(false);
  });

  it('decodes payloads of an old key after rotation, and encrypts new ones with the new key', async () => {
    const [before] = await new AesGcmPayloadCodec(parseCodecKeys(`old:${oldKey}`, 'env')).encode([original]);
    const rotated = new AesGcmPayloadCodec(parseCodecKeys(`new:${newerKey},old:${oldKey}`, 'env'));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([before!]))[0]!)).toEqual(person);
    const [after] = await rotated.encode([original]);
    expect(meta(after!, KEY_ID_METADATA_KEY)).toBe('new');
  });

  it('names the missing key id, and never key material', async () => {
    const [encrypted] = await new AesGcmPayloadCodec(parseCodecKeys(`retired-2025:${oldKey}`, 'env')).encode([
      original,
    ]);
    const other = new AesGcmPayloadCodec(parseCodecKeys(`current:${newerKey}`, 'env'));
    const error = (await other.decode([encrypted!]).then(
      () => undefined,
      (caught: unknown) => caught,
    )) as Error;
    expect(error).toBeInstanceOf(MissingCodecKeyError);
    expect(error.message).toMatch(/encrypted with key id retired-2025; set TEMPORAL_CODEC_KEYS/);
    for (const key of [oldKey, newerKey]) expect(error.message).not.toContain(key);
    // Without any key: the same message, not the converter's "unknown encoding".
    await expect(new NoKeyPayloadCodec().decode([encrypted!])).rejects.toThrow(/encrypted with key id retired-2025/);
  });

  it('refuses tampered ciphertext, and a swapped key id', async () => {
    const keyring = parseCodecKeys(`a:${oldKey},b:${newerKey}`, 'env');
    const codec = new AesGcmPayloadCodec(keyring);
    const [encrypted] = await codec.encode([original]);
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow(CodecDecryptError);
    const swapped = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('b') } };
    await expect(codec.decode([swapped])).rejects.toThrow(/failed authentication/);
  });

  it('passes payloads in clear through unchanged', async () => {
    const codec = new AesGcmPayloadCodec(parseCodecKeys(`k:${oldKey}`, 'env'));
    expect(await codec.decode([original])).toEqual([original]);
    expect(await new NoKeyPayloadCodec().encode([original])).toEqual([original]);
  });
});

describe('codec keys from the environment', () => {
  it('reports every bad entry by key id or position, never the material', () => {
    const short = randomBytes(16).toString('base64');
    let error: Error | undefined;
    try {
      parseCodecKeys(`good:${newKey()},short:${short},no-colon,bad id:${newKey()}`, 'TEMPORAL_CODEC_KEYS');
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toBeInstanceOf(CodecKeyConfigError);
    expect(error!.message).toContain('TEMPORAL_CODEC_KEYS: key short: must decode to 32 bytes');
    expect(error!.message).toContain('entry 3 is not keyId:base64Key');
    expect(error!.message).toMatch(/entry 4: a key id is/);
    expect(error!.message).not.toContain(short);
  });

  it('reads a keys file, and the local key of DATA_DIR when nothing is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codec-keys-'));
    try {
      const key = newKey();
      await writeFile(join(dir, 'mounted'), `mounted-1:${key}\nolder:${newKey()}\n`);
      expect(codecKeysFromEnv({ TEMPORAL_CODEC_KEYS_FILE: join(dir, 'mounted') })?.encryptKeyId).toBe('mounted-1');
      expect(codecKeysFromEnv({ DATA_DIR: dir })).toBeUndefined();
      await writeFile(join(dir, 'codec-keys'), `local-x:${key}\n`);
      expect(codecKeysFromEnv({ DATA_DIR: dir })?.encryptKeyId).toBe('local-x');
      expect(() => codecKeysFromEnv({ TEMPORAL_CODEC_KEYS: `a:${key}`, TEMPORAL_CODEC_KEYS_FILE: 'x' })).toThrow(
        /not both/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
