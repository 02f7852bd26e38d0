/**
 * The commands' answers as text for the terminal (`--json` prints the answers themselves). A
 * person's and the integration's details are the views Temporal UI shows (src/workflows/view.ts),
 * here as text with a link into Temporal UI.
 */
import type { PreflightCheck } from '../activities/preflight';
import { NOT_STARTED_TEXT, type OffboardOutcome } from '../temporal/people';
import type { IntegrationSpec, IntegrationState, PersonState } from '../workflows/definitions';
import { approveCommand, integrationView, syncCountsText } from '../workflows/integration-state';
import type { SyncPlanView, SyncState } from '../workflows/sync-definitions';
import { personView } from '../workflows/person-state';
import { text } from '../workflows/view';
import type { ListRow } from './integration-commands';
import type { BoundAnswer, OnboardAnswer } from './people-commands';

const lines = (...all: (string | false | undefined)[]) =>
  all.filter((line): line is string => typeof line === 'string').join('\n');

/** One line per person `onboard` was given: started, or why not. */
export function startedLines(answer: Pick<OnboardAnswer, 'people'>): string[] {
  return answer.people.map(
    (row) => `  ${row.email}${row.outcome === 'started' ? '' : `: ${NOT_STARTED_TEXT[row.outcome]}`}`,
  );
}

export function onboardText(answer: OnboardAnswer, link: string): string {
  const count = answer.people.length;
  return lines(
    `Onboarding ${count} ${count === 1 ? 'person' : 'people'} on integration ${answer.integrationId}:`,
    ...startedLines(answer),
    '',
    `Each will get a binding email. Progress: \`npm run cli -- watch\`; Temporal UI: ${link}`,
    ...(answer.warning ? ['', `Warning: ${answer.warning}`] : []),
  );
}

export function personText(state: PersonState, link: string): string {
  return lines(text(personView(state)), '', link);
}

/** `routed 2 (Onboarded 2, WaitingForBinding 1)`: how many are routed, and everyone by status. */
export function peopleSummary(counts: Map<string, number>): string {
  return `routed ${counts.get('Onboarded') ?? 0}${counts.size > 0 ? ` (${[...counts].map(([name, count]) => `${name} ${count}`).join(', ')})` : ''}`;
}

export function integrationText(
  state: IntegrationState,
  spec: IntegrationSpec,
  people: { total: number; summary: string },
  link: string,
): string {
  return lines(text(integrationView(state, spec, people)), '', link);
}

export function boundText(answer: BoundAnswer): string {
  if ('signalled' in answer)
    return `Told the onboarding of ${answer.email} that a passkey is bound. It checks with Beyond Identity before routing; see \`status ${answer.email}\`.`;
  return `${answer.accepted ? 'Accepted' : 'Rejected'}: ${answer.reason}`;
}

const UNDO =
  'out of routing first (read back), then what the service created for them is removed (adopted objects are kept).';
const CANCELLED: Record<Exclude<OffboardOutcome, 'notFound'>, (email: string) => string> = {
  cancelled: (email) => `Cancelling ${email}: ${UNDO}`,
  undoing: (email) => `Offboarding ${email}, whose onboarding had ended: ${UNDO}`,
  alreadyCancelled: (email) => `${email} is already cancelled; nothing to do.`,
};

export function cancelText(answer: { email: string; outcome: Exclude<OffboardOutcome, 'notFound'> }): string {
  return CANCELLED[answer.outcome](answer.email);
}

export function tornDownText(state: IntegrationState): string {
  return lines(
    `Torn down at ${state.tornDownAt}.`,
    ...(state.kept.length ? ['Kept:', ...state.kept.map((item) => `  ${item}`)] : []),
  );
}

export function table(rows: ListRow[]): string {
  const headers = ['EMAIL', 'STATUS', 'STEP', 'WORKFLOW', 'STARTED'];
  const cells = rows.map((row) => [
    row.kind === 'integration' ? '(integration)' : row.email,
    row.status,
    row.step,
    row.execution,
    row.startedAt.replace('T', ' ').slice(0, 19),
  ]);
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return lines(line(headers), ...cells.map(line));
}

/** One screen of `watch`. */
export function watchScreen(
  integrationId: string,
  integration: IntegrationState | undefined,
  rows: ListRow[],
  counts: Map<string, number>,
): string {
  const summary = [...counts].map(([name, count]) => `${name} ${count}`).join(', ') || 'nobody yet';
  return lines(
    `Integration ${integrationId}: ${integration ? `${integration.status} (step ${integration.step})` : 'not started'}`,
    `People: ${rows.length} — ${summary}; routed to Beyond Identity: ${counts.get('Onboarded') ?? 0}`,
    integration?.attention && `Needs attention: ${integration.attention.message}`,
    '',
    rows.length > 0 ? table(rows) : '(no onboardings yet)',
  );
}

export function preflightText(checks: PreflightCheck[]): string {
  const failed = checks.filter((check) => !check.ok).length;
  return lines(
    ...checks.map(
      (check) =>
        `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}${check.fix ? `\n       fix: ${check.fix}` : ''}`,
    ),
    '',
    failed === 0
      ? 'All checks passed: nothing was written.'
      : `${failed} of ${checks.length} checks failed: nothing was written.`,
  );
}

