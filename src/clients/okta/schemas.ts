/**
 * Zod schemas for the Okta Management API responses we read: unknown fields are tolerated
 * (Okta adds properties at any time), nested policy objects are optional (Terraform crashed on a
 * null `accountLink.filter`), and the fields we rely on must be there with the right type.
 */
import { z } from 'zod';
import type { ResponseHeaders } from '../http/headers';
import type { UpstreamErrorParts } from '../http/json-client';
import { challengeError } from '../http/www-authenticate';

export const oktaUserSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  /** When the user was created: tells a user our own onboarding made from one that was there before it. */
  created: z.string().nullish(),
  // Custom properties (the routing attribute among them) sit beside the base ones.
  profile: z
    .object({
      login: z.string(),
      email: z.string().nullish(),
      firstName: z.string().nullish(),
      lastName: z.string().nullish(),
    })
    .catchall(z.unknown()),
  credentials: z
    .object({ provider: z.object({ type: z.string().nullish() }).nullish() })
    .passthrough()
    .nullish(),
});
export type OktaUser = z.infer<typeof oktaUserSchema>;

/** A group (spec `Group`): OKTA_GROUP, APP_GROUP (imported) or BUILT_IN (Everyone). */
export const oktaGroupSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  profile: z.object({ name: z.string(), description: z.string().nullish() }).catchall(z.unknown()),
});
export type OktaGroup = z.infer<typeof oktaGroupSchema>;

const endpointSchema = z.object({ url: z.string(), binding: z.string().optional() }).nullish();

export const oktaIdpSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  name: z.string(),
  status: z.string(),
  issuerMode: z.string().nullish(),
  protocol: z.object({
    type: z.string(),
    scopes: z.array(z.string()).nullish(),
    endpoints: z
      .object({ authorization: endpointSchema, token: endpointSchema, jwks: endpointSchema, userInfo: endpointSchema })
      .nullish(),
    issuer: z.object({ url: z.string() }).nullish(),
    credentials: z
      .object({
        client: z
          .object({
            client_id: z.string().nullish(),
            client_secret: z.string().nullish(),
            token_endpoint_auth_method: z.string().nullish(),
          })
          .nullish(),
      })
      .nullish(),
  }),
  policy: z
    .object({
      subject: z
        .object({
          userNameTemplate: z.object({ template: z.string() }).nullish(),
          matchType: z.string().nullish(),
          matchAttribute: z.string().nullish(),
        })
        .nullish(),
    })
    .passthrough()
    .nullish(),
});
export type OktaIdp = z.infer<typeof oktaIdpSchema>;

export const oktaPolicySchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  name: z.string().optional(),
  status: z.string().optional(),
  system: z.boolean().optional(),
});

/** One profile property (spec `UserSchemaAttribute`): who masters it, and what the person may do with it (docs/contracts/okta.md §11.3). */
const schemaPropertySchema = z
  .object({
    title: z.string().nullish(),
    type: z.string().nullish(),
    master: z.object({ type: z.string().nullish() }).passthrough().nullish(),
    permissions: z.array(z.object({ principal: z.string(), action: z.string() }).passthrough()).nullish(),
  })
  .passthrough();
export type OktaSchemaProperty = z.infer<typeof schemaPropertySchema>;

/** The default user profile schema (docs/contracts/okta.md §7.1): the base properties and the org's own. */
export const oktaUserSchemaSchema = z.object({
  definitions: z.object({
    base: z
      .object({ properties: z.record(z.string(), schemaPropertySchema).nullish() })
      .passthrough()
      .nullish(),
    custom: z
      .object({ properties: z.record(z.string(), schemaPropertySchema).nullish() })
      .passthrough()
      .nullish(),
  }),
});
export type OktaUserSchema = z.infer<typeof oktaUserSchemaSchema>;

const patternSchema = z.object({ matchType: z.string(), value: z.string() });

export const oktaRuleSchema = z.object({
  id: z.string().min(1),
  type: z.string().optional(),
  name: z.string(),
  status: z.string(),
  priority: z.number().int().nullish(),
  system: z.boolean().nullish(),
  conditions: z
    .object({
      userIdentifier: z
        .object({
          type: z.string().nullish(),
          attribute: z.string().nullish(),
          patterns: z.array(patternSchema).nullish(),
        })
        .nullish(),
    })
    .passthrough()
    .nullish(),
  actions: z
    .object({
      idp: z
        .object({
          providers: z.array(z.object({ type: z.string(), id: z.string().nullish() })).nullish(),
          idpSelectionType: z.string().nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
export type OktaRule = z.infer<typeof oktaRuleSchema>;

/**
 * What Okta said about a failure: its error body `{errorCode, errorSummary, errorLink, errorId,
 * errorCauses[]}`; else an OAuth body `{error, error_description}` (the token endpoint, §8.3); else
 * the `WWW-Authenticate` challenge of a body-less 403 `insufficient_scope` or a refused DPoP proof (§8.4, §10).
 */
export function parseOktaError(body: unknown, headers: ResponseHeaders = {}): UpstreamErrorParts {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  if (typeof record.errorCode !== 'string' && typeof record.error === 'string') {
    return {
      code: record.error,
      message: typeof record.error_description === 'string' ? record.error_description : undefined,
    };
  }
  const challenge = typeof record.errorCode === 'string' ? undefined : challengeError(headers['www-authenticate']);
  if (challenge?.error === 'insufficient_scope') {
    return {
      code: challenge.error,
      scope: challenge.scope,
      message: `the access token lacks the scope ${challenge.scope ?? '(not named)'}${challenge.description ? ` (${challenge.description})` : ''}`,
    };
  }
  if (challenge) return { code: challenge.error, message: challenge.description };
  if (!body || typeof body !== 'object') return {};
  const causes = Array.isArray(record.errorCauses)
    ? record.errorCauses
        .map((cause) => (cause as { errorSummary?: unknown }).errorSummary)
        .filter((text): text is string => typeof text === 'string')
    : [];
  const summary = typeof record.errorSummary === 'string' ? record.errorSummary : undefined;
  return {
    code: typeof record.errorCode === 'string' ? record.errorCode : undefined,
    message: [summary, ...causes].filter(Boolean).join('; ') || undefined,
  };
}

/** The org authorization server's token answer (docs/contracts/okta.md §8.3); `token_type` is `Bearer` or, for a DPoP-bound app, `DPoP`. */
export const oktaAccessTokenSchema = z.object({
  token_type: z.string().min(1),
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});

/** One System Log event, the fields a sync reads (docs/contracts/okta.md §13); match targets by `type`, never by index. */
export const oktaLogEventSchema = z.object({
  uuid: z.string().min(1),
  published: z.string(),
  eventType: z.string(),
  outcome: z.object({ result: z.string() }).partial().nullish(),
  target: z
    .array(
      z.object({
        id: z.string(),
        type: z.string(),
        alternateId: z.string().nullish(),
        displayName: z.string().nullish(),
        /** A profile update's changed properties, before and after (`user.account.update_profile`). */
        changeDetails: z
          .object({
            from: z.record(z.string(), z.unknown()).nullish(),
            to: z.record(z.string(), z.unknown()).nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});
export type OktaLogEvent = z.infer<typeof oktaLogEventSchema>;
