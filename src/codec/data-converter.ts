/** The DataConverter every client and worker of this service uses, from the codec keys of the environment. */
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, NoKeyPayloadCodec } from './aes-gcm-codec';
import { codecKeysFromEnv, type CodecKeyring } from './keys';

export interface CodecSetup {
  dataConverter: DataConverter;
  /** Undefined when no key is configured: payloads are written in clear. */
  keyring?: CodecKeyring;
}

export function codecSetupFromEnv(env: NodeJS.ProcessEnv = process.env): CodecSetup {
  const keyring = codecKeysFromEnv(env);
  return keyring
    ? { dataConverter: { payloadCodecs: [new AesGcmPayloadCodec(keyring)] }, keyring }
    : { dataConverter: { payloadCodecs: [new NoKeyPayloadCodec()] } };
}

/** The encrypting DataConverter, or undefined when no key is configured. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const keyring = codecKeysFromEnv(env);
  return keyring ? { payloadCodecs: [new AesGcmPayloadCodec(keyring)] } : undefined;
}

export const NOT_ENCRYPTED_WARNING =
  'WARNING: no TEMPORAL_CODEC_KEYS / TEMPORAL_CODEC_KEYS_FILE: payloads (emails, names, results) are stored in Temporal unencrypted.';
