/**
 * Groups (docs/contracts/okta.md §7.4; spec `listGroups`, `addGroup`, `getGroup`, `listGroupUsers`,
 * `assignUserToGroup`): list with a non-exact `q` (name prefix, not paged), `search`/`filter`
 * expressions and `Link` paging; create an OKTA_GROUP; get by id; list a group's members as User
 * objects with `Link` paging; add a member (204). `POST /_sim/groups` seeds an imported APP_GROUP,
 * which (unlike an OKTA_GROUP) may share its name with another group.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { queryOf, rawSegment, type OktaContext } from './context';
import { invalidSearch, notFound, validationFailed } from './errors';
import { newGroupId } from './ids';
import { pageRequest, setLinkHeaders, takePage } from './links';
import { nowIso, type GroupRecord, type OktaState, type UserRecord } from './state';
import { parseQuery, type QueryAttributes } from './user-query';
import { groupTarget, userTarget, writeLogEvent } from './system-log';
import { findUser, renderUser } from './users';
import { parseBody } from './validation';

/** The spec's `limit` maximum for groups; also the default of a plain or `search` list (the spec gives none). */
const GROUPS_MAX_LIMIT = 10_000;
/** "The default limit for a query is 300 results" (spec `listGroups`, `q`). */
const QUERY_DEFAULT_LIMIT = 300;
/** `listGroupUsers`: default 1000 (the spec); Okta recommends 200. */
const MEMBERS_LIMITS = { defaultLimit: 1000, maxLimit: 1000 };

const groupProfileBody = z.object({
  profile: z.object({
    name: z.string().trim().min(1, 'The field cannot be left blank').max(255),
    description: z.string().max(1024).nullish(),
  }),
});

const seedGroupBody = groupProfileBody.extend({
  /** Users (id or login) who are members from the start, as an import would bring them. */
  members: z.array(z.string()).default([]),
});

const simMemberBody = z.object({ userId: z.string().min(1) });

const FILTER_ATTRIBUTES = new Set(['id', 'type', 'lastUpdated', 'lastMembershipUpdated']);
const SEARCH_TOP_LEVEL = new Set(['id', 'type', 'created', 'lastUpdated', 'lastMembershipUpdated']);

/** Group `search` (any profile property or top-level property; sw, eq, co; co only on name and description) and `filter` (eq on id, type, and the dates, which also take gt/ge/lt/le). */
const GROUP_ATTRIBUTES: QueryAttributes<GroupRecord> = {
  valueOf: (group, attribute) =>
    attribute.startsWith('profile.')
      ? (group.profile as Record<string, unknown>)[attribute.slice('profile.'.length)]
      : (group as unknown as Record<string, unknown>)[attribute],
  caseInsensitive: (mode) => mode === 'search',
  checkAllowed(attribute, operator, mode) {
    if (mode === 'filter') {
      if (!FILTER_ATTRIBUTES.has(attribute))
        throw invalidSearch(`filter does not support the attribute ${attribute}; use search.`);
      const dateOperator = attribute !== 'id' && attribute !== 'type' && ['gt', 'ge', 'lt', 'le'].includes(operator);
      if (operator !== 'eq' && !dateOperator) throw invalidSearch(`filter supports only eq on ${attribute}.`);
      return;
    }
    if (!attribute.startsWith('profile.') && !SEARCH_TOP_LEVEL.has(attribute))
      throw invalidSearch(`search does not support the attribute ${attribute}.`);
    const dateOperator =
      ['created', 'lastUpdated', 'lastMembershipUpdated'].includes(attribute) &&
      ['gt', 'ge', 'lt', 'le'].includes(operator);
    if (!['sw', 'eq', 'co'].includes(operator) && !dateOperator)
      throw invalidSearch(`search on groups supports sw, eq and co, not ${operator}.`);
    if (operator === 'co' && attribute !== 'profile.name' && attribute !== 'profile.description')
      throw invalidSearch('co works on profile.name and profile.description only.');
  },
};

