/**
 * The Okta calls an admin makes once to give the worker an OAuth 2.0 service app (docs/contracts/okta.md §9):
 * find apps by label, create the app, add a public key, grant Okta API scopes, assign the
 * client an admin role. On a JsonClient of its own with the admin's SSWS token, which is used
 * here only and never handed to the worker.
 */
import { JsonClient, type HttpTimeouts, type JsonRequest, type RetryOptions } from '../http/json-client';
import { registerSecret } from '../http/secrets';
import { listEveryPage } from './paging';
import { parseOktaError } from './schemas';
import {
  oktaAppSchema,
  oktaJwkSchema,
  oktaRoleAssignmentSchema,
  oktaScopeGrantSchema,
  type OktaApp,
  type OktaJwk,
  type OktaRoleAssignment,
  type OktaScopeGrant,
} from './service-app-schemas';

export interface ServiceAppsConfig {
  orgUrl: string;
  /** An admin's API token: Super Administrator, to grant scopes and assign roles. */
  apiToken: string;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryOptions>;
}

/** The public part of a signing key, as it goes into an app's JWKS. */
export type PublicSigningJwk = { kid: string; alg: string; use: 'sig' } & (
  { kty: 'RSA'; n: string; e: string } | { kty: 'EC'; crv: string; x: string; y: string }
);

export interface NewServiceApp {
  label: string;
  key: PublicSigningJwk;
  /** Access tokens bound to the client's key (DPoP, docs/contracts/okta.md §8.4). */
  dpop: boolean;
}

/** Apps read per page (the Apps API's maximum). */
const APPS_PAGE_LIMIT = 200;

export class OktaServiceApps {
  readonly orgUrl: string;
  private readonly http: JsonClient;

  constructor(config: ServiceAppsConfig) {
    registerSecret(config.apiToken);
    this.orgUrl = config.orgUrl.replace(/\/+$/, '');
    const headers = { authorization: `SSWS ${config.apiToken}` };
    this.http = new JsonClient({
      service: 'okta',
      baseUrl: this.orgUrl,
      authorization: { headers: async () => headers },
      parseError: parseOktaError,
      requestIdHeader: 'x-okta-request-id',
      timeouts: config.timeouts,
      retry: config.retry,
      connections: 1,
    });
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** The apps labelled exactly `label`: `q` matches the start of a name or label, so each answer is compared. */
  async findAppsByLabel(label: string): Promise<OktaApp[]> {
    const apps = await listEveryPage(this.http, {
      operation: 'find apps by label',
      path: '/api/v1/apps',
      query: { q: label, limit: APPS_PAGE_LIMIT },
      item: oktaAppSchema,
    });
    return apps.filter((app) => app.label === label);
  }

  /** An ACTIVE OIDC service app: client credentials, `private_key_jwt` with `key`, no secret (docs/contracts/okta.md §9.1). */
  createServiceApp(app: NewServiceApp): Promise<OktaApp> {
    return this.call({
      operation: 'create the service app',
      method: 'POST',
      path: '/api/v1/apps',
      query: { activate: true },
      json: {
        name: 'oidc_client',
        label: app.label,
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt', autoKeyRotation: true } },
        settings: {
          oauthClient: {
            application_type: 'service',
            grant_types: ['client_credentials'],
            response_types: ['token'],
            dpop_bound_access_tokens: app.dpop,
            jwks: { keys: [app.key] },
          },
        },
      },
      schema: oktaAppSchema,
    });
  }

  listKeys(appId: string): Promise<OktaJwk[]> {
    return this.call({
      operation: "list the service app's keys",
      method: 'GET',
      path: `${appPath(appId)}/credentials/jwks`,
      schema: oktaJwkSchema.array(),
    });
  }

  /** Adds an ACTIVE key beside the app's others (answers 201). */
  addKey(appId: string, key: PublicSigningJwk): Promise<OktaJwk> {
    return this.call({
      operation: 'add a key to the service app',
      method: 'POST',
      path: `${appPath(appId)}/credentials/jwks`,
      json: { ...key, status: 'ACTIVE' },
      schema: oktaJwkSchema,
    });
  }

  listGrants(appId: string): Promise<OktaScopeGrant[]> {
    return listEveryPage(this.http, {
      operation: "list the service app's scope grants",
      path: `${appPath(appId)}/grants`,
      item: oktaScopeGrantSchema,
    });
  }

  /** One Okta API scope for the app, issued by the org authorization server (docs/contracts/okta.md §9.2; answers 201). */
  grantScope(appId: string, scopeId: string): Promise<OktaScopeGrant> {
    return this.call({
      operation: `grant ${scopeId}`,
      method: 'POST',
      path: `${appPath(appId)}/grants`,
      json: { scopeId, issuer: this.orgUrl },
      schema: oktaScopeGrantSchema,
    });
  }

  listClientRoles(clientId: string): Promise<OktaRoleAssignment[]> {
    return this.call({
      operation: "list the client's admin roles",
      method: 'GET',
      path: `${clientPath(clientId)}/roles`,
      schema: oktaRoleAssignmentSchema.array(),
    });
  }

  /** A standard admin role for the client itself (docs/contracts/okta.md §9.3). */
  assignClientRole(clientId: string, type: string): Promise<OktaRoleAssignment> {
    return this.call({
      operation: `assign the ${type} role`,
      method: 'POST',
      path: `${clientPath(clientId)}/roles`,
      json: { type },
      schema: oktaRoleAssignmentSchema,
    });
  }

  private async call<T>(request: JsonRequest<T>): Promise<T> {
    return (await this.http.request(request)).data;
  }
}

function appPath(appId: string): string {
  return `/api/v1/apps/${encodeURIComponent(appId)}`;
}

function clientPath(clientId: string): string {
  return `/oauth2/v1/clients/${encodeURIComponent(clientId)}`;
}
