/**
 * Service apps as the Apps API shows them (spec `OpenIdConnectApplication`,
 * `OAuth2ClientJsonWebKey*Response`), and finding one from a request path. Links are built from
 * the org URL at response time, as for every other object.
 */
import type { FastifyRequest } from 'fastify';
import { rawSegment, type OktaContext } from '../context';
import { notFound } from '../errors';
import type { AppRecord, JwkRecord } from './records';

export function appUrl(orgUrl: string, app: AppRecord): string {
  return `${orgUrl}/api/v1/apps/${app.id}`;
}

export function renderJwk(orgUrl: string, app: AppRecord, key: JwkRecord): Record<string, unknown> {
  const self = `${appUrl(orgUrl, app)}/credentials/jwks/${key.id}`;
  const lifecycle =
    key.status === 'ACTIVE'
      ? { deactivate: { href: `${self}/lifecycle/deactivate`, hints: { allow: ['POST'] } } }
      : {
          activate: { href: `${self}/lifecycle/activate`, hints: { allow: ['POST'] } },
          delete: { href: self, hints: { allow: ['DELETE'] } },
        };
  return {
    id: key.id,
    ...(key.kid === null ? {} : { kid: key.kid }),
    ...key.jwk,
    status: key.status,
    created: key.created,
    lastUpdated: key.lastUpdated,
    _links: lifecycle,
  };
}

export function renderApp(orgUrl: string, app: AppRecord): Record<string, unknown> {
  const self = appUrl(orgUrl, app);
  const lifecycle =
    app.status === 'ACTIVE'
      ? { deactivate: { href: `${self}/lifecycle/deactivate` } }
      : { activate: { href: `${self}/lifecycle/activate` } };
  return {
    id: app.id,
    name: 'oidc_client',
    label: app.label,
    status: app.status,
    created: app.created,
    lastUpdated: app.lastUpdated,
    signOnMode: 'OPENID_CONNECT',
    accessibility: { selfService: false },
    visibility: {
      autoLaunch: false,
      autoSubmitToolbar: false,
      hide: { iOS: true, web: true },
      appLinks: { oidc_client_link: true },
    },
    features: [],
    credentials: {
      userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' },
      oauthClient: {
        autoKeyRotation: app.autoKeyRotation,
        client_id: app.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        pkce_required: false,
      },
    },
    settings: {
      app: {},
      oauthClient: {
        redirect_uris: [],
        response_types: app.responseTypes,
        grant_types: ['client_credentials'],
        application_type: 'service',
        consent_method: 'TRUSTED',
        issuer_mode: 'DYNAMIC',
        dpop_bound_access_tokens: app.dpopBound,
        jwks: { keys: app.keys.map((key) => renderJwk(orgUrl, app, key)) },
      },
    },
    _links: {
      self: { href: self },
      appLinks: [],
      groups: { href: `${self}/groups` },
      users: { href: `${self}/users` },
      logo: [],
      ...lifecycle,
    },
  };
}

/** The app the path segment at `index` names (its id), or 404 E0000007 `(AppInstance)`. */
export function appFromPath(context: OktaContext, request: FastifyRequest, index = 3): AppRecord {
  const { decoded, raw } = rawSegment(request, index);
  const app = context.store.state.apps.find((candidate) => candidate.id === decoded);
  if (!app) throw notFound(decoded ?? raw, 'AppInstance');
  return app;
}
