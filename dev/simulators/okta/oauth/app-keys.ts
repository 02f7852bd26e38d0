/**
 * A service app's public keys (docs/contracts/okta.md §9.1; spec `listJwk`, `addJwk`, `getJwk`, key lifecycle,
 * `deletejwk`): add (201; unique kid, at most 50, no key without a kid once there are several),
 * list, get, activate/deactivate (200 with the key), delete (inactive keys only, 204). Only ACTIVE
 * keys verify client assertions. Once the app holds Okta-scope grants, only a Super Administrator
 * may add keys (Okta's service-app guide).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rawSegment, type OktaContext } from '../context';
import { accessDenied, notFound, validationFailed } from '../errors';
import { newJwkId } from '../ids';
import { nowIso } from '../state';
import { keySetProblems } from './app-body';
import { appFromPath, renderJwk } from './app-render';
import { rolesOf } from './client-roles';
import { acceptPublicJwk, MAX_KEYS } from './jwk';
import type { AppRecord, JwkRecord } from './records';

export function registerAppKeyRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;

  function keyFromPath(request: FastifyRequest): { record: AppRecord; key: JwkRecord } {
    const record = appFromPath(context, request);
    const { decoded, raw } = rawSegment(request, 6);
    const key = record.keys.find((candidate) => candidate.id === decoded);
    if (!key) throw notFound(decoded ?? raw, 'OAuth2ClientJsonWebKey');
    return { record, key };
  }

  function isSuperAdmin(request: FastifyRequest): boolean {
    const principal = request.oktaPrincipal;
    return principal?.kind !== 'client' || rolesOf(context, principal.clientId).includes('SUPER_ADMIN');
  }

  app.get('/api/v1/apps/:appId/credentials/jwks', async (request) => {
    const record = appFromPath(context, request);
    return record.keys.map((key) => renderJwk(context.orgUrl(), record, key));
  });

  app.post('/api/v1/apps/:appId/credentials/jwks', async (request, reply: FastifyReply) => {
    const record = appFromPath(context, request);
    if (!isSuperAdmin(request) && store.state.appGrants.some((grant) => grant.appId === record.id))
      throw accessDenied();
    const accepted = acceptPublicJwk(request.body ?? {}, 'body');
    if (Array.isArray(accepted)) throw validationFailed(accepted);
    if (record.keys.length >= MAX_KEYS)
      throw validationFailed([
        { field: 'jwks', message: `The client already has ${MAX_KEYS} keys, the most it can have.` },
      ]);
    const problems = keySetProblems([...record.keys, accepted], 'jwks.keys');
    if (problems.length > 0)
      throw validationFailed(problems.map((problem) => ({ field: 'kid', message: problem.message })));
    const now = nowIso();
    const key: JwkRecord = { id: newJwkId(), ...accepted, created: now, lastUpdated: now };
    record.keys.push(key);
    record.lastUpdated = now;
    store.changed();
    return reply.code(201).send(renderJwk(context.orgUrl(), record, key));
  });

  app.get('/api/v1/apps/:appId/credentials/jwks/:keyId', async (request) => {
    const { record, key } = keyFromPath(request);
    return renderJwk(context.orgUrl(), record, key);
  });

  for (const [action, status] of [
    ['activate', 'ACTIVE'],
    ['deactivate', 'INACTIVE'],
  ] as const) {
    app.post(`/api/v1/apps/:appId/credentials/jwks/:keyId/lifecycle/${action}`, async (request) => {
      const { record, key } = keyFromPath(request);
      if (key.status !== status) {
        key.status = status;
        key.lastUpdated = nowIso();
        store.changed();
      }
      return renderJwk(context.orgUrl(), record, key);
    });
  }

  app.delete('/api/v1/apps/:appId/credentials/jwks/:keyId', async (request, reply: FastifyReply) => {
    const { record, key } = keyFromPath(request);
    if (key.status === 'ACTIVE')
      throw validationFailed([{ field: 'status', message: 'Only an inactive key can be deleted.' }]);
    record.keys = record.keys.filter((candidate) => candidate.id !== key.id);
    store.changed();
    return reply.code(204).send();
  });
}
