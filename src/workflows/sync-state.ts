/**
 * An Okta group sync's state and its rules, in one class the workflow (sync.ts) drives: which
 * System Log events are ours and new, who the fast path asks Okta about, the removal guard over a
 * reconcile and the last hour, what a run did (its summary), the configure and approve rules, and
 * what Temporal UI shows. Pure: no workflow API and no I/O, so every rule is unit-tested without a
 * server (test/unit/sync-state.test.ts). Times are ISO strings the workflow passes in.
 */
import { normalizeEmail } from '../util/email';
import type {
  SyncChange,
  SyncDigest,
  SyncEvent,
  SyncLeaver,
  SyncRunSummary,
  SyncSpec,
  SyncState,
  SyncStatus,
} from './sync-definitions';
import { planSync, removalLimit, type SyncMember, type SyncPlan, type SyncedPerson } from './sync-plan';
import { markdown, type Line, type View } from './view';

/** Event uuids are remembered this long: Okta may hand an event out again, the sync applies it once. */
const SEEN_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Removals applied this long ago still count against the guard. */
const GUARD_WINDOW_MS = 60 * 60 * 1000;
/** People a run summary names, at most (its counts stay exact). */
const LISTED_CHANGES = 50;

/** A profile update's event type. */
export const PROFILE_UPDATE = 'user.account.update_profile';

/** The System Log events a sync reads (the activity asks Okta for these only). */
export const SYNC_EVENT_FILTER = `eventType eq "group.user_membership.add" or eventType eq "group.user_membership.remove" or eventType sw "user.lifecycle." or eventType eq "${PROFILE_UPDATE}"`;

const MEMBERSHIP_EVENTS = new Set(['group.user_membership.add', 'group.user_membership.remove']);
/** The profile properties a sync reads (its members' email and login): a profile update changing none of them changes nothing. */
const PROFILE_PROPERTIES_READ = ['email', 'login'];

/**
 * A profile update that shows it changed nothing the sync reads: most often our own (a person's
 * routing property set when they bind, cleared when they leave), which would otherwise make one more
 * fast-path run that changes nothing. One that does not show what changed is kept.
 */
function changesNothingRead(event: SyncEvent): boolean {
  return (
    event.eventType === PROFILE_UPDATE &&
    event.profileChanges !== undefined &&
    !event.profileChanges.some((name) => PROFILE_PROPERTIES_READ.includes(name))
  );
}

/** What one person's change came to (applySyncChanges' answer, one per person). */
export interface AppliedChange {
  email: string;
  action: 'join' | 'leave' | 'return';
  /** StartOutcome, LeaveOutcome or ReturnOutcome. */
  outcome: string;
}

/** The outcomes that changed something, and what they are called in a summary. */
const EFFECTIVE: Record<AppliedChange['action'], Record<string, SyncChange>> = {
  join: { started: 'joined' },
  leave: { leaving: 'left', cancelled: 'cancelled' },
  return: { returning: 'returned' },
};

export type ConfigureChanges = Partial<Pick<SyncSpec, 'everyMs' | 'maxRemovals' | 'exclude' | 'deleteAfterMs'>>;

/** What a reconcile applies once the guard has had its say. */
export interface Decision {
  joiners: SyncMember[];
  leavers: SyncLeaver[];
  returning: string[];
  /** Set when this run's removals are held (new or added to a held guard). */
  held?: { removals: number; limit: number };
  /** The guard stopped removals in this run and none were held before. */
  newGuardStop: boolean;
}

export function initialSyncState(spec: SyncSpec): SyncState {
  return {
    spec,
    status: 'Starting',
    totals: { joined: 0, left: 0, returned: 0, eventsApplied: 0, guardStops: 0 },
    seen: {},
    memberIndex: {},
    recentRemovals: [],
  };
}

const ago = (now: string, ms: number) => new Date(Date.parse(now) - ms).toISOString();

export class GroupSync {
  /** A reconcile is running (shown as Reconciling). */
  private reconciling = false;

  constructor(readonly state: SyncState) {}

  get spec(): SyncSpec {
    return this.state.spec;
  }

  get paused(): boolean {
    return this.state.spec.everyMs === null;
  }

  // Events

