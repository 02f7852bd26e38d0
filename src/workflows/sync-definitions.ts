/**
 * An Okta group sync's shapes, shared by its workflows and the operator CLI: the spec, the state its
 * `status` query answers, its signal, updates and query. Workflow-safe (no Node built-ins) and the
 * leaf of the import graph: definitions.ts imports its types, never the other way round.
 *
 * (Operator's copy of the engine's contract, for the CLI to code against; the engine's file replaces it.)
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SyncPlan } from './sync-plan';

/** One sync per integration and Okta group: the long workflow's id and the schedule's. */
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

export const DEFAULT_SYNC_EVERY_MS = 3_600_000,
  DEFAULT_SYNC_POLL_MS = 30_000,
  DEFAULT_SYNC_DELETE_AFTER_MS = 30 * 86_400_000;

type SyncStatus = 'Starting' | 'Watching' | 'Reconciling' | 'NeedsAttention' | 'Paused';

export interface SyncRunSummary {
  kind: 'full' | 'events';
  startedAt: string;
  finishedAt: string;
  counts: { joiners: number; leavers: number; returning: number; movers: number; excluded: number; unchanged: number };
  /** The people this run changed (at most 50; counts stay exact). */
  changed: { email: string; change: 'joined' | 'left' | 'returned' | 'cancelled' }[];
  movers: { oktaId: string; onboardedAs: string; nowEmail: string }[];
  guard?: { removals: number; limit: number };
}

export interface SyncState {
  spec: SyncSpec;
  status: SyncStatus;
  lastRun?: SyncRunSummary;
  lastFullRun?: SyncRunSummary;
  /** A guard that stopped removals: the leavers held until `approveRemovals` with exactly `removals`. */
  pendingGuard?: { removals: number; limit: number; since: string; leavers: { email: string; reason: string }[] };
  /** Why the sync cannot go on (a rejected token, a missing scope, a mover), and the fix. */
  problem?: { message: string; fix: string; since: string };
  totals: { joined: number; left: number; returned: number; eventsApplied: number; guardStops: number };
}

export interface SyncWorkflowInput {
  spec: SyncSpec;
  resume?: SyncState;
}

export const syncStatusQuery = defineQuery<SyncState>('status');
export const reconcileNowSignal = defineSignal('reconcileNow');
export const approveRemovalsUpdate = defineUpdate<{ approved: number }, [{ count: number }]>('approveRemovals');
export const configureSyncUpdate = defineUpdate<
  SyncState,
  [Partial<Pick<SyncSpec, 'everyMs' | 'maxRemovals' | 'exclude' | 'deleteAfterMs'>>]
>('configure');

/** `sync --dry-run`'s answer: the plan, and the group it was made for. */
export interface SyncPlanView extends SyncPlan {
  group: { id: string; name: string; members: number };
}

/** What a sync tells its integration after each reconcile (the integration keeps the latest per group). */
export interface SyncDigest {
  syncId: string;
  group: { id: string; name: string };
  status: SyncStatus;
  lastRun?: SyncRunSummary;
  pendingGuard?: { removals: number; limit: number };
}
