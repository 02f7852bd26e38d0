/**
 * The codec server over real HTTP on a free loopback port, its callers checked: a static token, or
 * a JWT verified against a real JWKS served on loopback (keys made with jose here).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { request } from 'undici';
import { AesGcmPayloadCodec } from '../../src/codec/aes-gcm-codec';
import { codecAuthConfigSchema } from '../../src/codec/codec-auth';
import { startCodecServer, type RunningCodecServer } from '../../src/codec/codec-server';
import { ConfigError, parseConfig } from '../../src/config';
import { findFreePorts } from '../../dev/net/ports';
import { parseCodecKeys } from '../../src/codec/keys';
import { fromRemote, toRemote, type RemoteCodecBody } from '../../src/codec/remote-codec';

const ISSUER = 'https://login.example.test/oauth2/default';
const AUDIENCE = 'temporal-codec';

/** A JWKS endpoint on loopback, publishing one RSA key's public half, as an issuer does. */
async function startJwks(): Promise<{ url: string; privateKey: KeyLike; server: Server }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`, privateKey, server };
}

const sign = (
  privateKey: KeyLike,
  claims: { issuer?: string; audience?: string; expiresAt?: number | string; kid?: string } = {},
) =>
  new SignJWT({ scp: ['openid'] })
    .setProtectedHeader({ alg: 'RS256', kid: claims.kid ?? 'k1' })
    .setSubject('operator@example.com')
    .setIssuer(claims.issuer ?? ISSUER)
    .setAudience(claims.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresAt ?? '5m')
    .sign(privateKey);

describe('the codec server', () => {
  const key = randomBytes(32).toString('base64');
  const staticToken = randomBytes(32).toString('base64url');
  let server: RunningCodecServer;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  beforeAll(async () => {
    jwks = await startJwks();
    server = await startCodecServer({
      codec: new AesGcmPayloadCodec(parseCodecKeys(`srv-1:${key}`, 'TEMPORAL_CODEC_KEYS')),
      host: '127.0.0.1',
      port: 0,
      corsOrigins: ['http://127.0.0.1:8233'],
      auth: { token: staticToken, jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: jwks.url } },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await new Promise((resolve) => jwks?.server.close(resolve));
  });

  const post = async (
    path: string,
    body: string,
    origin = 'http://127.0.0.1:8233',
    /** null: no Authorization header at all. */
    authorization: string | null = `Bearer ${staticToken}`,
  ) => {
    const response = await request(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin,
        'x-namespace': 'default',
        ...(authorization === null ? {} : { authorization }),
      },
      body,
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  };

  const encrypted = async (value: unknown): Promise<string> =>
    JSON.stringify(
      toRemote(
        await new AesGcmPayloadCodec(parseCodecKeys(`srv-1:${key}`, 'TEMPORAL_CODEC_KEYS')).encode([
          defaultPayloadConverter.toPayload(value),
        ]),
      ),
    );
  const decodedValue = (text: string): unknown =>
    defaultPayloadConverter.fromPayload(fromRemote(JSON.parse(text) as RemoteCodecBody)[0]!);

  it('refuses, with 401 and nothing of the payload, a request without a credential or with a bad one', async () => {
    const body = await encrypted({ email: 'dave.denied@example.com' });
    const other = await generateKeyPair('RS256');
    const refused: Record<string, string | null> = {
      'no credential': null,
      'a wrong static token': `Bearer ${randomBytes(32).toString('base64url')}`,
      'the static token, not as a bearer': staticToken,
      'a JWT signed by another key': `Bearer ${await sign(other.privateKey)}`,
      'an expired JWT': `Bearer ${await sign(jwks.privateKey, { expiresAt: Math.floor(Date.now() / 1000) - 3600 })}`,
      'a JWT for another audience': `Bearer ${await sign(jwks.privateKey, { audience: 'someone-else' })}`,
      'a JWT from another issuer': `Bearer ${await sign(jwks.privateKey, { issuer: 'https://evil.example.test' })}`,
      'an unsigned JWT': `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 })).toString('base64url')}.`,
    };
    const answers: Record<string, unknown> = {};
    for (const [what, authorization] of Object.entries(refused)) {
      const answer = await post('/decode', body, 'http://127.0.0.1:8233', authorization);
      answers[what] = { status: answer.status, text: answer.text, challenge: answer.headers['www-authenticate'] };
      expect(answer.text).not.toContain('dave.denied');
      // The token is not the path's first segment outside the embedded stack.
      const inPath = await post(`/${staticToken}/decode`, body, 'http://127.0.0.1:8233', authorization);
      expect({ what, status: inPath.status }).toEqual({ what, status: 401 });
    }
    expect(answers).toEqual(
      Object.fromEntries(
        Object.keys(refused).map((what) => [
          what,
          { status: 401, text: '{"error":"unauthorized"}', challenge: 'Bearer' },
        ]),
      ),
    );
    // /encode likewise: no ciphertext made for a stranger.
    expect((await post('/encode', body, 'http://127.0.0.1:8233', null)).status).toBe(401);
  });

  it('decodes for the static token and for a valid JWT from the configured issuer', async () => {
    const body = await encrypted({ email: 'erin.allowed@example.com' });
    const withToken = await post('/decode', body);
    expect(withToken.status).toBe(200);
    expect(decodedValue(withToken.text)).toEqual({ email: 'erin.allowed@example.com' });
    const withJwt = await post('/decode', body, 'http://127.0.0.1:8233', `Bearer ${await sign(jwks.privateKey)}`);
    expect(withJwt.status).toBe(200);
    expect(decodedValue(withJwt.text)).toEqual({ email: 'erin.allowed@example.com' });
    // A 401 still carries the CORS headers, so the UI can tell the operator why.
    const refused = await post('/decode', body, 'http://127.0.0.1:8233', null);
    expect(refused.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
  });

  it("accepts the static token as the path's first segment only when told to (the embedded stack's UI)", async () => {
    const stackServer = await startCodecServer({
      codec: new AesGcmPayloadCodec(parseCodecKeys(`srv-1:${key}`, 'TEMPORAL_CODEC_KEYS')),
      host: '127.0.0.1',
      port: 0,
      corsOrigins: ['http://127.0.0.1:8233'],
      auth: { token: staticToken, tokenInPath: true },
    });
    try {
      const body = await encrypted('in path');
      const call = async (path: string) => {
        const response = await request(`${stackServer.url}${path}`, { method: 'POST', body });
        return { status: response.statusCode, text: await response.body.text() };
      };
      const good = await call(`/${staticToken}/decode`);
      expect(good.status).toBe(200);
      expect(decodedValue(good.text)).toBe('in path');
      expect((await call(`/${randomBytes(32).toString('base64url')}/decode`)).status).toBe(401);
      expect((await call('/decode')).status).toBe(401);
    } finally {
      await stackServer.stop();
    }
  });

  it("refuses a JWT while the issuer's JWKS cannot be read, and says so to the operator", async () => {
    const [closedPort] = await findFreePorts(1);
    const warnings: string[] = [];
    const unreachable = await startCodecServer({
      codec: new AesGcmPayloadCodec(parseCodecKeys(`srv-1:${key}`, 'TEMPORAL_CODEC_KEYS')),
      host: '127.0.0.1',
      port: 0,
      corsOrigins: ['http://127.0.0.1:8233'],
      auth: {
        jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: `http://127.0.0.1:${closedPort}/keys` },
        warn: (line) => void warnings.push(line),
      },
    });
    try {
      const token = await sign(jwks.privateKey);
      const response = await request(`${unreachable.url}/decode`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: await encrypted('x'),
      });
      await response.body.dump();
      expect(response.statusCode).toBe(401);
      expect(warnings).toEqual([
        expect.stringContaining(`the JWKS at http://127.0.0.1:${closedPort}/keys could not be read`),
      ]);
      expect(warnings.join('\n')).not.toContain(token);
    } finally {
      await unreachable.stop();
    }
  });

  it('will not start without a credential to check, and says what to set', () => {
    const refuse = (env: NodeJS.ProcessEnv) => () => parseConfig(codecAuthConfigSchema, env);
    expect(refuse({})).toThrow(ConfigError);
    expect(refuse({})).toThrow(/CODEC_AUTH_TOKEN: the codec server decrypts for whoever calls it.*CODEC_AUTH_ISSUER/s);
    expect(refuse({ CODEC_AUTH_TOKEN: 'short' })).toThrow(/CODEC_AUTH_TOKEN: at least 32 characters/);
    expect(refuse({ CODEC_AUTH_ISSUER: ISSUER })).toThrow(/CODEC_AUTH_AUDIENCE: required with CODEC_AUTH_ISSUER/);
    expect(
      refuse({
        CODEC_AUTH_ISSUER: ISSUER,
        CODEC_AUTH_AUDIENCE: AUDIENCE,
        CODEC_AUTH_JWKS_URL: 'http://idp.example/keys',
      }),
    ).toThrow(/CODEC_AUTH_JWKS_URL: https \(plain http only on loopback\)/);
    // The message never echoes a value.
    expect(refuse({ CODEC_AUTH_TOKEN: 'short-secret-value' })).not.toThrow(/short-secret-value/);
  });

  it('encodes and decodes in the remote-codec JSON', async () => {
    const plain = toRemote([defaultPayloadConverter.toPayload({ email: 'bob@example.com' })]);
    const encoded = await post('/encode', JSON.stringify(plain));
    expect(encoded.status).toBe(200);
    expect(encoded.text).not.toContain(Buffer.from('bob@example.com').toString('base64').slice(0, 12));
    const encrypted = JSON.parse(encoded.text) as RemoteCodecBody;
    expect(Buffer.from(encrypted.payloads[0]!.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(encoded.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    const decoded = await post('/decode', encoded.text);
    expect(decoded.status).toBe(200);
    expect(defaultPayloadConverter.fromPayload(fromRemote(JSON.parse(decoded.text) as RemoteCodecBody)[0]!)).toEqual({
      email: 'bob@example.com',
    });
    expect(encoded.text + decoded.text).not.toContain(key);
  });

  it("answers the UI's preflight for an allowed origin, and gives another origin no CORS headers", async () => {
    const preflight = async (origin: string) =>
      request(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    const allowed = await preflight('http://127.0.0.1:8233');
    await allowed.body.dump();
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    expect(allowed.headers['access-control-allow-methods']).toContain('POST');
    expect(allowed.headers['access-control-allow-headers']).toBe('content-type,x-namespace,authorization');
    const other = await preflight('http://evil.example');
    await other.body.dump();
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(
      (await post('/decode', '{"payloads":[]}', 'http://evil.example')).headers['access-control-allow-origin'],
    ).toBeUndefined();
  });

  it('answers an empty body, as the Temporal CLI sends for an event without payloads, with no payloads', async () => {
    const empty = await post('/decode', '{}');
    expect(empty.status).toBe(200);
    expect(JSON.parse(empty.text)).toEqual({ payloads: [] });
  });

  it('answers 400 to junk and to an unknown key id, 413 to an oversized body', async () => {
    expect((await post('/decode', 'not json')).status).toBe(400);
    expect((await post('/decode', '{"payloads":"x"}')).status).toBe(400);
    expect((await post('/decode', '{"payloads":[{"data":"%%%"}]}')).status).toBe(400);
    const foreign = toRemote(
      await new AesGcmPayloadCodec(parseCodecKeys(`gone:${randomBytes(32).toString('base64')}`, 'env')).encode([
        defaultPayloadConverter.toPayload(1),
      ]),
    );
    const missing = await post('/decode', JSON.stringify(foreign));
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('key id gone');
    expect((await post('/encode', 'x'.repeat(5 * 1024 * 1024))).status).toBe(413);
  });
});
