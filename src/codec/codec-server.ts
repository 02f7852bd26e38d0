/**
 * The codec server: POST /encode and /decode in Temporal's remote-codec JSON, so the Temporal UI
 * (and `temporal --codec-endpoint`) show payloads decoded with the same keys as the worker. CORS
 * only for the configured origins; bodies are limited and validated; errors are 400 with a reason
 * (a missing key id, bad JSON), never with key material. Every /encode and /decode must carry a
 * credential (./codec-auth.ts), else 401 before the body is read; the CORS preflight needs none.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { createCodecAuthenticator, type CodecAuthOptions } from './codec-auth';
import { CodecDecryptError, MissingCodecKeyError } from './errors';
import { fromRemote, remoteCodecBodySchema, toRemote } from './remote-codec';

const DEFAULT_CODEC_SERVER_ADDRESS = '127.0.0.1:8234';
const DEFAULT_CODEC_CORS_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const ALLOWED_HEADERS = 'content-type,x-namespace,authorization';

export const codecServerConfigSchema = z.object({
  CODEC_SERVER_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:8234')
    .default(DEFAULT_CODEC_SERVER_ADDRESS),
  CODEC_CORS_ORIGINS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((origin) => origin.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1))
    .default(DEFAULT_CODEC_CORS_ORIGINS),
});

export interface CodecServerOptions {
  codec: PayloadCodec;
  host: string;
  /** 0: a free port. */
  port: number;
  corsOrigins: string[];
  /** Required: who may call /encode and /decode. */
  auth: CodecAuthOptions;
  maxBodyBytes?: number;
}

export interface RunningCodecServer {
  url: string;
  stop(): Promise<void>;
}

class BadRequest extends Error {
  override name = 'BadRequest';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BadRequest(`body larger than ${limit} bytes`, 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const origins = new Set(options.corsOrigins);
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const authenticator = createCodecAuthenticator(options.auth);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const origin = request.headers.origin;
    if (origin && origins.has(origin)) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      response.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      response.setHeader('access-control-allow-credentials', 'true');
      response.setHeader('vary', 'origin');
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end();
      return;
    }
    const path = await authenticator.authorize(request.headers.authorization, (request.url ?? '').split('?')[0]!);
    // Nothing about the payloads or the credential: the same answer for a missing, wrong or expired one.
    if (path === undefined) throw new BadRequest('unauthorized', 401);
    const operation = path === '/encode' ? 'encode' : path === '/decode' ? 'decode' : undefined;
    if (!operation) throw new BadRequest('not found: POST /encode or /decode', 404);
    if (request.method !== 'POST') throw new BadRequest('method not allowed: POST', 405);
    let json: unknown;
    try {
      json = JSON.parse(await readBody(request, limit));
    } catch (error) {
      throw error instanceof BadRequest ? error : new BadRequest('the body is not JSON');
    }
    const body = remoteCodecBodySchema.safeParse(json);
    if (!body.success)
      throw new BadRequest(
        `expected { payloads: [{ metadata: { key: base64 }, data: base64 }] }: ${body.error.issues[0]?.path.join('.')} ${body.error.issues[0]?.message}`,
      );
    const payloads = fromRemote(body.data);
    let result;
    try {
      result = await options.codec[operation](payloads);
    } catch (error) {
      if (error instanceof MissingCodecKeyError || error instanceof CodecDecryptError)
        throw new BadRequest(error.message);
      throw error;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(toRemote(result)));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof BadRequest ? error.status : 500;
      const message = error instanceof BadRequest ? error.message : 'internal error';
      if (!response.headersSent)
        response.writeHead(status, {
          'content-type': 'application/json',
          connection: 'close',
          ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
        });
      response.end(JSON.stringify({ error: message }));
    });
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
