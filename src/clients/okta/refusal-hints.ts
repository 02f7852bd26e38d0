/**
 * What the operator of an OAuth service app should do about a refusal: which scope to grant or
 * which role to assign, where, and then `retry`. Under an API token (SSWS) the generic texts of
 * errors.ts stay (they already name the token), but for a 403 that no credential would fix.
 */
import type { UpstreamErrorParts } from '../http/json-client';
import { REQUIRED_OKTA_SCOPES, scopeCovers, type OktaCredentials } from './credentials';

const SERVICE_APP_COMMAND = 'bi-okta okta-service-app';
/** The admin role the service app needs: the IdP, the discovery rule and the profile schema are beyond a User or App Administrator (docs/contracts/okta.md §10). */
const SERVICE_APP_ROLE = 'ORG_ADMIN';

export function grantScopeHint(clientId: string, scopes: readonly string[]): string {
  return (
    `grant ${scopes.join(', ')} to the Okta service app ${clientId} — Admin Console: Applications → the app → Okta API Scopes → Grant, ` +
    `or run \`${SERVICE_APP_COMMAND}\` again`
  );
}

export function assignRoleHint(clientId: string): string {
  return `assign the ${SERVICE_APP_ROLE} role to the service app ${clientId} — Admin Console: Applications → the app → Admin roles`;
}

/**
 * Okta names the one scope the refused endpoint needs: `okta.policies.read` for a read. The
 * service's own scope that covers it (`okta.policies.manage`) is the one to grant, or the next
 * write would be refused in turn.
 */
export function scopeToGrant(named: string | undefined): string {
  if (named === undefined) return 'the scope the operation needs';
  return REQUIRED_OKTA_SCOPES.find((scope) => scopeCovers(scope, named)) ?? named;
}

/** A 403 that is not about the credentials at all: the user's profile belongs to a directory. */
const MASTERED_ELSEWHERE =
  "the user's profile is mastered by a directory or HR system: Okta changes only Okta-mastered attributes of it";

export function oktaRefusalHint(
  credentials: OktaCredentials,
): ((refusal: UpstreamErrorParts & { status: number }) => string | undefined) | undefined {
  if (credentials.kind !== 'oauth') return (refusal) => (refusal.code === 'E0000023' ? MASTERED_ELSEWHERE : undefined);
  const { clientId } = credentials;
  return (refusal) => {
    if (refusal.code === 'E0000023') return MASTERED_ELSEWHERE;
    if (refusal.code === 'insufficient_scope')
      return `${grantScopeHint(clientId, [scopeToGrant(refusal.scope)])} — then \`bi-okta retry\``;
    if (refusal.status === 403 && refusal.code === 'E0000006')
      return `${assignRoleHint(clientId)} — then \`bi-okta retry\``;
    if (refusal.code === 'invalid_client') {
      return `Okta refused the client assertion of the service app ${clientId}: check OKTA_CLIENT_ID, the private key and OKTA_KEY_ID (the key's public half must be in the app's JWKS under that kid)`;
    }
    if (refusal.code === 'invalid_scope')
      return `check OKTA_SCOPES, and ${grantScopeHint(clientId, credentials.scopes)}`;
    if (refusal.status === 401)
      return `Okta refused the access token of the service app ${clientId}: check that the app is active and OKTA_ORG_URL is its org`;
    return undefined;
  };
}
