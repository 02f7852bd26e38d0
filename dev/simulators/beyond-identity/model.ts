/**
 * The simulator's records, as zod schemas so the same definitions type the code and check a
 * state file on load. Records are stored in the API's own field names; fields the API never
 * shows (a binding link's token) are named so `present*` in store.ts can drop them.
 */
import { z } from 'zod';

const time = z.string();

const tenantSchema = z.object({ id: z.string(), display_name: z.string(), create_time: time, update_time: time });
export type Tenant = z.infer<typeof tenantSchema>;

const realmSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  display_name: z.string(),
  classification: z.string(),
  create_time: time,
  update_time: time,
});
export type Realm = z.infer<typeof realmSchema>;

const traitsSchema = z.object({ type: z.literal('traits_v0'), username: z.string() }).catchall(z.string());
export type Traits = z.infer<typeof traitsSchema>;

const identitySchema = z.object({
  id: z.string(),
  realm_id: z.string(),
  tenant_id: z.string(),
  display_name: z.string(),
  status: z.enum(['active', 'suspended']),
  traits: traitsSchema,
  create_time: time,
  update_time: time,
});
export type Identity = z.infer<typeof identitySchema>;
export type EnrollmentStatus = 'ENROLLED' | 'PENDING' | 'INVITE_FAILED' | 'UNENROLLED';

const authenticatorConfigSchema = z.object({
  id: z.string(),
  realm_id: z.string(),
  tenant_id: z.string(),
  display_name: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
});
export type AuthenticatorConfig = z.infer<typeof authenticatorConfigSchema>;

const tokenConfigurationSchema = z.object({
  expires_after: z.number(),
  token_signing_algorithm: z.literal('RS256'),
  subject_field: z.enum(['id', 'email', 'username']),
});

const protocolConfigSchema = z.object({
  type: z.enum(['oidc', 'oauth2']),
  allowed_scopes: z.array(z.string()),
  client_id: z.string(),
  client_secret: z.string().optional(),
  confidentiality: z.enum(['confidential', 'public']),
  grant_type: z.array(z.enum(['authorization_code', 'client_credentials'])),
  redirect_uris: z.array(z.string()),
  token_configuration: tokenConfigurationSchema,
  pkce: z.enum(['disabled', 'plain', 's256']),
  token_format: z.enum(['self_contained', 'referential']),
});

const applicationSchema = z.object({
  id: z.string(),
  realm_id: z.string(),
  tenant_id: z.string(),
  resource_server_id: z.string().optional(),
  authenticator_config_id: z.string().optional(),
  display_name: z.string(),
  is_managed: z.boolean(),
  /** Not in the spec, but on real objects: `management_api` marks the Management API app (docs/contracts/beyond-identity.md §1.3). */
  classification: z.string().optional(),
  protocol_config: protocolConfigSchema,
});
export type Application = z.infer<typeof applicationSchema>;

const jobStates = [
  'LINK_SENT',
  'LINK_OPENED',
  'REQUEST_DELIVERED',
  'COMPLETE',
  'EXPIRED',
  'FAILED_TO_SEND',
  'REVOKED',
] as const;
export type JobState = (typeof jobStates)[number];
/** States in which the link can still be used. */
export const LIVE_JOB_STATES: readonly JobState[] = ['LINK_SENT', 'LINK_OPENED', 'REQUEST_DELIVERED'];

const jobSchema = z.object({
  id: z.string(),
  identity_id: z.string(),
  realm_id: z.string(),
  tenant_id: z.string(),
  credential_id: z.string().optional(),
  delivery_method: z.enum(['RETURN', 'EMAIL']),
  state: z.enum(jobStates),
  post_binding_redirect_uri: z.string().optional(),
  authenticator_config: z.record(z.string(), z.unknown()).optional(),
  authenticator_config_id: z.string().optional(),
  expire_time: time,
  create_time: time,
  update_time: time,
  /** The secret in the binding link; never in an API response. */
  link_token: z.string(),
});
export type JobRecord = z.infer<typeof jobSchema>;
export type Job = Omit<JobRecord, 'link_token'>;

const credentialSchema = z.object({
  id: z.string(),
  identity_id: z.string(),
  realm_id: z.string(),
  tenant_id: z.string(),
  state: z.enum(['ACTIVE', 'REVOKED']),
  csr_type: z.enum(['JWT', 'WEBAUTHN', 'FIDO2']),
  jwk_json: z.string(),
  jwk_thumbprint: z.string(),
  create_time: time,
  update_time: time,
});
export type Credential = z.infer<typeof credentialSchema>;

const outboxMessageSchema = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  link: z.string(),
  job_id: z.string(),
  identity_id: z.string(),
  realm_id: z.string(),
  tenant_id: z.string(),
  sent_time: time,
});
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

const signingKeySchema = z.object({ kid: z.string(), private_jwk: z.record(z.string(), z.unknown()) });
export type StoredSigningKey = z.infer<typeof signingKeySchema>;

export const persistedStateSchema = z.object({
  version: z.literal(1),
  tenant: tenantSchema,
  realms: z.array(realmSchema),
  identities: z.array(identitySchema),
  authenticator_configs: z.array(authenticatorConfigSchema),
  applications: z.array(applicationSchema),
  jobs: z.array(jobSchema),
  credentials: z.array(credentialSchema),
  outbox: z.array(outboxMessageSchema),
  signing_key: signingKeySchema,
});
export type PersistedState = z.infer<typeof persistedStateSchema>;
