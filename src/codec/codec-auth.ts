/**
 * Who may ask the codec server to encode or decode: a request carries `Authorization: Bearer <credential>`,
 * either the static secret CODEC_AUTH_TOKEN (compared in constant time; the CLI's `--codec-auth`,
 * scripts, the embedded stack) or a JWT access token, as Temporal UI forwards the operator's with
 * TEMPORAL_CODEC_PASS_ACCESS_TOKEN, verified with `jose` against the issuer's JWKS: signature,
 * issuer, audience, expiry. Anything else is refused; the caller learns only "unauthorized".
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Asymmetric only: a JWKS publishes public keys, and an HMAC "key" from it would be public. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Clock skew tolerated on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 30;
const MIN_CODEC_AUTH_TOKEN_LENGTH = 32;

const codecAuthConfigObject = z.object({
  CODEC_AUTH_TOKEN: z
    .string()
    .min(
      MIN_CODEC_AUTH_TOKEN_LENGTH,
      `at least ${MIN_CODEC_AUTH_TOKEN_LENGTH} characters, e.g. \`openssl rand -base64 32\``,
    )
    .optional(),
  CODEC_AUTH_ISSUER: z.url().optional(),
  CODEC_AUTH_AUDIENCE: z.string().min(1).optional(),
  CODEC_AUTH_JWKS_URL: z
    .url({ protocol: /^https?$/ })
    .refine(
      (url) => url.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(url).host.replace(/:\d+$/, '')),
      'https (plain http only on loopback)',
    )
    .optional(),
});

type CodecAuthConfig = z.infer<typeof codecAuthConfigObject>;

const JWT_SETTINGS = ['CODEC_AUTH_ISSUER', 'CODEC_AUTH_AUDIENCE', 'CODEC_AUTH_JWKS_URL'] as const;

/** JWT settings all or none, and at least one credential configured: no codec server runs open. */
function checkCodecAuthConfig(config: CodecAuthConfig, context: z.RefinementCtx): void {
  const jwtSet = JWT_SETTINGS.filter((name) => config[name] !== undefined);
  if (jwtSet.length > 0 && jwtSet.length < JWT_SETTINGS.length)
    for (const name of JWT_SETTINGS.filter((setting) => config[setting] === undefined))
      context.addIssue({
        code: 'custom',
        path: [name],
        message: `required with ${jwtSet.join(', ')}: access tokens are verified against the issuer's JWKS for one audience`,
      });
  if (jwtSet.length === 0 && config.CODEC_AUTH_TOKEN === undefined)
    context.addIssue({
      code: 'custom',
      path: ['CODEC_AUTH_TOKEN'],
      message:
        'the codec server decrypts for whoever calls it, so it needs a credential to check: set CODEC_AUTH_TOKEN ' +
        `(a secret of ${MIN_CODEC_AUTH_TOKEN_LENGTH}+ characters callers send as "Authorization: Bearer <token>") and/or ` +
        'CODEC_AUTH_ISSUER, CODEC_AUTH_AUDIENCE and CODEC_AUTH_JWKS_URL (the access tokens Temporal UI forwards with ' +
        'TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true); docs/operations.md, "The codec server"',
    });
}

export const codecAuthConfigSchema = codecAuthConfigObject.superRefine(checkCodecAuthConfig);

export interface CodecAuthOptions {
  /** The static secret callers send as `Authorization: Bearer <token>`. */
  token?: string;
  jwt?: { issuer: string; audience: string; jwksUrl: string };
  /**
   * The embedded stack only: the static token may also be the path's first segment
   * (`/<token>/decode`), since the dev server's Temporal UI can be given an endpoint URL but no header.
   */
  tokenInPath?: boolean;
  /** Where a JWKS that cannot be read is reported (default stderr): every JWT is refused until it can. */
  warn?: (line: string) => void;
}

/** The issuer's side failing, not the caller's token: worth an operator's attention. */
const JWKS_UNREADABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

export function codecAuthOptions(config: CodecAuthConfig): CodecAuthOptions {
  return {
    ...(config.CODEC_AUTH_TOKEN ? { token: config.CODEC_AUTH_TOKEN } : {}),
    ...(config.CODEC_AUTH_ISSUER && config.CODEC_AUTH_AUDIENCE && config.CODEC_AUTH_JWKS_URL
      ? {
          jwt: {
            issuer: config.CODEC_AUTH_ISSUER,
            audience: config.CODEC_AUTH_AUDIENCE,
            jwksUrl: config.CODEC_AUTH_JWKS_URL,
          },
        }
      : {}),
  };
}

/** For banners: how callers are checked, never the secret. */
export function describeCodecAuth(options: CodecAuthOptions): string {
  const ways = [
    ...(options.token ? ['static bearer token'] : []),
    ...(options.jwt ? [`JWT from ${options.jwt.issuer} for audience ${options.jwt.audience}`] : []),
  ];
  return ways.join(' or ');
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Equal without a timing signal: both sides hashed to the same length first. */
function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface CodecAuthenticator {
  /** The request's path without a path token, when its credential is good; undefined otherwise. */
  authorize(authorization: string | undefined, path: string): Promise<string | undefined>;
}

export function createCodecAuthenticator(options: CodecAuthOptions): CodecAuthenticator {
  if (!options.token && !options.jwt)
    throw new Error('the codec server needs a credential to check: a static token or JWT settings');
  const expected = options.token ? digest(options.token) : undefined;
  const jwks = options.jwt ? createRemoteJWKSet(new URL(options.jwt.jwksUrl)) : undefined;

  const verifyJwt = async (token: string): Promise<boolean> => {
    if (!options.jwt || !jwks || token.split('.').length !== 3) return false;
    try {
      await jwtVerify(token, jwks, {
        issuer: options.jwt.issuer,
        audience: options.jwt.audience,
        algorithms: JWT_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      });
      return true;
    } catch (error) {
      if (!(error instanceof errors.JOSEError) || JWKS_UNREADABLE.has(error.code)) {
        const reason = error instanceof Error ? error.message : String(error);
        (options.warn ?? ((line) => void process.stderr.write(`${line}\n`)))(
          `Codec server: the JWKS at ${options.jwt.jwksUrl} could not be read (${reason}); access tokens are refused until it can.`,
        );
      }
      return false;
    }
  };

  return {
    async authorize(authorization, path) {
      if (options.tokenInPath && expected) {
        const match = /^\/([^/]+)(\/.*)$/.exec(path);
        if (match && sameSecret(decodedSegment(match[1]!), expected)) return match[2];
      }
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (!bearer) return undefined;
      if (expected && sameSecret(bearer, expected)) return path;
      return (await verifyJwt(bearer)) ? path : undefined;
    },
  };
}
