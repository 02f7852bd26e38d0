/**
 * Zod schemas for the Okta answers an admin reads while making the worker's OAuth service app
 * (docs/contracts/okta.md §9): apps, their JSON Web Keys, scope grants and the client's admin roles. Unknown
 * fields are tolerated; what we decide on must be there with the right type.
 */
import { z } from 'zod';

/** A public signing key as Okta lists it (spec `OAuth2ClientJsonWebKeyRsaResponse` / `…ECResponse`). */
export const oktaJwkSchema = z
  .object({
    kid: z.string().nullish(),
    kty: z.string(),
    alg: z.string().nullish(),
    use: z.string().nullish(),
    /** ACTIVE when absent (the spec's default). */
    status: z.string().nullish(),
    id: z.string().nullish(),
  })
  .passthrough();
export type OktaJwk = z.infer<typeof oktaJwkSchema>;

/**
 * Any app of the org (`GET /api/v1/apps` lists every kind): only what tells a service app from
 * the rest is required of OIDC apps, and nothing of the others.
 */
export const oktaAppSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  label: z.string(),
  status: z.string(),
  signOnMode: z.string().nullish(),
  credentials: z
    .object({
      oauthClient: z
        .object({
          client_id: z.string().nullish(),
          token_endpoint_auth_method: z.string().nullish(),
        })
        .passthrough()
        .nullish(),
    })
    .passthrough()
    .nullish(),
  settings: z
    .object({
      oauthClient: z
        .object({
          application_type: z.string().nullish(),
          grant_types: z.array(z.string()).nullish(),
          dpop_bound_access_tokens: z.boolean().nullish(),
          jwks: z.object({ keys: z.array(oktaJwkSchema) }).nullish(),
          jwks_uri: z.string().nullish(),
        })
        .passthrough()
        .nullish(),
    })
    .passthrough()
    .nullish(),
});
export type OktaApp = z.infer<typeof oktaAppSchema>;

/** A scope grant (spec `OAuth2ScopeConsentGrant`). */
export const oktaScopeGrantSchema = z.object({
  id: z.string().min(1),
  scopeId: z.string(),
  issuer: z.string(),
  status: z.string().nullish(),
});
export type OktaScopeGrant = z.infer<typeof oktaScopeGrantSchema>;

/** A role assigned to a client (spec `StandardRole`, or `CustomRole` for IAM-based and custom roles). */
export const oktaRoleAssignmentSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  label: z.string().nullish(),
  status: z.string().nullish(),
  assignmentType: z.string().nullish(),
});
export type OktaRoleAssignment = z.infer<typeof oktaRoleAssignmentSchema>;
