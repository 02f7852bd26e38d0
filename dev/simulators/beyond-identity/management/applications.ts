/**
 * Applications (OIDC and OAuth2): create, list, get, patch, delete. The server generates
 * `client_id` (24 alphanumerics) and, for confidential apps, `client_secret` (48), and returns
 * both on every read, as bi-cli relies on. A patch is merged onto the stored app and the result
 * is validated exactly as a create is. BI-managed apps (the Management API app) are read-only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Params, Query, SimContext } from '../context';
import { apiErrors } from '../flavour';
import { newClientId, newClientSecret, newUuid } from '../ids';
import type { Application } from '../model';
import { LARGE_PAGES, pageOf, readPageRequest } from '../paging';
import { MANAGEMENT_SCOPES } from '../scopes';
import type { Store } from '../store';
import { absoluteUrl, isObject, readWrapped, withoutNulls } from '../validation';
import { requireScope } from './auth';
import { emptyOk, listBody, REALM_PATH } from './common';

const tokenConfiguration = z.object({
  expires_after: z.number().int().min(0).max(0xffffffff),
  token_signing_algorithm: z.literal('RS256').default('RS256'),
  subject_field: z.enum(['id', 'email', 'username']).default('id'),
});

// `token_endpoint_auth_method` is deprecated and ignored on input (spec), so it is not read here.
const protocolConfig = z.object({
  type: z.enum(['oidc', 'oauth2']),
  allowed_scopes: z.array(z.string()).default(() => []),
  confidentiality: z.enum(['confidential', 'public']).default('confidential'),
  grant_type: z.array(z.enum(['authorization_code', 'client_credentials'])).min(1),
  redirect_uris: z.array(absoluteUrl()).default(() => []),
  token_configuration: tokenConfiguration,
  pkce: z.enum(['disabled', 'plain', 's256']).default('disabled'),
  token_format: z.enum(['self_contained', 'referential']).default('self_contained'),
});

const applicationInput = z
  .object({
    display_name: z.string().min(1).max(256),
    resource_server_id: z.string().min(1).optional(),
    authenticator_config_id: z.string().min(1).optional(),
    classification: z.string().optional(),
    protocol_config: protocolConfig,
  })
  .superRefine((input, issues) => {
    const config = input.protocol_config;
    const authorizationCode = config.grant_type.includes('authorization_code');
    const fail = (path: string[], message: string) => issues.addIssue({ code: 'custom', path, message });
    // docs/how-to/add-an-application.mdx: required for authorization-code apps.
    if (authorizationCode && input.authenticator_config_id === undefined) fail(['authenticator_config_id'], 'missing');
    if (authorizationCode && config.redirect_uris.length === 0) fail(['protocol_config', 'redirect_uris'], 'missing');
    if (config.confidentiality === 'public' && config.pkce === 'disabled')
      fail(['protocol_config', 'pkce'], 'public applications must use pkce');
    if (config.confidentiality === 'public' && config.grant_type.includes('client_credentials')) {
      fail(['protocol_config', 'grant_type'], 'client_credentials needs a confidential application');
    }
    if (input.resource_server_id === undefined && config.allowed_scopes.length > 0) {
      fail(['protocol_config', 'allowed_scopes'], 'must be empty without a resource server');
    }
  });
type ApplicationInput = z.infer<typeof applicationInput>;

const APPLICATION_PATH = `${REALM_PATH}/applications/:applicationId`;

/** Checks what the schema cannot (referenced ids) and builds the stored record. */
function buildApplication(store: Store, realmId: string, input: ApplicationInput, existing?: Application): Application {
  const config = input.protocol_config;
  if (input.resource_server_id !== undefined && input.resource_server_id !== store.managementResourceServerId) {
    throw apiErrors.notFound('ResourceServer', input.resource_server_id, 'resource server');
  }
  const unknownScope = config.allowed_scopes.find((scope) => !(MANAGEMENT_SCOPES as readonly string[]).includes(scope));
  if (unknownScope !== undefined)
    throw apiErrors.invalidParameters([
      { field: 'application.protocol_config.allowed_scopes', description: 'invalid value' },
    ]);
  const authorizationCode = config.grant_type.includes('authorization_code');
  // Unused for client-credentials-only apps (spec), so only checked and kept for authorization code.
  if (authorizationCode && input.authenticator_config_id !== undefined)
    store.getAuthenticatorConfig(realmId, input.authenticator_config_id);
  const confidential = config.confidentiality === 'confidential';
  const application: Application = {
    id: existing?.id ?? newUuid(),
    realm_id: realmId,
    tenant_id: store.tenant.id,
    display_name: input.display_name,
    is_managed: false,
    protocol_config: {
      type: existing?.protocol_config.type ?? config.type,
      allowed_scopes: config.allowed_scopes,
      client_id: existing?.protocol_config.client_id ?? newClientId(),
      confidentiality: config.confidentiality,
      grant_type: config.grant_type,
      redirect_uris: config.redirect_uris,
      token_configuration: config.token_configuration,
      pkce: config.pkce,
      token_format: config.token_format,
    },
  };
  if (confidential)
    application.protocol_config.client_secret = existing?.protocol_config.client_secret ?? newClientSecret();
  if (input.resource_server_id !== undefined) application.resource_server_id = input.resource_server_id;
  if (authorizationCode && input.authenticator_config_id !== undefined)
    application.authenticator_config_id = input.authenticator_config_id;
  if (input.classification !== undefined) application.classification = input.classification;
  return application;
}

