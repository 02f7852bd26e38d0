/**
 * An OAuth service app made in the Okta simulator the way an administrator would make one (contract
 * §9): through the Apps API with the SSWS token, a key pair made here, scope grants one by one, and
 * an admin role for its client. Answers what the worker is configured with.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request } from 'undici';
import { REQUIRED_OKTA_SCOPES, type OktaCredentials } from '../../src/clients/okta/credentials';

export interface ServiceApp {
  appId: string;
  clientId: string;
  keyId: string;
  privateKey: KeyObject;
  /** PKCS#8 PEM, what OKTA_PRIVATE_KEY carries. */
  pem: string;
  credentials: Extract<OktaCredentials, { kind: 'oauth' }>;
  /** The worker's environment for this app (instead of OKTA_API_TOKEN). */
  env: Record<string, string>;
}

export interface ServiceAppOptions {
  dpop?: boolean;
  /** Granted scopes (default: every scope the service asks for). */
  grants?: readonly string[];
  /** Requested scopes (OKTA_SCOPES), default the service's own. */
  scopes?: readonly string[];
  /** Admin role for the client; null for none. Default ORG_ADMIN. */
  role?: string | null;
  keyType?: 'rsa' | 'ec';
}

const SERVICE_SCOPES: readonly string[] = REQUIRED_OKTA_SCOPES;

export async function oktaAdminCall<T = Record<string, unknown>>(orgUrl: string, apiToken: string, method: string, path: string, json?: unknown): Promise<T> {
  const response = await request(`${orgUrl}${path}`, {
    method: method as 'GET',
    headers: { authorization: `SSWS ${apiToken}`, accept: 'application/json', ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? (method === 'POST' || method === 'PUT' ? '' : undefined) : JSON.stringify(json),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path} answered ${response.statusCode}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export async function createServiceApp(orgUrl: string, apiToken: string, options: ServiceAppOptions = {}): Promise<ServiceApp> {
  const { privateKey, publicKey } = options.keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = `test-key-${Math.random().toString(36).slice(2, 10)}`;
  const alg = options.keyType === 'ec' ? 'ES256' : 'RS256';
  const app = await oktaAdminCall<{ id: string; credentials: { oauthClient: { client_id: string } } }>(orgUrl, apiToken, 'POST', '/api/v1/apps?activate=true', {
    name: 'oidc_client',
    label: `bi-okta-automation ${keyId}`,
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt', autoKeyRotation: true } },
    settings: {
      oauthClient: {
        application_type: 'service',
        grant_types: ['client_credentials'],
        response_types: ['token'],
        dpop_bound_access_tokens: options.dpop ?? false,
        jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: keyId, alg, use: 'sig' }] },
      },
    },
  });
  const clientId = app.credentials.oauthClient.client_id;
  for (const scope of options.grants ?? SERVICE_SCOPES) await grantScope(orgUrl, apiToken, app.id, scope);
  if (options.role !== null) await oktaAdminCall(orgUrl, apiToken, 'POST', `/oauth2/v1/clients/${clientId}/roles`, { type: options.role ?? 'ORG_ADMIN' });
  const scopes = [...(options.scopes ?? SERVICE_SCOPES)];
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    appId: app.id,
    clientId,
    keyId,
    privateKey,
    pem,
    credentials: { kind: 'oauth', clientId, privateKey, keyId, alg, scopes },
    env: { OKTA_CLIENT_ID: clientId, OKTA_PRIVATE_KEY: pem, OKTA_KEY_ID: keyId, OKTA_SCOPES: scopes.join(' ') },
  };
}

export async function grantScope(orgUrl: string, apiToken: string, appId: string, scope: string): Promise<void> {
  await oktaAdminCall(orgUrl, apiToken, 'POST', `/api/v1/apps/${appId}/grants`, { scopeId: scope, issuer: orgUrl });
}

export async function revokeScope(orgUrl: string, apiToken: string, appId: string, scope: string): Promise<void> {
  const grants = await oktaAdminCall<{ id: string; scopeId: string; status?: string }[]>(orgUrl, apiToken, 'GET', `/api/v1/apps/${appId}/grants`);
  for (const grant of grants.filter((candidate) => candidate.scopeId === scope)) await oktaAdminCall(orgUrl, apiToken, 'DELETE', `/api/v1/apps/${appId}/grants/${grant.id}`);
}
