/**
 * `report`: an audit export of the integration's people, one row each (the newest run, as `list`
 * shows them), as CSV or JSON, on stdout or into a file. The states come from Temporal only
 * (src/temporal/read-person-states.ts): nothing here talks to Beyond Identity or Okta.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Attention } from '../workflows/definitions';
import { readPersonStates, type PersonStateRead, type ReadProgress } from '../temporal/read-person-states';
import { toCsv } from './csv';
import { CliError, EXIT, workerWarning, type Output, type Session } from './session';

export const REPORT_FORMATS = ['csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Whose the person's Okta user is: found and adopted (never deleted), made by this service, or none (yet, or removed by undo). */
type OktaUserOrigin = 'adopted' | 'created' | 'none';

/** The columns, in order; null is an empty CSV cell: not known (the row's note says why) or not set. */
export interface ReportRow {
  email: string;
  status: string;
  step: string;
  bound_at: string | null;
  routed: boolean | null;
  okta_user: OktaUserOrigin | null;
  emails_sent: number | null;
  last_error: string | null;
  workflow_id: string;
  /** When the person's onboarding started (kept across continue-as-new and offboarding); the run's start when the state is not known. */
  started_at: string;
  note: string | null;
  /** Who onboarded the person: `hand` or `sync:<Okta group id>` (runs from before it was recorded: `hand`). */
  onboarded_by: string;
}

export const REPORT_COLUMNS = [
  'email',
  'status',
  'step',
  'bound_at',
  'routed',
  'okta_user',
  'emails_sent',
  'last_error',
  'workflow_id',
  'started_at',
  'note',
  'onboarded_by',
] as const satisfies readonly (keyof ReportRow)[];

/** The attention as one cell: where it stopped, the failure type, then the message. */
function lastError(attention: Attention | undefined): string | null {
  return attention ? `${attention.step} (${attention.type}): ${attention.message}` : null;
}

export function reportRow({ run, state, note }: PersonStateRead): ReportRow {
  return {
    email: run.email,
    status: state?.status ?? run.status,
    step: state?.step ?? run.step,
    bound_at: state?.boundAt ?? null,
    routed: state ? state.routed : null,
    okta_user: state ? (state.oktaUser ? (state.oktaUser.adopted ? 'adopted' : 'created') : 'none') : null,
    emails_sent: state ? state.emailsSent : null,
    last_error: lastError(state?.attention),
    workflow_id: run.workflowId,
    started_at: state?.startedAt ?? run.startedAt,
    note: note ?? null,
    onboarded_by: state?.onboardedBy ?? run.onboardedBy,
  };
}

export function renderReport(rows: readonly ReportRow[], format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  return toCsv(
    REPORT_COLUMNS,
    rows.map((row) => REPORT_COLUMNS.map((column) => row[column])),
  );
}

export interface ReportOptions {
  format: ReportFormat;
  /** A file to write instead of stdout. */
  output?: string;
  /** People read so far, on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Visibility page size (tests page through a few people with a small one). */
  pageSize?: number;
}

/** Redraws one stderr line at most every 100 ms; `done` clears it. */
function progressLine(enabled: boolean): { update(progress: ReadProgress): void; done(): void } {
  let shownAt = 0;
  let shown = false;
  return {
    update(progress) {
      if (!enabled || Date.now() - shownAt < 100) return;
      shownAt = Date.now();
      shown = true;
      const text =
        progress.total === undefined
          ? `listing people: ${progress.listed} runs read`
          : `reading states: ${progress.read} of ${progress.total} people`;
      process.stderr.write(`\r\x1b[K${text}`);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

export async function report(session: Session, out: Output, options: ReportOptions): Promise<number> {
  const warning = await workerWarning(session);
  if (warning)
    process.stderr.write(`Warning: ${warning} Running onboardings are reported from their search attributes.\n`);
  const progress = progressLine(options.progress ?? Boolean(process.stderr.isTTY));
  let reads: PersonStateRead[];
  try {
    reads = await readPersonStates(session.client, session.spec.integrationId, {
      pageSize: options.pageSize,
      workerPolling: !warning,
      onProgress: progress.update,
    });
  } finally {
    progress.done();
  }
  const rows = reads.map(reportRow);
  const text = renderReport(rows, options.format);
  const partial = rows.filter((row) => row.note !== null).length;
  if (rows.length === 0) process.stderr.write(`No people in integration ${session.spec.integrationId}.\n`);
  if (partial > 0)
    process.stderr.write(
      `${partial} of ${rows.length} rows have only the search attributes' status and step; their note column says why.\n`,
    );
  if (!options.output) {
    process.stdout.write(text);
    return EXIT.ok;
  }
  const path = resolve(options.output);
  try {
    await writeFile(path, text, { mode: 0o600 });
  } catch (error) {
    throw new CliError(
      `Cannot write the report to ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      EXIT.usage,
    );
  }
  out.print(
    { output: path, format: options.format, rows: rows.length, partialRows: partial },
    () => `Wrote ${rows.length} ${rows.length === 1 ? 'row' : 'rows'} (${options.format}) to ${path}.`,
  );
  return EXIT.ok;
}
