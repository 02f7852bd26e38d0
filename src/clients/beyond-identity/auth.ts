/**
 * Bearer tokens for the Management API: a static API token, or client credentials against the
 * Management API application's token endpoint, cached until shortly before expiry and refreshed
 * once when the API answers 401/403 (an expired token may come back as either, docs/contracts/beyond-identity.md §2.4).
 */
import {
  JsonClient,
  type Authorization,
  type ClientLogger,
  type HttpTimeouts,
  type RequestTarget,
  type RetryOptions,
} from '../http/json-client';
import type { HttpObserver } from '../http/observer';
import { registerSecret } from '../http/secrets';
import { accessTokenResponseSchema, parseBeyondIdentityError } from './schemas';
import type { BeyondIdentityCredentials } from './config';

/** A token is renewed this long before it expires, or after nine tenths of its life if that is sooner
 *  (a token that lives less than the margin would otherwise never be reused). */
const EXPIRY_MARGIN_MS = 60_000;

export function beyondIdentityAuthorization(
  credentials: BeyondIdentityCredentials,
  options: {
    timeouts?: Partial<HttpTimeouts>;
    retry?: Partial<RetryOptions>;
    logger?: ClientLogger;
    observer?: HttpObserver;
  } = {},
): Authorization & { close(): Promise<void> } {
  if (credentials.kind === 'api-token') {
    registerSecret(credentials.token);
    const headers = { authorization: `Bearer ${credentials.token}` };
    return { headers: async () => headers, close: async () => undefined };
  }
  return new ClientCredentialsAuthorization(credentials, options);
}

class ClientCredentialsAuthorization implements Authorization {
  private readonly client: JsonClient;
  private readonly tokenPath: string;
  private current: { token: string; renewAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly credentials: Extract<BeyondIdentityCredentials, { kind: 'client-credentials' }>,
    options: {
      timeouts?: Partial<HttpTimeouts>;
      retry?: Partial<RetryOptions>;
      logger?: ClientLogger;
      observer?: HttpObserver;
    },
  ) {
    registerSecret(credentials.clientSecret);
    const url = new URL(credentials.tokenUrl);
    this.tokenPath = `${url.pathname}${url.search}`;
    this.client = new JsonClient({
      service: 'beyond-identity',
      baseUrl: url.origin,
      parseError: parseBeyondIdentityError,
      timeouts: options.timeouts,
      retry: options.retry,
      logger: options.logger,
      observer: options.observer,
      connections: 2,
      authorization: {
        headers: async () => ({
          authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
        }),
      },
    });
  }

  async headers(_target: RequestTarget, signal?: AbortSignal): Promise<Record<string, string>> {
    if (this.current && Date.now() < this.current.renewAtMs) return { authorization: `Bearer ${this.current.token}` };
    return { authorization: `Bearer ${await this.fetchToken(signal)}` };
  }

  async refresh(refused?: string): Promise<boolean> {
    // Another call already replaced the refused token: retry with the new one.
    if (refused !== undefined && this.current && refused !== `Bearer ${this.current.token}`) return true;
    this.current = undefined;
    await this.fetchToken(); // joins a fetch already under way
    return true;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** One request at a time: concurrent callers share the answer. */
  private fetchToken(signal?: AbortSignal): Promise<string> {
    this.pending ??= (async () => {
      try {
        const { data } = await this.client.request({
          operation: 'get an access token (client credentials)',
          method: 'POST',
          path: this.tokenPath,
          form: { grant_type: 'client_credentials' },
          schema: accessTokenResponseSchema,
          // Asking for a token twice is harmless.
          idempotent: true,
          signal,
        });
        registerSecret(data.access_token);
        const lifetimeMs = (data.expires_in ?? 3600) * 1000;
        this.current = {
          token: data.access_token,
          renewAtMs: Date.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 10),
        };
        return data.access_token;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
