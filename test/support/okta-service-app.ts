/**
 * An OAuth service app made in the Okta simulator the way an administrator would make one (contract
 * §9), with the product's own admin calls (src/clients/okta/service-apps.ts): a key pair made here,
 * scope grants one by one, and an admin role for its client. Answers what the worker is configured with.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DEFAULT_OKTA_SCOPES, type OktaCredentials } from '../../src/clients/okta/credentials';
import { OktaServiceApps, type PublicSigningJwk } from '../../src/clients/okta/service-apps';

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

const SERVICE_SCOPES: readonly string[] = DEFAULT_OKTA_SCOPES;

/** The admin calls on a client of their own, closed after `work`. */
async function asAdmin<T>(orgUrl: string, apiToken: string, work: (admin: OktaServiceApps) => Promise<T>): Promise<T> {
  const admin = new OktaServiceApps({ orgUrl, apiToken });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

export async function createServiceApp(
  orgUrl: string,
  apiToken: string,
  options: ServiceAppOptions = {},
): Promise<ServiceApp> {
  const { privateKey, publicKey } =
    options.keyType === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = `test-key-${Math.random().toString(36).slice(2, 10)}`;
  const alg = options.keyType === 'ec' ? 'ES256' : 'RS256';
  const key = { ...publicKey.export({ format: 'jwk' }), kid: keyId, alg, use: 'sig' } as PublicSigningJwk;
  const { appId, clientId } = await asAdmin(orgUrl, apiToken, async (admin) => {
    const app = await admin.createServiceApp({
      label: `bi-okta-automation ${keyId}`,
      key,
      dpop: options.dpop ?? false,
    });
    const clientId = app.credentials?.oauthClient?.client_id;
    if (!clientId) throw new Error(`the new service app ${app.id} has no client_id`);
    for (const scope of options.grants ?? SERVICE_SCOPES) await admin.grantScope(app.id, scope);
    if (options.role !== null) await admin.assignClientRole(clientId, options.role ?? 'ORG_ADMIN');
    return { appId: app.id, clientId };
  });
  const scopes = [...(options.scopes ?? SERVICE_SCOPES)];
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    appId,
    clientId,
    keyId,
    privateKey,
    pem,
    credentials: { kind: 'oauth', clientId, privateKey, keyId, alg, scopes },
    env: { OKTA_CLIENT_ID: clientId, OKTA_PRIVATE_KEY: pem, OKTA_KEY_ID: keyId, OKTA_SCOPES: scopes.join(' ') },
  };
}

export async function grantScope(orgUrl: string, apiToken: string, appId: string, scope: string): Promise<void> {
  await asAdmin(orgUrl, apiToken, (admin) => admin.grantScope(appId, scope));
}
