/**
 * `report` as an operator runs it (the CLI as a real process, with the codec key the worker has),
 * against the run's Temporal server, both simulators and a worker: people in every state the audit
 * cares about, each row's exact cells; the CSV read back by a parser; JSON; a file; an unknown
 * format; no secret in any output; closed runs reported without a worker (never queried); and
 * many people onboarded to the end, one row each, paging through visibility.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import * as commands from '../src/cli/commands';
import { REPORT_COLUMNS, report, type ReportRow } from '../src/cli/report';
import type { Output } from '../src/cli/session';
import type { PersonState } from '../src/workflows/definitions';
import { startCommand } from './support/processes';
import { ServiceHarness } from './support/service';
import { waitFor } from './support/wait';
import { oktaApi, waitForPerson } from './support/workflow-checks';

const silent: Output = { json: true, print: () => undefined, info: () => undefined };

async function cli(
  harness: ServiceHarness,
  args: string[],
): Promise<{ code: number | null; stdout: string; output: string }> {
  const run = startCommand(process.execPath, ['--import', 'tsx', 'src/client.ts', ...args], harness.env());
  let stdout = '';
  run.child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const { code } = await run.exited;
  return { code, stdout, output: run.output() };
}

/** The report's CSV as objects keyed by its header, after checking the header is the documented one. */
function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = parse(text) as string[][];
  expect(header).toEqual([...REPORT_COLUMNS]);
  return lines.map((line) => Object.fromEntries(header!.map((column, index) => [column, line[index]!])));
}

/** What a JSON row is as a CSV line: null empty, the rest as text. */
function asCells(row: ReportRow): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

