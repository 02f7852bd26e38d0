/**
 * What an authenticated caller may do (docs/contracts/okta.md §10): API tokens everything; an access token's
 * client needs the one scope the endpoint family asks for (403, no body, a `WWW-Authenticate`
 * naming it), then an admin role that allows the family and method (403 E0000006;
 * role-permissions.ts). Grants and roles are read at each call, so a change applies at once.
 */
import type { FastifyRequest } from 'fastify';
import { pathOf, type RenderedError } from '../../shared/server';
import { accessDenied } from '../errors';
import { rolesOf } from './client-roles';
import { grantedScopes } from './grants';
import type { Principal } from './principal';
import type { ResourceAuthDeps } from './resource-auth';
import { rolesPermit } from './role-permissions';
import { familyOf, requiredScope, scopesAllow } from './scopes';
import { wwwAuthenticate } from './www-authenticate';

/** The refusal for a principal that may not make this request, or undefined when it may. */
export function authorize(
  request: FastifyRequest,
  principal: Principal,
  deps: ResourceAuthDeps,
): RenderedError | undefined {
  if (principal.kind === 'apiToken') return undefined;
  const { context, oauth } = deps;
  const path = pathOf(request);
  const family = familyOf(path);
  // Outside the families (an unknown path): the route answers, 404.
  if (family === undefined) return undefined;
  // A revoked grant takes effect at once, on tokens already issued too (unverified).
  const effective = principal.scopes.filter((scope) => grantedScopes(context, principal.appId).includes(scope));
  if (!scopesAllow(effective, family, request.method)) {
    oauth.counters.refused('resource.insufficient_scope');
    const header = wwwAuthenticate(principal.scheme, context.orgUrl(), {
      scope: requiredScope(family, request.method),
      error: 'insufficient_scope',
      description: 'The access token provided does not contain the required scopes.',
      resource: path,
    });
    return { status: 403, headers: { 'www-authenticate': header }, body: undefined };
  }
  if (!rolesPermit(rolesOf(context, principal.clientId), family, request.method)) {
    oauth.counters.refused('resource.missing_role');
    return accessDenied().render();
  }
  oauth.counters.resourceCall(principal.scheme);
  return undefined;
}
