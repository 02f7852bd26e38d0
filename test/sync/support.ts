/**
 * What the sync tests share: an Okta group of people made in the simulator, the sync started with
 * the client directly (the CLI is not under test here), its state read and waited on, each
 * person's runs as visibility has them, and the console's changes made through `/_sim`.
 */
import { request } from 'undici';
import { TASK_PRIORITY, integrationKey, onboardedByKey } from '../../src/workflows/definitions';
import {
  DEFAULT_SYNC_DELETE_AFTER_MS,
  DEFAULT_SYNC_EVERY_MS,
  DEFAULT_SYNC_POLL_MS,
  syncId,
  syncStatusQuery,
  type SyncSpec,
  type SyncState,
} from '../../src/workflows/sync-definitions';
import type { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { oktaApi } from '../support/workflow-checks';

export const emailOf = (name: string) => `${name}@example.com`;

/** Okta users (ACTIVE, login = email), created as an administrator would; their ids by email. */
export async function oktaUsers(harness: ServiceHarness, emails: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const email of emails) {
    // Federated (no password): ACTIVE at once, as people signing in through an IdP are.
    const user = (await oktaApi(harness, 'POST', '/api/v1/users?activate=true&provider=true', {
      profile: { login: email, email, firstName: 'Synced', lastName: email.split('@')[0] },
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    })) as { id: string; status: string };
    if (user.status !== 'ACTIVE') throw new Error(`${email} is ${user.status}, not ACTIVE`);
    ids[email] = user.id;
  }
  return ids;
}

export async function oktaGroup(harness: ServiceHarness, name: string, memberIds: string[]): Promise<string> {
  const group = (await oktaApi(harness, 'POST', '/api/v1/groups', { profile: { name } })) as { id: string };
  for (const id of memberIds) await oktaApi(harness, 'PUT', `/api/v1/groups/${group.id}/users/${id}`);
  return group.id;
}

/** A change made in the Okta Admin Console (the simulator's test affordances). */
async function adminConsole(harness: ServiceHarness, method: 'POST' | 'DELETE', path: string, body?: unknown) {
  const response = await request(`${harness.okta.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 400) throw new Error(`${method} ${path}: HTTP ${response.statusCode} ${text}`);
}

export const addMember = (harness: ServiceHarness, groupId: string, userId: string) =>
  adminConsole(harness, 'POST', `/_sim/groups/${groupId}/members`, { userId });
export const removeMember = (harness: ServiceHarness, groupId: string, userId: string) =>
  adminConsole(harness, 'DELETE', `/_sim/groups/${groupId}/members/${userId}`);
export const lifecycle = (harness: ServiceHarness, userId: string, op: string) =>
  adminConsole(harness, 'POST', `/_sim/users/${userId}/lifecycle/${op}`);

export function syncSpec(harness: ServiceHarness, group: { id: string; name: string }, extra: Partial<SyncSpec> = {}) {
  return {
    integrationId: harness.spec.integrationId,
    group,
    everyMs: DEFAULT_SYNC_EVERY_MS,
    // Every second, not every 30 s (DEFAULT_SYNC_POLL_MS): "within one poll" is then a short wait.
    pollIntervalMs: Math.min(1_000, DEFAULT_SYNC_POLL_MS),
    exclude: { logins: [], groups: [] },
    deleteAfterMs: DEFAULT_SYNC_DELETE_AFTER_MS,
    activityTimeoutMs: 10_000,
    ...extra,
  } satisfies SyncSpec;
}

/** Starts the sync as the CLI and the tick do: workflow id = sync id, the Integration attribute, bulk priority. */
export async function startSync(harness: ServiceHarness, spec: SyncSpec) {
  return harness.client.workflow.start('oktaGroupSync', {
    workflowId: syncId(spec.integrationId, spec.group.id),
    taskQueue: harness.taskQueue,
    args: [{ spec }],
    typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
    priority: { priorityKey: TASK_PRIORITY.bulk },
    staticSummary: `Keep Okta group "${spec.group.name}" in sync`,
  });
}

export function syncHandle(harness: ServiceHarness, spec: SyncSpec) {
  return harness.client.workflow.getHandle(syncId(spec.integrationId, spec.group.id));
}

export async function waitForSync(
  harness: ServiceHarness,
  spec: SyncSpec,
  done: (state: SyncState) => boolean,
  timeoutMs = 30_000,
): Promise<SyncState> {
  return waitFor(() => syncHandle(harness, spec).query(syncStatusQuery), done, timeoutMs);
}

/** Every run of a person's workflow visibility holds, oldest first, with who started it. */
export async function personRuns(
  harness: ServiceHarness,
  email: string,
): Promise<{ runId: string; onboardedBy?: string; status: string }[]> {
  const runs: { runId: string; onboardedBy?: string; status: string; start: number }[] = [];
  const query = `WorkflowId = '${harness.spec.integrationId}/person/${email}'`;
  for await (const info of harness.client.workflow.list({ query }))
    runs.push({
      runId: info.runId,
      onboardedBy: info.typedSearchAttributes.get(onboardedByKey),
      status: info.status.name,
      start: info.startTime.getTime(),
    });
  return runs.sort((a, b) => a.start - b.start).map(({ start: _start, ...run }) => run);
}

/** The person's Beyond Identity identity status in this harness's realm (undefined: none). */
export async function identityStatus(harness: ServiceHarness, email: string): Promise<string | undefined> {
  const bi = await harness.biState();
  return (bi.identities as { traits: { username: string }; status?: string }[]).find(
    (identity) => identity.traits.username === email,
  )?.status;
}
