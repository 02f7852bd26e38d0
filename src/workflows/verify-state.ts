/**
 * A verify's rules: what a person's check decides from what Beyond Identity and Okta show, how the
 * checks add up to a report (and whether it passes), what the integration keeps of it, and what
 * Temporal UI and `verify` show of it. Pure: verify.ts and the activities apply them, and they are
 * unit-tested without a server.
 */
import {
  VERIFY_KEPT_FINDINGS,
  VERIFY_LISTED_PEOPLE,
  VERIFY_OUTCOMES,
  type VerifyFinding,
  type IntegrationState,
  type VerifyCheck,
  type VerifyPeople,
  type VerifyReport,
  type VerifySummary,
} from './definitions';
import { MARK, markdown, type Line, type View } from './view';

/** What one check of a routed person found. */
export interface PersonCheck {
  email: string;
  /** Beyond Identity shows at least one ACTIVE passkey; undefined when the identity is gone. */
  activePasskey?: boolean;
  /** Their Okta user, if it still exists. */
  oktaUser?: { status: string; routingValue: unknown };
  /** This integration's routing value. */
  routingValue: string;
}

type Problem = { kind: 'problem'; problem: string; fix: string };
/** What a person's check decides: `corrected` means their routing is to be set back. */
export type PersonVerdict = { kind: 'ok' } | { kind: 'corrected' } | Problem;
/** A person's check as tallied: a correction says what was set back. */
export type PersonOutcome = { kind: 'ok' } | { kind: 'corrected'; detail: string } | Problem;

/**
 * Routing is the service's, so a person with a passkey whose property was cleared is put back; a
 * person without a passkey is only reported: clearing their routing would leave a federated user
 * with no way in at all, and a new passkey (`rebind`) is what they need.
 */
export function personVerdict(check: PersonCheck): PersonVerdict {
  const { email } = check;
  if (check.activePasskey === undefined) {
    return {
      kind: 'problem',
      problem: 'their Beyond Identity identity no longer exists',
      fix: `bi-okta cancel ${email}, then bi-okta onboard ${email}`,
    };
  }
  if (!check.oktaUser)
    return {
      kind: 'problem',
      problem: 'their Okta user no longer exists',
      fix: `bi-okta cancel ${email}, then bi-okta onboard ${email}`,
    };
  if (check.oktaUser.status !== 'ACTIVE') {
    return {
      kind: 'problem',
      problem: `their Okta user is ${check.oktaUser.status}`,
      fix: `activate or unsuspend the user in Okta (the service does not decide about a user's status)`,
    };
  }
  const value = check.oktaUser.routingValue;
  const routed = value === check.routingValue;
  const cleared = value === undefined || value === null || value === '';
  if (!check.activePasskey) {
    return {
      kind: 'problem',
      problem: `no active passkey in Beyond Identity (revoked or deleted)${routed ? '; still routed to Beyond Identity, so they cannot sign in' : ''}`,
      fix: `bi-okta rebind ${email}`,
    };
  }
  if (routed) return { kind: 'ok' };
  if (cleared) return { kind: 'corrected' };
  return {
    kind: 'problem',
    problem: `their routing property holds another value (${JSON.stringify(value)}), not this integration's`,
    fix: 'decide which integration routes them; the service does not overwrite another value',
  };
}

