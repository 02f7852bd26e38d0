/**
 * Who a call to the Management API comes from (docs/contracts/okta.md §0.2, §8.4). API tokens (`SSWS <t>`,
 * or a configured token as `Bearer <t>`) act as a Super Administrator. An access token acts as
 * its client: `Bearer <token>` for Bearer tokens, `DPoP <token>` with a `DPoP` proof (htm =
 * method, htu = org origin + percent-decoded path, ath, single-use jti, the key the token is bound
 * to) for DPoP tokens. What the caller may then do: resource-authorize.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { pathOf, type RenderedError } from '../../shared/server';
import type { OktaContext } from '../context';
import { invalidToken, OktaApiError } from '../errors';
import { ProofRejected, verifyDpopProof } from './dpop-proof';
import type { RefusalReason } from './figures';
import type { Principal, TokenScheme } from './principal';
import type { OAuthRuntime } from './runtime';
import { familyOf, requiredScope } from './scopes';
import { wwwAuthenticate, type ChallengeParams } from './www-authenticate';

export type Authentication = { principal: Principal } | { refusal: RenderedError };

export interface ResourceAuthDeps {
  apiTokens: readonly string[];
  context: OktaContext;
  oauth: OAuthRuntime;
}

function tokenMatches(presented: string, accepted: readonly string[]): boolean {
  const given = Buffer.from(presented);
  return accepted.some((token) => {
    const expected = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

const API_TOKEN: Principal = { kind: 'apiToken' };

export async function authenticate(request: FastifyRequest, deps: ResourceAuthDeps): Promise<Authentication> {
  const match = /^(SSWS|Bearer|DPoP)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1] || !match[2]) return { refusal: invalidToken().render() };
  const scheme = match[1].toLowerCase();
  const presented = match[2];
  if (scheme !== 'dpop' && tokenMatches(presented, deps.apiTokens)) return { principal: API_TOKEN };
  if (scheme === 'ssws') return { refusal: invalidToken().render() };
  return authenticateAccessToken(request, scheme === 'dpop' ? 'DPoP' : 'Bearer', presented, deps);
}

async function authenticateAccessToken(
  request: FastifyRequest,
  presentedAs: TokenScheme,
  value: string,
  deps: ResourceAuthDeps,
): Promise<Authentication> {
  const { context, oauth } = deps;
  const path = pathOf(request);
  const family = familyOf(path);
  const scope = family === undefined ? undefined : requiredScope(family, request.method);
  const challenge = (scheme: TokenScheme, params: Omit<ChallengeParams, 'resource' | 'scope'>) =>
    wwwAuthenticate(scheme, context.orgUrl(), { ...params, scope, resource: path });
  const refuse = (reason: RefusalReason, rendered: RenderedError): Authentication => {
    oauth.counters.refused(reason);
    return { refusal: rendered };
  };
  // Unverified: Okta's answer to an expired token; 401 E0000011 with an invalid_token challenge here.
  const invalid = (reason: RefusalReason, scheme: TokenScheme, description: string) =>
    refuse(
      reason,
      new OktaApiError(401, 'E0000011', 'Invalid token provided', [], {
        'www-authenticate': challenge(scheme, { error: 'invalid_token', description }),
      }).render(),
    );

  const token = oauth.tokens.find(value);
  const app = token && context.store.state.apps.find((candidate) => candidate.id === token.appId);
  if (!token || !app || app.status !== 'ACTIVE')
    return invalid('resource.invalid_token', presentedAs, 'The access token is invalid.');
  if (token.scheme !== presentedAs) {
    const description =
      token.scheme === 'DPoP'
        ? 'The access token is DPoP-bound: send it as DPoP with a DPoP proof.'
        : 'The access token is not DPoP-bound: send it as Bearer.';
    return invalid('resource.scheme_mismatch', token.scheme, description);
  }
  if (token.scheme === 'DPoP') {
    const proofRefusal = await checkResourceProof(request, value, token.jkt ?? '', deps);
    if (proofRefusal) {
      const rendered: RenderedError = {
        status: 400,
        headers: {
          'www-authenticate': challenge('DPoP', { error: 'invalid_dpop_proof', description: proofRefusal.description }),
        },
        body: undefined,
      };
      return refuse(proofRefusal.replayed ? 'resource.dpop_proof_replayed' : 'resource.invalid_dpop_proof', rendered);
    }
  }
  return {
    principal: {
      kind: 'client',
      clientId: token.clientId,
      appId: token.appId,
      scheme: token.scheme,
      scopes: token.scopes,
    },
  };
}

/** The refusal of the request's DPoP proof, or undefined when it holds. */
async function checkResourceProof(
  request: FastifyRequest,
  token: string,
  jkt: string,
  deps: ResourceAuthDeps,
): Promise<ProofRejected | undefined> {
  const header = request.headers.dpop;
  if (header === undefined) return new ProofRejected('The DPoP proof JWT header is missing.');
  if (Array.isArray(header)) return new ProofRejected('Only one DPoP proof JWT header is allowed.');
  let decodedPath: string;
  try {
    // Shared decision with the client: htu = the org's origin + the percent-decoded path, no query (docs/contracts/okta.md §8.4).
    decodedPath = decodeURIComponent(pathOf(request));
  } catch {
    return new ProofRejected("'htu' claim in the DPoP proof JWT is invalid.");
  }
  const expected = {
    htm: request.method.toUpperCase(),
    htu: `${new URL(deps.context.orgUrl()).origin}${decodedPath}`,
    ath: createHash('sha256').update(token).digest('base64url'),
  };
  try {
    const proof = await verifyDpopProof(header, expected, deps.oauth.proofJtis, Date.now());
    if (proof.jkt !== jkt)
      return new ProofRejected('The DPoP proof JWT key does not match the key the access token is bound to.');
    return undefined;
  } catch (error) {
    if (error instanceof ProofRejected) return error;
    throw error;
  }
}
