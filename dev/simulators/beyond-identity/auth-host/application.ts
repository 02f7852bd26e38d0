/** Resolving `/v1/tenants/{t}/realms/{r}/applications/{a}` on the auth host: the 404s say which part is unknown. */
import type { Params, SimContext } from '../context';
import { apiErrors } from '../flavour';
import type { Application } from '../model';

export const APPLICATION_BASE = '/v1/tenants/:tenantId/realms/:realmId/applications/:applicationId';

export function resolveApplication(context: SimContext, params: Params): Application {
  const tenantId = params.tenantId ?? '';
  if (tenantId !== context.store.tenant.id) throw apiErrors.notFound('Tenant', tenantId, 'tenant');
  return context.store.getApplication(params.realmId ?? '', params.applicationId ?? '');
}
