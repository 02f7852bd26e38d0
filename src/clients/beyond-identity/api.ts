/**
 * The Beyond Identity Management API v1 calls we make, one method per endpoint, typed and
 * validated. Paths are built from opaque ids, each segment encoded. No decisions here: the
 * ensure-operations (ensure.ts) decide what to create.
 */
import type { z } from 'zod';
import { JsonClient, type Authorization, type JsonRequest } from '../http/json-client';
import { beyondIdentityAuthorization } from './auth';
import type { BeyondIdentityClientConfig } from './config';
import {
  applicationSchema,
  authenticatorConfigSchema,
  bindingJobSchema,
  createBindingJobResponseSchema,
  credentialSchema,
  identitySchema,
  pageSchema,
  parseBeyondIdentityError,
  realmSchema,
  type Application,
  type AuthenticatorConfig,
  type BindingJob,
  type Credential,
  type Identity,
  type IdentityStatus,
  type Realm,
} from './schemas';

/** The largest page each list accepts (docs/contracts/beyond-identity.md §2.2); the server clamps larger values anyway. */
const PAGE_SIZE = {
  realms: 200,
  identities: 200,
  credentials: 200,
  jobs: 200,
  applications: 100,
  authenticatorConfigs: 100,
};
/** A guard against a server that keeps handing out page tokens. */
const MAX_PAGES = 10_000;

export interface OidcApplicationSettings {
  displayName: string;
  authenticatorConfigId: string;
  redirectUris: string[];
  expiresAfterSeconds: number;
}

/** The guide's application (step 3), as the API wants it (docs/contracts/beyond-identity.md §3.4). */
function oidcApplicationBody(settings: OidcApplicationSettings) {
  return {
    display_name: settings.displayName,
    authenticator_config_id: settings.authenticatorConfigId,
    protocol_config: {
      type: 'oidc',
      allowed_scopes: [] as string[],
      confidentiality: 'confidential',
      // Deprecated and ignored by the server, but harmless and what the guide asks for.
      token_endpoint_auth_method: 'client_secret_post',
      grant_type: ['authorization_code'],
      redirect_uris: settings.redirectUris,
      token_configuration: {
        expires_after: settings.expiresAfterSeconds,
        subject_field: 'email',
        token_signing_algorithm: 'RS256',
      },
      pkce: 'disabled',
      token_format: 'self_contained',
    },
  };
}

export class BeyondIdentityApi {
  private readonly http: JsonClient;
  private readonly authorization: Authorization & { close(): Promise<void> };
  readonly tenantId: string;
  readonly authUrl: string;

  constructor(config: BeyondIdentityClientConfig) {
    this.tenantId = config.tenantId;
    this.authUrl = config.authUrl.replace(/\/+$/, '');
    this.authorization = beyondIdentityAuthorization(config.credentials, config);
    this.http = new JsonClient({
      service: 'beyond-identity',
      baseUrl: config.managementUrl,
      authorization: this.authorization,
      parseError: parseBeyondIdentityError,
      timeouts: config.timeouts,
      retry: config.retry,
      logger: config.logger,
      observer: config.observer,
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.authorization.close()]);
  }

  // Realms

  listRealms(signal?: AbortSignal): Promise<Realm[]> {
    return this.listAll('list realms', this.path('realms'), 'realms', realmSchema, PAGE_SIZE.realms, {}, signal);
  }

  async createRealm(displayName: string, signal?: AbortSignal): Promise<Realm> {
    const body = { realm: { display_name: displayName, classification: 'SECURE_CUSTOMER' } };
    return this.call({
      operation: 'create realm',
      method: 'POST',
      path: this.path('realms'),
      json: body,
      schema: realmSchema,
      signal,
    });
  }

  async getRealm(realmId: string, signal?: AbortSignal): Promise<Realm | undefined> {
    return this.getOptional('get realm', this.path('realms', realmId), realmSchema, signal);
  }

  async deleteRealm(realmId: string, signal?: AbortSignal): Promise<boolean> {
    return this.deleteOptional('delete realm', this.path('realms', realmId), signal);
  }

  // Identities

