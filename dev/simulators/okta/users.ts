/**
 * Users (docs/contracts/okta.md §1, §7.2): get by id, login or login shortname; list with filter/search/q and
 * cursor paging; create with `activate`/`provider`; partial (POST) and full (PUT) profile
 * updates; lifecycle activate/deactivate/suspend; two-step delete. Profiles are checked against the
 * user schema (profile-validation.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { queryBoolean, queryOf, rawSegment, type OktaContext } from './context';
import { notFound, validationFailed } from './errors';
import { newUserId } from './ids';
import { activatedStatus, registerLifecycleRoutes, setStatus } from './lifecycle';
import { pageRequest, setLinkHeaders, takePage } from './links';
import { nowIso, type UserRecord } from './state';
import { profileProblems } from './profile-validation';
import { profileProperties } from './schema';
import { refuseSourcedLifecycle, registerSourcedUserRoutes, sourceMastered, masteredElsewhere } from './sourced-users';
import { userTarget, writeLogEvent, type LogTarget } from './system-log';
import { parseUserQuery } from './user-query';
import { parseBody } from './validation';

const PROVIDER_TYPES = ['OKTA', 'ACTIVE_DIRECTORY', 'LDAP', 'FEDERATION', 'SOCIAL', 'IMPORT'] as const;

const createUserBody = z.object({
  profile: z.record(z.string(), z.unknown()),
  credentials: z
    .object({
      password: z.object({ value: z.string().min(1, 'The password cannot be empty.') }).optional(),
      provider: z.object({ type: z.enum(PROVIDER_TYPES), name: z.string().optional() }).optional(),
      recovery_question: z.unknown().optional(),
    })
    .optional(),
  groupIds: z.array(z.string()).optional(),
  type: z.object({ id: z.string() }).optional(),
});

/** `updateUser`/`replaceUser`: the profile, and a new password (the only credential change simulated). */
const updateUserBody = z.object({
  profile: z.record(z.string(), z.unknown()).optional(),
  credentials: z
    .object({ password: z.object({ value: z.string().min(1, 'The password cannot be empty.') }).optional() })
    .strict()
    .optional(),
  type: z.object({ id: z.literal('oty1defaultusertype0') }).optional(),
});

export function findUser(users: UserRecord[], idOrLogin: string): UserRecord | undefined {
  const byId = users.find((user) => user.id === idOrLogin);
  if (byId) return byId;
  const folded = idOrLogin.toLowerCase();
  const byLogin = users.find((user) => String(user.profile.login).toLowerCase() === folded);
  if (byLogin) return byLogin;
  // The login shortname (the part before @), only when it names exactly one user.
  const byShortname = users.filter((user) => String(user.profile.login).toLowerCase().split('@')[0] === folded);
  return byShortname.length === 1 ? byShortname[0] : undefined;
}

/** The user as a log target, with the profile properties the update changed (`changeDetails`). */
function profileChange(user: UserRecord, before: Record<string, unknown>): LogTarget {
  const from: Record<string, unknown> = {};
  const to: Record<string, unknown> = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(user.profile)])) {
    if (JSON.stringify(before[name]) === JSON.stringify(user.profile[name])) continue;
    from[name] = before[name] ?? null;
    to[name] = user.profile[name] ?? null;
  }
  return { ...userTarget(user), changeDetails: { from, to } };
}

export function renderUser(user: UserRecord, orgUrl: string): Record<string, unknown> {
  const self = `${orgUrl}/api/v1/users/${user.id}`;
  const links: Record<string, unknown> = { self: { href: self } };
  if (user.status === 'STAGED' || user.status === 'DEPROVISIONED')
    links.activate = { href: `${self}/lifecycle/activate`, method: 'POST' };
  // Only the transitions valid now: a directory's user is the directory's to deactivate (sourced-users.ts).
  if (user.status !== 'DEPROVISIONED' && !user.profileSource)
    links.deactivate = { href: `${self}/lifecycle/deactivate`, method: 'POST' };
  if (user.status === 'ACTIVE' && !user.profileSource)
    links.suspend = { href: `${self}/lifecycle/suspend`, method: 'POST' };
  if (user.status === 'SUSPENDED' && !user.profileSource)
    links.unsuspend = { href: `${self}/lifecycle/unsuspend`, method: 'POST' };
  if (user.status === 'PROVISIONED' || user.status === 'RECOVERY')
    links.reactivate = { href: `${self}/lifecycle/reactivate`, method: 'POST' };
  return {
    id: user.id,
    status: user.status,
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: 'oty1defaultusertype0' },
    profile: { mobilePhone: null, secondEmail: null, ...user.profile },
    credentials: { ...(user.hasPassword ? { password: {} } : {}), provider: user.provider },
    _links: links,
  };
}

