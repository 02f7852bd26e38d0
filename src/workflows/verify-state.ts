/**
 * A verify's rules: what a person's check decides from what Beyond Identity and Okta show, how the
 * checks add up to a report (and whether it passes), what the integration keeps of it, and the
 * markdown Temporal UI shows. Pure: verify.ts and the activities apply them, and they are
 * unit-tested without a server.
 */
import {
  VERIFY_KEPT_FINDINGS,
  VERIFY_LISTED_PEOPLE,
  VERIFY_OUTCOMES,
  type VerifyFinding,
  type IntegrationState,
  type PersonProblem,
  type VerifyCheck,
  type VerifyPeople,
  type VerifyReport,
  type VerifySummary,
} from './definitions';

/** What one look at a routed person found. */
export interface PersonLook {
  email: string;
  /** Beyond Identity shows at least one ACTIVE passkey; undefined when the identity is gone. */
  activePasskey?: boolean;
  /** Their Okta user, if it still exists. */
  oktaUser?: { status: string; routingValue: unknown };
  /** This integration's routing value. */
  routingValue: string;
}

export type PersonVerdict = { kind: 'ok' } | { kind: 'putBack' } | { kind: 'problem'; problem: string; fix: string };

/**
 * Routing is the service's, so a person with a passkey whose property was cleared is put back; a
 * person without a passkey is only reported: clearing their routing would leave a federated user
 * with no way in at all, and a new passkey (`rebind`) is what they need.
 */
export function personVerdict(look: PersonLook): PersonVerdict {
  const { email } = look;
  if (look.activePasskey === undefined) {
    return { kind: 'problem', problem: 'their Beyond Identity identity no longer exists', fix: `bi-okta cancel ${email}, then bi-okta onboard ${email}` };
  }
  if (!look.oktaUser) return { kind: 'problem', problem: 'their Okta user no longer exists', fix: `bi-okta cancel ${email}, then bi-okta onboard ${email}` };
  if (look.oktaUser.status !== 'ACTIVE') {
    return { kind: 'problem', problem: `their Okta user is ${look.oktaUser.status}`, fix: `activate or unsuspend the user in Okta (the service does not decide about a user's status)` };
  }
  const value = look.oktaUser.routingValue;
  const routed = value === look.routingValue;
  const cleared = value === undefined || value === null || value === '';
  if (!look.activePasskey) {
    return {
      kind: 'problem',
      problem: `no active passkey in Beyond Identity (revoked or deleted)${routed ? '; still routed to Beyond Identity, so they cannot sign in' : ''}`,
      fix: `bi-okta rebind ${email}`,
    };
  }
  if (routed) return { kind: 'ok' };
  if (cleared) return { kind: 'putBack' };
  return {
    kind: 'problem',
    problem: `their routing property holds another value (${JSON.stringify(value)}), not this integration's`,
    fix: 'decide which integration routes them; the service does not overwrite another value',
  };
}

/** Adds one person's outcome to the tally: counts exact, names capped. */
export function tallyPerson(people: VerifyPeople, email: string, outcome: { kind: 'ok' } | { kind: 'corrected'; detail: string } | { kind: 'problem'; problem: string; fix: string }): void {
  people.checked += 1;
  if (outcome.kind === 'ok') people.ok += 1;
  else if (outcome.kind === 'corrected') {
    people.corrected += 1;
    if (people.corrections.length < VERIFY_LISTED_PEOPLE) people.corrections.push({ email, detail: outcome.detail });
  } else {
    people.needsAttentionCount += 1;
    if (people.needsAttention.length < VERIFY_LISTED_PEOPLE) people.needsAttention.push({ email, problem: outcome.problem, fix: outcome.fix });
  }
}

export function noPeople(): VerifyPeople {
  return { checked: 0, ok: 0, corrected: 0, needsAttentionCount: 0, needsAttention: [], corrections: [] };
}

/** The people's line of the checklist. */
export function peopleCheck(people: VerifyPeople): VerifyCheck {
  const counts = `${people.checked} routed ${people.checked === 1 ? 'person' : 'people'} checked: ${people.ok} ok, ${people.corrected} put back, ${people.needsAttentionCount} need attention`;
  if (people.needsAttentionCount > 0) {
    return { object: 'people', outcome: 'needsAttention', detail: counts, fix: 'see each person below' };
  }
  return { object: 'people', outcome: people.corrected > 0 ? 'corrected' : 'ok', detail: counts };
}

