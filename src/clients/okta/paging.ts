/**
 * Every item of an Okta list, page by page along `rel="next"` links followed exactly as given
 * (docs/contracts/okta.md §0.5), on the client's own origin only (JsonClient refuses another).
 */
import type { z } from 'zod';
import type { JsonClient } from '../http/json-client';
import { nextLink } from './link-header';

/** A list longer than this many pages is a loop or a runaway, not an answer. */
const MAX_PAGES = 10_000;

export async function listEveryPage<T>(
  http: JsonClient,
  request: {
    operation: string;
    path: string;
    query?: Record<string, string | number>;
    item: z.ZodType<T>;
    signal?: AbortSignal;
  },
): Promise<T[]> {
  const schema = (request.item as z.ZodType).array() as unknown as z.ZodType<T[]>;
  const items: T[] = [];
  let next: { path: string; query?: Record<string, string | number> } | undefined = {
    path: request.path,
    query: request.query,
  };
  for (let page = 0; next; page++) {
    if (page >= MAX_PAGES) throw new Error(`${request.operation}: more than ${MAX_PAGES} pages; refusing to continue`);
    const response = await http.request({
      operation: request.operation,
      method: 'GET',
      path: next.path,
      query: next.query,
      schema,
      signal: request.signal,
    });
    items.push(...response.data);
    const link = nextLink(response.headers);
    next = link ? { path: link } : undefined;
  }
  return items;
}
