/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1): Okta answers a token without a needed scope
 * with a 403 and no body, only `Bearer …, scope="okta.policies.manage", error="insufficient_scope"`
 * (or the `DPoP` scheme), and refuses a bad DPoP proof the same way (docs/contracts/okta.md §8.4, §10).
 */
export interface AuthChallenge {
  /** As sent: `Bearer`, `DPoP`. */
  scheme: string;
  /** Parameter names in lower case; quoted values unquoted. */
  params: Record<string, string>;
}

const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
/** A `name=value` (value quoted or a token), or a bare token, which starts a new challenge. */
const PART = new RegExp(`(${TOKEN})\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|[^\\s,]*)|(${TOKEN})`, 'g');

export function parseWwwAuthenticate(value: string | string[] | undefined): AuthChallenge[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(', ') : value;
  const challenges: AuthChallenge[] = [];
  for (const [, name, raw, scheme] of text.matchAll(PART)) {
    if (scheme !== undefined) {
      challenges.push({ scheme, params: {} });
    } else if (name !== undefined && challenges.length > 0) {
      const unquoted = raw?.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : (raw ?? '');
      challenges[challenges.length - 1]!.params[name.toLowerCase()] = unquoted;
    }
  }
  return challenges;
}

/** The first challenge that names an `error`, with its OAuth fields. */
export function challengeError(
  value: string | string[] | undefined,
): { scheme: string; error: string; description?: string; scope?: string } | undefined {
  const found = parseWwwAuthenticate(value).find((challenge) => challenge.params.error);
  if (!found) return undefined;
  return {
    scheme: found.scheme,
    error: found.params.error!,
    description: found.params.error_description,
    scope: found.params.scope,
  };
}
