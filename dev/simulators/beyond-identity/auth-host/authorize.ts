/**
 * `/authorize` (authorization code). Until the client and redirect URI are proven, errors are a
 * 400 page and never a redirect (RFC 6749 §4.1.2.1); after that they go back to the client as
 * `error` + `error_description`.
 *
 * Test affordance: there is no passkey ceremony, so the standard `login_hint` parameter says who
 * signs in (username or primary email of an identity in the app's realm). It never bypasses the
 * check that this identity has an ACTIVE credential.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Params, SimContext } from '../context';
import { BiError } from '../flavour';
import { escapeHtml, htmlPage } from '../html';
import type { Application, Identity } from '../model';
import { isObject } from '../validation';
import { APPLICATION_BASE, resolveApplication } from './application';
import type { AuthorizationCodes } from './authorization-codes';

type AuthorizeParams = Record<string, unknown>;

function text(params: AuthorizeParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function errorPage(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(htmlPage(title, `<p>${escapeHtml(message)}</p>`));
}

function redirectTo(
  reply: FastifyReply,
  redirectUri: string,
  values: Record<string, string | undefined>,
): FastifyReply {
  const location = new URL(redirectUri);
  for (const [name, value] of Object.entries(values)) if (value !== undefined) location.searchParams.set(name, value);
  return reply.code(302).header('location', location.toString()).header('cache-control', 'no-store').send();
}

/** Why this identity may not sign in to this application, or undefined when it may. */
function refusal(context: SimContext, application: Application, identity: Identity): string | undefined {
  const who = `identity '${identity.traits.username}' (${identity.id})`;
  if (identity.status !== 'active') return `${who} is suspended`;
  if (context.store.activeCredentials(identity.id).length === 0) {
    return `${who} has no active passkey (no ACTIVE credential) in realm ${application.realm_id}; bind one with a credential binding job first`;
  }
  const subjectField = application.protocol_config.token_configuration.subject_field;
  if (subjectField === 'email' && !identity.traits.primary_email_address) {
    return `${who} has no primary email address, which this application uses as the token subject`;
  }
  return undefined;
}

export function registerAuthorizeRoutes(app: FastifyInstance, context: SimContext, codes: AuthorizationCodes): void {
  const { store, settings } = context;

  async function authorize(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const params: AuthorizeParams =
      request.method === 'POST' && isObject(request.body) ? request.body : (request.query as AuthorizeParams);
    let application: Application;
    try {
      application = resolveApplication(context, request.params as Params);
    } catch (error) {
      if (error instanceof BiError) return errorPage(reply, error.status, 'Application not found', error.message);
      throw error;
    }
    const config = application.protocol_config;
    const clientId = text(params, 'client_id');
    if (clientId !== config.client_id)
      return errorPage(reply, 400, 'Sign-in error', 'client_id is missing or does not belong to this application.');
    const redirectUri = text(params, 'redirect_uri');
    if (redirectUri === undefined || !config.redirect_uris.includes(redirectUri)) {
      return errorPage(
        reply,
        400,
        'Sign-in error',
        'redirect_uri is missing or is not one of the redirect URIs registered for this application.',
      );
    }

    const state = text(params, 'state');
    const fail = (error: string, description: string) =>
      redirectTo(reply, redirectUri, { error, error_description: description, state });
    if (text(params, 'response_type') !== 'code')
      return fail('unsupported_response_type', 'only response_type=code is supported');
    if (!config.grant_type.includes('authorization_code'))
      return fail('unauthorized_client', 'this application does not allow the authorization_code grant');
    const scopes = (text(params, 'scope') ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('openid')) return fail('invalid_scope', 'the scope must include openid');
    const unknownScope = scopes.find((scope) => scope !== 'openid' && !config.allowed_scopes.includes(scope));
    if (unknownScope !== undefined)
      return fail('invalid_scope', `scope '${unknownScope}' is not allowed for this application`);

    const codeChallenge = text(params, 'code_challenge');
    const method = text(params, 'code_challenge_method') ?? 'plain';
    if (config.pkce !== 'disabled' && codeChallenge === undefined)
      return fail('invalid_request', 'this application requires PKCE: code_challenge is missing');
    if (method !== 'plain' && method !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256 or plain');
    if (config.pkce === 's256' && method !== 'S256')
      return fail('invalid_request', 'this application requires code_challenge_method=S256');

    const hint = text(params, 'login_hint');
    if (hint === undefined) {
      return fail(
        'login_required',
        `the Beyond Identity simulator has no passkey ceremony: pass login_hint=<username or primary email> of an identity in realm ${application.realm_id} to say who signs in (test affordance; the identity still needs an ACTIVE credential)`,
      );
    }
    const identity = store.findIdentityByLoginHint(application.realm_id, hint);
    if (!identity)
      return fail(
        'access_denied',
        `no identity in realm ${application.realm_id} has the username or primary email '${hint}'`,
      );
    const refused = refusal(context, application, identity);
    if (refused !== undefined) return fail('access_denied', refused);

    const now = store.nowMs();
    const code = codes.issue({
      applicationId: application.id,
      clientId: config.client_id,
      redirectUri,
      identityId: identity.id,
      scope: scopes.join(' '),
      nonce: text(params, 'nonce'),
      codeChallenge,
      codeChallengeMethod: codeChallenge === undefined ? undefined : method,
      authTime: now,
      expiresAt: now + settings.authorizationCodeTtlSeconds * 1000,
    });
    return redirectTo(reply, redirectUri, { code, state });
  }

  app.get(`${APPLICATION_BASE}/authorize`, authorize);
  app.post(`${APPLICATION_BASE}/authorize`, authorize);
}
