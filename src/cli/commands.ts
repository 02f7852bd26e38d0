/**
 * The operator's commands as the terminal runs them: each gets its answer (people-commands.ts,
 * integration-commands.ts), prints it once, as JSON or as text (render.ts), and returns the exit
 * code. Nothing here talks to Beyond Identity or Okta, whose credentials live with the worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeEmail, personWorkflowId, type PersonInput, type PersonStatus } from '../workflows/definitions';
import {
  integrationRow,
  integrationState,
  preflight as runPreflight,
  teardown as requestTeardown,
} from './integration-commands';
import * as people from './people-commands';
import * as render from './render';
import { EXIT, workflowLink, type Output, type Session } from './session';

export { integrationState } from './integration-commands';
export { listPeople } from './people-commands';

/** Starts the integration if it is not running, then each person's onboarding. */
export async function onboard(session: Session, out: Output, persons: PersonInput[]): Promise<number> {
  const answer = await people.onboard(session, persons);
  out.print(answer, () => render.onboardText(answer, workflowLink(session, answer.integrationId)));
  return EXIT.ok;
}

/** One person's onboarding, or with no email the integration's shared objects and everyone's count. */
export async function status(session: Session, out: Output, email: string | undefined): Promise<number> {
  if (!email) {
    const state = await integrationState(session);
    const rows = await people.listPeople(session);
    const counts = people.countByStatus(rows);
    const count = { total: rows.length, summary: render.peopleSummary(counts) };
    out.print({ ...state, people: { total: rows.length, byStatus: Object.fromEntries(counts) } }, () =>
      render.integrationText(state, session.spec, count, workflowLink(session, session.spec.integrationId)),
    );
    return state.status === 'NeedsAttention' ? EXIT.failed : EXIT.ok;
  }
  const state = await people.personState(session, normalizeEmail(email));
  out.print(state, () =>
    render.personText(state, workflowLink(session, personWorkflowId(session.spec.integrationId, state.email))),
  );
  return state.status === 'NeedsAttention' ? EXIT.failed : EXIT.ok;
}

export async function bound(session: Session, out: Output, email: string, check: boolean): Promise<number> {
  const answer = await people.bound(session, email, check);
  out.print(answer, () => render.boundText(answer));
  return 'signalled' in answer || answer.accepted ? EXIT.ok : EXIT.failed;
}

export async function retry(session: Session, out: Output, email: string | undefined): Promise<number> {
  const answer = await people.retry(session, email);
  out.print(answer, () => `Asked ${email ? normalizeEmail(email) : 'the integration'} to retry its failed step.`);
  return EXIT.ok;
}

export async function cancel(session: Session, out: Output, email: string): Promise<number> {
  const answer = await people.cancel(session, email);
  out.print(answer, () => render.cancelText(answer));
  return EXIT.ok;
}

export async function teardown(session: Session, out: Output, wait: boolean): Promise<number> {
  const { finished } = await requestTeardown(session);
  out.info(
    `Tearing down ${session.spec.integrationId}: routing, then people, then the shared objects; adopted objects are kept.`,
  );
  if (!wait) return EXIT.ok;
  const state = await finished();
  out.print(state, () => render.tornDownText(state));
  return EXIT.ok;
}

export async function list(session: Session, out: Output, statusFilter?: string): Promise<number> {
  const [integration, persons] = await Promise.all([
    integrationRow(session, statusFilter),
    people.listPeople(session, statusFilter),
  ]);
  const rows = integration ? [integration, ...persons] : persons;
  out.print(rows, () =>
    rows.length === 0
      ? `No onboardings${statusFilter ? ` with status ${statusFilter}` : ''} in ${session.spec.integrationId}.`
      : render.table(rows),
  );
  return EXIT.ok;
}

/** Statuses in which a person still needs something to happen (`?`: not yet set). */
const UNSETTLED: readonly string[] = ['Running', 'WaitingForBinding', 'Rebinding', 'NeedsAttention', '?'] satisfies (
  PersonStatus | '?'
)[];

export async function watch(
  session: Session,
  out: Output,
  options: { intervalSeconds: number; untilSettled: boolean },
): Promise<number> {
  const tty = process.stdout.isTTY && !out.json;
  let previous = '';
  for (;;) {
    const [rows, integration] = await Promise.all([
      people.listPeople(session),
      integrationState(session).catch(() => undefined),
    ]);
    const counts = people.countByStatus(rows);
    const settled =
      rows.length > 0 && rows.every((row) => !UNSETTLED.includes(row.status) || row.execution !== 'RUNNING');
    if (out.json) {
      out.print(
        {
          at: new Date().toISOString(),
          integration: integration?.status,
          counts: Object.fromEntries(counts),
          people: rows,
        },
        () => '',
      );
    } else {
      const screen = render.watchScreen(session.spec.integrationId, integration, rows, counts);
      if (tty)
        process.stdout.write(
          `\x1b[H\x1b[2J${screen}\n\n(refreshing every ${options.intervalSeconds} s; Ctrl-C to stop)\n`,
        );
      else if (screen !== previous) process.stdout.write(`${new Date().toISOString()}\n${screen}\n\n`);
      previous = screen;
    }
    if (options.untilSettled && settled) return EXIT.ok;
    await sleep(options.intervalSeconds * 1000);
  }
}

/** Read-only checks of Beyond Identity and Okta, run by the worker: exit 0 when every check passes, 1 otherwise. */
export async function preflight(session: Session, out: Output): Promise<number> {
  const checks = await runPreflight(session);
  const passed = checks.every((check) => check.ok);
  out.print({ ok: passed, checks }, () => render.preflightText(checks));
  return passed ? EXIT.ok : EXIT.failed;
}
