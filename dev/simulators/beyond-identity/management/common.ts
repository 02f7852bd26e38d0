/** Small pieces every management resource uses: path prefixes and the list/delete response shapes. */
import type { FastifyReply } from 'fastify';
import type { Page } from '../paging';

export const TENANT_PATH = '/v1/tenants/:tenantId';
export const REALM_PATH = `${TENANT_PATH}/realms/:realmId`;
export const IDENTITY_PATH = `${REALM_PATH}/identities/:identityId`;

/** `{<plural>: [...], total_size, next_page_token?}`, the token left out on the last page. */
export function listBody<T>(plural: string, page: Page<T>): Record<string, unknown> {
  const body: Record<string, unknown> = { [plural]: page.items, total_size: page.total_size };
  if (page.next_page_token !== undefined) body.next_page_token = page.next_page_token;
  return body;
}

/** Deletes answer 200 with an empty body (docs/contracts/beyond-identity.md §2.1). */
export function emptyOk(reply: FastifyReply): FastifyReply {
  return reply.code(200).send();
}

/** `{id}:{action}` path segments (`...:revoke`), split; no action → undefined. */
export function splitAction(segment: string): { id: string; action?: string } {
  const colon = segment.indexOf(':');
  return colon === -1 ? { id: segment } : { id: segment.slice(0, colon), action: segment.slice(colon + 1) };
}
