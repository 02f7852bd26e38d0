/**
 * Shared pieces of the clients' integration tests: simulators on loopback port 0, clients wired
 * to them, raw HTTP to the simulators (to arrange state behind the client's back and to read
 * `/_sim/state`), a logger that records every line, and a collector of error texts for the
 * secrets scan. Nothing of our own code is mocked: every call is real HTTP.
 */
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { BeyondIdentityApi } from '../../src/clients/beyond-identity/api';
import type { BeyondIdentityClientConfig } from '../../src/clients/beyond-identity/config';
import type { ClientLogger } from '../../src/clients/http/json-client';
import { RateLimitPacer } from '../../src/clients/http/rate-limit-pacer';
import { OktaApi, type OktaClientSettings } from '../../src/clients/okta/api';
import type { OktaCredentials } from '../../src/clients/okta/credentials';
import {
  startBeyondIdentitySimulator,
  type BeyondIdentitySimulatorOptions,
  type RunningBeyondIdentitySimulator,
} from '../../dev/simulators/beyond-identity';
import { startOktaSimulator, type OktaSimulatorOptions, type RunningOktaSimulator } from '../../dev/simulators/okta';

export const REDIRECT_URI = 'https://example.okta.com/oauth2/v1/authorize/callback';

export function startBi(options: BeyondIdentitySimulatorOptions = {}): Promise<RunningBeyondIdentitySimulator> {
  return startBeyondIdentitySimulator({ managementPort: 0, authPort: 0, ...options });
}

export function startOkta(options: OktaSimulatorOptions = {}): Promise<RunningOktaSimulator> {
  return startOktaSimulator({ port: 0, ...options });
}

/** Keeps every line a client logs, with its metadata, for assertions and the secrets scan. */
export class RecordingLogger implements ClientLogger {
  readonly lines: string[] = [];
  debug(message: string, meta?: Record<string, unknown>): void {
    this.lines.push(`debug ${message} ${JSON.stringify(meta ?? {})}`);
  }
  warn(message: string, meta?: Record<string, unknown>): void {
    this.lines.push(`warn ${message} ${JSON.stringify(meta ?? {})}`);
  }
}

/** Things to close or stop in afterAll, in reverse order of creation. */
export class Resources {
  private readonly items: (() => Promise<void>)[] = [];
  add<T extends { close(): Promise<void> } | { stop(): Promise<void> }>(item: T): T {
    this.items.push(() => ('close' in item ? item.close() : item.stop()));
    return item;
  }
  async release(): Promise<void> {
    for (const release of this.items.splice(0).reverse()) await release();
  }
}

export function biApi(
  sim: RunningBeyondIdentitySimulator,
  overrides: Partial<BeyondIdentityClientConfig> = {},
): BeyondIdentityApi {
  return new BeyondIdentityApi({
    managementUrl: sim.managementUrl,
    authUrl: sim.authUrl,
    tenantId: sim.tenantId,
    credentials: { kind: 'api-token', token: sim.apiToken },
    ...overrides,
  });
}

/** An Okta client with a pacer of its own unless one is given (tests must not share rate-limit state). */
export function oktaApi(
  sim: RunningOktaSimulator,
  overrides: Partial<OktaClientSettings> & { apiToken?: string; credentials?: OktaCredentials } = {},
): OktaApi {
  const { apiToken, credentials, ...settings } = overrides;
  return new OktaApi({
    orgUrl: sim.url,
    pacer: new RateLimitPacer(),
    ...settings,
    credentials: credentials ?? { kind: 'api-token', token: apiToken ?? sim.apiToken },
  });
}

export interface RawAnswer<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** Plain HTTP, bypassing our clients: arranging state, reading `/_sim/state`. */
async function raw<T = unknown>(
  url: string,
  init: { method?: string; authorization?: string; json?: unknown } = {},
): Promise<RawAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.authorization) headers.authorization = init.authorization;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.method === 'POST' || init.method === 'PUT') {
    body = '';
  }
  const response = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers,
    body,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
  };
}

