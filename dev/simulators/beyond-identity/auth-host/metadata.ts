/** Per-application OIDC discovery and JWKS (docs/contracts/beyond-identity.md §1.2). The discovery fields are the standard ones (its contents are undocumented). */
import type { FastifyInstance } from 'fastify';
import { applicationUrl, type Params, type SimContext } from '../context';
import { APPLICATION_BASE, resolveApplication } from './application';

export function registerMetadataRoutes(app: FastifyInstance, context: SimContext): void {
  app.get(`${APPLICATION_BASE}/.well-known/openid-configuration`, async (request) => {
    const application = resolveApplication(context, request.params as Params);
    const issuer = applicationUrl(context, application);
    const config = application.protocol_config;
    return {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: config.grant_type,
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', ...config.allowed_scopes],
      token_endpoint_auth_methods_supported:
        config.confidentiality === 'confidential' ? ['client_secret_basic', 'client_secret_post'] : ['none'],
      code_challenge_methods_supported: ['S256', 'plain'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp'],
    };
  });

  app.get(`${APPLICATION_BASE}/.well-known/jwks.json`, async (request) => {
    resolveApplication(context, request.params as Params);
    return context.store.signingKey.jwks();
  });
}