/** Adds one person's outcome to the tally: counts exact, names capped. */
export function tallyPerson(people: VerifyPeople, email: string, outcome: PersonOutcome): void {
  people.checked += 1;
  if (outcome.kind === 'ok') people.ok += 1;
  else if (outcome.kind === 'corrected') {
    people.corrected += 1;
    if (people.corrections.length < VERIFY_LISTED_PEOPLE) people.corrections.push({ email, detail: outcome.detail });
  } else {
    people.needsAttentionCount += 1;
    if (people.needsAttention.length < VERIFY_LISTED_PEOPLE)
      people.needsAttention.push({ email, problem: outcome.problem, fix: outcome.fix });
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
  return {
    at,
    ok: all.every((check) => check.outcome !== 'needsAttention'),
    checks: all,
    people: people ?? noPeople(),
  };
}

/** Why verify cannot check the objects: the integration is not Ready. */
export function notReadyCheck(state: IntegrationState | undefined, integrationId: string): VerifyCheck | undefined {
  if (!state)
    return {
      object: 'integration',
      outcome: 'needsAttention',
      detail: `integration ${integrationId} is not running`,
      fix: 'bi-okta onboard <email> starts it',
    };
  if (state.status === 'Ready') return undefined;
  return {
    object: 'integration',
    outcome: 'needsAttention',
    detail: `integration ${integrationId} is ${state.status} (step ${state.step}); its objects are checked once it is Ready`,
    fix:
      state.status === 'NeedsAttention' ? 'bi-okta status shows what it needs; then bi-okta retry' : 'bi-okta status',
  };
}

export function verifySummary(report: VerifyReport, workflowId: string): VerifySummary {
  const named = (outcome: VerifyCheck['outcome']) =>
    report.checks.filter((check) => check.outcome === outcome).map((check) => check.object);
  const counts = Object.fromEntries(
    VERIFY_OUTCOMES.map((outcome) => [outcome, named(outcome).length]),
  ) as VerifySummary['counts'];
  const findings: VerifyFinding[] = [
    // The people's line is a count; the people themselves follow.
    ...report.checks
      .filter((check) => check.outcome !== 'ok' && check.object !== 'people')
      .map(({ object, outcome, detail, fix }) => ({
        object,
        outcome: outcome as VerifyFinding['outcome'],
        detail,
        ...(fix ? { fix } : {}),
      })),
    ...report.people.needsAttention.map((person): VerifyFinding => ({
      object: 'people',
      outcome: 'needsAttention',
      email: person.email,
      detail: person.problem,
      fix: person.fix,
    })),
    ...report.people.corrections.map((person): VerifyFinding => ({
      object: 'people',
      outcome: 'corrected',
      email: person.email,
      detail: person.detail,
    })),
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
  return `${MARK[finding.outcome]} ${what}: ${finding.detail}${finding.fix ? ` (fix: ${finding.fix})` : ''}`;
}

/** What Temporal UI (the verify run's details) and `verify` (text) show of a report. */
export function verifyView(report: VerifyReport): View {
  const { people } = report;
  const lines: Line[] = report.checks.map((check) => ({
    mark: check.outcome,
    label: check.object,
    value: check.detail,
    fix: check.fix,
  }));
  if (people.corrections.length > 0) {
    const more = people.corrected - people.corrections.length;
    lines.push({
      heading: 'Put back',
      items: [
        ...people.corrections.map((person) => ({ text: `${person.email}: ${person.detail}` })),
        ...(more > 0 ? [{ text: `and ${more} more` }] : []),
      ],
    });
  }
  if (people.needsAttention.length > 0) {
    const more = people.needsAttentionCount - people.needsAttention.length;
    lines.push({
      heading: 'People who need attention',
      items: [
        ...people.needsAttention.map((person) => ({ text: `${person.email}: ${person.problem}`, fix: person.fix })),
        ...(more > 0 ? [{ text: `and ${more} more (see --json of a smaller group, or \`list\`)` }] : []),
      ],
    });
  }
  const corrected = report.checks.filter((check) => check.outcome === 'corrected').length;
  const attention = report.checks.filter((check) => check.outcome === 'needsAttention').length;
  lines.push({
    paragraph: report.ok
      ? `Verified at ${report.at}: nothing needs attention${corrected ? ` (${corrected} put back)` : ''}.`
      : `Verified at ${report.at}: ${attention} of ${report.checks.length} checks need attention${corrected ? `, ${corrected} put back` : ''}.`,
  });
  return { lines };
}

/** The markdown Temporal UI shows as the verify run's current details. */
export function verifyDetails(report: VerifyReport): string {
  return markdown(verifyView(report));
}