/** The same, insisting on a 2xx. */
export async function rawOk<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; authorization?: string; json?: unknown } = {},
): Promise<T> {
  const answer = await raw<T>(url, init);
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Raw calls to the Beyond Identity management API of one simulator, paths under /v1/tenants/{tenant}. */
export function biRaw(sim: RunningBeyondIdentitySimulator) {
  const base = `${sim.managementUrl}/v1/tenants/${sim.tenantId}`;
  const authorization = `Bearer ${sim.apiToken}`;
  return {
    call: <T = Record<string, unknown>>(method: string, path: string, json?: unknown) =>
      raw<T>(`${base}${path}`, { method, authorization, json }),
    ok: <T = Record<string, unknown>>(method: string, path: string, json?: unknown) =>
      rawOk<T>(`${base}${path}`, { method, authorization, json }),
    state: () => rawOk<BiSimState>(`${sim.managementUrl}/_sim/state`),
  };
}

/** Raw calls to the Okta simulator's API. */
export function oktaRaw(sim: RunningOktaSimulator) {
  const authorization = `SSWS ${sim.apiToken}`;
  return {
    call: <T = Record<string, unknown>>(method: string, path: string, json?: unknown) =>
      raw<T>(`${sim.url}${path}`, { method, authorization, json }),
    ok: <T = Record<string, unknown>>(method: string, path: string, json?: unknown) =>
      rawOk<T>(`${sim.url}${path}`, { method, authorization, json }),
    state: () => rawOk<OktaSimState>(`${sim.url}/_sim/state`),
  };
}

export interface BiSimState {
  realms: { id: string; display_name: string }[];
  identities: { id: string; realm_id: string; traits: { username: string; primary_email_address?: string } }[];
  authenticator_configs: { id: string; realm_id: string; display_name: string; config: { type: string } }[];
  applications: {
    id: string;
    realm_id: string;
    display_name: string;
    authenticator_config_id?: string;
    protocol_config: {
      redirect_uris: string[];
      grant_type: string[];
      allowed_scopes: string[];
      confidentiality: string;
      token_configuration: { expires_after: number; subject_field: string; token_signing_algorithm: string };
    };
  }[];
  credential_binding_jobs: { id: string; identity_id: string; state: string }[];
  credentials: { id: string; identity_id: string; state: string }[];
  outbox: { to: string; job_id: string }[];
}

export interface OktaSimState {
  users: { id: string; status: string; profile: { login: string; email: string } }[];
  idps: {
    id: string;
    status: string;
    body: { name: string; protocol: { scopes: string[]; credentials: { client: { client_id: string } } } };
  }[];
  rules: {
    id: string;
    name: string;
    status: string;
    conditions: { userIdentifier?: { patterns: { value: string }[] } };
  }[];
  rateLimits: {
    config: Record<string, number>;
    buckets: { bucket: string; limit: number; remaining: number; reset: number }[];
  };
}

/** The rejection of `promise`; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Every text an error can be shown as: message, stack, JSON form and its causes. */
export function errorTexts(error: Error): string[] {
  const texts = [error.message, String(error), error.stack ?? '', JSON.stringify(error)];
  const withJson = error as Error & { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') texts.push(JSON.stringify(withJson.toJSON()));
  if (error.cause instanceof Error) texts.push(...errorTexts(error.cause));
  return texts;
}

/** A JWT in any text: three base64url parts, the first a JSON header ("eyJ"). */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/;

/** The secrets (and JWT-shaped strings) found in `texts`; empty when clean. */
export function secretsIn(texts: readonly string[], secrets: readonly string[]): string[] {
  const found = new Set<string>();
  for (const text of texts) {
    for (const secret of secrets) if (secret && text.includes(secret)) found.add(secret);
    const jwt = JWT_PATTERN.exec(text);
    if (jwt) found.add(`a JWT: ${jwt[0].slice(0, 12)}…`);
  }
  return [...found];
}

/**
 * A pass-through HTTP proxy to `target` whose answers come from a server clock `skewMs` ahead of
 * ours: the `Date` and `X-Rate-Limit-Reset` headers are shifted, nothing else. A client that reads
 * the reset against our clock instead of the response's Date then waits `skewMs` too long.
 */
export async function clockSkewProxy(target: string, skewMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'keep-alive'].includes(name)) headers[name] = value;
      }
      const body =
        chunks.length > 0
          ? Buffer.concat(chunks)
          : incoming.method === 'POST' || incoming.method === 'PUT'
            ? ''
            : undefined;
      request(`${target}${incoming.url ?? '/'}`, {
        method: (incoming.method ?? 'GET') as 'GET',
        headers,
        body,
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      })
        .then(async (answer) => {
          const text = Buffer.from(await answer.body.arrayBuffer());
          const shifted: OutgoingHttpHeaders = { ...answer.headers };
          for (const name of ['transfer-encoding', 'connection', 'keep-alive']) delete shifted[name];
          if (typeof answer.headers.date === 'string')
            shifted.date = new Date(Date.parse(answer.headers.date) + skewMs).toUTCString();
          const reset = answer.headers['x-rate-limit-reset'];
          if (typeof reset === 'string')
            shifted['x-rate-limit-reset'] = String(Number(reset) + Math.round(skewMs / 1000));
          outgoing.writeHead(answer.statusCode, shifted).end(text);
        })
        .catch((error: unknown) => outgoing.destroy(error instanceof Error ? error : new Error(String(error))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
