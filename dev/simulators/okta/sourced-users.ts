/**
 * Directory-sourced users (docs/contracts/okta.md §11): `POST /_sim/users` makes a user as an Active Directory
 * or LDAP import would, and the rule users.ts applies to such a user's profile updates and
 * lifecycle. Okta refuses, with 403 E0000023, any update whose profile merely *contains* an
 * attribute the source masters (even with its current value): base attributes always, custom ones
 * unless their schema says `master: {type: 'OKTA'}` (`PROFILE_MASTER`, the default here, and
 * `OVERRIDE` are the source's).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BASE_PROPERTIES } from './base-profile';
import type { OktaContext } from './context';
import { OktaApiError } from './errors';
import { newUserId } from './ids';
import { profileProperties } from './schema';
import { nowIso, type OktaState, type UserRecord } from './state';
import { userTarget, writeLogEvent } from './system-log';
import { parseBody } from './validation';

const SOURCE_TYPES = ['ACTIVE_DIRECTORY', 'LDAP'] as const;

const seedUserBody = z.object({
  profile: z.record(z.string(), z.unknown()),
  source: z.object({ type: z.enum(SOURCE_TYPES), name: z.string().trim().min(1) }),
  status: z.enum(['ACTIVE', 'SUSPENDED', 'DEPROVISIONED', 'STAGED']).optional(),
});

/** Okta's words (docs/contracts/okta.md §11.2); the same for a partial POST, a full PUT and a lifecycle call. */
export function masteredElsewhere(): OktaApiError {
  return new OktaApiError(403, 'E0000023', 'Operation failed because user profile is mastered under another system');
}

/** The attributes of `given` that the user's profile source masters: none for an Okta-sourced user. */
export function sourceMastered(user: UserRecord, given: Record<string, unknown>, state: OktaState): string[] {
  if (!user.profileSource) return [];
  const properties = profileProperties(state);
  return Object.keys(given).filter(
    (name) => name in BASE_PROPERTIES || (name in properties && properties[name]!.master?.type !== 'OKTA'),
  );
}

/**
 * Deactivate and suspend (and DELETE's first, deactivating call) belong to the top profile source
 * (docs/contracts/okta.md §11.1). Okta's answer is unverified: refused here with the same E0000023, so a client
 * that would deactivate a directory's user finds out in tests. A user the directory already
 * deprovisioned may still be deleted for good.
 */
export function refuseSourcedLifecycle(user: UserRecord): void {
  if (user.profileSource && user.status !== 'DEPROVISIONED') throw masteredElsewhere();
}

export interface SeedHelpers {
  /** users.ts's profile check (schema, required attributes, a unique login). */
  checkProfile(profile: Record<string, unknown>): void;
  render(user: UserRecord): Record<string, unknown>;
}

export function registerSourcedUserRoutes(app: FastifyInstance, context: OktaContext, helpers: SeedHelpers): void {
  const { store } = context;

  // Test affordance: a user as a directory import brings them (Okta has no API for this).
  app.post('/_sim/users', async (request) => {
    const body = parseBody(seedUserBody, request.body);
    helpers.checkProfile(body.profile);
    const now = nowIso();
    const status = body.status ?? 'ACTIVE';
    const user: UserRecord = {
      seq: store.nextSeq(),
      id: newUserId(),
      status,
      created: now,
      activated: status === 'STAGED' ? null : now,
      statusChanged: now,
      lastLogin: null,
      lastUpdated: now,
      // Delegated authentication: the password lives in the directory (Okta shows `password: {}`).
      passwordChanged: null,
      hasPassword: true,
      profile: body.profile,
      // Okta shows the directory as the authentication provider; the profile source is not shown (§11.1).
      provider: { ...body.source },
      profileSource: { ...body.source },
    };
    store.state.users.push(user);
    writeLogEvent(context, request, 'user.lifecycle.create', [userTarget(user)]);
    return helpers.render(user);
  });
}
