/** Management API scopes (docs/contracts/beyond-identity.md §1.4), `<resource>:<action>`. Static tokens carry all of them. */
export const MANAGEMENT_SCOPES = [
  'tenants:read',
  'realms:create',
  'realms:read',
  'realms:update',
  'realms:delete',
  'identities:create',
  'identities:read',
  'identities:update',
  'identities:delete',
  'authenticator-configs:create',
  'authenticator-configs:read',
  'authenticator-configs:update',
  'authenticator-configs:delete',
  'applications:create',
  'applications:read',
  'applications:update',
  'applications:delete',
  'credential-binding-jobs:create',
  'credential-binding-jobs:read',
  'credential-binding-jobs:revoke',
  'credentials:read',
  'credentials:revoke',
] as const;
export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number];

/** Audience of access tokens for the Beyond Identity Management API resource server. */
export const MANAGEMENT_AUDIENCE = 'beyondidentity';
