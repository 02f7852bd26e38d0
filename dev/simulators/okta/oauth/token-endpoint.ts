/**
 * `POST /oauth2/v1/token` of the org authorization server (docs/contracts/okta.md §8.1–8.4): the client
 * credentials grant for service apps, authenticated by a `private_key_jwt` assertion. Apps with
 * `dpop_bound_access_tokens` must send a DPoP proof carrying the current nonce (first 400
 * use_dpop_nonce with a `dpop-nonce` header) and get a DPoP token bound to the proof key; other
 * apps get a Bearer token and any DPoP header is ignored (the Node SDK always sends one). The
 * token carries the requested scopes the app is granted; the others are dropped silently.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OktaContext } from '../context';
import { verifyClientAssertion } from './client-assertion';
import { ProofRejected, verifyDpopProof } from './dpop-proof';
import { grantedScopes } from './grants';
import type { TokenScheme } from './principal';
import type { AppRecord } from './records';
import { TOKEN_PATH, type OAuthRuntime } from './runtime';
import { KNOWN_OKTA_SCOPES } from './scopes';
import { invalidClient, invalidRequest, invalidScope, TokenRefusal } from './token-refusal';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface IssuedToken {
  token_type: TokenScheme;
  expires_in: number;
  access_token: string;
  scope: string;
}

function formOf(request: FastifyRequest): Record<string, string> {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw invalidRequest('The request must be form-encoded (Content-Type: application/x-www-form-urlencoded).');
  return (request.body ?? {}) as Record<string, string>;
}

/** The client the request authenticates (docs/contracts/okta.md §8.1: only a client assertion; no secret beside it). */
async function authenticateClient(
  request: FastifyRequest,
  form: Record<string, string>,
  context: OktaContext,
  oauth: OAuthRuntime,
): Promise<AppRecord> {
  const hasAssertion = form.client_assertion !== undefined || form.client_assertion_type !== undefined;
  if (hasAssertion && (form.client_secret !== undefined || /^basic\s/i.test(request.headers.authorization ?? ''))) {
    throw invalidRequest(
      "Can't supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
    );
  }
  if (!hasAssertion) throw invalidClient('No client credentials found.');
  if (form.client_assertion_type !== JWT_BEARER) throw invalidRequest('The client_assertion_type is invalid.');
  if (!form.client_assertion) throw invalidClient('No client credentials found.');
  const app = await verifyClientAssertion(
    form.client_assertion,
    context.store.state.apps,
    `${context.orgUrl()}${TOKEN_PATH}`,
    oauth.assertionJtis,
    Date.now(),
  );
  if (form.client_id !== undefined && form.client_id !== app.clientId)
    throw invalidClient('Invalid value for the client_id parameter.');
  return app;
}

/** For a DPoP app: the thumbprint of the proof key the token will be bound to. */
async function checkDpop(request: FastifyRequest, context: OktaContext, oauth: OAuthRuntime): Promise<string> {
  const header = request.headers.dpop;
  if (header === undefined)
    throw new TokenRefusal(
      400,
      'invalid_dpop_proof',
      'The DPoP proof JWT header is missing.',
      'token.invalid_dpop_proof',
    );
  if (Array.isArray(header))
    throw new TokenRefusal(
      400,
      'invalid_dpop_proof',
      'Only one DPoP proof JWT header is allowed.',
      'token.invalid_dpop_proof',
    );
  try {
    const proof = await verifyDpopProof(
      header,
      { htm: 'POST', htu: `${context.orgUrl()}${TOKEN_PATH}` },
      oauth.proofJtis,
      Date.now(),
    );
    if (!oauth.nonces.accepts(proof.nonce)) {
      throw new TokenRefusal(400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof.', undefined, {
        'dpop-nonce': oauth.nonces.value(),
      });
    }
    return proof.jkt;
  } catch (error) {
    if (!(error instanceof ProofRejected)) throw error;
    throw new TokenRefusal(
      400,
      'invalid_dpop_proof',
      error.description,
      error.replayed ? 'token.dpop_proof_replayed' : 'token.invalid_dpop_proof',
    );
  }
}

/** Requested ∩ granted (docs/contracts/okta.md §8.1). Unverified: the answers for no scope left and for names that are no Okta scope. */
function tokenScopes(form: Record<string, string>, granted: string[]): string[] {
  const requested = (form.scope ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) throw invalidScope('No scopes were requested.');
  const unknown = requested.filter((scope) => !KNOWN_OKTA_SCOPES.has(scope));
  if (unknown.length > 0)
    throw invalidScope(
      `One or more scopes are not configured for the authorization server resource: ${unknown.join(' ')}.`,
    );
  const kept = [...new Set(requested.filter((scope) => granted.includes(scope)))];
  if (kept.length === 0) throw invalidScope('None of the requested scopes is granted to the client.');
  return kept;
}

async function issue(request: FastifyRequest, context: OktaContext, oauth: OAuthRuntime): Promise<IssuedToken> {
  const form = formOf(request);
  if (!form.grant_type) throw invalidRequest('The grant_type parameter is required.');
  if (form.grant_type !== 'client_credentials')
    throw new TokenRefusal(
      400,
      'unsupported_grant_type',
      "The grant type in the request isn't supported.",
      'token.unsupported_grant_type',
    );
  const app = await authenticateClient(request, form, context, oauth);
  const jkt = app.dpopBound ? await checkDpop(request, context, oauth) : undefined;
  const scopes = tokenScopes(form, grantedScopes(context, app.id));
  const scheme: TokenScheme = jkt === undefined ? 'Bearer' : 'DPoP';
  const lifetime = oauth.accessTokenLifetimeSeconds;
  const accessToken = oauth.tokens.issue({
    scheme,
    clientId: app.clientId,
    appId: app.id,
    scopes,
    expiresAtMs: Date.now() + lifetime * 1000,
    ...(jkt === undefined ? {} : { jkt }),
  });
  oauth.counters.tokenIssued(scheme);
  return { token_type: scheme, expires_in: lifetime, access_token: accessToken, scope: scopes.join(' ') };
}

export function registerTokenEndpoint(app: FastifyInstance, context: OktaContext, oauth: OAuthRuntime): void {
  app.post(TOKEN_PATH, async (request, reply) => {
    oauth.counters.tokenRequest();
    // Tokens must not be cached by anything in between (RFC 6749 §5.1).
    reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    try {
      return await issue(request, context, oauth);
    } catch (error) {
      if (!(error instanceof TokenRefusal)) throw error;
      if (error.reason) oauth.counters.refused(error.reason);
      else oauth.counters.nonceChallenge();
      return reply
        .code(error.status)
        .headers(error.headers)
        .send({ error: error.error, error_description: error.description });
    }
  });
}
