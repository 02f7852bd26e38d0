/** The DataConverter every client and worker of this service uses, from the codec keys of the environment. */
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, NoKeyPayloadCodec } from './aes-gcm-codec';
import { codecKeysFromEnv, type CodecKeyring } from './keys';

export interface CodecSetup {
  dataConverter: DataConverter;
  /** Undefined when no key is configured: payloads are written in clear. */
  keyring?: CodecKeyring;
}

/**
 * Failure messages and stack traces encoded as a payload (src/codec/failure-converter.ts), so they
 * are encrypted with the rest; bundles of the workflow code are built with the same path.
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

const encrypting = (keyring: CodecKeyring): DataConverter => ({
  payloadCodecs: [new AesGcmPayloadCodec(keyring)],
  failureConverterPath: FAILURE_CONVERTER_PATH,
});

export function codecSetupFromEnv(env: NodeJS.ProcessEnv = process.env): CodecSetup {
  const keyring = codecKeysFromEnv(env);
  return keyring
    ? { dataConverter: encrypting(keyring), keyring }
    : { dataConverter: { payloadCodecs: [new NoKeyPayloadCodec()] } };
}

/** The encrypting DataConverter, or undefined when no key is configured. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const keyring = codecKeysFromEnv(env);
  return keyring ? encrypting(keyring) : undefined;
}

export const NOT_ENCRYPTED_WARNING =
  'WARNING: no TEMPORAL_CODEC_KEYS / TEMPORAL_CODEC_KEYS_FILE: payloads (emails, names, results) are stored in Temporal unencrypted.';
