/**
 * The `WWW-Authenticate` header of OAuth refusals on resource calls, in the form the contract
 * quotes from real orgs (§8.4, §10): `Bearer …` for Bearer tokens, `DPoP algs="…", …` for DPoP
 * tokens, then authorization_uri, realm, scope, error, error_description, resource.
 */
import type { TokenScheme } from './principal';
import { SIGNING_ALGS } from './jwk';

export interface ChallengeParams {
  /** The one scope the endpoint needs, when the request maps to an endpoint family. */
  scope?: string;
  error: 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';
  description: string;
  /** The request path, as received. */
  resource: string;
}

export function wwwAuthenticate(scheme: TokenScheme, orgUrl: string, params: ChallengeParams): string {
  const parts = [
    `authorization_uri="${orgUrl}/oauth2/v1/authorize"`,
    `realm="${orgUrl}"`,
    ...(params.scope === undefined ? [] : [`scope="${params.scope}"`]),
    `error="${params.error}"`,
    `error_description="${params.description.replace(/"/g, "'")}"`,
    `resource="${params.resource}"`,
  ];
  return scheme === 'DPoP'
    ? `DPoP algs="${SIGNING_ALGS.join(' ')}", ${parts.join(', ')}`
    : `Bearer ${parts.join(', ')}`;
}