/** People a `sync` answer names in one list, at most: the rest are counted. */
const SYNC_NAMES_SHOWN = 20;

/** `a, b, c and 7 more`. */
function someOf(names: readonly string[]): string {
  if (names.length === 0) return '—';
  const shown = names.slice(0, SYNC_NAMES_SHOWN).join(', ');
  return names.length > SYNC_NAMES_SHOWN ? `${shown} and ${names.length - SYNC_NAMES_SHOWN} more` : shown;
}

/** What `sync --okta-group` made or changed. */
export interface SyncAnswer {
  syncId: string;
  created: boolean;
  group: { id: string; name: string };
  every: string;
  paused: boolean;
  nextRuns: string[];
  maxRemovals?: number;
  exclude: { logins: string[]; groups: string[] };
  deleteAfter: string;
  pollInterval: string;
  status?: string;
}

export function syncText(answer: SyncAnswer): string {
  const excluded = [...answer.exclude.logins, ...answer.exclude.groups.map((group) => `group:${group}`)];
  return lines(
    `${answer.created ? 'Created' : 'Updated'} sync ${answer.syncId} of Okta group "${answer.group.name}" (${answer.group.id}).`,
    answer.paused
      ? 'Paused: no full reconcile and no System Log polling until `sync --okta-group … --every <interval>` resumes it.'
      : `Full reconcile every ${answer.every} (next: ${answer.nextRuns[0] ?? '?'}); between them the System Log is read every ${answer.pollInterval}. A reconcile runs now.`,
    `Removals per run without approval: ${answer.maxRemovals ?? 'the default (5 % of the group or 10, whichever is larger)'}; excluded: ${someOf(excluded)}; a leaver's suspended identity is deleted after ${answer.deleteAfter}.`,
    answer.status && `Status: ${answer.status}.`,
    '',
    'Its runs: `bi-okta sync --list` and `bi-okta status`; the schedule and the workflow are in Temporal UI under this id.',
  );
}

/** One sync of `sync --list`: the schedule's interval, the workflow's state (absent when it is not running). */
export interface SyncListRow {
  syncId: string;
  group: { id: string; name: string };
  every: string;
  paused: boolean;
  nextRun?: string;
  state?: Omit<SyncState, 'spec'>;
  /** Why the state could not be read (the workflow is not running). */
  unread?: string;
}

export function syncListText(integrationId: string, rows: SyncListRow[]): string {
  if (rows.length === 0)
    return `No Okta group syncs in ${integrationId}: \`bi-okta sync --okta-group <name or id>\` makes one.`;
  return rows
    .map((row) => {
      const run = row.state?.lastRun;
      const guard = row.state?.pendingGuard;
      return lines(
        `Okta group "${row.group.name}" (${row.group.id}): ${row.paused ? 'paused' : `every ${row.every}${row.nextRun ? `, next ${row.nextRun}` : ''}`}; ${row.state ? row.state.status : `? (${row.unread})`}`,
        run &&
          `  last run (${run.kind === 'full' ? 'full reconcile' : 'events'}) ${run.finishedAt}: ${syncCountsText(run)}`,
        guard &&
          `  guard: ${guard.removals} removals held (limit ${guard.limit}) since ${guard.since}: check the group, then \`${approveCommand(row.group.id, guard.removals)}\``,
        row.state?.problem &&
          `  needs attention: ${row.state.problem.message}
    fix: ${row.state.problem.fix}`,
        `  ${row.syncId}`,
      );
    })
    .join('\n\n');
}

/** One line per reason (many members share one: not ACTIVE yet, say), its people after it. */
function skippedByReason(skipped: SyncPlanView['skipped']): string[] {
  const byReason = new Map<string, string[]>();
  for (const skip of skipped) byReason.set(skip.reason, [...(byReason.get(skip.reason) ?? []), skip.email]);
  return [...byReason].map(([reason, emails]) => `    ${reason}: ${someOf(emails)}`);
}

export function syncPlanText(plan: SyncPlanView): string {
  const list = (label: string, names: readonly string[]) => `${label} ${names.length}: ${someOf(names)}`;
  return lines(
    `Okta group "${plan.group.name}" (${plan.group.id}), ${plan.group.members} members. A sync run now would:`,
    list(
      '  onboard (joiners)',
      plan.joiners.map((member) => member.email),
    ),
    list(
      '  take out (leavers)',
      plan.leavers.map((leaver) => `${leaver.email} (${leaver.reason})`),
    ),
    list('  route again (returning)', plan.returning),
    list(
      '  hold (movers: login or email changed)',
      plan.movers.map((move) => `${move.onboardedAs} → ${move.nowEmail}`),
    ),
    list('  leave out (excluded)', plan.excluded),
    `  skip (onboarding cannot take them; never started) ${plan.skipped.length}${plan.skipped.length ? ':' : ': —'}`,
    ...skippedByReason(plan.skipped),
    `  leave as they are (unchanged) ${plan.unchanged.length}`,
    plan.guard &&
      `Guard: ${plan.guard.removals} removals are over the limit of ${plan.guard.limit}: the run would take out nobody and wait for \`${approveCommand(plan.group.id, plan.guard.removals)}\`.`,
    '',
    'Dry run: nothing was started or changed.',
  );
}