export function registerUserRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;
  const users = () => store.state.users;

  /** The user the path names at segment `index` (3 under /api/v1/users, 2 under /_sim/users). */
  function userFromPath(request: FastifyRequest, index = 3): UserRecord {
    const { raw, decoded } = rawSegment(request, index);
    // Logins containing "/" can only be fetched by id (docs/contracts/okta.md §1.1).
    const user = decoded === undefined || /%2f/i.test(raw) ? undefined : findUser(users(), decoded);
    if (!user) throw notFound(decoded ?? raw, 'User');
    return user;
  }

  /** Throws 400 E0000001 when `profile` (after the change; `given` = what this request sets) breaks the schema or takes another user's login. */
  function checkProfile(profile: Record<string, unknown>, given: Record<string, unknown>, self?: UserRecord): void {
    const problems = profileProblems(profile, given, profileProperties(store.state));
    if (problems.length > 0) throw validationFailed(problems);
    const login = String(profile.login).toLowerCase();
    if (users().some((user) => user !== self && String(user.profile.login).toLowerCase() === login)) {
      throw validationFailed([
        { field: 'login', message: 'An object with this field already exists in the current organization' },
      ]);
    }
  }

  /** POST (`partial`: only the given properties change) or PUT (the profile is replaced) of one user. */
  function update(request: FastifyRequest, partial: boolean): Record<string, unknown> {
    const user = userFromPath(request);
    const body = parseBody(updateUserBody, request.body);
    if (!partial && body.profile === undefined)
      throw validationFailed([{ field: 'profile', message: 'The field is required.' }]);
    const given = body.profile ?? {};
    // Before validation: Okta refuses the request for what it contains, whatever the values; a
    // full PUT replaces (so changes) what the source masters, whatever it contains.
    if (user.profileSource && (!partial || sourceMastered(user, given, store.state).length > 0))
      throw masteredElsewhere();
    const profile = partial ? { ...user.profile, ...given } : { ...given };
    checkProfile(profile, given, user);
    const now = nowIso();
    const before = user.profile;
    user.profile = profile;
    if (body.profile !== undefined)
      writeLogEvent(context, request, 'user.account.update_profile', [profileChange(user, before)]);
    if (body.credentials?.password) {
      user.hasPassword = true;
      user.passwordChanged = now;
    }
    user.lastUpdated = now;
    store.changed();
    return renderUser(user, context.orgUrl());
  }

  app.get('/api/v1/users', async (request, reply) => {
    const query = queryOf(request);
    const predicates: ((user: UserRecord) => boolean)[] = [];
    if (query.search !== undefined) predicates.push(parseUserQuery(query.search, 'search'));
    if (query.filter !== undefined) predicates.push(parseUserQuery(query.filter, 'filter'));
    if (query.q !== undefined) {
      const prefix = query.q.toLowerCase();
      predicates.push((user) =>
        ['firstName', 'lastName', 'email'].some((field) =>
          String(user.profile[field] ?? '')
            .toLowerCase()
            .startsWith(prefix),
        ),
      );
    }
    // Only filter and search show DEPROVISIONED users (docs/contracts/okta.md §1.1).
    if (query.search === undefined && query.filter === undefined)
      predicates.push((user) => user.status !== 'DEPROVISIONED');
    const matching = users().filter((user) => predicates.every((predicate) => predicate(user)));
    const page = takePage(
      matching,
      pageRequest(query, { defaultLimit: query.q !== undefined ? 10 : 200, maxLimit: 200 }),
    );
    setLinkHeaders(reply, context.orgUrl(), request, page.nextCursor);
    return page.items.map((user) => renderUser(user, context.orgUrl()));
  });

  app.post('/api/v1/users', async (request) => {
    const query = queryOf(request);
    const body = parseBody(createUserBody, request.body);
    checkProfile(body.profile, body.profile);
    const activate = queryBoolean(query.activate, true);
    const providerFlag = queryBoolean(query.provider, false);
    const providerType = providerFlag ? (body.credentials?.provider?.type ?? 'OKTA') : 'OKTA';
    const now = nowIso();
    const user: UserRecord = {
      seq: store.nextSeq(),
      id: newUserId(),
      status: 'STAGED',
      created: now,
      activated: null,
      statusChanged: null,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: body.credentials?.password ? now : null,
      hasPassword: body.credentials?.password !== undefined,
      profile: body.profile,
      provider: { type: providerType, name: body.credentials?.provider?.name ?? providerType },
    };
    if (activate) {
      user.status = activatedStatus(user);
      user.statusChanged = now;
      if (user.status === 'ACTIVE') user.activated = now;
    }
    users().push(user);
    writeLogEvent(context, request, 'user.lifecycle.create', [userTarget(user)]);
    if (user.status === 'ACTIVE' || user.status === 'PROVISIONED')
      writeLogEvent(context, request, 'user.lifecycle.activate', [userTarget(user)]);
    store.changed();
    return renderUser(user, context.orgUrl());
  });

  app.get('/api/v1/users/:idOrLogin', async (request) => renderUser(userFromPath(request), context.orgUrl()));

  app.post('/api/v1/users/:idOrLogin', async (request) => update(request, true));
  app.put('/api/v1/users/:idOrLogin', async (request) => update(request, false));

  registerLifecycleRoutes(app, context, userFromPath);

  app.delete('/api/v1/users/:id', async (request, reply: FastifyReply) => {
    const user = userFromPath(request);
    refuseSourcedLifecycle(user);
    // The first DELETE deactivates; only a DEPROVISIONED user is removed (docs/contracts/okta.md §1.3).
    if (user.status === 'DEPROVISIONED') {
      store.state.users = users().filter((other) => other !== user);
      writeLogEvent(context, request, 'user.lifecycle.delete.initiated', [userTarget(user)]);
      writeLogEvent(context, request, 'user.lifecycle.delete.completed', [userTarget(user)]);
    } else {
      setStatus(user, 'DEPROVISIONED');
      writeLogEvent(context, request, 'user.lifecycle.deactivate', [userTarget(user)]);
    }
    store.changed();
    return reply.code(204).send();
  });

  registerSourcedUserRoutes(app, context, {
    checkProfile: (profile) => checkProfile(profile, profile),
    render: (user) => renderUser(user, context.orgUrl()),
  });
}
