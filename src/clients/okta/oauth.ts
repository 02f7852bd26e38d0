/**
 * Access tokens for the Okta Management API from an OAuth 2.0 service app (docs/contracts/okta.md §8): client
 * credentials with a `private_key_jwt` assertion, a DPoP proof with every token request (ignored
 * for an app without DPoP), the `use_dpop_nonce` challenge answered, and a `token_type: DPoP`
 * answer switching every API call to `Authorization: DPoP` with a proof of its own.
 *
 * One token per OktaApi (per process), fetched single-flight, renewed shortly before it expires
 * and once when the API answers 401/403 (a token issued after a scope was granted carries it).
 * Assertions, proofs, tokens and the key never reach a log line or an error message.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { RejectedUpstreamError } from '../http/errors';
import {
  JsonClient,
  type Authorization,
  type ClientLogger,
  type HttpTimeouts,
  type RequestTarget,
  type RetryOptions,
} from '../http/json-client';
import { headerValue } from '../http/headers';
import type { HttpObserver } from '../http/observer';
import { registerSecret } from '../http/secrets';
import { SYNC_OKTA_SCOPES, type OktaCredentials } from './credentials';
import { DpopProver } from './dpop';
import { grantScopeHint, oktaRefusalHint } from './refusal-hints';
import { oktaAccessTokenSchema, parseOktaError } from './schemas';

type OAuthCredentials = Extract<OktaCredentials, { kind: 'oauth' }>;

export interface OktaOAuthOptions {
  orgUrl: string;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryOptions>;
  logger?: ClientLogger;
  observer?: HttpObserver;
}

interface AccessToken {
  token: string;
  type: 'Bearer' | 'DPoP';
  /** The `authorization` header it is sent as (what a refusal reports back). */
  authorization: string;
  renewAtMs: number;
}

const TOKEN_PATH = '/oauth2/v1/token';
const OPERATION = 'get an access token (OAuth client credentials)';
/** Okta accepts an assertion up to an hour ahead; five minutes, as the SDKs. */
const ASSERTION_LIFETIME_S = 300;
/** A token is renewed this long before it expires, or after nine tenths of its life if that is sooner (as Beyond Identity's). */
const EXPIRY_MARGIN_MS = 60_000;
/** `use_dpop_nonce` answers in a row before giving up (one is the normal dance; the SDK's endless loop is not copied). */
const MAX_NONCE_CHALLENGES = 2;

export class OktaOAuthAuthorization implements Authorization {
  private readonly client: JsonClient;
  private readonly tokenUrl: string;
  private readonly dpop = new DpopProver();
  private readonly logger?: ClientLogger;
  private current: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;
  /** The token endpoint's last `dpop-nonce`: valid for days, so renewals need no second request. */
  private nonce: string | undefined;
  private granted: string[] | undefined;
  /** The missing scopes last warned about: every renewal would repeat the same line. */
  private warnedMissing = '';

  constructor(
    private readonly credentials: OAuthCredentials,
    options: OktaOAuthOptions,
  ) {
    registerKeySecrets(credentials);
    this.logger = options.logger;
    const orgUrl = options.orgUrl.replace(/\/+$/, '');
    this.tokenUrl = `${orgUrl}${TOKEN_PATH}`;
    this.client = new JsonClient({
      service: 'okta',
      baseUrl: orgUrl,
      parseError: parseOktaError,
      hint: oktaRefusalHint(credentials),
      requestIdHeader: 'x-okta-request-id',
      timeouts: options.timeouts,
      retry: options.retry,
      logger: options.logger,
      observer: options.observer,
      connections: 2,
      // A new proof for every attempt, retries included: Okta refuses a proof seen before.
      authorization: {
        headers: async ({ method, url }) => ({ dpop: await this.dpop.proof(method, url, { nonce: this.nonce }) }),
      },
    });
  }

  async headers(target: RequestTarget, signal?: AbortSignal): Promise<Record<string, string>> {
    const token = this.current && Date.now() < this.current.renewAtMs ? this.current : await this.fetchToken(signal);
    if (token.type === 'Bearer') return { authorization: token.authorization };
    return {
      authorization: token.authorization,
      dpop: await this.dpop.proof(target.method, target.url, { accessToken: token.token }),
    };
  }

