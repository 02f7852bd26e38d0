/** What every route module needs: the org's state and its URL (known only once the server listens). */
import type { FastifyRequest } from 'fastify';
import { pathOf } from '../shared/server';
import type { OktaStore } from './state';

export interface OktaContext {
  store: OktaStore;
  /** The org URL, e.g. http://127.0.0.1:8025: the origin of every `_links` href and `Link` header. */
  orgUrl(): string;
  /** The org's custom domain (an origin, never served: only what redirect URIs on it look like), if it has one. */
  customDomain?: string;
  /** The cause of the 400 for a duplicate rule name (the real wording is not known; docs/contracts/okta.md §0.3). */
  duplicateRuleNameCause: string;
}

export type Query = Record<string, string | undefined>;

export function queryOf(request: FastifyRequest): Query {
  const query = request.query as Record<string, unknown> | undefined;
  const result: Query = {};
  for (const [key, value] of Object.entries(query ?? {})) {
    // A repeated parameter counts as its first value.
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') result[key] = first;
  }
  return result;
}

/**
 * The path segment at `index` (0 = the first after the leading slash), percent-decoded from the
 * raw URL, or undefined when it does not decode. Used instead of router params so that an encoded
 * `/` (`%2F`) stays distinguishable: Okta cannot fetch logins containing `/` by login.
 */
export function rawSegment(request: FastifyRequest, index: number): { raw: string; decoded: string | undefined } {
  const raw = pathOf(request).split('/').slice(1)[index] ?? '';
  try {
    return { raw, decoded: decodeURIComponent(raw) };
  } catch {
    return { raw, decoded: undefined };
  }
}

/** Query booleans the way Okta reads them: "true"/"false", anything else is the default. */
export function queryBoolean(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value.toLowerCase() === 'true') return true;
  if (value.toLowerCase() === 'false') return false;
  return fallback;
}
