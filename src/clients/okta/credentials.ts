/**
 * How the worker authenticates to Okta: an API token (SSWS, the admin's own permissions) or an
 * OAuth 2.0 service app (client credentials with a `private_key_jwt` assertion, docs/contracts/okta.md §8),
 * whose access tokens carry only the scopes granted to it and whose admin role bounds the objects.
 */
import type { KeyObject } from 'node:crypto';

export type OktaSigningAlg = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';

export type OktaCredentials =
  | { kind: 'api-token'; token: string }
  | {
      kind: 'oauth';
      clientId: string;
      /** The service app's private key (RSA or EC); its public half is in the app's JWKS. */
      privateKey: KeyObject;
      /** The `kid` of that public key in the app's JWKS. */
      keyId: string;
      /** What the client assertion is signed with. */
      alg: OktaSigningAlg;
      /** Requested at every token request. */
      scopes: string[];
    };

export type OktaCredentialKind = OktaCredentials['kind'];

/**
 * The least set of scopes the service needs (docs/contracts/okta.md §10): users created and updated, groups
 * only read (`--okta-group`), the routing property added to the profile schema, the IdP made,
 * and the IdP-discovery rule made.
 */
export const REQUIRED_OKTA_SCOPES = [
  'okta.users.manage',
  'okta.groups.read',
  'okta.schemas.manage',
  'okta.idps.manage',
  'okta.policies.manage',
] as const;

/**
 * What an Okta group sync needs besides (docs/sync.md): the System Log, its fast path. Requested by
 * default and granted by `okta-service-app`, but only required where a sync is configured: the
 * `sync` command and `preflight` check it then (Okta leaves an ungranted scope out of the token).
 */
export const SYNC_OKTA_SCOPES = ['okta.logs.read'] as const;

/** What the worker requests (OKTA_SCOPES' default) and `okta-service-app` grants. */
export const DEFAULT_OKTA_SCOPES = [...REQUIRED_OKTA_SCOPES, ...SYNC_OKTA_SCOPES] as const;

/** What a granted scope allows: `manage` includes `read` (docs: "manage scopes can do everything that the read scopes do"). */
export function scopeCovers(granted: string, wanted: string): boolean {
  return granted === wanted || (wanted.endsWith('.read') && granted === `${wanted.slice(0, -'.read'.length)}.manage`);
}

/** The scopes of `wanted` that no scope of `granted` covers, in `wanted`'s order. */
export function missingScopes(wanted: readonly string[], granted: readonly string[]): string[] {
  return wanted.filter((scope) => !granted.some((have) => scopeCovers(have, scope)));
}

/** In words, for the startup line and messages: never a value. */
export function describeCredentialKind(kind: OktaCredentialKind): string {
  return kind === 'api-token' ? 'an API token (SSWS)' : 'an OAuth 2.0 service app (private_key_jwt)';
}
