/**
 * The body of `POST /api/v1/apps` for an OAuth 2.0 service app (docs/contracts/okta.md §9.1): the only kind of
 * app simulated. Anything else (another signOnMode, a web app, a client secret, `jwks_uri`) is
 * refused with 400 E0000001 and one cause per problem, so a client finds out here rather than on
 * a real org.
 */
import { z } from 'zod';
import { validationFailed, type FieldProblem } from '../errors';
import { parseBody } from '../validation';
import { acceptPublicJwk, MAX_KEYS, type AcceptedJwk } from './jwk';

/** A field that must not be given (zod's undefined() would make it required). */
const absent = (message: string) =>
  z
    .unknown()
    .optional()
    .refine((value) => value === undefined, message);

const createAppBody = z.object({
  name: z.literal('oidc_client'),
  label: z.string().trim().min(1, 'The field cannot be left blank').max(100),
  signOnMode: z.literal('OPENID_CONNECT'),
  credentials: z.object({
    oauthClient: z.object({
      token_endpoint_auth_method: z.literal('private_key_jwt'),
      autoKeyRotation: z.boolean().optional(),
      // Okta's rule: 6-100 of these characters; when absent the client_id is the app id.
      client_id: z
        .string()
        .regex(/^[A-Za-z0-9$\-_.+!*'(),]{6,100}$/, "6 to 100 letters, digits or $-_.+!*'(),")
        .optional(),
      client_secret: absent('A private_key_jwt client has no secret.'),
    }),
  }),
  settings: z.object({
    oauthClient: z.object({
      application_type: z.literal('service'),
      grant_types: z
        .array(z.string())
        .refine(
          (types) => types.length === 1 && types[0] === 'client_credentials',
          'A service app takes exactly ["client_credentials"].',
        ),
      response_types: z.array(z.literal('token')).nullish(),
      redirect_uris: z.array(z.string()).max(0, 'A service app has no redirect URIs.').nullish(),
      dpop_bound_access_tokens: z.boolean().optional(),
      jwks_uri: absent('Not simulated: give the public keys in jwks.'),
      jwks: z.object({
        keys: z.array(z.unknown()).min(1, 'At least one public key.').max(MAX_KEYS, `At most ${MAX_KEYS} keys.`),
      }),
    }),
  }),
});

export interface ServiceAppRequest {
  label: string;
  clientId: string | undefined;
  autoKeyRotation: boolean;
  responseTypes: string[];
  dpopBound: boolean;
  keys: AcceptedJwk[];
}

/** Problems with a client's key set as a whole: unique kids, and a kid on every key when there are several. */
export function keySetProblems(keys: { kid: string | null }[], field: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  keys.forEach((key, index) => {
    if (key.kid === null && keys.length > 1)
      problems.push({ field: `${field}.${index}.kid`, message: 'Each key needs a kid when the client has several.' });
    if (key.kid !== null && seen.has(key.kid))
      problems.push({ field: `${field}.${index}.kid`, message: `Another key already has the kid ${key.kid}.` });
    if (key.kid !== null) seen.add(key.kid);
  });
  return problems;
}

/** The validated request, or a thrown 400 E0000001 naming every problem. */
export function parseServiceApp(body: unknown): ServiceAppRequest {
  const { credentials, settings, label } = parseBody(createAppBody, body);
  const keysField = 'settings.oauthClient.jwks.keys';
  const problems: FieldProblem[] = [];
  const keys: AcceptedJwk[] = [];
  settings.oauthClient.jwks.keys.forEach((value, index) => {
    const accepted = acceptPublicJwk(value, `${keysField}.${index}`);
    if (Array.isArray(accepted)) problems.push(...accepted);
    else keys.push(accepted);
  });
  if (problems.length === 0) problems.push(...keySetProblems(keys, keysField));
  if (problems.length > 0) throw validationFailed(problems);
  return {
    label,
    clientId: credentials.oauthClient.client_id,
    autoKeyRotation: credentials.oauthClient.autoKeyRotation ?? true,
    responseTypes: settings.oauthClient.response_types ?? ['token'],
    dpopBound: settings.oauthClient.dpop_bound_access_tokens ?? false,
    keys,
  };
}
