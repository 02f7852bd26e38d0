/**
 * Test helpers for the Beyond Identity simulator, over real HTTP (undici) on loopback. Every
 * management exchange is recorded so the spec test can validate each response it saw.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { request } from 'undici';
import {
  startBeyondIdentitySimulator,
  type BeyondIdentitySimulatorOptions,
  type RunningBeyondIdentitySimulator,
} from '../../../dev/simulators/beyond-identity';

export interface Exchange {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when it is not JSON, or undefined for an empty body. */
  body: unknown;
}

export const REDIRECT_URI = 'https://example.okta.com/oauth2/v1/authorize/callback';
/** Short client timeouts: hanging faults must not slow the suite. */
const TIMEOUTS = { headersTimeout: 3_000, bodyTimeout: 3_000 };

export function startSimulator(options: BeyondIdentitySimulatorOptions = {}): Promise<RunningBeyondIdentitySimulator> {
  return startBeyondIdentitySimulator({ managementPort: 0, authPort: 0, ...options });
}

async function readBody(text: string): Promise<unknown> {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface CallOptions {
  body?: unknown;
  /** A raw body (sent as-is with the content type); overrides `body`. */
  raw?: string;
  contentType?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

/** A management API caller bound to one simulator; paths are relative to /v1/tenants/{tenant}. */
export class ManagementClient {
  readonly exchanges: Exchange[] = [];

  constructor(readonly sim: RunningBeyondIdentitySimulator) {}

  get tenantPath(): string {
    return `/v1/tenants/${this.sim.tenantId}`;
  }

  /** `path` starting with `/v1/` or `/_sim/` is used as is; otherwise it is under the tenant. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Exchange> {
    const fullPath = path.startsWith('/v1/') || path.startsWith('/_sim/') ? path : `${this.tenantPath}${path}`;
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.sim.apiToken : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.raw;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await request(`${this.sim.managementUrl}${fullPath}`, {
      method: method as 'GET',
      headers,
      body,
      ...TIMEOUTS,
    });
    const exchange: Exchange = {
      method,
      path: fullPath.split('?')[0]!,
      status: response.statusCode,
      headers: response.headers,
      body: await readBody(await response.body.text()),
    };
    this.exchanges.push(exchange);
    return exchange;
  }

  /** Calls and insists on 200, returning the body. */
  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const exchange = await this.call(method, path, { body });
    if (exchange.status !== 200)
      throw new Error(`${method} ${path} answered ${exchange.status}: ${JSON.stringify(exchange.body)}`);
    return exchange.body as T;
  }

  createRealm(displayName = 'Okta Delegate IdP'): Promise<Realm> {
    return this.ok<Realm>('POST', '/realms', {
      realm: { display_name: displayName, classification: 'SECURE_CUSTOMER' },
    });
  }

  createIdentity(realmId: string, email: string | undefined, username = email ?? 'no-email-user'): Promise<Identity> {
    const traits: Record<string, string> = { type: 'traits_v0', username };
    if (email !== undefined) traits.primary_email_address = email;
    return this.ok<Identity>('POST', `/realms/${realmId}/identities`, {
      identity: { display_name: username.split('@')[0], traits },
    });
  }

  createHostedWebConfig(realmId: string): Promise<{ id: string; config: Record<string, unknown> }> {
    return this.ok('POST', `/realms/${realmId}/authenticator-configs`, {
      authenticator_config: { display_name: 'Okta hosted web', config: { type: 'hosted_web' } },
    });
  }

  createOktaApplication(
    realmId: string,
    authenticatorConfigId: string,
    overrides: Record<string, unknown> = {},
  ): Promise<Application> {
    return this.ok<Application>('POST', `/realms/${realmId}/applications`, {
      application: {
        display_name: 'Okta',
        authenticator_config_id: authenticatorConfigId,
        protocol_config: {
          type: 'oidc',
          allowed_scopes: [],
          confidentiality: 'confidential',
          token_endpoint_auth_method: 'client_secret_post',
          grant_type: ['authorization_code'],
          redirect_uris: [REDIRECT_URI],
          token_configuration: { expires_after: 604800, subject_field: 'email', token_signing_algorithm: 'RS256' },
          pkce: 'disabled',
          token_format: 'self_contained',
          ...overrides,
        },
      },
    });
  }

  createEmailJob(
    realmId: string,
    identityId: string,
    authenticatorConfigId: string,
  ): Promise<{ credential_binding_job: Job; credential_binding_link?: string }> {
    return this.ok('POST', `/realms/${realmId}/identities/${identityId}/credential-binding-jobs`, {
      job: { delivery_method: 'EMAIL', authenticator_config_id: authenticatorConfigId },
    });
  }

  async outbox(email?: string): Promise<OutboxMessage[]> {
    const query = email === undefined ? '' : `?email=${encodeURIComponent(email)}`;
    return (await this.ok<{ messages: OutboxMessage[] }>('GET', `/_sim/outbox${query}`)).messages;
  }
}

export interface Realm {
  id: string;
  display_name: string;
  classification?: string;
}
export interface Identity {
  id: string;
  realm_id: string;
  display_name: string;
  enrollment_status?: string;
  traits: Record<string, string>;
}
export interface Application {
  id: string;
  realm_id: string;
  tenant_id: string;
  authenticator_config_id?: string;
  is_managed: boolean;
  protocol_config: {
    client_id: string;
    client_secret?: string;
    token_endpoint_auth_method?: string;
    redirect_uris: string[];
    token_configuration: { expires_after: number; subject_field?: string };
  } & Record<string, unknown>;
}
export interface Job {
  id: string;
  identity_id: string;
  realm_id: string;
  state: string;
  credential_id?: string;
  expire_time: string;
  delivery_method: string;
}
export interface OutboxMessage {
  to: string;
  subject: string;
  link: string;
  job_id: string;
  identity_id: string;
  realm_id: string;
  sent_time: string;
}

/** A plain-HTTP request elsewhere (auth host, binding links): no redirects followed. */
export async function fetchRaw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; form?: Record<string, string>; body?: string } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}> {
  const headers = { ...init.headers };
  let body = init.body;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const response = await request(url, {
    method: (init.method ?? (body === undefined ? 'GET' : 'POST')) as 'GET',
    headers,
    body,
    ...TIMEOUTS,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

export function applicationIssuer(
  sim: RunningBeyondIdentitySimulator,
  application: Pick<Application, 'realm_id' | 'id'>,
): string {
  return `${sim.authUrl}/v1/tenants/${sim.tenantId}/realms/${application.realm_id}/applications/${application.id}`;
}

export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

/** Plays the person: opens the emailed link and submits the page's form, as a browser would. */
export async function bindThroughEmail(client: ManagementClient, email: string): Promise<void> {
  const [message] = (await client.outbox(email)).slice(-1);
  if (!message) throw new Error(`no binding email for ${email}`);
  const page = await fetchRaw(message.link);
  if (page.status !== 200) throw new Error(`binding page answered ${page.status}`);
  const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
  const token = /name="token" value="([^"]+)"/.exec(page.text)?.[1];
  if (!action || !token) throw new Error('binding page has no form');
  const submitted = await fetchRaw(new URL(action, message.link).toString(), { form: { token } });
  if (submitted.status !== 200 && submitted.status !== 303)
    throw new Error(`binding form answered ${submitted.status}`);
}

/** Decodes a JWT's payload without checking it (tests check signatures separately). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Verifies an RS256 JWT against a JWKS fetched over HTTP, with node:crypto only (jose is
 * ESM-only and this jest setup cannot load it). Independent of the simulator's own signing code.
 */
export async function verifyWithJwks(
  token: string,
  jwksUrl: string,
): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const [headerPart, payloadPart, signaturePart] = token.split('.');
  if (!headerPart || !payloadPart || !signaturePart) throw new Error('not a JWS compact token');
  const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (header.alg !== 'RS256') throw new Error(`unexpected alg ${String(header.alg)}`);
  const jwks = (await fetchRaw(jwksUrl)).json() as { keys: (Record<string, unknown> & { kid?: string })[] };
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error(`no key ${String(header.kid)} in the JWKS`);
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url')))
    throw new Error('bad signature');
  return { header, payload: jwtPayload(token) };
}