  async findIdentityByUsername(realmId: string, username: string, signal?: AbortSignal): Promise<Identity | undefined> {
    const filter = `traits.username eq "${username.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const found = await this.listAll(
      'find identity by username',
      this.path('realms', realmId, 'identities'),
      'identities',
      identitySchema,
      PAGE_SIZE.identities,
      { filter },
      signal,
    );
    // The filter is case-insensitive on the server; compare ourselves too, in case it is not.
    return found.find((identity) => identity.traits.username.toLowerCase() === username.toLowerCase());
  }

  async createIdentity(
    realmId: string,
    input: { username: string; email: string; displayName: string },
    signal?: AbortSignal,
  ): Promise<Identity> {
    const body = {
      identity: {
        display_name: input.displayName,
        traits: { type: 'traits_v0', username: input.username, primary_email_address: input.email },
      },
    };
    return this.call({
      operation: 'create identity',
      method: 'POST',
      path: this.path('realms', realmId, 'identities'),
      json: body,
      schema: identitySchema,
      signal,
    });
  }

  getIdentity(realmId: string, identityId: string, signal?: AbortSignal): Promise<Identity | undefined> {
    return this.getOptional(
      'get identity',
      this.path('realms', realmId, 'identities', identityId),
      identitySchema,
      signal,
    );
  }

  /**
   * Suspends an identity (it can neither sign in nor bind a passkey) or makes it active again, its
   * passkeys kept (docs/contracts/beyond-identity.md §8). Setting the status it has is harmless, so retries are safe.
   */
  setIdentityStatus(
    realmId: string,
    identityId: string,
    status: IdentityStatus,
    signal?: AbortSignal,
  ): Promise<Identity> {
    return this.call({
      operation: status === 'suspended' ? 'suspend identity' : 'unsuspend identity',
      method: 'PATCH',
      path: this.path('realms', realmId, 'identities', identityId),
      // bi-cli sends the traits type beside the status; the server accepts it either way.
      json: { identity: { status, traits: { type: 'traits_v0' } } },
      schema: identitySchema,
      idempotent: true,
      signal,
    });
  }

  deleteIdentity(realmId: string, identityId: string, signal?: AbortSignal): Promise<boolean> {
    return this.deleteOptional('delete identity', this.path('realms', realmId, 'identities', identityId), signal);
  }

  // Authenticator configs

  listAuthenticatorConfigs(realmId: string, signal?: AbortSignal): Promise<AuthenticatorConfig[]> {
    return this.listAll(
      'list authenticator configs',
      this.path('realms', realmId, 'authenticator-configs'),
      'authenticator_configs',
      authenticatorConfigSchema,
      PAGE_SIZE.authenticatorConfigs,
      {},
      signal,
    );
  }

  createHostedWebAuthenticatorConfig(
    realmId: string,
    displayName: string,
    signal?: AbortSignal,
  ): Promise<AuthenticatorConfig> {
    const body = {
      authenticator_config: {
        display_name: displayName,
        config: {
          type: 'hosted_web',
          authentication_methods: [
            { type: 'webauthn_passkey' },
            { type: 'software_passkey' },
            { type: 'email_one_time_password' },
          ],
          trusted_origins: [] as string[],
        },
      },
    };
    return this.call({
      operation: 'create authenticator config',
      method: 'POST',
      path: this.path('realms', realmId, 'authenticator-configs'),
      json: body,
      schema: authenticatorConfigSchema,
      signal,
    });
  }

  getAuthenticatorConfig(
    realmId: string,
    configId: string,
    signal?: AbortSignal,
  ): Promise<AuthenticatorConfig | undefined> {
    return this.getOptional(
      'get authenticator config',
      this.path('realms', realmId, 'authenticator-configs', configId),
      authenticatorConfigSchema,
      signal,
    );
  }

  deleteAuthenticatorConfig(realmId: string, configId: string, signal?: AbortSignal): Promise<boolean> {
    return this.deleteOptional(
      'delete authenticator config',
      this.path('realms', realmId, 'authenticator-configs', configId),
      signal,
    );
  }

  // Applications

  listApplications(realmId: string, signal?: AbortSignal): Promise<Application[]> {
    return this.listAll(
      'list applications',
      this.path('realms', realmId, 'applications'),
      'applications',
      applicationSchema,
      PAGE_SIZE.applications,
      {},
      signal,
    );
  }

  createApplication(realmId: string, settings: OidcApplicationSettings, signal?: AbortSignal): Promise<Application> {
    return this.call({
      operation: 'create application',
      method: 'POST',
      path: this.path('realms', realmId, 'applications'),
      json: { application: oidcApplicationBody(settings) },
      schema: applicationSchema,
      signal,
    });
  }

  updateApplication(
    realmId: string,
    applicationId: string,
    settings: OidcApplicationSettings,
    signal?: AbortSignal,
  ): Promise<Application> {
    const { display_name: _name, ...changes } = oidcApplicationBody(settings);
    return this.call({
      operation: 'update application',
      method: 'PATCH',
      path: this.path('realms', realmId, 'applications', applicationId),
      json: { application: changes },
      schema: applicationSchema,
      // Setting the same fields twice gives the same result.
      idempotent: true,
      signal,
    });
  }

  getApplication(realmId: string, applicationId: string, signal?: AbortSignal): Promise<Application | undefined> {
    return this.getOptional(
      'get application',
      this.path('realms', realmId, 'applications', applicationId),
      applicationSchema,
      signal,
    );
  }

  deleteApplication(realmId: string, applicationId: string, signal?: AbortSignal): Promise<boolean> {
    return this.deleteOptional(
      'delete application',
      this.path('realms', realmId, 'applications', applicationId),
      signal,
    );
  }

  // Credential binding jobs and credentials

  listBindingJobs(realmId: string, identityId: string, signal?: AbortSignal): Promise<BindingJob[]> {
    return this.listAll(
      'list credential binding jobs',
      this.path('realms', realmId, 'identities', identityId, 'credential-binding-jobs'),
      'credential_binding_jobs',
      bindingJobSchema,
      PAGE_SIZE.jobs,
      {},
      signal,
    );
  }

  async createEmailBindingJob(
    realmId: string,
    identityId: string,
    authenticatorConfigId: string,
    signal?: AbortSignal,
  ): Promise<BindingJob> {
    const response = await this.call({
      operation: 'create credential binding job',
      method: 'POST',
      path: this.path('realms', realmId, 'identities', identityId, 'credential-binding-jobs'),
      json: { job: { delivery_method: 'EMAIL', authenticator_config_id: authenticatorConfigId } },
      schema: createBindingJobResponseSchema,
      signal,
    });
    return response.credential_binding_job;
  }

  getBindingJob(
    realmId: string,
    identityId: string,
    jobId: string,
    signal?: AbortSignal,
  ): Promise<BindingJob | undefined> {
    return this.getOptional(
      'get credential binding job',
      this.path('realms', realmId, 'identities', identityId, 'credential-binding-jobs', jobId),
      bindingJobSchema,
      signal,
    );
  }

  listCredentials(realmId: string, identityId: string, signal?: AbortSignal): Promise<Credential[]> {
    return this.listAll(
      'list credentials',
      this.path('realms', realmId, 'identities', identityId, 'credentials'),
      'credentials',
      credentialSchema,
      PAGE_SIZE.credentials,
      {},
      signal,
    );
  }

  // Plumbing

  /** `/v1/tenants/{tenant}/...`, each id encoded as one path segment. */
  path(...segments: string[]): string {
    return ['/v1/tenants', this.tenantId, ...segments]
      .map((segment, index) => (index === 0 ? segment : encodeURIComponent(segment)))
      .join('/');
  }

  private async call<T>(request: JsonRequest<T>): Promise<T> {
    return (await this.http.request(request)).data;
  }

  private async getOptional<T>(
    operation: string,
    path: string,
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    const response = await this.http.request({ operation, method: 'GET', path, schema, acceptStatuses: [404], signal });
    return response.status === 404 ? undefined : response.data;
  }

  private async deleteOptional(operation: string, path: string, signal?: AbortSignal): Promise<boolean> {
    const response = await this.http.request({ operation, method: 'DELETE', path, acceptStatuses: [404], signal });
    return response.status !== 404;
  }

  private async listAll<T>(
    operation: string,
    path: string,
    key: string,
    item: z.ZodType<T>,
    pageSize: number,
    query: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T[]> {
    const schema = pageSchema(key, item);
    const items: T[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await this.http.request({
        operation,
        method: 'GET',
        path,
        query: { ...query, page_size: pageSize, page_token: pageToken },
        schema,
        signal,
      });
      items.push(...data.items);
      pageToken = data.nextPageToken;
      if (!pageToken) return items;
    }
    throw new Error(`${operation}: more than ${MAX_PAGES} pages; refusing to continue`);
  }
}
