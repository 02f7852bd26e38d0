/**
 * Cursor paging with RFC 8288 `Link` headers (docs/contracts/okta.md §0.5): `limit` and an opaque `after`; the
 * answer carries `rel="self"` and, while more remain, `rel="next"`, as separate header lines with
 * absolute URLs on the org URL (the Node SDK follows them exactly as given).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validationFailed } from './errors';

export interface PageRequest {
  limit: number;
  /** Items after this creation sequence number (from the opaque cursor). */
  afterSeq: number | undefined;
}

export interface PageLimits {
  defaultLimit: number;
  maxLimit: number;
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Reads `limit` and `after`. A limit above the maximum is clamped (Okta answers at most the maximum). */
export function pageRequest(query: Record<string, string | undefined>, limits: PageLimits): PageRequest {
  let limit = limits.defaultLimit;
  if (query.limit !== undefined) {
    const parsed = /^\d{1,9}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!(parsed >= 1)) throw validationFailed([{ field: 'limit', message: 'The limit must be a positive integer.' }]);
    limit = Math.min(parsed, limits.maxLimit);
  }
  let afterSeq: number | undefined;
  if (query.after !== undefined && query.after !== '') {
    afterSeq = decodeCursor(query.after);
    if (afterSeq === undefined)
      throw validationFailed([{ field: 'after', message: 'The after cursor is not one this server issued.' }]);
  }
  return { limit, afterSeq };
}

/** One page of `items` (already filtered, in creation order) and the cursor of the next page, if any. */
export function takePage<T extends { seq: number }>(
  items: T[],
  page: PageRequest,
): { items: T[]; nextCursor: string | undefined } {
  const rest = page.afterSeq === undefined ? items : items.filter((item) => item.seq > page.afterSeq!);
  const taken = rest.slice(0, page.limit);
  const last = taken[taken.length - 1];
  return { items: taken, nextCursor: rest.length > taken.length && last ? encodeCursor(last.seq) : undefined };
}

/** Sets `link: <self>; rel="self"` and, when there is a next page, `link: <next>; rel="next"` as two header lines. */
export function setLinkHeaders(
  reply: FastifyReply,
  orgUrl: string,
  request: FastifyRequest,
  nextCursor?: string,
): void {
  const self = `${orgUrl}${request.raw.url ?? request.url}`;
  const links = [`<${self}>; rel="self"`];
  if (nextCursor !== undefined) {
    const next = new URL(self);
    next.searchParams.set('after', nextCursor);
    links.push(`<${next.toString()}>; rel="next"`);
  }
  reply.header('link', links);
}
