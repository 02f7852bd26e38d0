/**
 * List paging as docs/contracts/beyond-identity.md §2.2 describes it: `page_size` (clamped to the method's maximum, never
 * rejected for being large), an opaque `page_token` that keeps the page size and the filter, and
 * `skip` where the method documents it (not kept in the token, applied on every request).
 */
import { z } from 'zod';
import { apiErrors } from './flavour';

export interface PageLimits {
  defaultSize: number;
  maxSize: number;
  skip: boolean;
}
/** Realms, identities, credentials, binding jobs. */
export const SMALL_PAGES: PageLimits = { defaultSize: 20, maxSize: 200, skip: true };
/** Applications and authenticator configs. */
export const LARGE_PAGES: PageLimits = { defaultSize: 100, maxSize: 100, skip: false };

const tokenSchema = z.object({
  v: z.literal(1),
  c: z.string(),
  o: z.number().int().min(0),
  n: z.number().int().min(1),
  f: z.string(),
});

export interface PageRequest {
  collection: string;
  offset: number;
  size: number;
  skip: number;
  /** The filter in force: the request's, or the one the page token carries. */
  filter: string;
}

export interface Page<T> {
  items: T[];
  total_size: number;
  next_page_token?: string;
}

type Query = Record<string, unknown>;

/**
 * Reads paging parameters. `collection` names the list (e.g. `identities:<realm>`) so a token
 * from one list is refused by another; `requestFilter` is the normalised filter of this request,
 * given only by the lists that take one. A `filter` on any other list is a 400, never ignored: a
 * client that relied on it would otherwise get every item back and believe them filtered.
 */
export function readPageRequest(
  query: Query,
  limits: PageLimits,
  collection: string,
  requestFilter?: string,
): PageRequest {
  if (requestFilter === undefined && query.filter !== undefined && query.filter !== '') {
    throw apiErrors.invalidParameters([{ field: 'filter', description: 'filter is not supported on this list' }]);
  }
  const requestedSize = readUint(query, 'page_size');
  const skip = limits.skip ? (readUint(query, 'skip') ?? 0) : 0;
  let offset = 0;
  let size: number | undefined;
  let filter = requestFilter ?? '';
  const rawToken = query.page_token;
  if (rawToken !== undefined && rawToken !== '') {
    const token = decodeToken(rawToken);
    if (!token || token.c !== collection)
      throw apiErrors.invalidParameters([{ field: 'page_token', description: 'invalid page token' }]);
    if (requestFilter !== undefined && requestFilter !== token.f) {
      throw apiErrors.invalidParameters([{ field: 'filter', description: 'filter does not match the page token' }]);
    }
    offset = token.o;
    size = token.n;
    filter = token.f;
  }
  if (requestedSize !== undefined && requestedSize > 0) size = requestedSize;
  return { collection, offset, skip, filter, size: Math.min(size ?? limits.defaultSize, limits.maxSize) };
}

/** One page of `matches` (already filtered, in a stable order). */
export function pageOf<T>(matches: readonly T[], request: PageRequest): Page<T> {
  const afterSkip = matches.slice(request.skip);
  const end = request.offset + request.size;
  const page: Page<T> = { items: afterSkip.slice(request.offset, end), total_size: matches.length };
  if (end < afterSkip.length)
    page.next_page_token = encodeToken({ v: 1, c: request.collection, o: end, n: request.size, f: request.filter });
  return page;
}

function readUint(query: Query, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw) || Number(raw) > 0xffffffff) {
    throw apiErrors.invalidParameters([{ field: name, description: 'invalid value' }]);
  }
  return Number(raw);
}

function encodeToken(token: z.infer<typeof tokenSchema>): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(raw: unknown): z.infer<typeof tokenSchema> | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return undefined;
  try {
    const parsed = tokenSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
