/**
 * OAuth 2.0 service apps through the Apps API (docs/contracts/okta.md §9.1; spec `createApplication`,
 * `listApplications`, `getApplication`, `activateApplication`, `deactivateApplication`,
 * `deleteApplication`): create (200, ACTIVE unless `activate=false`), list with a non-exact `q`
 * (label or name prefix, any case) and `Link` paging, get, lifecycle, and delete (inactive apps
 * only; its grants and role assignments go with it).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { queryBoolean, queryOf, type OktaContext } from '../context';
import { validationFailed } from '../errors';
import { newAppId, newJwkId } from '../ids';
import { pageRequest, setLinkHeaders, takePage } from '../links';
import { nowIso } from '../state';
import { parseServiceApp } from './app-body';
import { appFromPath, renderApp } from './app-render';
import type { AppRecord } from './records';

/** The spec's maximum; its default (-1, everything) is not used: 20, as for IdPs, keeps clients honest about paging. */
const APPS_LIMITS = { defaultLimit: 20, maxLimit: 200 };

export function registerAppRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;
  const apps = () => store.state.apps;

  app.post('/api/v1/apps', async (request) => {
    const body = parseServiceApp(request.body);
    if (body.clientId !== undefined && apps().some((candidate) => candidate.clientId === body.clientId)) {
      throw validationFailed([
        {
          field: 'credentials.oauthClient.client_id',
          message: 'An object with this field already exists in the current organization',
        },
      ]);
    }
    const now = nowIso();
    const id = newAppId();
    const record: AppRecord = {
      seq: store.nextSeq(),
      id,
      clientId: body.clientId ?? id,
      label: body.label,
      status: queryBoolean(queryOf(request).activate, true) ? 'ACTIVE' : 'INACTIVE',
      created: now,
      lastUpdated: now,
      autoKeyRotation: body.autoKeyRotation,
      responseTypes: body.responseTypes,
      dpopBound: body.dpopBound,
      keys: body.keys.map((key) => ({ id: newJwkId(), ...key, created: now, lastUpdated: now })),
    };
    apps().push(record);
    store.changed();
    return renderApp(context.orgUrl(), record);
  });

  app.get('/api/v1/apps', async (request, reply) => {
    const query = queryOf(request);
    const prefix = query.q?.toLowerCase();
    const matching =
      prefix === undefined
        ? apps()
        : apps().filter(
            (candidate) => candidate.label.toLowerCase().startsWith(prefix) || 'oidc_client'.startsWith(prefix),
          );
    const page = takePage(matching, pageRequest(query, APPS_LIMITS));
    setLinkHeaders(reply, context.orgUrl(), request, page.nextCursor);
    return page.items.map((candidate) => renderApp(context.orgUrl(), candidate));
  });

  app.get('/api/v1/apps/:appId', async (request) => renderApp(context.orgUrl(), appFromPath(context, request)));

  for (const [action, status] of [
    ['activate', 'ACTIVE'],
    ['deactivate', 'INACTIVE'],
  ] as const) {
    // 200 with no body (the spec declares none); a repeat is not an error.
    app.post(`/api/v1/apps/:appId/lifecycle/${action}`, async (request, reply: FastifyReply) => {
      const record = appFromPath(context, request);
      if (record.status !== status) {
        record.status = status;
        record.lastUpdated = nowIso();
        store.changed();
      }
      return reply.code(200).send();
    });
  }

  app.delete('/api/v1/apps/:appId', async (request, reply: FastifyReply) => {
    const record = appFromPath(context, request);
    // "Deletes an inactive application" (spec); Okta's answer for an active one is unverified.
    if (record.status === 'ACTIVE')
      throw validationFailed([{ field: 'status', message: 'Deactivate the application before deleting it.' }]);
    const { state } = store;
    state.apps = state.apps.filter((candidate) => candidate.id !== record.id);
    state.appGrants = state.appGrants.filter((grant) => grant.appId !== record.id);
    state.clientRoles = state.clientRoles.filter((role) => role.clientId !== record.clientId);
    store.changed();
    return reply.code(204).send();
  });
}
