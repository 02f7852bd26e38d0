/**
 * The Okta credentials of the worker's environment: exactly one of OKTA_API_TOKEN (SSWS) or an
 * OAuth service app (OKTA_CLIENT_ID + OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE, OKTA_KEY_ID,
 * OKTA_SCOPES). Every problem is named by variable; no message quotes a token or a key.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_OKTA_SCOPES, type OktaCredentials } from './credentials';
import { parsePrivateKey } from './private-key';

export const OKTA_CREDENTIAL_VARIABLES = [
  'OKTA_API_TOKEN',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY',
  'OKTA_PRIVATE_KEY_FILE',
  'OKTA_KEY_ID',
  'OKTA_SCOPES',
] as const;
type OktaCredentialVariable = (typeof OKTA_CREDENTIAL_VARIABLES)[number];
export type OktaCredentialEnv = Partial<Record<OktaCredentialVariable, string>>;

export interface OktaCredentialProblem {
  variable: OktaCredentialVariable;
  message: string;
}

/** `okta.<resource>.<action>[.<more>]`, e.g. okta.users.manage, okta.appGrants.read, okta.users.read.self. */
const SCOPE_SHAPE = /^okta\.[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;

export function oktaCredentialsFromEnv(env: OktaCredentialEnv): {
  credentials?: OktaCredentials;
  problems: OktaCredentialProblem[];
} {
  const problems: OktaCredentialProblem[] = [];
  const problem = (variable: OktaCredentialVariable, message: string) => problems.push({ variable, message });
  const oauth = Boolean(env.OKTA_CLIENT_ID || env.OKTA_PRIVATE_KEY || env.OKTA_PRIVATE_KEY_FILE);
  if (env.OKTA_API_TOKEN && oauth) {
    problem(
      'OKTA_API_TOKEN',
      'set either OKTA_API_TOKEN (an API token) or an OAuth service app (OKTA_CLIENT_ID with OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE), not both',
    );
    return { problems };
  }
  if (env.OKTA_API_TOKEN) return { credentials: { kind: 'api-token', token: env.OKTA_API_TOKEN }, problems };
  if (!oauth) {
    problem(
      'OKTA_API_TOKEN',
      'required: an Okta API token (SSWS), or an OAuth service app: OKTA_CLIENT_ID with OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE',
    );
    return { problems };
  }
  if (!env.OKTA_CLIENT_ID) problem('OKTA_CLIENT_ID', "required with a private key: the service app's client id");
  if (env.OKTA_PRIVATE_KEY && env.OKTA_PRIVATE_KEY_FILE)
    problem(
      'OKTA_PRIVATE_KEY',
      'set either OKTA_PRIVATE_KEY (the key) or OKTA_PRIVATE_KEY_FILE (a path to it), not both',
    );
  else if (!env.OKTA_PRIVATE_KEY && !env.OKTA_PRIVATE_KEY_FILE)
    problem(
      'OKTA_PRIVATE_KEY',
      "required with OKTA_CLIENT_ID: the service app's private key (or OKTA_PRIVATE_KEY_FILE, a path to it)",
    );

  const scopes = (env.OKTA_SCOPES ?? DEFAULT_OKTA_SCOPES.join(' ')).split(/\s+/).filter(Boolean);
  const odd = scopes.filter((scope) => !SCOPE_SHAPE.test(scope));
  if (scopes.length === 0)
    problem('OKTA_SCOPES', `space-separated Okta API scopes (default: ${DEFAULT_OKTA_SCOPES.join(' ')})`);
  if (odd.length > 0)
    problem(
      'OKTA_SCOPES',
      `not an Okta API scope: ${odd.map((scope) => JSON.stringify(scope.slice(0, 60))).join(', ')} (they look like okta.users.manage)`,
    );

  const text = keyText(env, problem);
  if (text === undefined) return { problems };
  const key = parsePrivateKey(text);
  const variable = env.OKTA_PRIVATE_KEY ? 'OKTA_PRIVATE_KEY' : 'OKTA_PRIVATE_KEY_FILE';
  if (!key.ok) {
    problem(variable, key.problem);
    return { problems };
  }
  if (env.OKTA_KEY_ID && key.kid && env.OKTA_KEY_ID !== key.kid)
    problem('OKTA_KEY_ID', "differs from the JWK's own kid: leave it unset or make them agree");
  const keyId = env.OKTA_KEY_ID || key.kid;
  if (!keyId)
    problem(
      'OKTA_KEY_ID',
      "required: the kid of the key in the service app's JWKS (Admin Console: Applications → the app → General → Public keys)",
    );
  if (problems.length > 0 || !env.OKTA_CLIENT_ID || !keyId) return { problems };
  return {
    credentials: {
      kind: 'oauth',
      clientId: env.OKTA_CLIENT_ID,
      privateKey: key.key,
      keyId,
      alg: key.alg,
      scopes: [...new Set(scopes)],
    },
    problems,
  };
}

/** The key's text, from OKTA_PRIVATE_KEY or the file OKTA_PRIVATE_KEY_FILE names; undefined after a problem. */
function keyText(
  env: OktaCredentialEnv,
  problem: (variable: OktaCredentialVariable, message: string) => void,
): string | undefined {
  if (env.OKTA_PRIVATE_KEY && env.OKTA_PRIVATE_KEY_FILE) return undefined;
  if (env.OKTA_PRIVATE_KEY) return env.OKTA_PRIVATE_KEY;
  if (!env.OKTA_PRIVATE_KEY_FILE) return undefined;
  try {
    return readFileSync(env.OKTA_PRIVATE_KEY_FILE, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    problem('OKTA_PRIVATE_KEY_FILE', `cannot read ${env.OKTA_PRIVATE_KEY_FILE}${code ? ` (${code})` : ''}`);
    return undefined;
  }
}
