/**
 * A JSON-over-HTTP client for one upstream host, on an undici pool (keep-alive, connect, headers
 * and body timeouts). Every response is parsed by a zod schema; every failure becomes one of the
 * classes in errors.ts; transient failures are retried with backoff (cockatiel), honouring the
 * wait a 429 asks for; a shared pacer keeps us under the upstream's rate limits.
 *
 * Creates (POST, PATCH) are not retried blindly on an ambiguous failure, since the request may
 * have taken effect: the ensure-operations above look the object up again instead. A 429 is the
 * exception: it says the request was not processed.
 */
import { DelegateBackoff, handleWhen, retry } from 'cockatiel';
import { Pool, type Dispatcher } from 'undici';
import type { z } from 'zod';
import {
  MalformedUpstreamResponseError,
  RejectedUpstreamError,
  TransientUpstreamError,
  type UpstreamErrorDetails,
  type UpstreamService,
} from './errors';
import { NO_HTTP_OBSERVER, type HttpObserver, type RequestOutcome } from './observer';
import { CONCURRENCY_BACKOFF_MS, type RateLimitObservation, type RateLimitPacer } from './rate-limit-pacer';
import { headerValue, type ResponseHeaders } from './headers';
import { retryAfterMs } from './retry-after';
import { redactSecrets } from './secrets';
import { errorMessage } from '../../util/errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}
const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 5_000, headersMs: 30_000, bodyMs: 30_000 };

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A 429 asking for a longer wait than this is handed up (to Temporal's retry) instead of waited out here. */
  maxRetryAfterMs: number;
}
const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 65_000 };

/** The request an attempt sends: a DPoP proof is bound to its method and URL. */
export interface RequestTarget {
  method: HttpMethod;
  /** Absolute, with the query. */
  url: string;
}

/**
 * Supplies the credential headers (`authorization`, and e.g. `dpop`) of every attempt: asked again
 * for each retry, since a proof may be used once. `refresh` (when present) is tried once after a
 * 401/403, with the `authorization` header that was refused, so that concurrent refusals of one
 * token renew it only once.
 */
export interface Authorization {
  headers(target: RequestTarget, signal?: AbortSignal): Promise<Record<string, string>>;
  refresh?(refused?: string): Promise<boolean>;
}

/** What an upstream said about a failure, from its body and headers. */
export interface UpstreamErrorParts {
  code?: string;
  message?: string;
  /** The OAuth scope a 403 `insufficient_scope` names (RFC 6750 `WWW-Authenticate`). */
  scope?: string;
}

export interface ClientLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}
const silentLogger: ClientLogger = { debug: () => undefined, warn: () => undefined };

export interface Pacing {
  pacer: RateLimitPacer;
  bucketOf(method: HttpMethod, path: string): string;
  observe(status: number, headers: ResponseHeaders, receivedAtMs: number): RateLimitObservation | undefined;
}

export interface JsonClientOptions {
  service: UpstreamService;
  baseUrl: string;
  authorization?: Authorization;
  /** Reads the upstream's error code and message out of an error body (or, when it has none, its headers). */
  parseError(body: unknown, headers: ResponseHeaders): UpstreamErrorParts;
  /** What the operator should do about a refusal, when the client knows better than the generic text (which credentials, which scope). */
  hint?(refusal: UpstreamErrorParts & { status: number }): string | undefined;
  requestIdHeader?: string;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryOptions>;
  pacing?: Pacing;
  connections?: number;
  logger?: ClientLogger;
  /** Told how every attempt ended (metrics). */
  observer?: HttpObserver;
}

export interface JsonRequest<T> {
  /** In words, for messages: "create identity". */
  operation: string;
  method: HttpMethod;
  /** Path (already encoded) under the base URL, or an absolute URL on the same origin (Link headers). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** A form body; a function builds it again for every attempt (a client assertion may be used once). */
  form?: Record<string, string> | (() => Promise<Record<string, string>>);
  headers?: Record<string, string>;
  /** Schema of a successful body; omit when the body is empty (204, or 200 with nothing). */
  schema?: z.ZodType<T>;
  /** Safe to repeat after an ambiguous failure. Default: GET, PUT and DELETE. */
  idempotent?: boolean;
  /** Statuses that are an expected answer rather than a failure (e.g. 404 on a lookup); their `data` is undefined. */
  acceptStatuses?: number[];
  signal?: AbortSignal;
  /**
   * Called once the pacer has let the request out, just before it is sent (each attempt): the
   * last moment to decide not to send it. What it throws fails the request, which is then not sent
   * and gives its place in the window back.
   */
  beforeSend?: () => Promise<void>;
}

export interface JsonResponse<T> {
  status: number;
  data: T;
  headers: ResponseHeaders;
  requestId?: string;
  /** For an accepted non-2xx status: what the upstream said (its error body or headers). */
  error?: UpstreamErrorParts;
}

