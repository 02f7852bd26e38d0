/**
 * `private_key_jwt` client authentication (docs/contracts/okta.md §8.2): the assertion names its client in
 * `iss` = `sub`, is signed with one of that client's ACTIVE keys (the one its `kid` names, or the
 * only one), is addressed to the token endpoint exactly, expires within the hour, was not issued
 * in the future, and its `jti` is used once. Every failure is 401 invalid_client.
 */
import { CLOCK_SKEW_SECONDS, isSigningAlg, readJwt, signatureVerifies } from './jws';
import type { AppRecord, JwkRecord } from './records';
import type { ReplayCache } from './replay';
import { invalidClient } from './token-refusal';

/** Okta: the assertion fails "if the expiration time is more than one hour in the future". */
const MAX_LIFETIME_SECONDS = 3600;

function signingKey(app: AppRecord, kid: unknown): JwkRecord | undefined {
  const active = app.keys.filter((key) => key.status === 'ACTIVE');
  // A missing kid is accepted only when there is no doubt which key it means.
  if (kid === undefined) return active.length === 1 ? active[0] : undefined;
  return active.find((key) => key.kid === kid);
}

/** `aud` must be exactly the token URL: a string, or an array of just that string. */
function audienceIs(aud: unknown, tokenUrl: string): boolean {
  return aud === tokenUrl || (Array.isArray(aud) && aud.length === 1 && aud[0] === tokenUrl);
}

/** The app the assertion authenticates, or a thrown TokenRefusal. */
export async function verifyClientAssertion(
  assertion: string,
  apps: readonly AppRecord[],
  tokenUrl: string,
  replay: ReplayCache,
  nowMs: number,
): Promise<AppRecord> {
  const jwt = readJwt(assertion);
  if (!jwt) throw invalidClient('The client_assertion is not a JWT.');
  const { header, claims } = jwt;
  if (typeof claims.iss !== 'string' || claims.iss !== claims.sub)
    throw invalidClient("The client_assertion's iss and sub claims must both be the client_id.");
  const app = apps.find((candidate) => candidate.clientId === claims.sub);
  if (!app || app.status !== 'ACTIVE') throw invalidClient('Invalid value for the client_id parameter.');
  if (!isSigningAlg(header.alg))
    throw invalidClient(
      'The client_assertion signature algorithm is not supported: use RS256, RS384, RS512, ES256, ES384 or ES512.',
    );
  const key = signingKey(app, header.kid);
  if (!key) throw invalidClient('The client_assertion JWT kid is invalid.');
  if (key.jwk.alg !== undefined && key.jwk.alg !== header.alg)
    throw invalidClient('The client_assertion signature is invalid.');
  if (!(await signatureVerifies(assertion, key.jwk, header.alg)))
    throw invalidClient('The client_assertion signature is invalid.');
  if (!audienceIs(claims.aud, tokenUrl))
    throw invalidClient('The audience claim for client_assertion must be the endpoint invoked for the request.');
  const now = nowMs / 1000;
  if (typeof claims.exp !== 'number') throw invalidClient('The client_assertion token has no exp claim.');
  if (claims.exp <= now) throw invalidClient('The client_assertion token is expired.');
  if (claims.exp > now + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS)
    throw invalidClient('The client_assertion token has an expiration too far in the future.');
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > now + CLOCK_SKEW_SECONDS))
    throw invalidClient('The client_assertion token was issued in the future.');
  if (claims.jti !== undefined) {
    if (typeof claims.jti !== 'string' || claims.jti === '')
      throw invalidClient('The client_assertion jti claim is invalid.');
    // Kept until the assertion expires: after that it is refused for its exp anyway.
    if (!replay.use(`${app.clientId}:${claims.jti}`, claims.exp * 1000))
      throw invalidClient('The client_assertion token has already been used.', 'token.assertion_replayed');
  }
  return app;
}
