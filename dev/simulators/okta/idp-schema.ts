/**
 * What an OIDC identity provider must look like (docs/contracts/okta.md §2.2 field rules and §4 checklist item 8):
 * type and protocol.type agree, bindings and policy enums are the spec's, scopes are an array,
 * the username template is 9–1024 characters, CUSTOM_ATTRIBUTE needs matchAttribute. Unknown
 * fields are dropped; absent policy parts get the defaults a console-made IdP has.
 */
import { z } from 'zod';
import type { FieldProblem } from './errors';

export const IDENTITY_PROVIDER_TYPES = [
  'AMAZON',
  'APPLE',
  'DISCORD',
  'FACEBOOK',
  'GITHUB',
  'GITLAB',
  'GOOGLE',
  'IDV_CLEAR',
  'IDV_INCODE',
  'IDV_PERSONA',
  'IDV_STANDARD',
  'LINKEDIN',
  'LOGINGOV',
  'LOGINGOV_SANDBOX',
  'MICROSOFT',
  'OIDC',
  'OKTA_INTEGRATION',
  'PAYPAL',
  'PAYPAL_SANDBOX',
  'SALESFORCE',
  'SAML2',
  'SPOTIFY',
  'X509',
  'XERO',
  'YAHOO',
  'YAHOOJP',
] as const;

/** `client_secret_post`/`client_secret_basic` are not in the spec's enum (only `private_key_jwt`); accepted so the sign-in check can use either. */
const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic', 'private_key_jwt'] as const;

const absoluteUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'Must be an absolute http or https URL.');

const binding = z.enum(['HTTP-POST', 'HTTP-REDIRECT']);
const endpoint = z.object({ url: absoluteUrl, binding: binding.optional() });

const oidcProtocol = z.object({
  type: z.string(),
  scopes: z.array(z.string().min(1)).min(1, 'At least one scope is required.'),
  endpoints: z.object({
    authorization: endpoint,
    token: endpoint,
    jwks: endpoint,
    userInfo: endpoint.optional(),
    slo: z.object({ url: absoluteUrl }).optional(),
    acs: z.object({ binding: binding.optional(), type: z.string().optional() }).optional(),
  }),
  issuer: z.object({ url: absoluteUrl }),
  credentials: z.object({
    client: z.object({
      client_id: z.string().min(1).max(1024),
      client_secret: z.string().min(1).max(1024).optional(),
      pkce_required: z.boolean().optional(),
      token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).optional(),
    }),
  }),
  algorithms: z
    .object({
      request: z
        .object({
          signature: z
            .object({
              algorithm: z.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512']).optional(),
              scope: z.enum(['NONE', 'REQUEST']).optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  settings: z
    .object({ participateSlo: z.boolean().optional(), sendApplicationContext: z.boolean().optional() })
    .optional(),
});

const MATCH_TYPES = ['USERNAME', 'EMAIL', 'USERNAME_OR_EMAIL', 'CUSTOM_ATTRIBUTE'] as const;

const idpPolicy = z.object({
  accountLink: z
    .object({
      action: z.enum(['AUTO', 'DISABLED']),
      filter: z
        .object({
          groups: z.object({ include: z.array(z.string()) }).optional(),
          users: z
            .object({ exclude: z.array(z.string()).optional(), excludeAdmins: z.boolean().optional() })
            .optional(),
        })
        .nullable()
        .optional(),
    })
    .default({ action: 'AUTO' }),
  provisioning: z
    .object({
      action: z.enum(['AUTO', 'DISABLED']),
      profileMaster: z.boolean().default(false),
      groups: z
        .object({
          action: z.enum(['APPEND', 'ASSIGN', 'NONE', 'SYNC']),
          assignments: z.array(z.string()).optional(),
          filter: z.array(z.string()).optional(),
          sourceAttributeName: z.string().max(1024).optional(),
        })
        .default({ action: 'NONE' }),
      conditions: z
        .object({
          deprovisioned: z.object({ action: z.enum(['NONE', 'REACTIVATE']) }).default({ action: 'NONE' }),
          suspended: z.object({ action: z.enum(['NONE', 'UNSUSPEND']) }).default({ action: 'NONE' }),
        })
        .default({ deprovisioned: { action: 'NONE' }, suspended: { action: 'NONE' } }),
    })
    .default({
      action: 'AUTO',
      profileMaster: false,
      groups: { action: 'NONE' },
      conditions: { deprovisioned: { action: 'NONE' }, suspended: { action: 'NONE' } },
    }),
  subject: z
    .object({
      userNameTemplate: z.object({
        template: z.string().min(9, 'The template must be at least 9 characters long.').max(1024),
      }),
      filter: z.string().max(1024).nullable().optional(),
      matchType: z.enum(MATCH_TYPES).default('USERNAME'),
      matchAttribute: z.string().nullable().optional(),
    })
    // terraform's default template; Okta's console proposes the same.
    .default({ userNameTemplate: { template: 'idpuser.email' }, matchType: 'USERNAME' }),
  maxClockSkew: z.number().int().min(0).default(0),
  mapAMRClaims: z.boolean().optional(),
  trustClaims: z.boolean().optional(),
});

export const idpBodySchema = z.object({
  type: z.enum(IDENTITY_PROVIDER_TYPES),
  name: z.string().min(1).max(100),
  issuerMode: z.enum(['ORG_URL', 'CUSTOM_URL', 'DYNAMIC']).default('DYNAMIC'),
  protocol: oidcProtocol,
  policy: idpPolicy.default(() => idpPolicy.parse({})),
  properties: z.record(z.string(), z.unknown()).optional(),
});
export type IdpBody = z.infer<typeof idpBodySchema>;

/** Rules zod cannot express field by field: the simulator builds OIDC IdPs only, protocol.type must fit type, CUSTOM_ATTRIBUTE needs matchAttribute. */
export function idpConsistencyProblems(body: IdpBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (body.type !== 'OIDC')
    problems.push({ field: 'type', message: `The simulator supports only OIDC identity providers, not ${body.type}.` });
  else if (body.protocol.type !== 'OIDC')
    problems.push({
      field: 'protocol.type',
      message: `The protocol type ${body.protocol.type} does not fit an identity provider of type OIDC (expected OIDC).`,
    });
  const subject = body.policy.subject;
  if (subject.matchType === 'CUSTOM_ATTRIBUTE' && !subject.matchAttribute) {
    problems.push({
      field: 'policy.subject.matchAttribute',
      message: 'A matchType of CUSTOM_ATTRIBUTE needs matchAttribute.',
    });
  }
  return problems;
}