export class JsonClient {
  readonly baseUrl: URL;
  private readonly pool: Pool;
  private readonly timeouts: HttpTimeouts;
  private readonly retryOptions: RetryOptions;
  private readonly logger: ClientLogger;
  private readonly observer: HttpObserver;

  constructor(private readonly options: JsonClientOptions) {
    this.baseUrl = new URL(options.baseUrl);
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.retryOptions = { ...DEFAULT_RETRY, ...options.retry };
    this.logger = options.logger ?? silentLogger;
    this.observer = options.observer ?? NO_HTTP_OBSERVER;
    this.pool = new Pool(this.baseUrl.origin, {
      connections: options.connections ?? 16,
      connectTimeout: this.timeouts.connectMs,
      headersTimeout: this.timeouts.headersMs,
      bodyTimeout: this.timeouts.bodyMs,
      keepAliveTimeout: 10_000,
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async request<T>(request: JsonRequest<T>): Promise<JsonResponse<T>> {
    const idempotent =
      request.idempotent ?? (request.method === 'GET' || request.method === 'PUT' || request.method === 'DELETE');
    const { maxAttempts, initialDelayMs, maxDelayMs, maxRetryAfterMs } = this.retryOptions;
    const policy = retry(
      handleWhen(
        (error) =>
          error instanceof TransientUpstreamError &&
          (idempotent || error.kind === 'rate-limited') &&
          (error.retryAfterMs ?? 0) <= maxRetryAfterMs,
      ),
      {
        maxAttempts: maxAttempts - 1,
        backoff: new DelegateBackoff((context) => {
          const error = 'error' in context.result ? context.result.error : undefined;
          const asked = error instanceof TransientUpstreamError ? error.retryAfterMs : undefined;
          if (asked !== undefined) return asked;
          const exponential = Math.min(maxDelayMs, initialDelayMs * 2 ** (context.attempt - 1));
          return Math.round(exponential / 2 + Math.random() * (exponential / 2));
        }),
      },
    );
    policy.onRetry((reason) => {
      const error = 'error' in reason ? reason.error : undefined;
      this.logger.warn(`retrying "${request.operation}" in ${reason.delay} ms`, {
        service: this.options.service,
        ...(error instanceof TransientUpstreamError ? { kind: error.kind } : {}),
        reason: error instanceof Error ? redactSecrets(error.message) : 'unexpected result',
      });
    });
    // The caller's signal only: without one, cockatiel hands every attempt one shared never-aborted
    // signal, and the waits and requests of concurrent calls would pile listeners onto it.
    return policy.execute(() => this.attempt(request, request.signal), request.signal);
  }

  private async attempt<T>(request: JsonRequest<T>, signal: AbortSignal | undefined): Promise<JsonResponse<T>> {
    const { path, search } = this.resolve(request);
    const bucket = this.options.pacing?.bucketOf(request.method, path);
    const release = bucket === undefined ? undefined : await this.options.pacing!.pacer.acquire(bucket, signal);
    let refreshed = false;
    try {
      if (request.beforeSend) {
        try {
          await request.beforeSend();
        } catch (error) {
          release?.('unsent');
          throw error;
        }
      }
      for (;;) {
        const response = await this.observed(bucket, () => this.send(request, `${path}${search}`, signal));
        const observation = this.options.pacing?.observe(response.status, response.headers, Date.now());
        release?.(observation);
        if ((response.status === 401 || response.status === 403) && !refreshed && this.options.authorization?.refresh) {
          this.record(bucket, 'rejected');
          refreshed = true;
          if (await this.options.authorization.refresh(response.authorization)) continue; // a fresh token, once
        }
        return this.observed(bucket, () => this.interpret(request, response, observation?.concurrency === true), true);
      }
    } finally {
      release?.();
    }
  }

  /**
   * Runs one stage of an attempt and tells the observer how the attempt ended: on failure always,
   * on success only when `final` (the answer was interpreted), so each attempt counts once.
   */
  private async observed<R>(bucket: string | undefined, stage: () => R | Promise<R>, final = false): Promise<R> {
    try {
      const result = await stage();
      if (final) this.record(bucket, 'ok');
      return result;
    } catch (error) {
      this.record(bucket, outcomeOf(error));
      throw error;
    }
  }

  private record(bucket: string | undefined, outcome: RequestOutcome): void {
    this.observer.requestCompleted({ service: this.options.service, bucket: bucket ?? 'all', outcome });
  }

  private resolve(request: JsonRequest<unknown>): { path: string; search: string } {
    const url = /^https?:\/\//i.test(request.path)
      ? new URL(request.path)
      : new URL(joinPath(this.baseUrl.pathname, request.path), this.baseUrl);
    if (url.origin !== this.baseUrl.origin) {
      throw new MalformedUpstreamResponseError({
        ...this.details(request),
        problems: [`a link points to ${url.origin}, not to ${this.baseUrl.origin}; it is not followed`],
      });
    }
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return { path: url.pathname, search: url.search };
  }

  private async send(
    request: JsonRequest<unknown>,
    pathAndQuery: string,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; headers: ResponseHeaders; text: string; authorization?: string }> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(typeof request.form === 'function' ? await request.form() : request.form).toString();
    } else if (request.method === 'POST' || request.method === 'PUT') {
      body = ''; // an explicit Content-Length: 0, which Okta requires on body-less POST/PUT
    }
    if (this.options.authorization) {
      Object.assign(
        headers,
        await this.options.authorization.headers(
          { method: request.method, url: `${this.baseUrl.origin}${pathAndQuery}` },
          signal,
        ),
      );
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({ method: request.method, path: pathAndQuery, headers, body, signal });
    } catch (error) {
      throw this.networkFailure(request, error);
    }
    try {
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text, authorization: headers.authorization };
    } catch (error) {
      throw this.networkFailure(request, error);
    }
  }