  /**
   * The events of a page that are new (not applied in the window) and ours: a membership change of
   * our group, or a lifecycle or profile change of one of its members (or of someone a membership
   * event of the same batch names). Returns them and the Okta ids of the people they name.
   */
  eventsToApply(events: readonly SyncEvent[]): { events: SyncEvent[]; userIds: string[] } {
    const groupId = this.spec.group.id;
    const fresh = events.filter((event, index) => {
      if (this.state.seen[event.uuid] || changesNothingRead(event)) return false;
      return events.findIndex((other) => other.uuid === event.uuid) === index;
    });
    const ours = fresh.filter((event) => MEMBERSHIP_EVENTS.has(event.eventType) && event.groupIds.includes(groupId));
    const named = new Set(ours.flatMap((event) => event.userIds));
    const known = (id: string) => named.has(id) || this.state.memberIndex[id] !== undefined;
    const theirs = fresh.filter(
      (event) => !MEMBERSHIP_EVENTS.has(event.eventType) && event.userIds.some((id) => known(id)),
    );
    const kept = fresh.filter((event) => ours.includes(event) || theirs.includes(event));
    const userIds = [
      ...new Set(
        kept.flatMap((event) =>
          MEMBERSHIP_EVENTS.has(event.eventType) ? event.userIds : event.userIds.filter((id) => known(id)),
        ),
      ),
    ];
    return { events: kept, userIds };
  }

  /** Remembers applied events, forgets those older than the window, and moves the cursor on. */
  eventsApplied(events: readonly SyncEvent[], cursor: string, now: string): void {
    for (const event of events) this.state.seen[event.uuid] = now;
    const oldest = ago(now, SEEN_WINDOW_MS);
    for (const [uuid, at] of Object.entries(this.state.seen)) if (at < oldest) delete this.state.seen[uuid];
    this.state.totals.eventsApplied += events.length;
    this.state.cursor = cursor;
  }

  // Planning

  /** The synced people with the Okta id the member index knows them by (what tells a mover from a leaver). */
  withOktaIds(synced: readonly SyncedPerson[]): SyncedPerson[] {
    const idByEmail = new Map(Object.entries(this.state.memberIndex).map(([id, email]) => [email, id]));
    return synced.map((person) => {
      const oktaId = person.oktaId ?? idByEmail.get(normalizeEmail(person.email));
      return oktaId ? { ...person, oktaId } : person;
    });
  }

  /** The most removals without approval: from the whole group's size (or the synced count, if larger). */
  removalLimit(syncedCount: number): number {
    const members = Object.keys(this.state.memberIndex).length;
    return removalLimit(Math.max(members, syncedCount), this.spec.maxRemovals);
  }

  /** A full reconcile's plan: every member against every synced person. */
  planFull(input: {
    members: SyncMember[];
    synced: SyncedPerson[];
    onboardedElsewhere: string[];
    excluded: string[];
  }): SyncPlan {
    const synced = this.withOktaIds(input.synced);
    return planSync({
      members: input.members,
      synced,
      onboardedElsewhere: new Set(input.onboardedElsewhere.map(normalizeEmail)),
      excluded: new Set(input.excluded.map(normalizeEmail)),
      maxRemovals: removalLimit(Math.max(input.members.length, synced.length), this.spec.maxRemovals),
    });
  }

  /**
   * The fast path's plan: only the people the events named (by Okta id: their old email from the
   * member index, their email now if they are still members), the guard's limit from the whole group.
   */
  planNamed(input: {
    userIds: string[];
    members: SyncMember[];
    synced: SyncedPerson[];
    onboardedElsewhere: string[];
    excluded: string[];
  }): SyncPlan {
    const emails = new Set(this.namedEmails(input.userIds, input.members));
    const synced = this.withOktaIds(input.synced);
    return planSync({
      members: input.members,
      synced: synced.filter((person) => emails.has(normalizeEmail(person.email))),
      onboardedElsewhere: new Set(input.onboardedElsewhere.map(normalizeEmail)),
      excluded: new Set(input.excluded.map(normalizeEmail)),
      maxRemovals: this.removalLimit(synced.length),
    });
  }

  /**
   * The emails of the people events named: as the member index knows them (their email when they
   * were onboarded), and as they are now if still members. The fast path reads only these people's runs.
   */
  namedEmails(userIds: readonly string[], members: readonly SyncMember[]): string[] {
    return [
      ...new Set([
        ...userIds.flatMap((id) => this.state.memberIndex[id] ?? []),
        ...members.map((member) => normalizeEmail(member.email)),
      ]),
    ].sort();
  }

  /** A full read replaces the member index; a mover keeps the email they were onboarded as (never re-keyed). */
  indexMembers(members: readonly SyncMember[], plan: SyncPlan): void {
    const index: Record<string, string> = {};
    for (const member of members) index[member.oktaId] = normalizeEmail(member.email);
    for (const move of plan.movers) index[move.oktaId] = normalizeEmail(move.onboardedAs);
    this.state.memberIndex = index;
  }

