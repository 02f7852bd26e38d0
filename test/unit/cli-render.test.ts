/** The CLI's text for each command's answer (src/cli/render.ts). Pure: no server. */
import * as render from '../../src/cli/render';
import type { ListRow } from '../../src/cli/integration-commands';

describe('the CLI text of each answer', () => {
  it('onboard: everyone given, why some were not started, the link, and the warning', () => {
    const answer = {
      integrationId: 'int-1',
      people: [
        { email: 'a@example.com', outcome: 'started' as const, workflowId: 'w1' },
        { email: 'b@example.com', outcome: 'alreadyRunning' as const, workflowId: 'w2' },
      ],
      warning: 'No worker is polling',
    };
    expect(render.onboardText(answer, 'http://ui/int-1')).toBe(
      [
        'Onboarding 2 people on integration int-1:',
        '  a@example.com',
        '  b@example.com: already onboarding',
        '',
        'Each will get a binding email. Progress: `npm run cli -- watch`; Temporal UI: http://ui/int-1',
        '',
        'Warning: No worker is polling',
      ].join('\n'),
    );
  });

  it('list: the integration as its own row, a column per field', () => {
    const row = (kind: ListRow['kind'], email: string, status: string): ListRow => ({
      kind,
      email,
      status,
      step: 'Start',
      execution: 'RUNNING',
      startedAt: '2026-01-01T00:00:00.000Z',
      workflowId: email || 'int-1',
    });
    expect(
      render.table([row('integration', '', 'NeedsAttention'), row('person', 'carol@example.com', 'Running')]),
    ).toBe(
      [
        'EMAIL              STATUS          STEP   WORKFLOW  STARTED',
        '(integration)      NeedsAttention  Start  RUNNING   2026-01-01 00:00:00',
        'carol@example.com  Running         Start  RUNNING   2026-01-01 00:00:00',
      ].join('\n'),
    );
  });

  it('bound, cancel, teardown, the people summary and preflight', () => {
    expect(render.boundText({ email: 'a@example.com', accepted: false, reason: 'no passkey yet' })).toBe(
      'Rejected: no passkey yet',
    );
    expect(render.boundText({ email: 'a@example.com', signalled: true })).toMatch(
      /^Told the onboarding of a@example\.com that a passkey is bound/,
    );
    expect(render.cancelText({ email: 'a@example.com', outcome: 'alreadyCancelled' })).toBe(
      'a@example.com is already cancelled; nothing to do.',
    );
    expect(render.tornDownText({ status: 'TornDown', step: 'Done', kept: ['realm r1'], tornDownAt: 'T5' })).toBe(
      'Torn down at T5.\nKept:\n  realm r1',
    );
    expect(
      render.peopleSummary(
        new Map([
          ['Onboarded', 2],
          ['Running', 1],
        ]),
      ),
    ).toBe('routed 2 (Onboarded 2, Running 1)');
    expect(render.peopleSummary(new Map())).toBe('routed 0');
    expect(
      render.preflightText([
        { name: 'Okta token', ok: true, detail: 'valid' },
        { name: 'Okta scopes', ok: false, detail: 'lacks x', fix: 'grant x' },
      ]),
    ).toBe(
      [
        'ok   Okta token: valid',
        'FAIL Okta scopes: lacks x',
        '       fix: grant x',
        '',
        '1 of 2 checks failed: nothing was written.',
      ].join('\n'),
    );
  });
});
