/**
 * An Okta group sync's activities (docs/sync.md): read the group's members and
 * the excluded people, read System Log events from the kept cursor, ask Okta the current truth
 * about the people events name, read who this sync onboarded (visibility), apply a plan's changes
 * through the person workflows, and signal-with-start the sync (the schedule's tick). Each is
 * idempotent: a retry after a crash reads again, or finds the people it already started.
 */
import { Context } from '@temporalio/activity';
import type { OktaApi } from '../clients/okta/api';
import type { OktaGroup, OktaLogEvent, OktaUser } from '../clients/okta/schemas';
import {
  isUndone,
  leavePerson,
  listNamedPersonRuns,
  listPersonRuns,
  returnPerson,
  startOnboarding,
  type TaskQueueClient,
} from '../temporal/people';
import { mapLimit } from '../util/concurrency';
import {
  integrationKey,
  integrationStatusQuery,
  normalizeEmail,
  syncOnboardedBy,
  TASK_PRIORITY,
  type PersonContext,
} from '../workflows/definitions';
import {
  reconcileNowSignal,
  syncId,
  type SyncEvent,
  type SyncLeaver,
  type SyncSpec,
  type SyncWorkflowInput,
} from '../workflows/sync-definitions';
import type { SyncMember, SyncedPerson } from '../workflows/sync-plan';
import { PROFILE_UPDATE, SYNC_EVENT_FILTER, type AppliedChange } from '../workflows/sync-state';
import { earlierProgress, heartbeatAndClassify, recordProgress } from './context';
import { InvalidInputError } from './failures';
import { isOktaGroupId, memberEmail, unusableMemberReason } from './okta-group';

/** Okta calls one activity keeps in flight (the pacer also holds the org's rate limits). */
const PARALLEL_READS = 8;
/** Person workflows started (or signalled) at once. */
const PARALLEL_CHANGES = 20;
/** System Log pages one read takes at most: the rest is read at the next poll, from the cursor. */
const MAX_LOG_PAGES = 10;
const LOG_PAGE_SIZE = 1_000;

/** A member as the sync sees them: the email, and whether onboarding can take them, as `onboard --okta-group` says. */
function syncMember(user: OktaUser): SyncMember {
  // Not ACTIVE yet (STAGED, PROVISIONED, ...): shown in the plan, and taken by the first run that finds them ACTIVE.
  const unusable =
    user.status === 'ACTIVE'
      ? unusableMemberReason(user)
      : `not ACTIVE in Okta (${user.status}): the sync onboards them once they are`;
  return {
    oktaId: user.id,
    email: memberEmail(user).email,
    login: user.profile.login,
    status: user.status,
    ...(unusable ? { unusable } : {}),
  };
}

/** A log event's people and groups, by target type (never by index: docs/contracts/okta.md §13). */
function compactEvent(event: OktaLogEvent): SyncEvent {
  const targets = event.target ?? [];
  const users = targets.filter((target) => target.type === 'User');
  const details = users.map((user) => user.changeDetails);
  // Only when every User target shows what changed: without it, the event is kept (it may be a change of email).
  const profileChanges = details.every((detail) => detail)
    ? [...new Set(details.flatMap((detail) => [...Object.keys(detail?.from ?? {}), ...Object.keys(detail?.to ?? {})]))]
    : undefined;
  return {
    uuid: event.uuid,
    published: event.published,
    eventType: event.eventType,
    userIds: users.map((target) => target.id),
    groupIds: targets.filter((target) => target.type === 'UserGroup').map((target) => target.id),
    ...(event.eventType === PROFILE_UPDATE && users.length > 0 && profileChanges ? { profileChanges } : {}),
  };
}

function inExcludedGroup(groups: readonly OktaGroup[], excluded: readonly string[]): boolean {
  return groups.some((group) => excluded.includes(group.id) || excluded.includes(group.profile.name));
}

