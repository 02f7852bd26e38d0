/**
 * AES-256-GCM payload codec. An encrypted payload has metadata `encoding: binary/encrypted` and
 * `encryption-key-id: <id>`; its data is IV (12 random bytes) ‖ ciphertext ‖ tag (16 bytes) of the
 * original Payload serialized as protobuf, so its metadata (the JSON encoding) is hidden too. The
 * key id is authenticated as additional data. Payloads not marked encrypted pass through.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CodecDecryptError, MissingCodecKeyError } from './errors';
import type { CodecKeyring } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (value: string) => new Uint8Array(Buffer.from(value, 'utf8'));
const PayloadMessage = temporal.api.common.v1.Payload;

/** The key id of an encrypted payload, or undefined for one in clear. */
function encryptedKeyId(payload: Payload): string | undefined {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) return undefined;
  const keyId = payload.metadata?.[KEY_ID_METADATA_KEY];
  return keyId ? Buffer.from(keyId).toString('utf8') : '(none)';
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyring: CodecKeyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyring.encryptKeyId;
    const key = this.keyring.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(keyId, 'utf8'));
      const plain = PayloadMessage.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: text(keyId) },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const keyId = encryptedKeyId(payload);
      if (keyId === undefined) return payload;
      const key = this.keyring.keys.get(keyId);
      if (!key) throw new MissingCodecKeyError(keyId);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new CodecDecryptError(keyId);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(keyId, 'utf8'));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return PayloadMessage.decode(plain) as Payload;
      } catch {
        throw new CodecDecryptError(keyId);
      }
    });
  }
}

/**
 * The codec of a process without keys: writes in clear, and refuses to read an encrypted payload
 * with an error naming its key id, instead of the converter's "unknown encoding".
 */
export class NoKeyPayloadCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    for (const payload of payloads) {
      const keyId = encryptedKeyId(payload);
      if (keyId !== undefined) throw new MissingCodecKeyError(keyId);
    }
    return payloads;
  }
}
