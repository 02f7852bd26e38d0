/**
 * `onboard --okta-group`, on the worker (the CLI holds no Okta credentials): find the group (by
 * id when given one, else by exact name), read every member page by page, and sort the members
 * into those who can be onboarded and those skipped, each with the reason and what to do.
 * Read-only; nothing here starts anyone.
 */
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { usernameProblem } from '../clients/beyond-identity/ensure';
import { DEFAULT_GROUP_MEMBERS_PAGE_SIZE, type OktaApi } from '../clients/okta/api';
import type { OktaGroup, OktaUser } from '../clients/okta/schemas';
import { normalizeEmail } from '../workflows/definitions';
import { heartbeatAndClassify } from './context';

export interface OktaGroupInput {
  /** An Okta group id (`00g…`) or a group's exact name. */
  group: string;
  /** Members read per page (1–1000; default 200, Okta's recommendation). */
  pageSize?: number;
}

export interface OktaGroupSummary {
  id: string;
  name: string;
  type: string;
}

export interface OktaGroupMember {
  /** profile.email, else the login; lower-cased, as onboarding keys people. */
  email: string;
  login: string;
  firstName?: string;
  lastName?: string;
  status: string;
}

export interface SkippedMember extends OktaGroupMember {
  reason: string;
}

/** A group's members are returned in one workflow result: this many keeps it well under Temporal's 2 MB payload limit. */
const MAX_GROUP_MEMBERS = 5_000;
/** Suggestions shown when nothing matches exactly. */
const MAX_SIMILAR = 5;

export type OktaGroupResolution =
  | { outcome: 'found'; group: OktaGroupSummary; members: OktaGroupMember[]; skipped: SkippedMember[]; pages: number }
  | { outcome: 'notFound'; searchedBy: 'id' | 'name'; searched: string; similar: OktaGroupSummary[] }
  | { outcome: 'ambiguous'; searched: string; matches: OktaGroupSummary[] }
  | { outcome: 'tooLarge'; group: OktaGroupSummary; limit: number };

/** An argument shaped like an Okta group id is looked up as one; anything else is a name. */
export function isOktaGroupId(value: string): boolean {
  return /^00g[A-Za-z0-9]+$/.test(value);
}

/** Why a user that is not ACTIVE cannot be onboarded, and what to do about it. */
const NOT_ACTIVE: Record<string, string> = {
  STAGED: 'not activated in Okta (STAGED): activate the user in Okta, then onboard the group again',
  PROVISIONED:
    'has not finished Okta activation (PROVISIONED): once the person has activated (or an administrator has), onboard the group again',
  SUSPENDED: 'suspended in Okta: unsuspend the user if they should sign in, then onboard the group again',
  DEPROVISIONED:
    'deactivated in Okta (DEPROVISIONED): reactivate the user if they should sign in, then onboard the group again',
  LOCKED_OUT: 'locked out of Okta: unlock the user, then onboard the group again',
  RECOVERY: 'in password recovery (RECOVERY): once the person has finished recovering, onboard the group again',
  PASSWORD_EXPIRED:
    'their Okta password has expired (PASSWORD_EXPIRED): once they have set a new one (or an administrator has reset it), onboard the group again',
};

const emailShape = z.email();

function summary(group: OktaGroup): OktaGroupSummary {
  return { id: group.id, name: group.profile.name, type: group.type };
}

/** The email onboarding keys a member by: profile.email, else the login (as given, and normalized). */
export function memberEmail(user: OktaUser): { given: string; email: string } {
  const given = user.profile.email?.trim() || user.profile.login.trim();
  return { given, email: normalizeEmail(given) };
}

/**
 * Why an ACTIVE member cannot be onboarded, if they cannot: no usable email, a username Beyond
 * Identity refuses, or an Okta login that is not their email (a person's Okta user is found by
 * login = email — ensureRoutedUser; the IdP matches the Beyond Identity username against the Okta
 * username — so they would get a second Okta user). `onboard --okta-group` and the group sync
 * (src/activities/sync.ts) skip them with this reason.
 */
export function unusableMemberReason(user: OktaUser): string | undefined {
  const login = user.profile.login;
  const { given, email } = memberEmail(user);
  if (!emailShape.safeParse(given).success)
    return `no usable email (profile.email ${JSON.stringify(user.profile.email ?? null)}, login "${login}"): give the user an email address in Okta`;
  const refused = usernameProblem(given);
  if (refused) return `${given}: ${refused}`;
  if (normalizeEmail(login) !== email)
    return `Okta login "${login}" is not their email ${email}: onboarding finds a person's Okta user by login = email, so it would create a second Okta user; make the login the email in Okta, or onboard them apart`;
  return undefined;
}

/** ACTIVE members with a usable email are onboarded; everyone else is skipped with the reason. */
export function sortMembers(users: OktaUser[]): { members: OktaGroupMember[]; skipped: SkippedMember[] } {
  const members: OktaGroupMember[] = [];
  const skipped: SkippedMember[] = [];
  for (const user of users) {
    const member: OktaGroupMember = {
      email: memberEmail(user).email,
      login: user.profile.login,
      ...(user.profile.firstName ? { firstName: user.profile.firstName } : {}),
      ...(user.profile.lastName ? { lastName: user.profile.lastName } : {}),
      status: user.status,
    };
    const reason =
      user.status !== 'ACTIVE'
        ? (NOT_ACTIVE[user.status] ?? `status ${user.status}: only ACTIVE users are onboarded`)
        : unusableMemberReason(user);
    if (reason) skipped.push({ ...member, reason });
    else members.push(member);
  }
  return { members, skipped };
}

export function createOktaGroupActivities(oktaApi: OktaApi) {
  return {
    resolveOktaGroup: heartbeatAndClassify(async (input: OktaGroupInput): Promise<OktaGroupResolution> => {
      const signal = Context.current().cancellationSignal;
      const searched = input.group.trim();
      let group: OktaGroup | undefined;
      if (isOktaGroupId(searched)) {
        group = await oktaApi.getGroup(searched, signal);
        if (!group) return { outcome: 'notFound', searchedBy: 'id', searched, similar: [] };
      } else {
        const { exact, similar } = await oktaApi.findGroupsByName(searched, signal);
        if (exact.length === 0)
          return {
            outcome: 'notFound',
            searchedBy: 'name',
            searched,
            similar: similar.slice(0, MAX_SIMILAR).map(summary),
          };
        if (exact.length > 1) return { outcome: 'ambiguous', searched, matches: exact.map(summary) };
        group = exact[0]!;
      }
      const read = await oktaApi.listGroupMembers(group.id, {
        pageSize: input.pageSize ?? DEFAULT_GROUP_MEMBERS_PAGE_SIZE,
        maxMembers: MAX_GROUP_MEMBERS,
        signal,
      });
      if (!read.complete) return { outcome: 'tooLarge', group: summary(group), limit: MAX_GROUP_MEMBERS };
      return { outcome: 'found', group: summary(group), ...sortMembers(read.members), pages: read.pages };
    }),
  };
}
