/**
 * Bearer authentication of the management API. Accepted: the configured static tokens (all
 * scopes, this tenant) and access tokens this simulator minted by client credentials for an
 * application of the Management API resource server (their `scope` claim limits them).
 * Missing/unknown token → 401; another tenant in the path, a missing scope or an expired access
 * token → 403 (docs/contracts/beyond-identity.md §2.4: bi-cli refreshes its token on 403, the only evidence there is).
 */
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Params, SimContext } from '../context';
import { apiErrors } from '../flavour';
import { sameSecret } from '../ids';
import { MANAGEMENT_AUDIENCE, MANAGEMENT_SCOPES, type ManagementScope } from '../scopes';

interface Principal {
  tenantId: string;
  scopes: ReadonlySet<string>;
}

declare module 'fastify' {
  interface FastifyRequest {
    biPrincipal?: Principal;
  }
}

const ISSUER_PATH = /^\/v1\/tenants\/([^/]+)\/realms\/([^/]+)\/applications\/([^/]+)$/;

function authenticate(context: SimContext, request: FastifyRequest): Principal {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) throw apiErrors.unauthorized();
  const token = match[1];
  if (context.settings.apiTokens.some((accepted) => sameSecret(accepted, token))) {
    return { tenantId: context.settings.tenantId, scopes: new Set(MANAGEMENT_SCOPES) };
  }
  return verifyAccessToken(context, token);
}

function verifyAccessToken(context: SimContext, token: string): Principal {
  const { store } = context;
  const claims = store.signingKey.verify(token);
  if (!claims) throw apiErrors.unauthorized();
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  // Only the issuer's path is compared: the signature proves the origin, and a restart may move the port.
  const [, , realmId, applicationId] = ISSUER_PATH.exec(issuerPath(claims.iss)) ?? [];
  const application = applicationId ? store.applications.get(applicationId) : undefined;
  const tenantId = claims.bi_t;
  if (
    !audience.includes(MANAGEMENT_AUDIENCE) ||
    typeof tenantId !== 'string' ||
    !application ||
    application.realm_id !== realmId ||
    application.resource_server_id !== store.managementResourceServerId
  ) {
    throw apiErrors.unauthorized();
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= store.nowMs()) throw apiErrors.forbidden();
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  return { tenantId, scopes: new Set(scopes) };
}

function issuerPath(issuer: unknown): string {
  try {
    return typeof issuer === 'string' ? new URL(issuer).pathname : '';
  } catch {
    return '';
  }
}

/** Route guard: authenticated, for the tenant in the path, holding `scope`. */
export function requireScope(context: SimContext, scope: ManagementScope): preHandlerAsyncHookHandler {
  return async (request) => {
    const principal = authenticate(context, request);
    const tenantId = (request.params as Params).tenantId;
    if (tenantId !== principal.tenantId || !principal.scopes.has(scope)) throw apiErrors.forbidden();
    request.biPrincipal = principal;
  };
}
