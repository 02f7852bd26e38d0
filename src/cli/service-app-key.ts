/**
 * The service app's key pair, made and kept on this machine: the private key never leaves it
 * (PKCS#8 PEM in a file created 0600, never printed), only its public JWK goes to Okta. The key
 * id is the JWK thumbprint (RFC 7638), so the same key always has the same `kid`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import type { PublicSigningJwk } from '../clients/okta/service-apps';
import { errorMessage } from '../util/errors';

export const KEY_TYPES = ['rsa', 'ec'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** The key's public half and what identifies it; the private half stays in the file. */
export interface LocalKey {
  kid: string;
  alg: string;
  jwk: PublicSigningJwk;
  /** How the file is readable by others than its owner (mode bits), when it is. */
  looseMode?: string;
}

/** A key file we cannot read or will not use: the operator must fix or move it; it is never overwritten. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

const PKCS8_PEM = /-----BEGIN PRIVATE KEY-----/;
const EC_ALGS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const MIN_RSA_BITS = 2048;

/** A new key pair: RSA 2048 for RS256 (the SDKs' default), or EC P-256 for ES256. */
export async function generateKey(type: KeyType): Promise<{ key: LocalKey; pem: string }> {
  const { privateKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: MIN_RSA_BITS })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key: await describeKey(privateKey, 'the new key'), pem };
}

/** The key in `file`, or undefined when there is no such file. */
export async function readKeyFile(file: string): Promise<LocalKey | undefined> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyFileError(
      `Cannot read the key file ${file}: ${errorMessage(error)}. Fix its permissions, or choose another file with --key-file.`,
    );
  }
  if (!PKCS8_PEM.test(pem)) {
    throw new KeyFileError(
      `${file} is not an unencrypted PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----"), so it is not this command's and is left as it is. ` +
        'Choose another file with --key-file, or convert a key of yours with `openssl pkcs8 -topk8 -nocrypt -in old.pem -out new.pem`.',
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new KeyFileError(
      `${file} holds no private key we can read (${errorMessage(error)}); it is left as it is. Choose another file with --key-file.`,
    );
  }
  const key = await describeKey(privateKey, file);
  const mode = (await stat(file)).mode & 0o077;
  return mode === 0 ? key : { ...key, looseMode: (mode | 0o600).toString(8).padStart(4, '0') };
}

/**
 * Writes a new key file, readable by its owner only. Never replaces a file: the key is written
 * beside it and linked into place, which fails if the name is taken meanwhile.
 */
export async function writeKeyFile(file: string, pem: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new KeyFileError(
        `${file} appeared while the key was being written; it is left as it is. Run the command again.`,
      );
    throw new KeyFileError(`Cannot write the key file ${file}: ${errorMessage(error)}`);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Public JWK, algorithm and thumbprint of a private key; RSA under 2048 bits and curves Okta does not take are refused. */
async function describeKey(privateKey: KeyObject, where: string): Promise<LocalKey> {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  let alg: string | undefined;
  if (jwk.kty === 'RSA') {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new KeyFileError(
        `${where} is an RSA key of ${bits} bits; Okta wants at least ${MIN_RSA_BITS}. Choose another file with --key-file.`,
      );
    alg = 'RS256';
  } else if (jwk.kty === 'EC') {
    alg = EC_ALGS[jwk.crv ?? ''];
  }
  if (!alg)
    throw new KeyFileError(
      `${where} is a ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''} key; Okta signs client assertions with RSA or EC P-256/P-384/P-521 keys only. Choose another file with --key-file.`,
    );
  const kid = await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0], 'sha256');
  const material =
    jwk.kty === 'RSA'
      ? { kty: 'RSA' as const, n: jwk.n!, e: jwk.e! }
      : { kty: 'EC' as const, crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
  return { kid, alg, jwk: { ...material, kid, alg, use: 'sig' } };
}