  async refresh(refused?: string): Promise<boolean> {
    // Another call already replaced the refused token: retry with the new one.
    if (refused !== undefined && this.current && refused !== this.current.authorization) return true;
    this.current = undefined;
    await this.fetchToken(); // joins a fetch already under way
    return true;
  }

  /**
   * The scopes Okta granted the current token (fetching one if there is none): what preflight compares
   * with what the service needs. `fresh` fetches a new token first: a token keeps the scopes it was
   * issued with, so a scope granted since (the fix preflight names) shows only in a new one.
   */
  async grantedScopes(signal?: AbortSignal, options: { fresh?: boolean } = {}): Promise<string[] | undefined> {
    if (options.fresh) await this.refresh(this.current?.authorization);
    else if (!this.current || Date.now() >= this.current.renewAtMs) await this.fetchToken(signal);
    return this.granted;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** One request at a time: concurrent callers share the answer. */
  private fetchToken(signal?: AbortSignal): Promise<AccessToken> {
    this.pending ??= this.requestToken(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async requestToken(signal?: AbortSignal): Promise<AccessToken> {
    for (let challenges = 0; ; challenges++) {
      const response = await this.client.request({
        operation: OPERATION,
        method: 'POST',
        path: TOKEN_PATH,
        // A new assertion for every attempt: its jti may be used once.
        form: () => this.tokenForm(),
        schema: oktaAccessTokenSchema,
        // Asking for a token twice is harmless.
        idempotent: true,
        // A 400 may be the DPoP nonce challenge, answered here rather than refused.
        acceptStatuses: [400],
        signal,
      });
      const nonce = headerValue(response.headers, 'dpop-nonce');
      if (nonce) this.nonce = nonce;
      if (response.status === 400) {
        if (response.error?.code === 'use_dpop_nonce' && nonce && challenges < MAX_NONCE_CHALLENGES) continue;
        throw new RejectedUpstreamError({
          service: 'okta',
          operation: OPERATION,
          status: 400,
          upstreamCode: response.error?.code,
          upstreamMessage: response.error?.message,
          requestId: response.requestId,
          hint: oktaRefusalHint(this.credentials)?.({ ...response.error, status: 400 }),
        });
      }
      return this.accept(response.data);
    }
  }

  private accept(data: { token_type: string; access_token: string; expires_in?: number; scope?: string }): AccessToken {
    registerSecret(data.access_token);
    const type = data.token_type.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const lifetimeMs = (data.expires_in ?? 3600) * 1000;
    this.granted = data.scope?.split(/\s+/).filter(Boolean);
    // The sync's scope is checked where a sync is configured (`sync`, preflight): an org without one is not warned.
    const missing = this.granted
      ? this.credentials.scopes.filter(
          (scope) => !this.granted!.includes(scope) && !(SYNC_OKTA_SCOPES as readonly string[]).includes(scope),
        )
      : [];
    if (missing.join(' ') !== this.warnedMissing && missing.length > 0) {
      // Okta drops an ungranted scope silently (§8.1): the calls that need it will get 403 insufficient_scope.
      this.logger?.warn(
        `Okta left out of the access token the scope${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: ${grantScopeHint(this.credentials.clientId, missing)}`,
        {
          service: 'okta',
          missingScopes: missing,
        },
      );
    }
    this.warnedMissing = missing.join(' ');
    this.logger?.debug(`got an Okta access token (${type}, ${Math.round(lifetimeMs / 1000)} s)`, {
      service: 'okta',
      tokenType: type,
      scopes: this.granted,
    });
    this.current = {
      token: data.access_token,
      type,
      authorization: `${type} ${data.access_token}`,
      renewAtMs: Date.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 10),
    };
    return this.current;
  }

  private async tokenForm(): Promise<Record<string, string>> {
    const { clientId, privateKey, keyId, alg, scopes } = this.credentials;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ typ: 'JWT', alg, kid: keyId })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(this.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S)
      .setJti(randomUUID())
      .sign(privateKey);
    return {
      grant_type: 'client_credentials',
      scope: scopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
  }
}

/** The key's private parts, as they would show if it leaked as a JWK or a PEM. */
function registerKeySecrets(credentials: OAuthCredentials): void {
  const jwk = credentials.privateKey.export({ format: 'jwk' });
  for (const part of [jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi]) registerSecret(part);
  const pem = credentials.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  registerSecret(pem.trim());
  for (const line of pem.split('\n')) if (line.length >= 40) registerSecret(line);
}
