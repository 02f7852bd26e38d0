/**
 * Who a request under the guarded paths acts as, once authenticated: an API token (SSWS, or a
 * configured token as Bearer) acts as a Super Administrator; an access token acts as its client,
 * within its scopes and the client's admin roles.
 */
export type TokenScheme = 'Bearer' | 'DPoP';

export type Principal =
  | { kind: 'apiToken' }
  | { kind: 'client'; clientId: string; appId: string; scheme: TokenScheme; scopes: readonly string[] };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API guards once the request is authenticated. */
    oktaPrincipal?: Principal;
  }
}

/** What `createdBy` shows for an object a principal made (spec `OAuth2Actor`). */
export function actorOf(principal: Principal | undefined): { id: string; type: string } {
  return principal?.kind === 'client'
    ? { id: principal.clientId, type: 'PublicClientApp' }
    : { id: SIM_ADMIN_USER_ID, type: 'User' };
}

/** The administrator every API token stands for (it is not one of the org's users). */
export const SIM_ADMIN_USER_ID = '00usimulatoradmin000';