/** Passes when nothing needs attention: corrections are fine, they are what verify is for. Without `people`, they were not checked. */
export function verifyReport(at: string, checks: VerifyCheck[], people?: VerifyPeople): VerifyReport {
  const all = people ? [...checks, peopleCheck(people)] : checks;
  return { at, ok: all.every((check) => check.outcome !== 'needsAttention'), checks: all, people: people ?? noPeople() };
}

/** Why verify cannot look at the objects: the integration is not Ready. */
export function notReadyCheck(state: IntegrationState | undefined, integrationId: string): VerifyCheck | undefined {
  if (!state) return { object: 'integration', outcome: 'needsAttention', detail: `integration ${integrationId} is not running`, fix: 'bi-okta onboard <email> starts it' };
  if (state.status === 'Ready') return undefined;
  return {
    object: 'integration',
    outcome: 'needsAttention',
    detail: `integration ${integrationId} is ${state.status} (step ${state.step}); its objects are checked once it is Ready`,
    fix: state.status === 'NeedsAttention' ? 'bi-okta status shows what it needs; then bi-okta retry' : 'bi-okta status',
  };
}

export function verifySummary(report: VerifyReport, workflowId: string): VerifySummary {
  const named = (outcome: VerifyCheck['outcome']) => report.checks.filter((check) => check.outcome === outcome).map((check) => check.object);
  const counts = Object.fromEntries(VERIFY_OUTCOMES.map((outcome) => [outcome, named(outcome).length])) as VerifySummary['counts'];
  const findings: VerifyFinding[] = [
    // The people's line is a count; the people themselves follow.
    ...report.checks.filter((check) => check.outcome !== 'ok' && check.object !== 'people').map(({ object, outcome, detail, fix }) => ({ object, outcome: outcome as VerifyFinding['outcome'], detail, ...(fix ? { fix } : {}) })),
    ...report.people.needsAttention.map((person): VerifyFinding => ({ object: 'people', outcome: 'needsAttention', email: person.email, detail: person.problem, fix: person.fix })),
    ...report.people.corrections.map((person): VerifyFinding => ({ object: 'people', outcome: 'corrected', email: person.email, detail: person.detail })),
  ];
  return {
    at: report.at,
    ok: report.ok,
    workflowId,
    counts,
    corrected: named('corrected'),
    needsAttention: named('needsAttention'),
    peopleChecked: report.people.checked,
    findings: findings.slice(0, VERIFY_KEPT_FINDINGS),
  };
}

/** One line for the integration's details and `status`. */
export function verifySummaryLine(summary: VerifySummary): string {
  const { counts } = summary;
  const parts = [
    summary.ok ? 'passed' : `needs attention: ${summary.needsAttention.join(', ')}`,
    ...(summary.corrected.length > 0 ? [`corrected: ${summary.corrected.join(', ')}`] : []),
    `checks ${counts.ok} ok, ${counts.corrected} corrected, ${counts.needsAttention} need attention`,
    `${summary.peopleChecked} routed people checked`,
  ];
  return `${summary.at}: ${parts.join('; ')} (${summary.workflowId})`;
}

/** A kept finding as one line: `status` and the integration's details list them under the summary. */
export function findingLine(finding: VerifyFinding): string {
  const what = finding.email ? `${finding.object}: ${finding.email}` : finding.object;
  return `${finding.outcome === 'corrected' ? 'FIXED' : 'ATTENTION'} ${what}: ${finding.detail}${finding.fix ? ` (fix: ${finding.fix})` : ''}`;
}

function problemLine(person: PersonProblem): string {
  return `- ${person.email}: ${person.problem}. Fix: \`${person.fix}\``;
}

/** The markdown Temporal UI shows as the verify run's current details. */
export function verifyDetails(report: VerifyReport): string {
  const mark = { ok: 'ok', corrected: 'corrected', needsAttention: '**needs attention**' } as const;
  const lines = [
    `**Verify** at ${report.at}: ${report.ok ? 'passed' : 'needs attention'}`,
    '',
    ...report.checks.map((check) => `- ${check.object}: ${mark[check.outcome]}: ${check.detail}${check.fix ? ` (fix: ${check.fix})` : ''}`),
  ];
  if (report.people.corrections.length > 0) lines.push('', 'Put back:', ...report.people.corrections.map((person) => `- ${person.email}: ${person.detail}`));
  if (report.people.needsAttention.length > 0) {
    const more = report.people.needsAttentionCount - report.people.needsAttention.length;
    lines.push('', 'People who need attention:', ...report.people.needsAttention.map(problemLine), ...(more > 0 ? [`- and ${more} more`] : []));
  }
  return lines.join('\n');
}
