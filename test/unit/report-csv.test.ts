/**
 * Pure logic of `report`: the CSV writer (RFC 4180 quoting, CRLF, the formula guard), checked
 * against csv-parse reading it back, and how a person's state becomes a row.
 */
import { parse } from 'csv-parse/sync';
import { csvCell, csvLine, toCsv } from '../../src/cli/csv';
import { REPORT_COLUMNS, renderReport, reportRow } from '../../src/cli/report';
import type { PersonRun } from '../../src/temporal/people';
import type { PersonState } from '../../src/workflows/definitions';

describe('the CSV writer', () => {
  it('quotes only what needs it, doubling quotes, and leaves empty what is absent', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('carriage\rreturn')).toBe('"carriage\rreturn"');
    expect(csvCell('')).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(3)).toBe('3');
    expect(csvCell(true)).toBe('true');
    expect(csvLine(['a', null, 'b,c', 0, false])).toBe('a,,"b,c",0,false');
  });

  it('guards against formula injection: a text cell starting with = + - @ (or tab, CR) gets a leading quote', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    // Only at the start, and only text: a = inside a cell, and our own numbers, are left as they are.
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(-1)).toBe('-1');
  });

  it('writes a header and CRLF-ended rows that a CSV parser reads back cell for cell', () => {
    const rows = [
      ['x@example.com', 'a "quoted", multi\nline\r\nmessage', null, 2],
      ['=cmd|calc', '', true, -0],
    ];
    const text = toCsv(['email', 'message', 'flag', 'n'], rows);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')[0]).toBe('email,message,flag,n');
    const parsed = parse(text) as string[][];
    expect(parsed).toEqual([
      ['email', 'message', 'flag', 'n'],
      ['x@example.com', 'a "quoted", multi\nline\r\nmessage', '', '2'],
      ["'=cmd|calc", '', 'true', '0'],
    ]);
    expect(toCsv(['only'], [])).toBe('only\r\n');
  });
});

describe('a report row', () => {
  const run: PersonRun = {
    email: 'ann@example.com',
    workflowId: 'integration-1/person/ann@example.com',
    runId: 'run-1',
    status: 'WaitingForBinding',
    step: 'WaitForBinding',
    execution: 'RUNNING',
    startedAt: '2026-01-02T00:00:00.000Z',
    onboardedBy: 'hand',
  };
  const state: PersonState = {
    email: 'ann@example.com',
    status: 'NeedsAttention',
    step: 'WaitForBinding',
    emailsSent: 2,
    onboardedBy: 'sync:00g1',
    resends: 1,
    bound: true,
    boundAt: '2026-01-01T10:00:00.000Z',
    routed: false,
    oktaUser: { id: 'u1', adopted: true },
    startedAt: '2026-01-01T00:00:00.000Z',
    attention: {
      step: 'RouteOktaUser',
      type: 'OktaUserNotActiveError',
      message: 'the Okta user is DEPROVISIONED',
      since: '2026-01-01T10:00:01.000Z',
    },
  };

  it('takes everything from the state when it is known', () => {
    expect(reportRow({ run, state, source: 'query' })).toEqual({
      email: 'ann@example.com',
      status: 'NeedsAttention',
      step: 'WaitForBinding',
      bound_at: '2026-01-01T10:00:00.000Z',
      routed: false,
      okta_user: 'adopted',
      emails_sent: 2,
      last_error: 'RouteOktaUser (OktaUserNotActiveError): the Okta user is DEPROVISIONED',
      workflow_id: 'integration-1/person/ann@example.com',
      started_at: '2026-01-01T00:00:00.000Z',
      note: null,
      onboarded_by: 'sync:00g1',
    });
    expect(
      reportRow({ run, state: { ...state, oktaUser: { id: 'u2', adopted: false } }, source: 'result' }).okta_user,
    ).toBe('created');
    expect(
      reportRow({ run, state: { ...state, oktaUser: undefined, attention: undefined }, source: 'result' }),
    ).toMatchObject({ okta_user: 'none', last_error: null });
  });

  it('with only the search attributes, leaves unknown cells empty and says why', () => {
    const row = reportRow({
      run: { ...run, status: 'Cancelled', step: 'Undone', execution: 'CANCELLED' },
      source: 'visibility',
      note: 'workflow CANCELLED',
    });
    expect(row).toEqual({
      email: 'ann@example.com',
      status: 'Cancelled',
      step: 'Undone',
      bound_at: null,
      routed: null,
      okta_user: null,
      emails_sent: null,
      last_error: null,
      workflow_id: run.workflowId,
      started_at: run.startedAt,
      note: 'workflow CANCELLED',
      onboarded_by: 'hand',
    });
    const [header, line] = parse(renderReport([row], 'csv')) as string[][] as [string[], string[]];
    expect(header).toEqual([...REPORT_COLUMNS]);
    expect(line).toEqual([
      'ann@example.com',
      'Cancelled',
      'Undone',
      '',
      '',
      '',
      '',
      '',
      run.workflowId,
      run.startedAt,
      'workflow CANCELLED',
      'hand',
    ]);
    expect(JSON.parse(renderReport([row], 'json'))).toEqual([row]);
  });
});
