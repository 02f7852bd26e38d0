/** GET tenant; realms: create, list, get, patch, delete (409 `realm has children`). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Params, Query, SimContext } from '../context';
import { apiErrors } from '../flavour';
import { newHexId } from '../ids';
import type { Realm } from '../model';
import { pageOf, readPageRequest, SMALL_PAGES } from '../paging';
import { readWrapped, safeName } from '../validation';
import { requireScope } from './auth';
import { emptyOk, listBody, REALM_PATH, TENANT_PATH } from './common';

const classification = z.enum(['SECURE_CUSTOMER', 'SECURE_WORKFORCE']);
const createRealm = z.object({ display_name: safeName(), classification: classification.optional() });
// Classification is not documented as mutable: only the name changes.
const updateRealm = z.object({ display_name: safeName().optional() });

export function registerTenantAndRealmRoutes(app: FastifyInstance, context: SimContext): void {
  const { store } = context;

  app.get(TENANT_PATH, { preHandler: requireScope(context, 'tenants:read') }, async () => store.tenant);

  app.post(`${TENANT_PATH}/realms`, { preHandler: requireScope(context, 'realms:create') }, async (request) => {
    const input = readWrapped(request.body, 'realm', createRealm);
    const now = store.now();
    // Open question §6: whether classification is required; absent, we pick the delegate-IdP kind.
    const realm: Realm = {
      id: newHexId(),
      tenant_id: store.tenant.id,
      display_name: input.display_name,
      classification: input.classification ?? 'SECURE_CUSTOMER',
      create_time: now,
      update_time: now,
    };
    store.realms.set(realm.id, realm);
    store.changed();
    return realm;
  });

  app.get(`${TENANT_PATH}/realms`, { preHandler: requireScope(context, 'realms:read') }, async (request) => {
    const page = pageOf([...store.realms.values()], readPageRequest(request.query as Query, SMALL_PAGES, 'realms'));
    return listBody('realms', page);
  });

  app.get(REALM_PATH, { preHandler: requireScope(context, 'realms:read') }, async (request) =>
    store.getRealm((request.params as Params).realmId!),
  );

  app.patch(REALM_PATH, { preHandler: requireScope(context, 'realms:update') }, async (request) => {
    const input = readWrapped(request.body, 'realm', updateRealm);
    const realm = store.getRealm((request.params as Params).realmId!);
    if (input.display_name !== undefined) realm.display_name = input.display_name;
    realm.update_time = store.now();
    store.changed();
    return realm;
  });

  app.delete(REALM_PATH, { preHandler: requireScope(context, 'realms:delete') }, async (request, reply) => {
    const realm = store.getRealm((request.params as Params).realmId!);
    // Identities block deletion (the spec); so does a BI-managed application (the admin realm's).
    const hasChildren =
      store.inRealm(store.identities, realm.id).length > 0 ||
      store.inRealm(store.applications, realm.id).some((application) => application.is_managed);
    if (hasChildren) throw apiErrors.conflict('realm has children');
    for (const application of store.inRealm(store.applications, realm.id)) store.applications.delete(application.id);
    for (const config of store.inRealm(store.authenticatorConfigs, realm.id))
      store.authenticatorConfigs.delete(config.id);
    store.realms.delete(realm.id);
    store.changed();
    return emptyOk(reply);
  });
}
