/**
 * Okta-scope grants of a service app (docs/contracts/okta.md §9.2; spec `grantConsentToScope`,
 * `listScopeConsentGrants`, `getScopeConsentGrant`, `revokeScopeConsentGrant`): one POST per scope
 * (201), `issuer` the org URL, `scopeId` a known `okta.*` scope; list, get, revoke (204: the grant
 * is gone, and tokens already issued lose the scope at once, see resource-auth.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { rawSegment, type OktaContext } from '../context';
import { notFound, validationFailed } from '../errors';
import { newGrantId } from '../ids';
import { nowIso } from '../state';
import { parseBody } from '../validation';
import { appFromPath, appUrl } from './app-render';
import { actorOf } from './principal';
import type { AppRecord, GrantRecord } from './records';
import { KNOWN_OKTA_SCOPES } from './scopes';

const grantBody = z.object({
  scopeId: z.string().min(1),
  issuer: z.string().min(1),
});

function renderGrant(orgUrl: string, app: AppRecord, grant: GrantRecord): Record<string, unknown> {
  const self = `${appUrl(orgUrl, app)}/grants/${grant.id}`;
  return {
    id: grant.id,
    status: 'ACTIVE',
    created: grant.created,
    lastUpdated: grant.lastUpdated,
    createdBy: grant.createdBy,
    issuer: grant.issuer,
    clientId: grant.clientId,
    scopeId: grant.scopeId,
    source: 'ADMIN',
    _embedded: { scope: { id: grant.scopeId } },
    _links: {
      self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
      app: { href: appUrl(orgUrl, app) },
      client: { href: `${orgUrl}/oauth2/v1/clients/${grant.clientId}` },
      scope: { href: `${orgUrl}/api/v1/scopes/${grant.scopeId}` },
    },
  };
}

/** The scopes an app holds now. */
export function grantedScopes(context: OktaContext, appId: string): string[] {
  return context.store.state.appGrants.filter((grant) => grant.appId === appId).map((grant) => grant.scopeId);
}

export function registerGrantRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;

  function grantFromPath(request: FastifyRequest): { record: AppRecord; grant: GrantRecord } {
    const record = appFromPath(context, request);
    const { decoded, raw } = rawSegment(request, 5);
    const grant = store.state.appGrants.find((candidate) => candidate.appId === record.id && candidate.id === decoded);
    if (!grant) throw notFound(decoded ?? raw, 'OAuth2ScopeConsentGrant');
    return { record, grant };
  }

  app.post('/api/v1/apps/:appId/grants', async (request, reply: FastifyReply) => {
    const record = appFromPath(context, request);
    const body = parseBody(grantBody, request.body);
    const problems = [];
    // The issuer of the org authorization server: the org URL (one trailing slash tolerated).
    if (body.issuer.replace(/\/$/, '') !== context.orgUrl())
      problems.push({ field: 'issuer', message: `The issuer must be the org URL, ${context.orgUrl()}.` });
    if (!KNOWN_OKTA_SCOPES.has(body.scopeId))
      problems.push({ field: 'scopeId', message: `${body.scopeId} is not an Okta scope.` });
    // Unverified: Okta's answer to granting a scope twice. Refusing makes a client list first.
    else if (grantedScopes(context, record.id).includes(body.scopeId))
      problems.push({ field: 'scopeId', message: `The app already has a grant for ${body.scopeId}.` });
    if (problems.length > 0) throw validationFailed(problems);
    const now = nowIso();
    const grant: GrantRecord = {
      seq: store.nextSeq(),
      id: newGrantId(),
      appId: record.id,
      clientId: record.clientId,
      scopeId: body.scopeId,
      issuer: context.orgUrl(),
      created: now,
      lastUpdated: now,
      createdBy: actorOf(request.oktaPrincipal),
    };
    store.state.appGrants.push(grant);
    store.changed();
    return reply.code(201).send(renderGrant(context.orgUrl(), record, grant));
  });

  app.get('/api/v1/apps/:appId/grants', async (request) => {
    const record = appFromPath(context, request);
    return store.state.appGrants
      .filter((grant) => grant.appId === record.id)
      .map((grant) => renderGrant(context.orgUrl(), record, grant));
  });

  app.get('/api/v1/apps/:appId/grants/:grantId', async (request) => {
    const { record, grant } = grantFromPath(request);
    return renderGrant(context.orgUrl(), record, grant);
  });

  app.delete('/api/v1/apps/:appId/grants/:grantId', async (request, reply: FastifyReply) => {
    const { grant } = grantFromPath(request);
    store.state.appGrants = store.state.appGrants.filter((candidate) => candidate.id !== grant.id);
    store.changed();
    return reply.code(204).send();
  });
}
