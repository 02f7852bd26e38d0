/**
 * STUB (issue 25, engineer "churn"): the smallest part of the sync engine's contract the bench's churn
 * run needs, until engineer "engine" lands the real file under this name. Same names, same signatures.
 * Workflow-safe: imports nothing from definitions.ts (it is the leaf).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

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
export const DEFAULT_SYNC_DELETE_AFTER_MS = 30 * 86_400_000;

type SyncStatus = 'Starting' | 'Watching' | 'Reconciling' | 'NeedsAttention' | 'Paused';

export interface SyncState {
  spec: SyncSpec;
  status: SyncStatus;
  pendingGuard?: { removals: number; limit: number; since: string; leavers: { email: string; reason: string }[] };
  problem?: { message: string; fix: string; since: string };
  totals: { joined: number; left: number; returned: number; eventsApplied: number; guardStops: number };
}

export interface SyncWorkflowInput {
  spec: SyncSpec;
  resume?: SyncState;
}

export const syncStatusQuery = defineQuery<SyncState>('status');
export const reconcileNowSignal = defineSignal('reconcileNow');