  /** The fast path updates the index for the people it asked about: members in, the others out. */
  indexNamed(userIds: readonly string[], members: readonly SyncMember[], plan: SyncPlan): void {
    for (const id of userIds) delete this.state.memberIndex[id];
    for (const member of members) this.state.memberIndex[member.oktaId] = normalizeEmail(member.email);
    for (const move of plan.movers) this.state.memberIndex[move.oktaId] = normalizeEmail(move.onboardedAs);
  }

  // The guard

  private removalsInWindow(now: string): number {
    const since = ago(now, GUARD_WINDOW_MS);
    this.state.recentRemovals = this.state.recentRemovals.filter((at) => at >= since);
    return this.state.recentRemovals.length;
  }

  /**
   * Joiners and returns always apply. Leavers apply unless this run's removals plus those of the
   * last hour exceed the limit, or a guard is already held: then they join the held ones (nobody
   * leaves) until `approveRemovals`. A held person who is a member again is no longer held.
   */
  decide(plan: SyncPlan, limit: number, now: string): Decision {
    const pending = this.state.pendingGuard;
    const back = new Set(
      [...plan.unchanged, ...plan.returning, ...plan.joiners.map((j) => j.email)].map(normalizeEmail),
    );
    const held = new Map(
      (pending?.leavers ?? []).filter((l) => !back.has(normalizeEmail(l.email))).map((l) => [l.email, l]),
    );
    const apply = { joiners: plan.joiners, returning: plan.returning };
    const recent = this.removalsInWindow(now);
    if (!pending && plan.leavers.length + recent <= limit)
      return { ...apply, leavers: plan.leavers, newGuardStop: false };
    for (const leaver of plan.leavers) held.set(leaver.email, leaver);
    if (held.size === 0) {
      this.state.pendingGuard = undefined;
      return { ...apply, leavers: [], newGuardStop: false };
    }
    const leavers = [...held.values()];
    this.state.pendingGuard = { removals: leavers.length, limit, since: pending?.since ?? now, leavers };
    if (!pending) this.state.totals.guardStops += 1;
    return { ...apply, leavers: [], held: { removals: leavers.length, limit }, newGuardStop: !pending };
  }

  /** The update's validator: exactly the held count, and only while a guard holds. */
  validateApproval(count: number): void {
    const pending = this.state.pendingGuard;
    if (!pending) throw new Error('no removals are held: there is nothing to approve');
    if (count !== pending.removals)
      throw new Error(
        `${pending.removals} removals are held, not ${count}: approve exactly ${pending.removals} (see the sync's status for who)`,
      );
  }

  /** The held leavers, released by an approval. */
  releaseHeld(): SyncLeaver[] {
    const leavers = this.state.pendingGuard?.leavers ?? [];
    this.state.pendingGuard = undefined;
    return leavers;
  }

  // What a run did

  /** Records what was applied (totals, the guard's window) and returns the run's summary. */
  finishRun(
    kind: SyncRunSummary['kind'],
    startedAt: string,
    now: string,
    plan: SyncPlan,
    applied: readonly AppliedChange[],
    held?: Decision['held'],
  ): SyncRunSummary {
    const changed = applied.flatMap((change) => {
      const named = EFFECTIVE[change.action][change.outcome];
      return named ? [{ email: change.email, change: named }] : [];
    });
    const count = (...names: SyncChange[]) => changed.filter((change) => names.includes(change.change)).length;
    const removals = count('left', 'cancelled');
    for (let index = 0; index < removals; index++) this.state.recentRemovals.push(now);
    this.state.totals.joined += count('joined');
    this.state.totals.left += removals;
    this.state.totals.returned += count('returned');
    const summary: SyncRunSummary = {
      kind,
      startedAt,
      finishedAt: now,
      counts: {
        joiners: count('joined'),
        leavers: removals,
        returning: count('returned'),
        movers: plan.movers.length,
        excluded: plan.excluded.length,
        skipped: plan.skipped.length,
        unchanged: plan.unchanged.length + applied.length - changed.length,
      },
      changed: changed.slice(0, LISTED_CHANGES),
      movers: plan.movers,
      ...(held ? { guard: held } : {}),
    };
    this.state.lastRun = summary;
    if (kind === 'full') this.state.lastFullRun = summary;
    this.noteMovers(kind, plan, now);
    return summary;
  }

  /** Movers are a problem until a full reconcile finds none: never re-keyed, the operator decides. */
  private noteMovers(kind: SyncRunSummary['kind'], plan: SyncPlan, now: string): void {
    if (plan.movers.length > 0) {
      const moves = plan.movers.map((move) => `${move.onboardedAs} is now ${move.nowEmail}`).join('; ');
      const fixes = plan.movers.map((move) => `bi-okta cancel ${move.onboardedAs}`).join('; ');
      this.state.problem = {
        message: `Okta users changed their email since they were onboarded (${moves}); the sync does not re-key anyone`,
        fix: `${fixes}; the next run onboards the new email`,
        since: this.state.problem?.since ?? now,
      };
    } else if (kind === 'full' && this.state.problem?.message.startsWith('Okta users changed')) {
      this.state.problem = undefined;
    }
  }

