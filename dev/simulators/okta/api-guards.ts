/**
 * What every request under /api/v1 (and the OAuth endpoints) goes through before its route: the
 * 411 rule for body-less POST/PUT, authentication (API tokens, Bearer and DPoP access tokens:
 * oauth/resource-auth.ts), the concurrency limit and the per-bucket rate limit, then the OAuth
 * scope and admin-role checks; and what every response gets: `X-Okta-Request-Id` and the
 * `X-Rate-Limit-*` headers of its bucket. (`Date` comes from Node's HTTP server.)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pathOf, sendRendered } from '../shared/server';
import { OktaApiError } from './errors';
import { RATE_LIMITED_SUMMARY } from './flavour';
import { newRequestId } from './ids';
import { authenticate, type ResourceAuthDeps } from './oauth/resource-auth';
import { authorize } from './oauth/resource-authorize';
import {
  bucketFor,
  rateLimitHeaders,
  type ConcurrencyLimiter,
  type RateLimiter,
  type RateLimitState,
} from './rate-limits';

declare module 'fastify' {
  interface FastifyRequest {
    /** The bucket state this request was counted in, for its response headers (or a concurrency refusal's). */
    oktaRateLimit?: Pick<RateLimitState, 'limit' | 'remaining' | 'reset'>;
  }
}

const LENGTH_REQUIRED = new OktaApiError(
  411,
  'E0000003',
  'Length Required: a POST or PUT without a body must send Content-Length: 0.',
);

function isBodyMethod(request: FastifyRequest): boolean {
  return request.method === 'POST' || request.method === 'PUT';
}

export interface ApiGuardOptions extends ResourceAuthDeps {
  limiter: RateLimiter;
  concurrency: ConcurrencyLimiter;
}

export function installApiGuards(app: FastifyInstance, options: ApiGuardOptions): void {
  const { limiter, concurrency } = options;

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const bucket = bucketFor(request.method, pathOf(request));
    if (bucket === undefined) return;
    // Neither Content-Length nor chunked transfer: the request has no body and did not say so.
    if (
      isBodyMethod(request) &&
      request.headers['content-length'] === undefined &&
      request.headers['transfer-encoding'] === undefined
    ) {
      return sendRendered(reply, LENGTH_REQUIRED.render());
    }
    // The token endpoint authenticates its client from the form body (oauth/token-endpoint.ts),
    // so every token request counts; elsewhere only authenticated requests count: a stranger's
    // requests must not use up the org's budget.
    if (bucket !== 'oauthToken') {
      const authentication = await authenticate(request, options);
      if ('refusal' in authentication) return sendRendered(reply, authentication.refusal);
      request.oktaPrincipal = authentication.principal;
    }
    if (!concurrency.enter()) {
      request.oktaRateLimit = concurrency.refusalState();
      return sendRendered(reply, new OktaApiError(429, 'E0000047', RATE_LIMITED_SUMMARY).render());
    }
    // In flight until the answer is out or the client went away.
    reply.raw.once('close', () => concurrency.leave());
    const state = limiter.consume(bucket);
    request.oktaRateLimit = state;
    if (!state.allowed) return sendRendered(reply, new OktaApiError(429, 'E0000047', RATE_LIMITED_SUMMARY).render());
    const denial = request.oktaPrincipal && authorize(request, request.oktaPrincipal, options);
    if (denial) return sendRendered(reply, denial);
    return undefined;
  });

  // A chunked POST/PUT whose body turned out empty also lacks a length (checked once the body is read).
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    if (bucketFor(request.method, pathOf(request)) === undefined) return undefined;
    if (isBodyMethod(request) && request.headers['content-length'] === undefined && request.body === undefined) {
      return sendRendered(reply, LENGTH_REQUIRED.render());
    }
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('x-okta-request-id')) reply.header('x-okta-request-id', newRequestId());
    const bucket = bucketFor(request.method, pathOf(request));
    if (bucket !== undefined && !reply.hasHeader('x-rate-limit-limit'))
      reply.headers(rateLimitHeaders(request.oktaRateLimit ?? limiter.peek(bucket)));
    return payload;
  });
}
