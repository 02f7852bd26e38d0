/**
 * The rules of an Okta group sync (docs/sync.md): who joins, who leaves, who moved, who is
 * excluded, who cannot be onboarded (skipped), and whether the removals stay under the guard. Pure: no workflow API, no I/O, so
 * every rule is unit-tested without a server (test/unit/sync-plan.test.ts).
 */
import { normalizeEmail } from '../util/email';

/** Okta user statuses that mean the person should no longer sign in (Okta keeps them in their groups). */
const GONE_STATUSES = ['DEPROVISIONED', 'SUSPENDED'] as const;
type GoneStatus = (typeof GONE_STATUSES)[number];

/** A group member as the sync reads it: the Okta id is what survives a change of login. */
export interface SyncMember {
  oktaId: string;
  /** profile.email, else the login; normalized as onboarding keys people. */
  email: string;
  login: string;
  status: string;
  /**
   * Why onboarding cannot take this member (no usable email, a username Beyond Identity refuses, a
   * login that is not their email), as `onboard --okta-group` says it: set by the activity that read
   * them (src/activities/okta-group.ts, unusableMemberReason), so the rule stays out of the workflow.
   */
  unusable?: string;
}

/** A person this sync onboarded, as the last run left them. */
export interface SyncedPerson {
  email: string;
  /** The Okta user's id when known (read by the run that onboarded them). */
  oktaId?: string;
  /** Taken out of routing with their identity suspended; deleted after the grace period unless they return. */
  suspended: boolean;
}

export interface SyncInput {
  members: readonly SyncMember[];
  /** People this sync onboarded (never those onboarded by hand or by another sync). */
  synced: readonly SyncedPerson[];
  /** Everyone onboarded by anyone else: a member among them is left alone. */
  onboardedElsewhere: ReadonlySet<string>;
  /** Logins (normalized) never onboarded by a sync. */
  excluded: ReadonlySet<string>;
  /** Overrides the default guard (5 % of the group or 10, whichever is larger). */
  maxRemovals?: number;
}

type LeaveReason = 'leftGroup' | GoneStatus;

export interface SyncPlan {
  joiners: SyncMember[];
  leavers: { email: string; reason: LeaveReason }[];
  /** Suspended leavers who are ACTIVE members again: unsuspended and routed again. */
  returning: string[];
  /** Same Okta user, another email than the one onboarded: never re-keyed silently. */
  movers: { oktaId: string; onboardedAs: string; nowEmail: string }[];
  excluded: string[];
  /** ACTIVE members onboarding cannot take (never started), and why: the same reasons `onboard --okta-group` gives. */
  skipped: { email: string; login: string; reason: string }[];
  unchanged: string[];
  /** Set when the plan would take out more people than allowed: the run removes nobody and waits for approval. */
  guard?: { removals: number; limit: number };
}

/** The most people one run may take out without approval. */
export function removalLimit(groupSize: number, override?: number): number {
  return override ?? Math.max(10, Math.ceil(groupSize * 0.05));
}

function isGone(status: string): status is GoneStatus {
  return (GONE_STATUSES as readonly string[]).includes(status);
}

/** A plan that changes nothing (an approval's run; a start). */
export function emptyPlan(): SyncPlan {
  return { joiners: [], leavers: [], returning: [], movers: [], excluded: [], skipped: [], unchanged: [] };
}

export function planSync(input: SyncInput): SyncPlan {
  const plan = emptyPlan();
  const skip = (member: SyncMember, reason: string) =>
    plan.skipped.push({ email: normalizeEmail(member.email), login: member.login, reason });
  const byEmail = new Map(input.members.map((member) => [normalizeEmail(member.email), member]));
  const byOktaId = new Map(input.members.map((member) => [member.oktaId, member]));
  const synced = new Map(input.synced.map((person) => [normalizeEmail(person.email), person]));

  for (const person of synced.values()) {
    const member = byEmail.get(normalizeEmail(person.email));
    const sameUser = person.oktaId ? byOktaId.get(person.oktaId) : undefined;
    if (!member && sameUser) {
      plan.movers.push({ oktaId: sameUser.oktaId, onboardedAs: person.email, nowEmail: sameUser.email });
    } else if (!member) {
      if (!person.suspended) plan.leavers.push({ email: person.email, reason: 'leftGroup' });
      else plan.unchanged.push(person.email);
    } else if (isGone(member.status)) {
      if (!person.suspended) plan.leavers.push({ email: person.email, reason: member.status });
      else plan.unchanged.push(person.email);
    } else if (person.suspended && member.status === 'ACTIVE') {
      // Routing them again would look their Okta user up by an email that no longer fits: not brought back, said why.
      if (member.unusable) skip(member, member.unusable);
      else plan.returning.push(person.email);
    } else {
      // A synced person whose record became unusable is not a leaver for that alone.
      plan.unchanged.push(person.email);
    }
  }

  const movedTo = new Set(plan.movers.map((move) => normalizeEmail(move.nowEmail)));
  for (const [email, member] of byEmail) {
    if (synced.has(email) || movedTo.has(email)) continue;
    if (input.excluded.has(normalizeEmail(member.login)) || input.excluded.has(email)) plan.excluded.push(email);
    else if (input.onboardedElsewhere.has(email)) plan.unchanged.push(email);
    else if (member.unusable) skip(member, member.unusable);
    else if (member.status === 'ACTIVE') plan.joiners.push(member);
  }

  // The group's size before this run's changes too: an emptied group (a wrong group, a broken directory) must not shrink the limit.
  const limit = removalLimit(Math.max(input.members.length, synced.size), input.maxRemovals);
  if (plan.leavers.length > limit) plan.guard = { removals: plan.leavers.length, limit };
  return plan;
}