  /** `concurrency`: the pacing read this answer as a refusal for requests in flight, not for a window. */
  private interpret<T>(
    request: JsonRequest<T>,
    response: { status: number; headers: ResponseHeaders; text: string },
    concurrency = false,
  ): JsonResponse<T> {
    const requestId = this.requestId(response.headers);
    const base = { ...this.details(request), status: response.status, requestId };
    const success = response.status >= 200 && response.status < 300;
    const ok = success || request.acceptStatuses?.includes(response.status);
    const refusal = success ? undefined : this.options.parseError(safeJson(response.text), response.headers);
    if (!ok) {
      const upstream = {
        ...base,
        upstreamCode: refusal?.code,
        upstreamMessage: refusal?.message ?? snippet(response.text),
      };
      if (response.status === 429) {
        // A concurrency refusal's reset is only an estimate (up to a minute away) while a slot frees
        // as soon as any request of the org ends: retry after the pacer's brief pause instead.
        const wait = concurrency
          ? CONCURRENCY_BACKOFF_MS + Math.round(Math.random() * CONCURRENCY_BACKOFF_MS)
          : retryAfterMs(response.headers, Date.now());
        throw new TransientUpstreamError('rate-limited', { ...upstream, retryAfterMs: wait });
      }
      if (response.status >= 500) throw new TransientUpstreamError('server-error', upstream);
      if (response.status >= 400)
        throw new RejectedUpstreamError({
          ...upstream,
          hint: this.options.hint?.({ ...refusal, status: response.status }),
        });
      throw new MalformedUpstreamResponseError({ ...base, problems: [`unexpected HTTP ${response.status}`] });
    }
    // An accepted non-2xx answer (a 404 on a lookup) carries an error body, not the resource.
    if (!success)
      return { status: response.status, data: undefined as T, headers: response.headers, requestId, error: refusal };
    if (!request.schema) return { status: response.status, data: undefined as T, headers: response.headers, requestId };
    let json: unknown;
    try {
      json = response.text === '' ? undefined : JSON.parse(response.text);
    } catch {
      throw new MalformedUpstreamResponseError({
        ...base,
        problems: [`the body is not JSON: ${snippet(response.text)}`],
      });
    }
    const parsed = request.schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`,
      );
      throw new MalformedUpstreamResponseError({ ...base, problems });
    }
    return { status: response.status, data: parsed.data, headers: response.headers, requestId };
  }

  private networkFailure(request: JsonRequest<unknown>, error: unknown): Error {
    if (request.signal?.aborted) return error instanceof Error ? error : new Error(String(error));
    const code = (error as { code?: string }).code ?? '';
    const timeout = /TIMEOUT/i.test(code) || (error as Error).name === 'TimeoutError';
    return new TransientUpstreamError(timeout ? 'timeout' : 'network', {
      ...this.details(request),
      reason: code || errorMessage(error),
    });
  }

  private details(request: JsonRequest<unknown>): UpstreamErrorDetails {
    return { service: this.options.service, operation: request.operation };
  }

  private requestId(headers: ResponseHeaders): string | undefined {
    const name = this.options.requestIdHeader;
    return name ? headerValue(headers, name) : undefined;
  }
}

function outcomeOf(error: unknown): RequestOutcome {
  if (error instanceof TransientUpstreamError) return error.kind;
  if (error instanceof RejectedUpstreamError) return 'rejected';
  if (error instanceof MalformedUpstreamResponseError) return 'malformed';
  return 'aborted';
}

function joinPath(basePath: string, path: string): string {
  return `${basePath.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function snippet(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}
