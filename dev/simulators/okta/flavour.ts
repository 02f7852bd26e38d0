/**
 * How the framework's own failures read in Okta's words (docs/contracts/okta.md §0.3): malformed JSON is
 * E0000003, an unknown path E0000007, 5xx E0000009, and an injected 429 burst the same E0000047
 * with `X-Rate-Limit-*` headers as a real exhaustion (no Retry-After: Okta does not send one).
 */
import type { FastifyRequest } from 'fastify';
import { pathOf, type ApiFlavour, type FrameworkFailure, type RenderedError } from '../shared/server';
import { oktaErrorBody } from './errors';
import { newRequestId } from './ids';
import { bucketFor, rateLimitHeaders, type RateLimiter } from './rate-limits';

export const RATE_LIMITED_SUMMARY = 'API call exceeded rate limit due to too many requests.';

function describeFailure(
  kind: FrameworkFailure,
  status: number,
  request: FastifyRequest,
): { code: string; summary: string } {
  switch (kind) {
    case 'malformed-body':
      return { code: 'E0000003', summary: 'The request body was not well-formed.' };
    case 'body-too-large':
      return { code: 'E0000003', summary: 'The request body was too large.' };
    case 'unsupported-media-type':
      return {
        code: 'E0000003',
        summary: 'The request body was not well-formed: send it as Content-Type: application/json.',
      };
    case 'not-found':
      return {
        code: 'E0000007',
        summary: `Not found: Resource not found: ${request.method} ${pathOf(request)} (Path)`,
      };
    case 'internal':
    case 'injected-error':
      return { code: 'E0000009', summary: status === 503 ? 'Service Unavailable' : 'Internal Server Error' };
  }
}

export function createOktaFlavour(limiter: RateLimiter): ApiFlavour {
  return {
    error(kind, status, request): RenderedError {
      const { code, summary } = describeFailure(kind, status, request);
      // Some framework failures (an undecodable path) skip the hooks that add this header.
      return { status, headers: { 'x-okta-request-id': newRequestId() }, body: oktaErrorBody(code, summary) };
    },
    tooManyRequests(retryAfterSeconds, request): RenderedError {
      const bucket = bucketFor(request.method, pathOf(request)) ?? 'other';
      const reset = Math.ceil(Date.now() / 1000) + retryAfterSeconds;
      return {
        status: 429,
        headers: rateLimitHeaders({ limit: limiter.config[bucket], remaining: 0, reset }),
        body: oktaErrorBody('E0000047', RATE_LIMITED_SUMMARY),
      };
    },
  };
}