  // Status

  setProblem(problem: { message: string; fix: string } | undefined, now: string): void {
    this.state.problem = problem ? { ...problem, since: this.state.problem?.since ?? now } : undefined;
  }

  setReconciling(reconciling: boolean): SyncStatus {
    this.reconciling = reconciling;
    return this.refreshStatus();
  }

  refreshStatus(): SyncStatus {
    const status: SyncStatus = this.reconciling
      ? 'Reconciling'
      : this.paused
        ? 'Paused'
        : this.state.problem || this.state.pendingGuard
          ? 'NeedsAttention'
          : this.state.lastRun
            ? 'Watching'
            : 'Starting';
    this.state.status = status;
    return status;
  }

  /** The `configure` update's validator. */
  static validateConfigure(changes: ConfigureChanges): void {
    if (changes.everyMs !== undefined && changes.everyMs !== null && !(changes.everyMs >= 1000))
      throw new Error('everyMs must be at least 1000 (one second), or null to pause the sync');
    if (changes.maxRemovals !== undefined && !(Number.isInteger(changes.maxRemovals) && changes.maxRemovals >= 0))
      throw new Error('maxRemovals must be a whole number, 0 or more');
    if (changes.deleteAfterMs !== undefined && !(changes.deleteAfterMs > 0))
      throw new Error('deleteAfterMs must be more than 0');
  }

  /** Applies a configure; true when a paused sync was resumed (a full reconcile follows). */
  configure(changes: ConfigureChanges): boolean {
    const wasPaused = this.paused;
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    this.state.spec = { ...this.state.spec, ...defined };
    this.refreshStatus();
    return wasPaused && !this.paused;
  }

  digest(syncId: string): SyncDigest {
    const { state } = this;
    return {
      syncId,
      group: state.spec.group,
      status: state.status,
      ...(state.lastRun ? { lastRun: state.lastRun } : {}),
      ...(state.pendingGuard
        ? { pendingGuard: { removals: state.pendingGuard.removals, limit: state.pendingGuard.limit } }
        : {}),
    };
  }

  view(): View {
    const { state } = this;
    const lines: Line[] = [
      { label: 'Okta group', value: [state.spec.group.name, ' (', { code: state.spec.group.id }, ')'] },
      {
        label: 'Every',
        value: this.paused
          ? 'paused (no polling, no full reconcile)'
          : `full reconcile every ${state.spec.everyMs! / 1000} s, System Log every ${state.spec.pollIntervalMs / 1000} s`,
      },
      { label: 'Members', value: String(Object.keys(state.memberIndex).length) },
      {
        label: 'Totals',
        value: `${state.totals.joined} joined, ${state.totals.left} left, ${state.totals.returned} returned, ${state.totals.eventsApplied} events applied, ${state.totals.guardStops} guard stops`,
      },
    ];
    if (state.lastRun) lines.push({ label: 'Last run', value: runLine(state.lastRun) });
    if (state.pendingGuard) {
      const guard = state.pendingGuard;
      lines.push({
        heading: `Removals held (${guard.removals}, over the limit of ${guard.limit}) since ${guard.since}`,
        items: [
          ...guard.leavers.slice(0, LISTED_CHANGES).map((leaver) => ({ text: `${leaver.email}: ${leaver.reason}` })),
          {
            text: 'nobody is removed until approved',
            fix: [{ code: `bi-okta sync --okta-group ${state.spec.group.id} --approve ${guard.removals}` }],
          },
        ],
      });
    }
    if (state.problem)
      lines.push({
        heading: `Needs attention since ${state.problem.since}`,
        items: [{ text: state.problem.message, fix: state.problem.fix }],
      });
    return { title: { subject: `Okta group sync`, status: state.status, step: state.lastRun?.kind ?? 'start' }, lines };
  }

  details(): string {
    return markdown(this.view());
  }
}

/** One line of a run: when, what kind, the counts. */
function runLine(run: SyncRunSummary): string {
  const { counts } = run;
  return `${run.finishedAt} (${run.kind}): ${counts.joiners} joined, ${counts.leavers} left, ${counts.returning} returned, ${counts.movers} movers, ${counts.excluded} excluded, ${counts.skipped ?? 0} skipped, ${counts.unchanged} unchanged${run.guard ? `; guard held ${run.guard.removals} removals (limit ${run.guard.limit})` : ''}`;
}
