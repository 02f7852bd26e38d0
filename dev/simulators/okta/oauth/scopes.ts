/**
 * Okta's OAuth scopes for its own APIs (docs/contracts/okta.md §10): which endpoint family a request belongs
 * to, and the one scope it needs: `okta.<family>.read` for GET, `okta.<family>.manage` for the
 * rest; a manage scope also allows what its read scope does.
 */
export type EndpointFamily =
  'users' | 'schemas' | 'idps' | 'policies' | 'groups' | 'apps' | 'appGrants' | 'roles' | 'logs';

/**
 * Every `okta.*` scope the published spec's `security` blocks name (plus the `okta.clients.*`
 * scopes of the OAuth spec): a grant may name any of these, even those whose APIs are not
 * simulated.
 */
export const KNOWN_OKTA_SCOPES: ReadonlySet<string> = new Set(
  [
    'agentPools',
    'apiTokens',
    'appGrants',
    'apps',
    'apps.interclientTrust',
    'authenticators',
    'authorizationServers',
    'behaviors',
    'botProtection',
    'brands',
    'captchas',
    'clients',
    'customTelephonyProvider',
    'deviceAssurance',
    'deviceIntegrations',
    'devicePostureChecks',
    'devices',
    'directories.groups',
    'domains',
    'dr',
    'emailDomains',
    'emailServers',
    'eventHooks',
    'features',
    'groups',
    'identitySources',
    'idps',
    'inlineHooks',
    'linkedObjects',
    'logStreams',
    'networkZones',
    'oauthIntegrations',
    'orgs',
    'personal.adminSettings',
    'policies',
    'principalRateLimits',
    'profileMappings',
    'pushProviders',
    'rateLimits',
    'realmAssignments',
    'realms',
    'roles',
    'schemas',
    'securityEventsProviders',
    'serviceAccounts',
    'serviceAccounts.okta',
    'sessions',
    'templates',
    'threatInsights',
    'trustedOrigins',
    'uischemas',
    'userRisk',
    'userTypes',
    'users',
  ]
    .flatMap((resource) => [`okta.${resource}.read`, `okta.${resource}.manage`])
    .concat([
      'okta.logs.read',
      'okta.clients.register',
      'okta.support.cases.manage',
      'okta.users.credentials.manageTemporaryAccessCode',
    ]),
);

/**
 * The family of a request path, or undefined for paths outside them (those reach their route,
 * which answers 404 for what is not simulated). `/api/v1/idps/{id}/users…` (IdP links) is users'.
 */
export function familyOf(path: string): EndpointFamily | undefined {
  const segments = path.split('/').filter(Boolean);
  if (segments[0] === 'oauth2' && segments[1] === 'v1')
    return segments[2] === 'clients' && segments[4] === 'roles' ? 'roles' : undefined;
  if (segments[0] !== 'api' || segments[1] !== 'v1') return undefined;
  switch (segments[2]) {
    case 'users':
    case 'groups':
    case 'policies':
    case 'logs':
      return segments[2];
    case 'idps':
      return segments[4] === 'users' ? 'users' : 'idps';
    case 'meta':
      return segments[3] === 'schemas' && segments[4] === 'user' ? 'schemas' : undefined;
    case 'apps':
      return segments[4] === 'grants' ? 'appGrants' : 'apps';
    default:
      return undefined;
  }
}

export function isReadMethod(method: string): boolean {
  const verb = method.toUpperCase();
  return verb === 'GET' || verb === 'HEAD';
}

/** The single scope the contract's `WWW-Authenticate` names for this request. */
export function requiredScope(family: EndpointFamily, method: string): string {
  return isReadMethod(method) ? `okta.${family}.read` : `okta.${family}.manage`;
}

/** Whether `scopes` allow the request: its exact scope, or the family's manage scope for a read. */
export function scopesAllow(scopes: readonly string[], family: EndpointFamily, method: string): boolean {
  return scopes.includes(requiredScope(family, method)) || scopes.includes(`okta.${family}.manage`);
}
