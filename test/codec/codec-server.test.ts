/** The codec server over real HTTP on a free loopback port. */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { request } from 'undici';
import { AesGcmPayloadCodec } from '../../src/codec/aes-gcm-codec';
import { startCodecServer, type RunningCodecServer } from '../../src/codec/codec-server';
import { parseCodecKeys } from '../../src/codec/keys';
import { fromRemote, toRemote, type RemoteCodecBody } from '../../src/codec/remote-codec';

describe('the codec server', () => {
  const key = randomBytes(32).toString('base64');
  let server: RunningCodecServer;
  beforeAll(async () => {
    server = await startCodecServer({
      codec: new AesGcmPayloadCodec(parseCodecKeys(`srv-1:${key}`, 'TEMPORAL_CODEC_KEYS')),
      host: '127.0.0.1',
      port: 0,
      corsOrigins: ['http://127.0.0.1:8233'],
    });
  });
  afterAll(() => server?.stop());

  const post = async (path: string, body: string, origin = 'http://127.0.0.1:8233') => {
    const response = await request(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, 'x-namespace': 'default' },
      body,
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  };

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
