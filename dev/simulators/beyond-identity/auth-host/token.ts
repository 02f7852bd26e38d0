/**
 * `/token`: the authorization-code exchange (client_secret_post or client_secret_basic; public
 * clients with PKCE) and client credentials (how a Management API token is minted). Errors are
 * RFC 6749 §5.2 bodies, `{error, error_description}`, 401 for a failed client authentication
 * (docs/contracts/beyond-identity.md §6 leaves the shape open; bi-mcp's parser reads these fields).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applicationUrl, type Params, type SimContext } from '../context';
import { newOpaqueToken, sameSecret } from '../ids';
import type { Application, Identity } from '../model';
import { MANAGEMENT_AUDIENCE } from '../scopes';
import { isObject } from '../validation';
import { APPLICATION_BASE, resolveApplication } from './application';
import type { AuthorizationCodes, CodeGrant } from './authorization-codes';

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);
const invalidGrant = (description: string) => new OAuthError(400, 'invalid_grant', description);

function field(form: Record<string, unknown>, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function basicCredentials(header: string | undefined): { clientId: string; secret: string } | undefined {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw invalidRequest('malformed Basic authorization header');
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  const unescape = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return part;
    }
  };
  return { clientId: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
}

/** Authenticates the client as the application at this URL; a mismatch never says which part was wrong. */
function authenticateClient(request: FastifyRequest, form: Record<string, unknown>, application: Application): void {
  const basic = basicCredentials(request.headers.authorization);
  const postedSecret = field(form, 'client_secret');
  if (basic && postedSecret !== undefined)
    throw invalidRequest('use one client authentication method, not both Basic and client_secret');
  const clientId = basic?.clientId ?? field(form, 'client_id');
  const secret = basic?.secret ?? postedSecret;
  const challenge = basic ? { 'www-authenticate': 'Basic realm="beyond-identity"' } : undefined;
  const failed = () => new OAuthError(401, 'invalid_client', 'client authentication failed', challenge);
  const config = application.protocol_config;
  if (clientId === undefined || clientId !== config.client_id) throw failed();
  if (config.confidentiality === 'confidential') {
    if (secret === undefined || config.client_secret === undefined || !sameSecret(config.client_secret, secret))
      throw failed();
  } else if (secret !== undefined) {
    throw failed(); // public clients have no secret
  }
}

function subjectOf(application: Application, identity: Identity): string {
  switch (application.protocol_config.token_configuration.subject_field) {
    case 'email':
      return identity.traits.primary_email_address ?? identity.id;
    case 'username':
      return identity.traits.username;
    case 'id':
      return identity.id;
  }
}

function checkPkce(grant: CodeGrant, verifier: string | undefined): void {
  if (grant.codeChallenge === undefined) return;
  if (verifier === undefined) throw invalidGrant('code_verifier is missing');
  const computed =
    grant.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  if (computed !== grant.codeChallenge) throw invalidGrant('code_verifier does not match the code_challenge');
}