function renderGroup(group: GroupRecord, orgUrl: string): Record<string, unknown> {
  const self = `${orgUrl}/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: group.created,
    lastUpdated: group.lastUpdated,
    lastMembershipUpdated: group.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: group.type,
    profile: {
      name: group.profile.name,
      ...(group.profile.description === null ? {} : { description: group.profile.description }),
    },
    _links: {
      logo: [
        { name: 'medium', href: `${orgUrl}/assets/img/logos/groups/okta-medium.png`, type: 'image/png' },
        { name: 'large', href: `${orgUrl}/assets/img/logos/groups/okta-large.png`, type: 'image/png' },
      ],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
      self: { href: self },
    },
  };
}

/** The group's members that still exist, in creation order (the paging cursor is the user's sequence number). */
function membersOf(state: OktaState, group: GroupRecord): UserRecord[] {
  const ids = new Set(group.members);
  return state.users.filter((user) => ids.has(user.id));
}

export function registerGroupRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;
  const groups = () => store.state.groups;

  /** The group the path names at `segment` (3 under /api/v1/groups, 2 under /_sim/groups). */
  function groupFromPath(request: FastifyRequest, segment = 3): GroupRecord {
    const { decoded, raw } = rawSegment(request, segment);
    const group = groups().find((candidate) => candidate.id === decoded);
    if (!group) throw notFound(decoded ?? raw, 'UserGroup');
    return group;
  }

  function newGroup(
    type: GroupRecord['type'],
    profile: z.infer<typeof groupProfileBody>['profile'],
    members: string[],
  ): GroupRecord {
    const now = nowIso();
    const group: GroupRecord = {
      seq: store.nextSeq(),
      id: newGroupId(),
      type,
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: profile.name, description: profile.description ?? null },
      members,
    };
    groups().push(group);
    store.changed();
    return group;
  }

  app.get('/api/v1/groups', async (request, reply) => {
    const query = queryOf(request);
    const predicates: ((group: GroupRecord) => boolean)[] = [];
    if (query.search !== undefined) predicates.push(parseQuery(query.search, 'search', GROUP_ATTRIBUTES));
    if (query.filter !== undefined) predicates.push(parseQuery(query.filter, 'filter', GROUP_ATTRIBUTES));
    if (query.q !== undefined) {
      const prefix = query.q.toLowerCase();
      predicates.push((group) => group.profile.name.toLowerCase().startsWith(prefix));
    }
    const matching = groups().filter((group) => predicates.every((predicate) => predicate(group)));
    if (query.q !== undefined && query.search === undefined && query.filter === undefined) {
      // "You can't page a query": up to `limit` results, and no next link.
      const { limit } = pageRequest(
        { limit: query.limit },
        { defaultLimit: QUERY_DEFAULT_LIMIT, maxLimit: GROUPS_MAX_LIMIT },
      );
      setLinkHeaders(reply, context.orgUrl(), request);
      return matching.slice(0, limit).map((group) => renderGroup(group, context.orgUrl()));
    }
    const page = takePage(matching, pageRequest(query, { defaultLimit: GROUPS_MAX_LIMIT, maxLimit: GROUPS_MAX_LIMIT }));
    setLinkHeaders(reply, context.orgUrl(), request, page.nextCursor);
    return page.items.map((group) => renderGroup(group, context.orgUrl()));
  });

  app.post('/api/v1/groups', async (request) => {
    const { profile } = parseBody(groupProfileBody, request.body);
    // Okta enforces unique group names (terraform-provider-okta, data_source_okta_group.go); case-insensitively here, as logins are.
    const folded = profile.name.toLowerCase();
    if (groups().some((group) => group.profile.name.toLowerCase() === folded)) {
      throw validationFailed([
        { field: 'name', message: 'An object with this field already exists in the current organization' },
      ]);
    }
    return renderGroup(newGroup('OKTA_GROUP', profile, []), context.orgUrl());
  });

  app.get('/api/v1/groups/:groupId', async (request) => renderGroup(groupFromPath(request), context.orgUrl()));

  app.get('/api/v1/groups/:groupId/users', async (request, reply) => {
    const group = groupFromPath(request);
    const page = takePage(membersOf(store.state, group), pageRequest(queryOf(request), MEMBERS_LIMITS));
    setLinkHeaders(reply, context.orgUrl(), request, page.nextCursor);
    return page.items.map((user) => renderUser(user, context.orgUrl()));
  });

  // spec `listUserGroups`: the user's groups (path id: an id or a login), unpaged as the spec describes; 404 for no such user.
  app.get('/api/v1/users/:userId/groups', async (request) => {
    const { decoded, raw } = rawSegment(request, 3);
    const user = findUser(store.state.users, decoded ?? raw);
    if (!user) throw notFound(decoded ?? raw, 'User');
    return groups()
      .filter((group) => group.members.includes(user.id))
      .map((group) => renderGroup(group, context.orgUrl()));
  });

  /** The user the path names at `segment` (by id only, as Okta's membership calls take). */
  function memberFromPath(request: FastifyRequest, segment: number): UserRecord {
    const { decoded, raw } = rawSegment(request, segment);
    const user = store.state.users.find((candidate) => candidate.id === decoded);
    if (!user) throw notFound(decoded ?? raw, 'User');
    return user;
  }

  function refuseImported(group: GroupRecord): void {
    if (group.type !== 'OKTA_GROUP')
      throw validationFailed([
        {
          field: 'groupId',
          message: `Memberships of a group of type ${group.type} are managed by the app that imported it.`,
        },
      ]);
  }

  /** Adds or removes one member, with its System Log event; a change that changes nothing writes nothing. */
  function setMembership(request: FastifyRequest, group: GroupRecord, user: UserRecord, member: boolean): void {
    if (group.members.includes(user.id) === member) return;
    group.members = member ? [...group.members, user.id] : group.members.filter((id) => id !== user.id);
    group.lastMembershipUpdated = nowIso();
    const eventType = member ? 'group.user_membership.add' : 'group.user_membership.remove';
    writeLogEvent(context, request, eventType, [userTarget(user), groupTarget(group)]);
  }

  app.put('/api/v1/groups/:groupId/users/:userId', async (request, reply: FastifyReply) => {
    const group = groupFromPath(request);
    const user = memberFromPath(request, 5);
    refuseImported(group);
    setMembership(request, group, user, true);
    return reply.code(204).send();
  });

  // spec `unassignUserFromGroup`: 204, also when the user was not a member.
  app.delete('/api/v1/groups/:groupId/users/:userId', async (request, reply: FastifyReply) => {
    const group = groupFromPath(request);
    const user = memberFromPath(request, 5);
    refuseImported(group);
    setMembership(request, group, user, false);
    return reply.code(204).send();
  });

  // Test affordances: a member added or removed in the Admin Console (or by the import that owns an APP_GROUP).
  app.post('/_sim/groups/:groupId/members', async (request, reply: FastifyReply) => {
    const group = groupFromPath(request, 2);
    const { userId } = parseBody(simMemberBody, request.body);
    setMembership(request, group, findUser(store.state.users, userId) ?? fail(userId), true);
    return reply.code(204).send();
  });

  app.delete('/_sim/groups/:groupId/members/:userId', async (request, reply: FastifyReply) => {
    const group = groupFromPath(request, 2);
    setMembership(request, group, memberFromPath(request, 4), false);
    return reply.code(204).send();
  });

  // Test affordance: what an app import (Active Directory, say) would bring, duplicate names included.
  app.post('/_sim/groups', async (request) => {
    const body = parseBody(seedGroupBody, request.body);
    const members = body.members.map((idOrLogin) => findUser(store.state.users, idOrLogin) ?? fail(idOrLogin));
    const group = newGroup('APP_GROUP', body.profile, []);
    for (const user of members) setMembership(request, group, user, true);
    return renderGroup(group, context.orgUrl());
  });
}

function fail(idOrLogin: string): never {
  throw validationFailed([{ field: 'members', message: `No user ${idOrLogin}.` }]);
}
