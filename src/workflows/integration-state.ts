/**
 * An integration's state and its rules: the status after each event, what people are handed once
 * the shared objects exist, how a re-check keeps what it knew, and what Temporal UI and `status`
 * show of it.
 * Pure: integration.ts applies the results, and the rules are unit-tested without a server.
 */
import type { IntegrationSpec, IntegrationState, IntegrationStatus, ObjectRecord, PersonContext } from './definitions';
import type { SyncDigest, SyncRunSummary } from './sync-definitions';
import { findingLine, verifySummaryLine } from './verify-state';
import { attentionView, markdown, recordValue, type Line, type Phrase, type View } from './view';

export function newIntegrationState(): IntegrationState {
  return { status: 'SettingUp', step: 'Start', kept: [] };
}

/** Every shared object exists: people can be onboarded. */
export function isSetUp(state: IntegrationState): boolean {
  return Boolean(
    state.realm &&
    state.authenticatorConfig &&
    state.application &&
    state.idp &&
    state.routingAttribute &&
    state.routingRule,
  );
}

export function statusAfterAttention(
  state: IntegrationState,
  attention: boolean,
  teardownRequested: boolean,
): IntegrationStatus {
  if (attention) return 'NeedsAttention';
  if (teardownRequested) return 'TearingDown';
  return isSetUp(state) ? 'Ready' : 'SettingUp';
}

/** What every person needs of the integration (ids and settings only). */
export function personContext(state: IntegrationState, spec: IntegrationSpec): PersonContext | undefined {
  if (!isSetUp(state)) return undefined;
  return {
    realmId: state.realm!.id,
    applicationId: state.application!.id,
    authenticatorConfigId: state.authenticatorConfig!.id,
    routing: spec.routing,
    binding: spec.binding,
    activityTimeoutMs: spec.activityTimeoutMs,
  };
}

/**
 * What a re-check found, against what was recorded: the same object keeps its record (a found
 * object of ours is still ours, not adopted); a different one (ours was deleted and made again,
 * or replaced) is recorded as found.
 */
export function recheck<T extends ObjectRecord>(recorded: T | undefined, found: T): T {
  return recorded && recorded.id === found.id ? { ...found, adopted: recorded.adopted } : found;
}

/**
 * The Okta callbacks the Beyond Identity application must allow: the one the IdP's issuer mode
 * makes Okta send (ORG_URL: on the org's Okta domain; CUSTOM_URL: on the custom domain), or both
 * for DYNAMIC (a sign-in that starts on either domain comes back to it).
 */
export function oktaRedirectUris(spec: IntegrationSpec): string[] {
  const callback = (base: string) => `${base.replace(/\/+$/, '')}/oauth2/v1/authorize/callback`;
  const mode = spec.oktaIssuerMode ?? 'ORG_URL';
  if (mode === 'ORG_URL' || !spec.oktaCustomDomain) return [callback(spec.oktaOrgUrl)];
  if (mode === 'CUSTOM_URL') return [callback(spec.oktaCustomDomain)];
  return [callback(spec.oktaOrgUrl), callback(spec.oktaCustomDomain)];
}