/** The stored app as input, with the patch's fields laid over it (protocol_config and token_configuration merged one level). */
function mergePatch(existing: Application, patch: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, realm_id: _realm, tenant_id: _tenant, is_managed: _managed, ...base } = existing;
  const merged: Record<string, unknown> = { ...base, ...patch };
  const patchConfig = patch.protocol_config;
  if (patchConfig === undefined || isObject(patchConfig)) {
    const configChanges = isObject(patchConfig) ? patchConfig : {};
    const tokenChanges = isObject(configChanges.token_configuration) ? configChanges.token_configuration : {};
    merged.protocol_config = {
      ...existing.protocol_config,
      ...configChanges,
      type: existing.protocol_config.type, // immutable
      token_configuration: { ...existing.protocol_config.token_configuration, ...tokenChanges },
    };
  }
  return merged;
}

export function registerApplicationRoutes(app: FastifyInstance, context: SimContext): void {
  const { store } = context;

  app.post(
    `${REALM_PATH}/applications`,
    { preHandler: requireScope(context, 'applications:create') },
    async (request) => {
      const input = readWrapped(request.body, 'application', applicationInput);
      const realm = store.getRealm((request.params as Params).realmId!);
      const application = buildApplication(store, realm.id, input);
      store.applications.set(application.id, application);
      store.changed();
      return store.presentApplication(application);
    },
  );

  app.get(`${REALM_PATH}/applications`, { preHandler: requireScope(context, 'applications:read') }, async (request) => {
    const realm = store.getRealm((request.params as Params).realmId!);
    const page = pageOf(
      store.inRealm(store.applications, realm.id),
      readPageRequest(request.query as Query, LARGE_PAGES, `applications:${realm.id}`),
    );
    return listBody('applications', {
      ...page,
      items: page.items.map((application) => store.presentApplication(application)),
    });
  });

  app.get(APPLICATION_PATH, { preHandler: requireScope(context, 'applications:read') }, async (request) => {
    const params = request.params as Params;
    return store.presentApplication(store.getApplication(params.realmId!, params.applicationId!));
  });

  app.patch(APPLICATION_PATH, { preHandler: requireScope(context, 'applications:update') }, async (request) => {
    const body = request.body;
    if (!isObject(body) || !isObject(body.application)) throw apiErrors.invalidRequest();
    const params = request.params as Params;
    const existing = store.getApplication(params.realmId!, params.applicationId!);
    if (existing.is_managed) throw apiErrors.forbidden(); // "Managed applications may not be modified by the user."
    const input = readWrapped(
      { application: mergePatch(existing, withoutNulls(body.application)) },
      'application',
      applicationInput,
    );
    const updated = buildApplication(store, existing.realm_id, input, existing);
    store.applications.set(updated.id, updated);
    store.changed();
    return store.presentApplication(updated);
  });

  app.delete(APPLICATION_PATH, { preHandler: requireScope(context, 'applications:delete') }, async (request, reply) => {
    const params = request.params as Params;
    const application = store.getApplication(params.realmId!, params.applicationId!);
    if (application.is_managed) throw apiErrors.forbidden();
    store.applications.delete(application.id);
    store.changed();
    return emptyOk(reply);
  });
}
