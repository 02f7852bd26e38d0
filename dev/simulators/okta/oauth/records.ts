/**
 * What the org keeps for OAuth 2.0 service apps (docs/contracts/okta.md §9): the apps with their public JWKs,
 * their scope grants, and the admin roles assigned to their clients. Plain JSON, persisted with
 * the rest of the org's state; issued access tokens are not here (they live in memory only).
 */
import { z } from 'zod';

export const ROLE_TYPES = [
  'SUPER_ADMIN',
  'ORG_ADMIN',
  'APP_ADMIN',
  'USER_ADMIN',
  'HELP_DESK_ADMIN',
  'GROUP_MEMBERSHIP_ADMIN',
  'READ_ONLY_ADMIN',
  'REPORT_ADMIN',
  'API_ACCESS_MANAGEMENT_ADMIN',
  'ACCESS_CERTIFICATIONS_ADMIN',
  'ACCESS_REQUESTS_ADMIN',
  'WORKFLOWS_ADMIN',
] as const;
export type RoleType = (typeof ROLE_TYPES)[number];

const jwkRecordSchema = z.object({
  id: z.string(),
  kid: z.string().nullable(),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  created: z.string(),
  lastUpdated: z.string(),
  /** The public members only (kty, alg, use, n/e or crv/x/y): a key with private parts is refused at the door. */
  jwk: z.record(z.string(), z.string()),
});
export type JwkRecord = z.infer<typeof jwkRecordSchema>;

const appRecordSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  clientId: z.string(),
  label: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  created: z.string(),
  lastUpdated: z.string(),
  autoKeyRotation: z.boolean(),
  responseTypes: z.array(z.string()),
  dpopBound: z.boolean(),
  keys: z.array(jwkRecordSchema),
});
export type AppRecord = z.infer<typeof appRecordSchema>;

const grantRecordSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  appId: z.string(),
  clientId: z.string(),
  scopeId: z.string(),
  issuer: z.string(),
  created: z.string(),
  lastUpdated: z.string(),
  createdBy: z.object({ id: z.string(), type: z.string() }),
});
export type GrantRecord = z.infer<typeof grantRecordSchema>;

const clientRoleRecordSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  clientId: z.string(),
  type: z.enum(ROLE_TYPES),
  created: z.string(),
  lastUpdated: z.string(),
});
export type ClientRoleRecord = z.infer<typeof clientRoleRecordSchema>;

/** Added after version 1 files were first written: a file without them loads with none. */
export const oauthStateFields = {
  apps: z
    .array(appRecordSchema)
    .optional()
    .transform((value) => value ?? []),
  appGrants: z
    .array(grantRecordSchema)
    .optional()
    .transform((value) => value ?? []),
  clientRoles: z
    .array(clientRoleRecordSchema)
    .optional()
    .transform((value) => value ?? []),
};
