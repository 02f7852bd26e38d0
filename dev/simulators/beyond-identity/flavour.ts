/**
 * Beyond Identity's error shape, `{code, message, details?}` (docs/contracts/beyond-identity.md §2.4): `code` is the HTTP
 * status name in snake_case, `details` carries FieldViolations or ResourceInfo. Both listeners
 * render framework failures (bad JSON, huge bodies, unknown paths, injected faults) this way.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ApiFlavour, FrameworkFailure, RenderedError } from '../shared/server';

export interface FieldViolation {
  field: string;
  description: string;
}
export type ErrorDetail =
  | { type: 'FieldViolations'; field_violations: FieldViolation[] }
  | { type: 'ResourceInfo'; resource_type: string; id: string; description: string }
  // Capitalised inner keys, as the spec's BatchDeleteIdentities 404 example shows them.
  | { type: 'BatchOperationErrors'; description: string; errors: BatchOperationError[] };

interface BatchOperationError {
  Description: string;
  IDs: string[];
  ResourceType: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: ErrorDetail[];
}

// The service speaks Go's status texts (its 422 is `unprocessable_entity`); Node words 413 differently.
const STATUS_TEXT_OVERRIDES: Record<number, string> = { 413: 'Request Entity Too Large' };

function statusCodeName(status: number): string {
  const text = STATUS_TEXT_OVERRIDES[status] ?? STATUS_CODES[status] ?? 'Unknown';
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** An API error a handler throws; the management routes' error handler renders it. */
export class BiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return errorBody(this.status, this.message, this.details);
  }
}

function errorBody(status: number, message: string, details?: ErrorDetail[]): ErrorBody {
  return details && details.length > 0
    ? { code: statusCodeName(status), message, details }
    : { code: statusCodeName(status), message };
}

export const apiErrors = {
  invalidRequest: () => new BiError(400, 'invalid request'),
  invalidParameters: (violations: FieldViolation[]) =>
    new BiError(400, 'invalid parameters', [{ type: 'FieldViolations', field_violations: violations }]),
  unauthorized: () => new BiError(401, 'unauthorized', undefined, { 'www-authenticate': 'Bearer' }),
  forbidden: () => new BiError(403, 'forbidden'),
  /** e.g. notFound('Realm', id, 'realm') → 404 "realm not found" with ResourceInfo. */
  notFound: (resourceType: string, id: string, noun: string) =>
    new BiError(404, `${noun} not found`, [
      { type: 'ResourceInfo', resource_type: resourceType, id, description: `${noun} not found` },
    ]),
  /** e.g. batchNotFound('Identity', ids, 'identities') → 404 "identities not found" with BatchOperationErrors. */
  batchNotFound: (resourceType: string, ids: string[], noun: string) =>
    new BiError(404, `${noun} not found`, [
      {
        type: 'BatchOperationErrors',
        description: 'errors encountered performing batch operation',
        errors: [{ Description: `${noun} not found`, IDs: ids, ResourceType: resourceType }],
      },
    ]),
  conflict: (message: string, details?: ErrorDetail[]) => new BiError(409, message, details),
  unprocessable: (message: string, resourceType: string, id: string) =>
    new BiError(422, message, [{ type: 'ResourceInfo', resource_type: resourceType, id, description: message }]),
};

const FAILURE_MESSAGES: Record<FrameworkFailure, string | undefined> = {
  'malformed-body': 'invalid request',
  'body-too-large': 'request body too large',
  'unsupported-media-type': 'unsupported media type',
  'not-found': 'not found',
  internal: 'internal server error',
  'injected-error': undefined, // worded by status: "internal server error", "service unavailable"
};

export const beyondIdentityFlavour: ApiFlavour = {
  error(kind, status): RenderedError {
    const message = FAILURE_MESSAGES[kind] ?? statusCodeName(status).replace(/_/g, ' ');
    return { status, body: errorBody(status, message) };
  },
  tooManyRequests(retryAfterSeconds): RenderedError {
    // Retry-After as bi-cli honours it, plus the RateLimit-* trio the SCIM endpoints document.
    return {
      status: 429,
      headers: {
        'retry-after': String(retryAfterSeconds),
        'ratelimit-limit': '30',
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(retryAfterSeconds),
      },
      body: errorBody(429, 'too many requests'),
    };
  },
};

/** Renders BiErrors thrown in `scope`; anything else (bad JSON, huge bodies, bugs) goes up to the shared handler. */
export function renderBiErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error, _request, reply) => {
    if (!(error instanceof BiError)) throw error;
    reply.code(error.status);
    if (error.headers) reply.headers(error.headers);
    return reply.send(error.body);
  });
}