export function createSyncActivities(oktaApi: OktaApi, temporal: TaskQueueClient) {
  const signal = () => Context.current().cancellationSignal;

  /** An excluded group, by id or exact name: one that cannot be found is an error (never onboard who it would exclude). */
  async function excludedGroup(idOrName: string): Promise<OktaGroup> {
    const found = isOktaGroupId(idOrName)
      ? await oktaApi.getGroup(idOrName, signal())
      : (await oktaApi.findGroupsByName(idOrName, signal())).exact[0];
    if (!found)
      throw new InvalidInputError(
        `the excluded Okta group "${idOrName}" (SYNC_EXCLUDE) does not exist: fix SYNC_EXCLUDE (a group id or exact name), then reconcile again`,
      );
    return found;
  }

  async function integrationContext(integrationId: string): Promise<PersonContext | undefined> {
    try {
      const state = await temporal.client.workflow.getHandle(integrationId).query(integrationStatusQuery);
      return state.status === 'Ready' ? state.context : undefined;
    } catch {
      // Not started, or not answering: the person workflow waits for its integration.
      return undefined;
    }
  }

  return {
    /** Every member of the group, the excluded logins, and the group's name now. */
    readSyncMembers: heartbeatAndClassify(
      async (input: { spec: SyncSpec }): Promise<{ groupName: string; members: SyncMember[]; excluded: string[] }> => {
        const { spec } = input;
        const group = await oktaApi.getGroup(spec.group.id, signal());
        if (!group)
          throw new InvalidInputError(
            `the Okta group ${spec.group.name} (${spec.group.id}) no longer exists: remove this sync, or create it again for another group`,
          );
        const read = await oktaApi.listGroupMembers(spec.group.id, { signal: signal() });
        const excluded = new Set(spec.exclude.logins.map(normalizeEmail));
        for (const idOrName of spec.exclude.groups) {
          const excludedMembers = await oktaApi.listGroupMembers((await excludedGroup(idOrName)).id, {
            signal: signal(),
          });
          for (const user of excludedMembers.members) excluded.add(normalizeEmail(user.profile.login));
        }
        return { groupName: group.profile.name, members: read.members.map(syncMember), excluded: [...excluded] };
      },
    ),

    /** System Log events a sync reads, from the cursor (or `since`), a bounded number of pages, and the cursor after them. */
    readSyncEvents: heartbeatAndClassify(
      async (input: { cursor: string } | { since: string }): Promise<{ events: SyncEvent[]; next: string }> => {
        const events: SyncEvent[] = [];
        let from: { next: string } | { since: string; filter: string } =
          'cursor' in input ? { next: input.cursor } : { since: input.since, filter: SYNC_EVENT_FILTER };
        let next = '';
        for (let page = 0; page < MAX_LOG_PAGES; page++) {
          const read = await oktaApi.readLogPage(from, { limit: LOG_PAGE_SIZE, signal: signal() });
          events.push(...read.events.map(compactEvent));
          next = read.next;
          from = { next };
          if (read.events.length < LOG_PAGE_SIZE) break;
        }
        return { events, next };
      },
    ),

    /** The current truth about the people events named: those still members (and which of them are excluded). */
    readNamedMembers: heartbeatAndClassify(
      async (input: { spec: SyncSpec; oktaIds: string[] }): Promise<{ members: SyncMember[]; excluded: string[] }> => {
        const { spec } = input;
        const excludedLogins = new Set(spec.exclude.logins.map(normalizeEmail));
        const excludedGroups = spec.exclude.groups;
        const read = await mapLimit(input.oktaIds, PARALLEL_READS, async (oktaId) => {
          const user = await oktaApi.getUser(oktaId, signal());
          if (!user) return undefined; // deleted: gone from the group
          const groups = await oktaApi.listUserGroups(oktaId, signal());
          if (!groups?.some((group) => group.id === spec.group.id)) return undefined;
          const member = syncMember(user);
          const excluded = excludedLogins.has(normalizeEmail(member.login)) || inExcludedGroup(groups, excludedGroups);
          return { member, excluded };
        });
        const found = read.filter((entry) => entry !== undefined);
        return {
          members: found.map((entry) => entry.member),
          excluded: found.filter((entry) => entry.excluded).map((entry) => normalizeEmail(entry.member.login)),
        };
      },
    ),

    /**
     * From visibility: the people this sync onboarded (newest run each; a run undone is not synced
     * any more; status Suspended = taken out, waiting to return), and everyone onboarded by anyone else.
     * With `emails` (the fast path), only those people are read: never every person of the integration.
     * Their Okta ids come from the sync's own member index (sync-state.ts), not from here.
     */
    readSyncedPeople: heartbeatAndClassify(
      async (input: {
        integrationId: string;
        groupId: string;
        emails?: string[];
      }): Promise<{ synced: SyncedPerson[]; onboardedElsewhere: string[] }> => {
        const ours = syncOnboardedBy(input.groupId);
        const synced: SyncedPerson[] = [];
        const onboardedElsewhere: string[] = [];
        const runs = input.emails
          ? await listNamedPersonRuns(temporal, input.integrationId, input.emails)
          : await listPersonRuns(temporal, input.integrationId);
        for (const run of runs) {
          if (isUndone(run)) continue;
          if (run.onboardedBy === ours) synced.push({ email: run.email, suspended: run.status === 'Suspended' });
          else onboardedElsewhere.push(run.email);
        }
        return { synced, onboardedElsewhere };
      },
    ),

    /** Starts the joiners (bulk priority), leaves the leavers, brings back the returning: one outcome each. */
    applySyncChanges: heartbeatAndClassify(
      async (input: {
        spec: SyncSpec;
        joiners: SyncMember[];
        leavers: SyncLeaver[];
        returning: string[];
      }): Promise<AppliedChange[]> => {
        const { spec } = input;
        const integrationId = spec.integrationId;
        const done = new Map((earlierProgress<AppliedChange[]>() ?? []).map((change) => [keyOf(change), change]));
        const context = input.joiners.length > 0 ? await integrationContext(integrationId) : undefined;
        const work: { email: string; action: AppliedChange['action']; run: () => Promise<string> }[] = [
          ...input.joiners.map((member) => ({
            email: member.email,
            action: 'join' as const,
            run: () =>
              startOnboarding(temporal, { integrationId, email: member.email }, context, {
                onboardedBy: syncOnboardedBy(spec.group.id),
                priority: TASK_PRIORITY.bulk,
              }),
          })),
          ...input.leavers.map((leaver) => ({
            email: leaver.email,
            action: 'leave' as const,
            run: () =>
              leavePerson(temporal, integrationId, leaver.email, {
                reason: leaver.reason,
                deleteAfterMs: spec.deleteAfterMs,
              }),
          })),
          ...input.returning.map((email) => ({
            email,
            action: 'return' as const,
            run: () => returnPerson(temporal, integrationId, email),
          })),
        ];
        return mapLimit(work, PARALLEL_CHANGES, async (item) => {
          const earlier = done.get(`${item.action} ${item.email}`);
          if (earlier) return earlier;
          const change: AppliedChange = { email: item.email, action: item.action, outcome: await item.run() };
          done.set(keyOf(change), change);
          recordProgress([...done.values()]);
          return change;
        });
      },
    ),

    /** The schedule's tick: a full reconcile now, starting the sync if it is not running (a terminated one comes back). */
    requestFullReconcile: heartbeatAndClassify(async (input: { spec: SyncSpec }): Promise<void> => {
      const { spec } = input;
      const args: [SyncWorkflowInput] = [{ spec }];
      await temporal.client.workflow.signalWithStart('oktaGroupSync', {
        workflowId: syncId(spec.integrationId, spec.group.id),
        taskQueue: temporal.taskQueue,
        args,
        signal: reconcileNowSignal,
        signalArgs: [],
        typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
        priority: { priorityKey: TASK_PRIORITY.bulk },
        staticSummary: syncSummary(spec),
      });
    }),
  };
}

function keyOf(change: AppliedChange): string {
  return `${change.action} ${change.email}`;
}

/** The sync's summary in Temporal UI. */
function syncSummary(spec: SyncSpec): string {
  return `Keep Okta group "${spec.group.name}" in sync with Beyond Identity passkeys`;
}
