/**
 * Admin roles assigned to a service app's client (docs/contracts/okta.md §9.3; spec `assignRoleToClient`,
 * `listRolesForClient`, `retrieveClientRole`, `deleteRoleFromClient`): standard role types only
 * (`CUSTOM` needs resource sets, not simulated). What each role allows: role-permissions.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { rawSegment, type OktaContext } from '../context';
import { notFound, OktaApiError } from '../errors';
import { newRoleAssignmentId } from '../ids';
import { nowIso } from '../state';
import { parseBody } from '../validation';
import { ROLE_TYPES, type AppRecord, type ClientRoleRecord, type RoleType } from './records';
import { ROLE_LABELS } from './role-permissions';

const roleBody = z.object({ type: z.enum(ROLE_TYPES) });

function renderRole(orgUrl: string, role: ClientRoleRecord): Record<string, unknown> {
  return {
    id: role.id,
    label: ROLE_LABELS[role.type],
    type: role.type,
    status: 'ACTIVE',
    created: role.created,
    lastUpdated: role.lastUpdated,
    assignmentType: 'CLIENT',
    _links: { assignee: { href: `${orgUrl}/oauth2/v1/clients/${role.clientId}/roles` } },
  };
}

/** The role types a client holds now. */
export function rolesOf(context: OktaContext, clientId: string): RoleType[] {
  return context.store.state.clientRoles.filter((role) => role.clientId === clientId).map((role) => role.type);
}

export function registerClientRoleRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;

  function clientFromPath(request: FastifyRequest): AppRecord {
    const { decoded, raw } = rawSegment(request, 3);
    const record = store.state.apps.find((candidate) => candidate.clientId === decoded);
    if (!record) throw notFound(decoded ?? raw, 'Client');
    return record;
  }

  app.post('/oauth2/v1/clients/:clientId/roles', async (request) => {
    const client = clientFromPath(request);
    const { type } = parseBody(roleBody, request.body);
    // Unverified: the wording; E0000090 is Okta's "Duplicate role assignment" (409) in its error catalog.
    if (rolesOf(context, client.clientId).includes(type))
      throw new OktaApiError(409, 'E0000090', 'Duplicate role assignment exception.', [
        `The role ${type} is already assigned to the client.`,
      ]);
    const now = nowIso();
    const role: ClientRoleRecord = {
      seq: store.nextSeq(),
      id: newRoleAssignmentId(),
      clientId: client.clientId,
      type,
      created: now,
      lastUpdated: now,
    };
    store.state.clientRoles.push(role);
    store.changed();
    return renderRole(context.orgUrl(), role);
  });

  app.get('/oauth2/v1/clients/:clientId/roles', async (request) => {
    const client = clientFromPath(request);
    return store.state.clientRoles
      .filter((role) => role.clientId === client.clientId)
      .map((role) => renderRole(context.orgUrl(), role));
  });

  function roleFromPath(request: FastifyRequest): ClientRoleRecord {
    const client = clientFromPath(request);
    const { decoded, raw } = rawSegment(request, 5);
    const role = store.state.clientRoles.find(
      (candidate) => candidate.clientId === client.clientId && candidate.id === decoded,
    );
    if (!role) throw notFound(decoded ?? raw, 'RoleAssignment');
    return role;
  }

  app.get('/oauth2/v1/clients/:clientId/roles/:roleAssignmentId', async (request) =>
    renderRole(context.orgUrl(), roleFromPath(request)),
  );

  app.delete('/oauth2/v1/clients/:clientId/roles/:roleAssignmentId', async (request, reply: FastifyReply) => {
    const role = roleFromPath(request);
    store.state.clientRoles = store.state.clientRoles.filter((candidate) => candidate.id !== role.id);
    store.changed();
    return reply.code(204).send();
  });
}
