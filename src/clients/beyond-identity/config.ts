/** Where Beyond Identity lives and how we authenticate to it. */
import type { ClientLogger, HttpTimeouts, RetryOptions } from '../http/json-client';
import type { HttpObserver } from '../http/observer';

/** The management API and the auth (OAuth/OIDC) host differ per region (docs/contracts/beyond-identity.md §1.1). */
export const BEYOND_IDENTITY_REGIONS = {
  us: { managementUrl: 'https://api-us.beyondidentity.com', authUrl: 'https://auth-us.beyondidentity.com' },
  eu: { managementUrl: 'https://api-eu.beyondidentity.com', authUrl: 'https://auth-eu.beyondidentity.com' },
  'us-fedramp': {
    managementUrl: 'https://api.us1.beyondidentity-gov.com',
    authUrl: 'https://auth.us1.beyondidentity-gov.com',
  },
} as const;
export type BeyondIdentityRegion = keyof typeof BEYOND_IDENTITY_REGIONS;

export type BeyondIdentityCredentials =
  | { kind: 'api-token'; token: string }
  | {
      kind: 'client-credentials';
      clientId: string;
      clientSecret: string;
      /** The Management API application's token endpoint on the auth host:
       *  {auth}/v1/tenants/{t}/realms/{admin realm}/applications/{management app}/token */
      tokenUrl: string;
    };

export interface BeyondIdentityClientConfig {
  managementUrl: string;
  authUrl: string;
  tenantId: string;
  credentials: BeyondIdentityCredentials;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryOptions>;
  logger?: ClientLogger;
  /** Told of every request (metrics). */
  observer?: HttpObserver;
}
