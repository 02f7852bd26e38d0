/**
 * Zod schemas for the Beyond Identity Management API v1 responses we read. They tolerate fields
 * they do not know (stripped) and reject missing or mistyped fields we rely on. Enumerations the
 * contract says may grow (job states, enrollment status) are plain strings here.
 */
import { z } from 'zod';

export const realmSchema = z.object({
  id: z.string().min(1),
  tenant_id: z.string().optional(),
  display_name: z.string(),
  classification: z.string().optional(),
});
export type Realm = z.infer<typeof realmSchema>;

export const identitySchema = z.object({
  id: z.string().min(1),
  realm_id: z.string().optional(),
  display_name: z.string().optional(),
  status: z.string().optional(),
  enrollment_status: z.string().optional(),
  traits: z.object({
    type: z.string().optional(),
    username: z.string(),
    primary_email_address: z.string().optional(),
  }),
});
export type Identity = z.infer<typeof identitySchema>;
/** What an identity may do: `suspended` can neither sign in nor bind a passkey (docs/contracts/beyond-identity.md §8). */
export type IdentityStatus = 'active' | 'suspended';

export const authenticatorConfigSchema = z.object({
  id: z.string().min(1),
  realm_id: z.string().optional(),
  display_name: z.string().optional(),
  config: z.object({ type: z.string() }).passthrough(),
});
export type AuthenticatorConfig = z.infer<typeof authenticatorConfigSchema>;

const tokenConfigurationSchema = z.object({
  expires_after: z.number().int().optional(),
  subject_field: z.string().optional(),
  token_signing_algorithm: z.string().optional(),
});

export const applicationSchema = z.object({
  id: z.string().min(1),
  realm_id: z.string().optional(),
  display_name: z.string(),
  authenticator_config_id: z.string().optional(),
  is_managed: z.boolean().optional(),
  protocol_config: z.object({
    type: z.string(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
    confidentiality: z.string().optional(),
    grant_type: z.array(z.string()).optional(),
    redirect_uris: z.array(z.string()).optional(),
    allowed_scopes: z.array(z.string()).optional(),
    token_endpoint_auth_method: z.string().optional(),
    pkce: z.string().optional(),
    token_format: z.string().optional(),
    token_configuration: tokenConfigurationSchema.optional(),
  }),
});
export type Application = z.infer<typeof applicationSchema>;

export const bindingJobSchema = z.object({
  id: z.string().min(1),
  identity_id: z.string().optional(),
  realm_id: z.string().optional(),
  delivery_method: z.string().optional(),
  // The contract: clients must accept unknown states, and the field may be missing.
  state: z.string().optional(),
  authenticator_config_id: z.string().optional(),
  credential_id: z.string().optional(),
  expire_time: z.string().optional(),
  create_time: z.string().optional(),
});
export type BindingJob = z.infer<typeof bindingJobSchema>;

export const createBindingJobResponseSchema = z.object({
  credential_binding_job: bindingJobSchema,
  credential_binding_link: z.string().optional(),
});

export const credentialSchema = z.object({
  id: z.string().min(1),
  identity_id: z.string().optional(),
  state: z.string(),
});
export type Credential = z.infer<typeof credentialSchema>;

/** `{<plural>: [...], total_size, next_page_token?}`; the last page leaves the token out. */
export function pageSchema<T>(key: string, item: z.ZodType<T>): z.ZodType<{ items: T[]; nextPageToken?: string }> {
  const shape: Record<string, z.ZodType> = {
    [key]: z.array(item).default([]),
    total_size: z.number().int().optional(),
    next_page_token: z.string().optional(),
  };
  return z.object(shape).transform((page) => ({
    items: page[key] as T[],
    nextPageToken: (page.next_page_token as string | undefined) || undefined,
  }));
}

export const accessTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});

/** Error bodies: `{code, message, details}` from the API, `{error, error_description}` from OAuth endpoints. */
export function parseBeyondIdentityError(body: unknown): { code?: string; message?: string } {
  if (!body || typeof body !== 'object') return {};
  const record = body as Record<string, unknown>;
  const code =
    typeof record.code === 'string' ? record.code : typeof record.error === 'string' ? record.error : undefined;
  let message =
    typeof record.message === 'string'
      ? record.message
      : typeof record.error_description === 'string'
        ? record.error_description
        : undefined;
  const details = Array.isArray(record.details) ? record.details : [];
  const violations = details
    .flatMap(
      (detail) =>
        ((detail as { field_violations?: unknown }).field_violations as
          { field?: string; description?: string }[] | undefined) ?? [],
    )
    .map((violation) => `${violation.field ?? '?'}: ${violation.description ?? '?'}`);
  if (violations.length > 0) message = `${message ?? ''} (${violations.join('; ')})`.trim();
  return { code, message };
}
