/**
 * What can go wrong when we call Beyond Identity or Okta, as a small hierarchy the workflow layer
 * acts on: transient failures are retried, rejections need a person, malformed responses are a
 * bug or a contract change on the other side. Each class's `name` is the failure type Temporal
 * records, so retry policies can list the non-retryable ones by name (src/workflows/failure-types.ts).
 *
 * Messages are built from upstream codes and messages only, passed through the secret redactor:
 * they never carry a token or a client secret.
 */
import { redactSecrets } from './secrets';
import type { NonRetryableType } from '../../workflows/failure-types';

export type UpstreamService = 'beyond-identity' | 'okta';

const SERVICE_NAMES: Record<UpstreamService, string> = {
  'beyond-identity': 'Beyond Identity',
  okta: 'Okta',
};

export interface UpstreamErrorDetails {
  service: UpstreamService;
  /** What we were doing, in words: "create identity". */
  operation: string;
  status?: number;
  /** The upstream's own error code (BI `code`, Okta `errorCode`). */
  upstreamCode?: string;
  upstreamMessage?: string;
  /** Okta's X-Okta-Request-Id (or another request id header), for a support ticket. */
  requestId?: string;
  /** The fix, when the client knows it better than the generic text of its kind (a scope to grant, a role to assign). */
  hint?: string;
}

export abstract class UpstreamError extends Error {
  readonly service: UpstreamService;
  readonly operation: string;
  readonly status?: number;
  readonly upstreamCode?: string;
  readonly upstreamMessage?: string;
  readonly requestId?: string;

  protected constructor(summary: string, details: UpstreamErrorDetails) {
    super(redactSecrets(summary));
    this.service = details.service;
    this.operation = details.operation;
    this.status = details.status;
    this.upstreamCode = details.upstreamCode;
    this.upstreamMessage = details.upstreamMessage === undefined ? undefined : redactSecrets(details.upstreamMessage);
    this.requestId = details.requestId;
  }

  /** Plain data for logs, workflow state and the CLI (nothing secret in it). */
  toJSON(): Record<string, unknown> {
    return {
      type: this.name,
      service: this.service,
      operation: this.operation,
      status: this.status,
      upstreamCode: this.upstreamCode,
      upstreamMessage: this.upstreamMessage,
      requestId: this.requestId,
      message: this.message,
    };
  }
}

export type TransientKind = 'network' | 'timeout' | 'server-error' | 'rate-limited';

/** Worth retrying: the network, a timeout, a 5xx, or a 429 (with the wait the upstream asked for). */
export class TransientUpstreamError extends UpstreamError {
  override name = 'TransientUpstreamError';
  readonly kind: TransientKind;
  /** How long the upstream asked us to wait (429), in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(kind: TransientKind, details: UpstreamErrorDetails & { retryAfterMs?: number; reason?: string }) {
    super(describeTransient(kind, details), details);
    this.kind = kind;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export type RejectionKind = 'authentication' | 'permission' | 'not-found' | 'conflict' | 'invalid-request';

/** The upstream said no (400/401/403/404/409/422): retrying the same call will not help. */
export class RejectedUpstreamError extends UpstreamError {
  override name = 'RejectedUpstreamError' satisfies NonRetryableType;
  readonly kind: RejectionKind;

  constructor(details: UpstreamErrorDetails & { status: number }) {
    const kind = rejectionKind(details.status);
    super(describeRejection(kind, details), details);
    this.kind = kind;
  }
}

/** The upstream answered, but not in the shape its contract promises. */
export class MalformedUpstreamResponseError extends UpstreamError {
  override name = 'MalformedUpstreamResponseError' satisfies NonRetryableType;
  /** Where the response broke the schema, e.g. "realms[2].display_name: expected string". */
  readonly problems: string[];

  constructor(details: UpstreamErrorDetails & { problems: string[] }) {
    const summary =
      `${SERVICE_NAMES[details.service]} answered "${details.operation}" with a response we do not understand` +
      `${details.status ? ` (HTTP ${details.status})` : ''}: ${details.problems.slice(0, 5).join('; ')}` +
      `${details.problems.length > 5 ? `; and ${details.problems.length - 5} more` : ''}${requestIdSuffix(details)}`;
    super(summary, details);
    this.problems = details.problems.map(redactSecrets);
  }
}

function rejectionKind(status: number): RejectionKind {
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  return 'invalid-request';
}

function requestIdSuffix(details: UpstreamErrorDetails): string {
  return details.requestId ? ` [request id ${details.requestId}]` : '';
}

function upstreamText(details: UpstreamErrorDetails): string {
  const parts = [details.upstreamCode, details.upstreamMessage].filter(Boolean);
  return parts.length > 0 ? `: ${parts.join(' ')}` : '';
}

function describeTransient(
  kind: TransientKind,
  details: UpstreamErrorDetails & { retryAfterMs?: number; reason?: string },
): string {
  const service = SERVICE_NAMES[details.service];
  const reason = details.reason ? ` (${details.reason})` : '';
  switch (kind) {
    case 'network':
      return `Could not reach ${service} for "${details.operation}"${reason}`;
    case 'timeout':
      return `${service} did not answer "${details.operation}" in time${reason}`;
    case 'server-error':
      return `${service} failed "${details.operation}" with HTTP ${details.status}${upstreamText(details)}${requestIdSuffix(details)}`;
    case 'rate-limited':
      return (
        `${service} rate-limited "${details.operation}" (HTTP 429)` +
        `${details.retryAfterMs !== undefined ? `; retry in ${Math.ceil(details.retryAfterMs / 1000)} s` : ''}${requestIdSuffix(details)}`
      );
  }
}

function describeRejection(kind: RejectionKind, details: UpstreamErrorDetails & { status: number }): string {
  const service = SERVICE_NAMES[details.service];
  const hint: Record<RejectionKind, string> = {
    authentication: `check the ${service} API token or client credentials`,
    permission: `the ${service} credentials lack a permission or belong to another tenant`,
    'not-found': 'the object or its parent does not exist (wrong tenant, realm or id?)',
    conflict: 'it conflicts with an object that already exists',
    'invalid-request': 'the request was refused as invalid',
  };
  return `${service} refused "${details.operation}" (HTTP ${details.status})${upstreamText(details)} — ${details.hint ?? hint[kind]}${requestIdSuffix(details)}`;
}