describe('report: one row per person, for audits', () => {
  const keys = `report-1:${randomBytes(32).toString('base64')}`;
  let harness: ServiceHarness;
  let dir: string;
  const ADOPTED = 'ada.adopted@example.com';
  const CREATED = 'carl.created@example.com';
  const WAITING = 'wendy.waiting@example.com';
  const ATTENTION = 'nora.attention@example.com';
  const CANCELLED = 'cass.cancelled@example.com';
  const OFFBOARDED = 'otto.offboarded@example.com';
  const EVERYONE = [ADOPTED, CREATED, WAITING, ATTENTION, CANCELLED, OFFBOARDED].sort();
  const states = new Map<string, PersonState>();

  beforeAll(async () => {
    harness = await ServiceHarness.start({ codecKeys: keys });
    await harness.startWorker();
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-report-'));
  });
  afterAll(async () => {
    await harness?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('brings people to each state: Onboarded (adopted and created Okta user), waiting, needing attention, cancelled, offboarded', async () => {
    // An administrator's user for ADOPTED (adopted when routed), and a deactivated one for ATTENTION (refused at routing).
    const user = (login: string, firstName: string) => ({
      profile: { login, email: login, firstName, lastName: 'Example' },
      credentials: { password: { value: 'An0ld-Passw0rd!' } },
    });
    await oktaApi(harness, 'POST', '/api/v1/users?activate=true', user(ADOPTED, 'Ada'));
    const stale = (await oktaApi(harness, 'POST', '/api/v1/users?activate=true', user(ATTENTION, 'Nora'))) as {
      id: string;
    };
    await oktaApi(harness, 'POST', `/api/v1/users/${stale.id}/lifecycle/deactivate`);

    await harness.onboard(EVERYONE);
    await Promise.all(
      EVERYONE.map((email) => waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding', 45_000)),
    );
    await Promise.all([ADOPTED, CREATED, ATTENTION, OFFBOARDED].map((email) => harness.bind(email)));
    for (const email of [ADOPTED, CREATED, OFFBOARDED])
      states.set(email, (await harness.personHandle(email).result()) as PersonState);
    states.set(
      ATTENTION,
      await waitForPerson(harness, ATTENTION, (state) => state.status === 'NeedsAttention', 30_000),
    );

    expect(await commands.cancel(harness.session, silent, CANCELLED)).toBe(0);
    expect(await commands.cancel(harness.session, silent, OFFBOARDED)).toBe(0);
    // Each newest run as visibility shows it, once everything has settled.
    const expected: Record<string, [string, string, string]> = {
      [ADOPTED]: ['Onboarded', 'Done', 'COMPLETED'],
      [CREATED]: ['Onboarded', 'Done', 'COMPLETED'],
      [WAITING]: ['WaitingForBinding', 'WaitForBinding', 'RUNNING'],
      [ATTENTION]: ['NeedsAttention', 'WaitForBinding', 'RUNNING'],
      [CANCELLED]: ['Cancelled', 'Undone', 'CANCELLED'],
      [OFFBOARDED]: ['Cancelled', 'Undone', 'COMPLETED'],
    };
    await waitFor(
      () => commands.listPeople(harness.session),
      (rows) =>
        rows.length === EVERYONE.length &&
        rows.every(
          (row) => JSON.stringify([row.status, row.step, row.execution]) === JSON.stringify(expected[row.email]),
        ),
      30_000,
    );
    states.set(WAITING, await waitForPerson(harness, WAITING, () => true));
    states.set(OFFBOARDED, (await harness.personHandle(OFFBOARDED).result()) as PersonState);
  });

  it('reports each person with the exact cells, as RFC 4180 CSV that parses back, and as the same JSON', async () => {
    const [csv, json, globalJson] = await Promise.all([
      cli(harness, ['report']),
      cli(harness, ['report', '--format', 'json']),
      cli(harness, ['--json', 'report']),
    ]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n')).toHaveLength(EVERYONE.length + 2); // header, one line per person, the last CRLF
    const rows = csvRows(csv.stdout);
    expect(rows.map((row) => row.email)).toEqual(EVERYONE);
    const byEmail = new Map(rows.map((row) => [row.email, row]));
    const id = (email: string) => `${harness.spec.integrationId}/person/${email}`;
    const known = (email: string) => states.get(email)!;

    /** A row's expected cells: the ones that name the person and their run, then what the test says about them. */
    const expected = (email: string, cells: Partial<Record<keyof ReportRow, string>>) => ({
      email,
      bound_at: known(email).boundAt,
      emails_sent: '1',
      last_error: '',
      workflow_id: id(email),
      started_at: known(email).startedAt,
      note: '',
      onboarded_by: 'hand',
      ...cells,
    });

    expect(byEmail.get(ADOPTED)).toEqual(
      expected(ADOPTED, { status: 'Onboarded', step: 'Done', routed: 'true', okta_user: 'adopted' }),
    );
    expect(byEmail.get(CREATED)).toEqual(
      expected(CREATED, { status: 'Onboarded', step: 'Done', routed: 'true', okta_user: 'created' }),
    );
    expect(byEmail.get(WAITING)).toEqual(
      expected(WAITING, {
        status: 'WaitingForBinding',
        step: 'WaitForBinding',
        bound_at: '',
        routed: 'false',
        okta_user: 'none',
      }),
    );
    const attention = known(ATTENTION).attention!;
    expect(attention).toMatchObject({ step: 'RouteOktaUser', type: 'OktaUserNotActiveError' });
    // Routing was refused, so the workflow never recorded the binding (only a routed look marks it bound): no bound time.
    expect(known(ATTENTION)).toMatchObject({ bound: false, routed: false });
    expect(byEmail.get(ATTENTION)).toEqual(
      expected(ATTENTION, {
        status: 'NeedsAttention',
        step: 'WaitForBinding',
        bound_at: '',
        routed: 'false',
        okta_user: 'none',
        last_error: `RouteOktaUser (OktaUserNotActiveError): ${attention.message}`,
      }),
    );
    expect(byEmail.get(ATTENTION)!.last_error).toMatch(/DEPROVISIONED/);
    // Cancelled while it ran: the run ended CANCELLED with no result, so only the search attributes are known (and the run's start).
    const cancelled = byEmail.get(CANCELLED)!;
    expect(cancelled).toEqual({
      email: CANCELLED,
      status: 'Cancelled',
      step: 'Undone',
      bound_at: '',
      routed: '',
      okta_user: '',
      emails_sent: '',
      last_error: '',
      workflow_id: id(CANCELLED),
      started_at: cancelled.started_at,
      note: 'workflow CANCELLED, no final state recorded: status and step from search attributes',
      onboarded_by: 'hand',
    });
    expect(Date.parse(cancelled.started_at!)).toBeGreaterThan(0);
    // Offboarded after it was onboarded: the offboarding run's result, its created Okta user removed.
    expect(byEmail.get(OFFBOARDED)).toEqual(
      expected(OFFBOARDED, { status: 'Cancelled', step: 'Undone', routed: 'false', okta_user: 'none' }),
    );
    expect(known(OFFBOARDED)).toMatchObject({ status: 'Cancelled', step: 'Undone', bound: true });
    expect(csv.output).toMatch(/1 of 6 rows have only the search attributes' status and step/);

    // JSON: the same rows, typed (booleans, numbers, null for an empty cell); --json alone means JSON.
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as ReportRow[];
    expect(parsed.map(asCells)).toEqual(rows);
    expect(parsed.find((row) => row.email === ADOPTED)).toMatchObject({
      routed: true,
      emails_sent: 1,
      okta_user: 'adopted',
      last_error: null,
    });
    expect(globalJson.code).toBe(0);
    expect(JSON.parse(globalJson.stdout)).toEqual(parsed);

    // None of the secrets anywhere: API tokens, the OIDC client secret, the codec key.
    const secrets = [...(await harness.secrets()), keys, keys.split(':')[1]!];
    for (const run of [csv, json, globalJson])
      for (const secret of secrets) expect(run.output.includes(secret)).toBe(false);
  });

  it('writes to a file when asked and says where; an unknown format is a usage error (exit 2)', async () => {
    const file = join(dir, 'audit.csv');
    const [written, unknown, writtenJson] = await Promise.all([
      cli(harness, ['report', '--output', file]),
      cli(harness, ['report', '--format', 'xlsx']),
      cli(harness, ['--json', 'report', '--format', 'csv', '-o', join(dir, 'audit-2.csv')]),
    ]);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe(`Wrote 6 rows (csv) to ${file}.\n`);
    expect(csvRows(await readFile(file, 'utf8')).map((row) => row.email)).toEqual(EVERYONE);
    expect(writtenJson.code).toBe(0);
    expect(JSON.parse(writtenJson.stdout)).toEqual({
      output: join(dir, 'audit-2.csv'),
      format: 'csv',
      rows: 6,
      partialRows: 1,
    });
    expect(await readFile(join(dir, 'audit-2.csv'), 'utf8')).toBe(await readFile(file, 'utf8'));
    expect(unknown.code).toBe(2);
    expect(unknown.output).toMatch(/Allowed choices are csv, json/);
    expect(unknown.stdout).toBe('');
  });

  it('reads closed runs from their results, never by a query: without a worker they are still complete', async () => {
    for (const worker of harness.workers) worker.worker.shutdown();
    await Promise.all(harness.workers.map((worker) => worker.done));
    const file = join(dir, 'no-worker.json');
    // In process, with a small page size: three pages of visibility for six people (and seven runs).
    expect(await report(harness.session, silent, { format: 'json', output: file, pageSize: 3, progress: false })).toBe(
      0,
    );
    const rows = JSON.parse(await readFile(file, 'utf8')) as ReportRow[];
    expect(rows.map((row) => row.email)).toEqual(EVERYONE);
    for (const email of [ADOPTED, CREATED, OFFBOARDED]) {
      const row = rows.find((candidate) => candidate.email === email)!;
      expect([email, row.note, row.emails_sent, row.bound_at]).toEqual([email, null, 1, states.get(email)!.boundAt]);
    }
    // Running ones need a worker to answer their query: without one, their search attributes and why.
    for (const email of [WAITING, ATTENTION]) {
      const row = rows.find((candidate) => candidate.email === email)!;
      expect([email, row.status, row.routed]).toEqual([
        email,
        email === WAITING ? 'WaitingForBinding' : 'NeedsAttention',
        null,
      ]);
      expect(row.note).toMatch(/status query|no worker/);
    }
  });
});

describe('report for many people', () => {
  const COUNT = Number(process.env.REPORT_TEST_PEOPLE ?? 200);
  const PEOPLE = Array.from({ length: COUNT }, (_, index) => `many${String(index).padStart(3, '0')}@example.com`);
  let harness: ServiceHarness;
  beforeAll(async () => {
    harness = await ServiceHarness.start({ codecKeys: `report-2:${randomBytes(32).toString('base64')}` });
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it(`gives a header and exactly one line per person for ${COUNT} people onboarded to the end`, async () => {
    await harness.onboard(PEOPLE);
    // Each person binds when their email arrives, sixteen at a time.
    const queue = [...PEOPLE];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let email = queue.shift(); email; email = queue.shift()) await harness.bind(email, 120_000);
      }),
    );
    await waitFor(
      async () =>
        Number(
          (
            await harness.client.workflow.count(
              `WorkflowType = 'personOnboarding' AND Integration = '${harness.spec.integrationId}' AND OnboardingStatus = 'Onboarded' AND ExecutionStatus = 'Completed'`,
            )
          ).count,
        ),
      (count) => count === COUNT,
      120_000,
      500,
    );
    const run = await cli(harness, ['report', '--format', 'csv']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(COUNT + 1);
    const rows = csvRows(run.stdout);
    expect(rows.map((row) => row.email)).toEqual(PEOPLE);
    expect(
      rows.filter(
        (row) =>
          row.status === 'Onboarded' &&
          row.routed === 'true' &&
          row.okta_user === 'created' &&
          row.emails_sent === '1' &&
          row.note === '',
      ),
    ).toHaveLength(COUNT);
  });
});