/** What Temporal UI (markdown) and `status` (text) show of the integration; `people` is what the CLI counted. */
export function integrationView(
  state: IntegrationState,
  spec: IntegrationSpec,
  people?: { total: number; summary: string },
): View {
  const { routing } = spec;
  const lines: Line[] = [
    {
      label: 'Federation',
      value: ['Beyond Identity realm ', { quoted: spec.realmName }, ` ↔ Okta ${spec.oktaOrgUrl}`],
    },
    { label: 'Realm', value: recordValue(state.realm) },
    { label: 'Authenticator config', value: recordValue(state.authenticatorConfig) },
    { label: 'OIDC application', value: recordValue(state.application) },
    { label: 'Okta identity provider', value: recordValue(state.idp) },
    { label: 'Okta profile property', value: recordValue(state.routingAttribute) },
    { label: 'Routing rule', value: recordValue(state.routingRule) },
    {
      label: 'Routing',
      value: [
        { code: routing.attribute },
        ' = ',
        { quoted: routing.value },
        " on each routed person's Okta user, set once they have bound a passkey",
      ],
    },
    {
      label: 'People',
      value: people
        ? `${people.total}, ${people.summary}`
        : ['listed by the ', { code: 'Integration' }, ' search attribute (CLI: ', { code: 'list' }, ')'],
    },
    {
      label: 'Last verify',
      value: state.lastVerify ? verifySummaryLine(state.lastVerify) : '— (`verify` runs one now)',
      items: (state.lastVerify?.findings ?? []).map(findingLine),
    },
  ];
  for (const digest of Object.values(state.syncs ?? {})) lines.push(syncDigestLine(digest));
  if (state.offboarded) {
    const { cancelled, undone, alreadyEnded } = state.offboarded;
    lines.push({
      label: 'Offboarded at teardown',
      value: `${cancelled} cancelled while running, ${undone} undone after they had ended, ${alreadyEnded} already cancelled`,
    });
  }
  if (state.kept.length > 0)
    lines.push({ heading: 'Kept on teardown', items: state.kept.map((item) => ({ text: item })) });
  if (state.attention) lines.push({ view: attentionView(state.attention) });
  return { title: { subject: `Integration ${spec.integrationId}`, status: state.status, step: state.step }, lines };
}

/** The markdown Temporal UI shows as the integration's current details. */
export function integrationDetails(state: IntegrationState, spec: IntegrationSpec): string {
  return markdown(integrationView(state, spec));
}

/** People a sync's line names, at most (its counts stay exact). */
const SYNC_PEOPLE_SHOWN = 10;

/** A sync run's counts: `joined 3, left 2, returned 0, movers 0, excluded 1, skipped 0, unchanged 25`. */
export function syncCountsText(run: SyncRunSummary): string {
  const { counts } = run;
  return `joined ${counts.joiners}, left ${counts.leavers}, returned ${counts.returning}, movers ${counts.movers}, excluded ${counts.excluded}, skipped ${counts.skipped ?? 0}, unchanged ${counts.unchanged}`;
}

/** How an operator lets a held guard's removals go. */
export function approveCommand(groupId: string, removals: number): string {
  return `bi-okta sync --okta-group ${groupId} --approve ${removals}`;
}

/** One sync on the integration's view: its status and last run, the people it changed, a guard that holds removals. */
function syncDigestLine(digest: SyncDigest): Line {
  const run = digest.lastRun;
  const items: Phrase[] = [];
  if (digest.pendingGuard) {
    const { removals, limit } = digest.pendingGuard;
    items.push([
      `guard: ${removals} removals are over the limit of ${limit}; nobody was taken out. Check the group, then `,
      { code: approveCommand(digest.group.id, removals) },
    ]);
  }
  for (const move of run?.movers ?? [])
    items.push([
      `mover: ${move.onboardedAs} is now ${move.nowEmail} in Okta: `,
      { code: `bi-okta cancel ${move.onboardedAs}` },
      ', then the next run onboards the new one',
    ]);
  const changed = run?.changed ?? [];
  for (const person of changed.slice(0, SYNC_PEOPLE_SHOWN)) items.push(`${person.change}: ${person.email}`);
  if (changed.length > SYNC_PEOPLE_SHOWN) items.push(`and ${changed.length - SYNC_PEOPLE_SHOWN} more`);
  return {
    label: 'Okta group sync',
    value: [
      { quoted: digest.group.name },
      ` (${digest.group.id}): ${digest.status}; `,
      run
        ? `last ${run.kind === 'full' ? 'full reconcile' : 'event run'} ${run.finishedAt}: ${syncCountsText(run)}`
        : 'no run yet',
    ],
    items,
  };
}
