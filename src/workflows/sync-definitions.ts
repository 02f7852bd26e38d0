/**
 * An Okta group sync's shapes, shared by its workflows, its activities and the operator CLI: ids,
 * the spec, the state the `status` query answers, and its messages. The leaf of the sync's
 * modules: workflow-safe (no Node built-ins) and importing nothing of ours but sync-plan's types,
 * so definitions.ts may import its types without a cycle.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SyncPlan } from './sync-plan';

/** One sync per integration and Okta group: the long workflow's id, and its Schedule's. */
export function syncId(integrationId: string, groupId: string): string {
  return `${integrationId}/sync/${groupId}`;
}

export interface SyncSpec {
  integrationId: string;
  group: { id: string; name: string };
  /** Full-reconcile interval (the schedule's); null = paused (`--every off`): no fast path either. */
  everyMs: number | null;
  /** Fast path: System Log poll interval (default 30 000). */
  pollIntervalMs: number;
  maxRemovals?: number;
  /** SYNC_EXCLUDE: logins (normalized) and Okta groups (ids or exact names) never onboarded by the sync. */
  exclude: { logins: string[]; groups: string[] };
  /** SYNC_DELETE_AFTER: a leaver's suspended identity is deleted after this long unless they come back. */
  deleteAfterMs: number;
  activityTimeoutMs: number;
}

export const DEFAULT_SYNC_EVERY_MS = 3_600_000;
export const DEFAULT_SYNC_POLL_MS = 30_000;
export const DEFAULT_SYNC_DELETE_AFTER_MS = 30 * 86_400_000;

export type SyncStatus = 'Starting' | 'Watching' | 'Reconciling' | 'NeedsAttention' | 'Paused';

export type SyncChange = 'joined' | 'left' | 'returned' | 'cancelled';

export interface SyncRunSummary {
  kind: 'full' | 'events';
  startedAt: string;
  finishedAt: string;
  counts: {
    joiners: number;
    leavers: number;
    returning: number;
    movers: number;
    excluded: number;
    /** Members onboarding cannot take (SyncPlan.skipped): never started. */
    skipped: number;
    unchanged: number;
  };
  /** The people this run changed (at most 50; counts stay exact). */
  changed: { email: string; change: SyncChange }[];
  movers: { oktaId: string; onboardedAs: string; nowEmail: string }[];
  guard?: { removals: number; limit: number };
}

export interface SyncLeaver {
  email: string;
  reason: string;
}

export interface SyncState {
  spec: SyncSpec;
  status: SyncStatus;
  lastRun?: SyncRunSummary;
  lastFullRun?: SyncRunSummary;
  /** A guard that stopped removals: the leavers held until `approveRemovals` with exactly `removals`. */
  pendingGuard?: { removals: number; limit: number; since: string; leavers: SyncLeaver[] };
  /** Why the sync cannot go on (a rejected token, a missing scope, a mover), and the fix. */
  problem?: { message: string; fix: string; since: string };
  totals: { joined: number; left: number; returned: number; eventsApplied: number; guardStops: number };
  /** The System Log cursor (its `next` link), moved on only once what it read was applied. */
  cursor?: string;
  /** Event uuids applied in the last 24 h, with when they were seen: a re-read event is applied once. */
  seen: Record<string, string>;
  /** Every member of the group as the last read left them (Okta id → normalized email): whose events are ours. */
  memberIndex: Record<string, string>;
  /** When each removal of the last hour was applied: they count against the guard. */
  recentRemovals: string[];
}

/** A System Log event as the sync keeps it: who and which groups it names (`target` by type, never by index). */
export interface SyncEvent {
  uuid: string;
  published: string;
  eventType: string;
  userIds: string[];
  groupIds: string[];
  /** A profile update's changed properties (its User targets' `changeDetails`), when the event shows them. */
  profileChanges?: string[];
}

export interface SyncWorkflowInput {
  spec: SyncSpec;
  /** Carried across continue-as-new. */
  resume?: SyncState;
}

/** The digest of a sync the integration keeps (its `syncRan` signal). */
export interface SyncDigest {
  syncId: string;
  group: { id: string; name: string };
  status: SyncStatus;
  lastRun?: SyncRunSummary;
  pendingGuard?: { removals: number; limit: number };
}

/** `--dry-run`'s answer: the plan of a full reconcile, nothing written. */
export interface SyncPlanView extends SyncPlan {
  group: { id: string; name: string; members: number };
}

export const syncStatusQuery = defineQuery<SyncState>('status');
/** Run a full reconcile now (the schedule's tick; after fixing a problem). */
export const reconcileNowSignal = defineSignal('reconcileNow');
/** Lets exactly the held removals go: refused unless `count` is the pending guard's count. */
export const approveRemovalsUpdate = defineUpdate<{ approved: number }, [{ count: number }]>('approveRemovals');
export const configureSyncUpdate = defineUpdate<
  SyncState,
  [Partial<Pick<SyncSpec, 'everyMs' | 'maxRemovals' | 'exclude' | 'deleteAfterMs'>>]
>('configure');
