/**
 * What every request under /api/v1 goes through before its route: the 411 rule for body-less
 * POST/PUT, `SSWS`/`Bearer` token auth, and the per-bucket rate limit; and what every response
 * gets: `X-Okta-Request-Id` and, under /api/v1, the `X-Rate-Limit-*` headers of its bucket. Before
 * the buckets, the org's concurrency limit: a request beyond it is refused without counting.
 * (`Date` comes from Node's HTTP server.)
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pathOf, sendRendered } from '../shared/server';
import { invalidToken, OktaApiError } from './errors';
import { RATE_LIMITED_SUMMARY } from './flavour';
import { newRequestId } from './ids';
import { bucketFor, rateLimitHeaders, type ConcurrencyLimiter, type RateLimiter, type RateLimitState } from './rate-limits';

declare module 'fastify' {
  interface FastifyRequest {
    /** The bucket state this request was counted in, for its response headers (or a concurrency refusal's). */
    oktaRateLimit?: Pick<RateLimitState, 'limit' | 'remaining' | 'reset'>;
  }
}

const LENGTH_REQUIRED = new OktaApiError(411, 'E0000003', 'Length Required: a POST or PUT without a body must send Content-Length: 0.');

function tokenMatches(presented: string, accepted: string[]): boolean {
  const given = Buffer.from(presented);
  return accepted.some((token) => {
    const expected = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function isBodyMethod(request: FastifyRequest): boolean {
  return request.method === 'POST' || request.method === 'PUT';
}

export function installApiGuards(app: FastifyInstance, options: { apiTokens: string[]; limiter: RateLimiter; concurrency: ConcurrencyLimiter }): void {
  const { apiTokens, limiter, concurrency } = options;

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const bucket = bucketFor(request.method, pathOf(request));
    if (bucket === undefined) return;
    // Neither Content-Length nor chunked transfer: the request has no body and did not say so.
    if (isBodyMethod(request) && request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) {
      return sendRendered(reply, LENGTH_REQUIRED.render());
    }
    const match = /^(?:SSWS|Bearer)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1] || !tokenMatches(match[1], apiTokens)) return sendRendered(reply, invalidToken().render());
    // Only authenticated requests count: a stranger's requests must not use up the org's budget.
    if (!concurrency.enter()) {
      request.oktaRateLimit = concurrency.refusalState();
      return sendRendered(reply, new OktaApiError(429, 'E0000047', RATE_LIMITED_SUMMARY).render());
    }
    // In flight until the answer is out or the client went away.
    reply.raw.once('close', () => concurrency.leave());
    const state = limiter.consume(bucket);
    request.oktaRateLimit = state;
    if (!state.allowed) return sendRendered(reply, new OktaApiError(429, 'E0000047', RATE_LIMITED_SUMMARY).render());
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
    if (bucket !== undefined && !reply.hasHeader('x-rate-limit-limit')) reply.headers(rateLimitHeaders(request.oktaRateLimit ?? limiter.peek(bucket)));
    return payload;
  });
}