export function registerTokenRoute(app: FastifyInstance, context: SimContext, codes: AuthorizationCodes): void {
  const { store } = context;

  /** Access tokens carry the claims BI documents (`bi_t`, `bi_r`, `bi_p`, `scope`); the management API accepts those for its resource server. */
  function signAccessToken(application: Application, subject: string, scope: string, lifetime: number): string {
    const clientId = application.protocol_config.client_id;
    const now = Math.floor(store.nowMs() / 1000);
    return store.signingKey.sign({
      iss: applicationUrl(context, application),
      sub: subject,
      aud: application.resource_server_id ? [MANAGEMENT_AUDIENCE] : [clientId],
      azp: clientId,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      jti: newOpaqueToken(16),
      scope,
      bi_t: application.tenant_id,
      // The documented management token shows "*": valid in every realm of the tenant.
      bi_r: application.resource_server_id === store.managementResourceServerId ? '*' : application.realm_id,
      bi_p: `tenants/${application.tenant_id}/realms/${application.realm_id}/applications/${application.id}`,
    });
  }

  function exchangeCode(form: Record<string, unknown>, application: Application): Record<string, unknown> {
    const code = field(form, 'code');
    if (code === undefined) throw invalidRequest('code is missing');
    const grant = codes.redeem(code, store.nowMs());
    if (!grant || grant.applicationId !== application.id || grant.clientId !== application.protocol_config.client_id) {
      throw invalidGrant('the authorization code is invalid, expired, already used or was issued to another client');
    }
    if (field(form, 'redirect_uri') !== grant.redirectUri)
      throw invalidGrant('redirect_uri does not match the one used at /authorize');
    checkPkce(grant, field(form, 'code_verifier'));
    const identity = store.identities.get(grant.identityId);
    if (!identity) throw invalidGrant('the identity no longer exists');
    // Suspension ends a person's sessions at once (BI's session-behavior doc), so a code issued just before is void.
    if (identity.status === 'suspended') throw invalidGrant('the identity is suspended');

    const issuer = applicationUrl(context, application);
    const config = application.protocol_config;
    const now = Math.floor(store.nowMs() / 1000);
    const lifetime = config.token_configuration.expires_after;
    const subject = subjectOf(application, identity);
    const idToken = store.signingKey.sign({
      iss: issuer,
      sub: subject,
      aud: config.client_id,
      azp: config.client_id,
      iat: now,
      exp: now + lifetime,
      auth_time: Math.floor(grant.authTime / 1000),
      jti: newOpaqueToken(16),
      ...(grant.nonce !== undefined && { nonce: grant.nonce }),
    });
    const accessToken = signAccessToken(application, subject, grant.scope, lifetime);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: lifetime,
      id_token: idToken,
      scope: grant.scope,
    };
  }

  function clientCredentials(form: Record<string, unknown>, application: Application): Record<string, unknown> {
    const config = application.protocol_config;
    const requested = (field(form, 'scope') ?? '').split(' ').filter(Boolean);
    const unknownScope = requested.find((scope) => !config.allowed_scopes.includes(scope));
    if (unknownScope !== undefined)
      throw new OAuthError(400, 'invalid_scope', `scope '${unknownScope}' is not allowed for this application`);
    const scopes = requested.length > 0 ? requested : config.allowed_scopes;
    // `expiration_time` may only lower the configured lifetime (docs/api-tokens/expiration-time.md).
    const asked = field(form, 'expiration_time');
    if (asked !== undefined && !/^\d{1,10}$/.test(asked))
      throw invalidRequest('expiration_time must be a whole number of seconds');
    const configured = config.token_configuration.expires_after;
    const lifetime = asked === undefined || Number(asked) === 0 ? configured : Math.min(Number(asked), configured);
    const accessToken = signAccessToken(application, application.id, scopes.join(' '), lifetime);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, scope: scopes.join(' ') };
  }

  app.post(`${APPLICATION_BASE}/token`, async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    try {
      const application = resolveApplication(context, request.params as Params);
      const form = isObject(request.body) ? request.body : {};
      authenticateClient(request, form, application);
      const grantType = field(form, 'grant_type');
      if (grantType === undefined) throw invalidRequest('grant_type is missing');
      if (grantType !== 'authorization_code' && grantType !== 'client_credentials') {
        throw new OAuthError(400, 'unsupported_grant_type', `grant_type '${grantType}' is not supported`);
      }
      if (!application.protocol_config.grant_type.includes(grantType)) {
        throw new OAuthError(400, 'unauthorized_client', `this application does not allow the ${grantType} grant`);
      }
      return grantType === 'authorization_code'
        ? exchangeCode(form, application)
        : clientCredentials(form, application);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return reply
        .code(error.status)
        .headers(error.headers)
        .send({ error: error.error, error_description: error.message });
    }
  });
}
