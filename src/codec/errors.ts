/** The codec's failures, each saying what to fix; none ever holds key material. */
import { ConfigError } from '../config';

/** TEMPORAL_CODEC_KEYS / TEMPORAL_CODEC_KEYS_FILE is malformed. */
export class CodecKeyConfigError extends ConfigError {
  override name = 'CodecKeyConfigError';
}

/** A payload is encrypted with a key this process does not have. */
export class MissingCodecKeyError extends Error {
  override name = 'MissingCodecKeyError';
  constructor(readonly keyId: string) {
    super(
      `payloads are encrypted with key id ${keyId}; set TEMPORAL_CODEC_KEYS (or TEMPORAL_CODEC_KEYS_FILE) to include key ${keyId} ` +
        '(see docs/operations.md, "Payload encryption")',
    );
  }
}

/** The ciphertext, its IV or its tag does not authenticate: tampered with, or a different key under the same id. */
export class CodecDecryptError extends Error {
  override name = 'CodecDecryptError';
  constructor(readonly keyId: string) {
    super(
      `an encrypted payload (key id ${keyId}) failed authentication: it was altered, or key ${keyId} is not the key it was encrypted with`,
    );
  }
}
