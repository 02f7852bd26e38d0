/**
 * Test helpers for the Okta simulator, over real HTTP (undici) on loopback: a caller that keeps
 * every exchange (so the spec test can validate each one), `Link` header parsing in both forms
 * (separate header lines, or one value joined with ", " as fetch gives it), and request bodies
 * shaped like the contract's examples.
 */
import { connect } from 'node:net';
import { request } from 'undici';
import { startOktaSimulator, type OktaSimulatorOptions, type RunningOktaSimulator } from '../../../dev/simulators/okta';

export interface Exchange {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when it is not JSON, or undefined for an empty body. */
  body: unknown;
}

/** Short client timeouts: hanging faults must not slow the suite. */
export const TIMEOUTS = { headersTimeout: 3_000, bodyTimeout: 3_000 };

export function startSimulator(options: OktaSimulatorOptions = {}): Promise<RunningOktaSimulator> {
  return startOktaSimulator({ port: 0, ...options });
}

export interface CallOptions {
  body?: unknown;
  /** A raw body sent as-is; overrides `body`. */
  raw?: string;
  contentType?: string;
  /** null = no Authorization header; default the simulator's token with SSWS. */
  authorization?: string | null;
  headers?: Record<string, string>;
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class OktaClient {
  readonly exchanges: Exchange[] = [];

  constructor(readonly sim: RunningOktaSimulator) {}

  /** `pathOrUrl` is a path on the org or an absolute URL (as `Link` headers give). */
  async call(method: string, pathOrUrl: string, options: CallOptions = {}): Promise<Exchange> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.sim.url}${pathOrUrl}`;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const authorization = options.authorization === undefined ? `SSWS ${this.sim.apiToken}` : options.authorization;
    if (authorization !== null) headers.authorization = authorization;
    let body = options.raw;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await request(url, { method: method as 'GET', headers, body, ...TIMEOUTS });
    const exchange: Exchange = {
      method,
      path: new URL(url).pathname,
      status: response.statusCode,
      headers: response.headers,
      body: parse(await response.body.text()),
    };
    this.exchanges.push(exchange);
    return exchange;
  }

  /** Calls and insists on `status` (default 200), returning the body. */
  async expect<T = Record<string, unknown>>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const exchange = await this.call(method, path, { body });
    if (exchange.status !== status)
      throw new Error(
        `${method} ${path} answered ${exchange.status}, expected ${status}: ${JSON.stringify(exchange.body)}`,
      );
    return exchange.body as T;
  }

  ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    return this.expect<T>(200, method, path, body);
  }
}

/** `rel` → URL from a Link header given as separate lines (array) or one joined value. */
export function parseLinks(header: string | string[] | null | undefined): Record<string, string> {
  const joined = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const links: Record<string, string> = {};
  for (const part of joined.split(/,\s*(?=<)/)) {
    const match = /^\s*<([^>]*)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (match) links[match[2]!] = match[1]!;
  }
  return links;
}

/** Asserts the Okta error shape (docs/contracts/okta.md §0.3) and returns the body. */
export function expectOktaError(
  exchange: Exchange,
  status: number,
  code: string,
): { errorSummary: string; errorCauses: { errorSummary: string }[] } {
  expect({ status: exchange.status, code: (exchange.body as { errorCode?: string })?.errorCode }).toEqual({
    status,
    code,
  });
  const body = exchange.body as Record<string, unknown>;
  expect(body).toEqual({
    errorCode: code,
    errorSummary: expect.any(String),
    errorLink: code,
    errorId: expect.stringMatching(/^oae[A-Za-z0-9]{22}$/),
    errorCauses: expect.any(Array),
  });
  return body as unknown as { errorSummary: string; errorCauses: { errorSummary: string }[] };
}

export function userBody(login: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { profile: { firstName: 'Bi', lastName: 'Tester', email: login, login, ...extra } };
}

/** An OIDC IdP body like the contract's §2.2 example, pointing at `authBase` (a Beyond Identity application URL). */
export function idpBody(
  name: string,
  authBase = 'http://127.0.0.1:9/v1/tenants/T/realms/R/applications/A',
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'OIDC',
    name,
    issuerMode: 'ORG_URL',
    protocol: {
      type: 'OIDC',
      scopes: ['openid'],
      endpoints: {
        authorization: { url: `${authBase}/authorize`, binding: 'HTTP-REDIRECT' },
        token: { url: `${authBase}/token`, binding: 'HTTP-POST' },
        jwks: { url: `${authBase}/.well-known/jwks.json`, binding: 'HTTP-REDIRECT' },
      },
      issuer: { url: authBase },
      credentials: { client: { client_id: 'bi-client-id', client_secret: 'bi-client-secret' } },
      algorithms: { request: { signature: { algorithm: 'HS256', scope: 'REQUEST' } } },
    },
    policy: {
      accountLink: { action: 'AUTO', filter: null },
      provisioning: {
        action: 'DISABLED',
        profileMaster: false,
        groups: { action: 'NONE' },
        conditions: { deprovisioned: { action: 'NONE' }, suspended: { action: 'NONE' } },
      },
      subject: { userNameTemplate: { template: 'idpuser.externalId' }, matchType: 'USERNAME', filter: null },
      maxClockSkew: 120000,
    },
    ...overrides,
  };
}

/** A routing rule like the contract's §3.3 example: this email (ATTRIBUTE email EQUALS) to this IdP. */
export function ruleBody(
  name: string,
  idpId: string,
  email: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'IDP_DISCOVERY',
    name,
    conditions: {
      network: { connection: 'ANYWHERE' },
      userIdentifier: { type: 'ATTRIBUTE', attribute: 'email', patterns: [{ matchType: 'EQUALS', value: email }] },
    },
    actions: { idp: { providers: [{ type: 'OIDC', id: idpId }], idpSelectionType: 'SPECIFIC' } },
    ...extra,
  };
}

/** Sends `text` as-is over TCP and returns the status code of the answer (for requests undici will not make). */
export function rawStatus(baseUrl: string, text: string): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let data = '';
    socket.setTimeout(3_000, () => socket.destroy(new Error('no answer within 3 s')));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed without a status line: ${data.slice(0, 200)}`)));
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until this process's clock has moved past `iso` (the simulator's clock), so a later change must carry a later timestamp. */
export async function clockPast(iso: string): Promise<void> {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new Error(`not a timestamp: ${iso}`);
  while (Date.now() <= at) await sleep(1);
}

/** Starts one simulator for the enclosing describe block (stopped after it) and a client for it; read the fields inside tests. */
export function useSimulator(options: OktaSimulatorOptions = {}): { sim: RunningOktaSimulator; okta: OktaClient } {
  const holder = {} as { sim: RunningOktaSimulator; okta: OktaClient };
  beforeAll(async () => {
    holder.sim = await startSimulator(options);
    holder.okta = new OktaClient(holder.sim);
  });
  afterAll(async () => {
    await holder.sim?.stop();
  });
  return holder;
}
