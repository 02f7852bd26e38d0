/**
 * The commands' answers as text for the terminal (`--json` prints the answers themselves). A
 * person's and the integration's details are the views Temporal UI shows (src/workflows/view.ts),
 * here as text with a link into Temporal UI.
 */
import type { PreflightCheck } from '../activities/preflight';
import { NOT_STARTED_TEXT, type OffboardOutcome } from '../temporal/people';
import type { IntegrationSpec, IntegrationState, PersonState } from '../workflows/definitions';
import { integrationView } from '../workflows/integration-state';
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
