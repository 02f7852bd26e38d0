/** The views Temporal UI and the CLI share (src/workflows/view.ts): one list of lines, rendered as markdown and as text. Pure. */
import type { IntegrationSpec, IntegrationState, PersonState, VerifyReport } from '../../src/workflows/definitions';
import { integrationDetails, integrationView } from '../../src/workflows/integration-state';
import { personDetails, personView } from '../../src/workflows/person-state';
import { findingLine, verifyDetails, verifyView } from '../../src/workflows/verify-state';
import { attentionView, markdown, MARK, recordValue, text, type View } from '../../src/workflows/view';

const routing = { attribute: 'beyondIdentityIntegration', value: 't/realm' };
const context = {
  realmId: 'r1',
  applicationId: 'a1',
  authenticatorConfigId: 'c1',
  routing,
  binding: { pollIntervalMs: 1000, maxResends: 2, deadlineMs: 60_000 },
  activityTimeoutMs: 10_000,
};
const integrationSpec = {
  integrationId: 'int-1',
  realmName: 'Realm',
  oktaOrgUrl: 'https://okta.example',
  routing,
} as IntegrationSpec;
const attention = {
  step: 'RouteOktaUser',
  type: 'RejectedUpstreamError',
  message: 'the user is DEPROVISIONED',
  service: 'okta',
  status: 403,
  upstreamCode: 'E0000038',
  requestId: 'req-1',
  since: 'T2',
};

describe('the renderers', () => {
  const view: View = {
    title: { subject: 'ann@example.com', status: 'Running', step: 'Start' },
    lines: [
      { label: 'Okta user', value: recordValue({ id: 'u1', adopted: true }) },
      { label: 'Routing', value: [{ code: 'attr' }, ' = ', { quoted: 'v' }], items: ['one', [{ code: 'two' }]] },
      { paragraph: 'A note.' },
      { heading: 'Kept', items: [{ text: 'realm r1', fix: 'delete it by hand' }] },
    ],
  };

  it('markdown: a bold title, label/value lines as one list, code in backticks, paragraphs apart', () => {
    expect(markdown(view)).toBe(
      [
        '**ann@example.com**: Running (step `Start`)',
        '',
        '- Okta user: `u1` (adopted, never deleted)',
        '- Routing: `attr` = `v`',
        '  - one',
        '  - `two`',
        '',
        'A note.',
        '',
        'Kept:',
        '- realm r1 (fix: delete it by hand)',
      ].join('\n'),
    );
  });

  it('text: labels in a column, code bare, quoted values in double quotes, a blank line before paragraphs and lists', () => {
    expect(text(view)).toBe(
      [
        'ann@example.com: Running (step Start)',
        '  Okta user  u1 (adopted, never deleted)',
        '  Routing    attr = "v"',
        '    one',
        '    two',
        '',
        'A note.',
        '',
        'Kept:',
        '  realm r1',
        '    fix: delete it by hand',
      ].join('\n'),
    );
  });

  it('an object is shown one way: its id, whether adopted, or a dash', () => {
    expect(markdown({ lines: [{ label: 'Realm', value: recordValue(undefined) }] })).toBe('- Realm: —');
    expect(text({ lines: [{ label: 'Realm', value: recordValue({ id: 'r1', adopted: false }) }] })).toBe('  Realm  r1');
  });

  it('a checklist line carries the one MARK of its outcome', () => {
    const checks: View = {
      lines: [
        { mark: 'ok', label: 'realm', value: 'found' },
        { mark: 'corrected', label: 'rule', value: 'put back', fix: 'nothing' },
        { mark: 'needsAttention', label: 'people', value: '1' },
      ],
    };
    expect(text(checks)).toBe(
      ['ok       realm: found', 'FIXED    rule: put back', '          fix: nothing', 'ATTENTION people: 1'].join('\n'),
    );
    expect(markdown(checks)).toBe(
      ['- ok realm: found', '- **FIXED** rule: put back (fix: nothing)', '- **ATTENTION** people: 1'].join('\n'),
    );
    expect(MARK).toEqual({ ok: 'ok', corrected: 'FIXED', needsAttention: 'ATTENTION' });
  });
});

describe('attention', () => {
  it('names the step, the failure and where it came from, the request id and the fix, in both renderings', () => {
    const view = attentionView(attention);
    expect(markdown(view)).toBe(
      [
        '**Needs attention** at step `RouteOktaUser` since T2',
        '',
        'RejectedUpstreamError: the user is DEPROVISIONED [okta, HTTP 403, E0000038]',
        '',
        '- Upstream request id: `req-1`',
        '',
        'Fix the cause (credentials, input, the object in the admin console), then `retry`.',
      ].join('\n'),
    );
    expect(text(view)).toBe(
      [
        'Needs attention at RouteOktaUser since T2',
        '',
        'RejectedUpstreamError: the user is DEPROVISIONED [okta, HTTP 403, E0000038]',
        '  Upstream request id  req-1',
        '',
        'Fix the cause (credentials, input, the object in the admin console), then `retry`.',
      ].join('\n'),
    );
  });

  it('inside another view, the text keeps it together', () => {
    const inside = text({
      lines: [
        {
          view: attentionView({
            ...attention,
            requestId: undefined,
            service: undefined,
            status: undefined,
            upstreamCode: undefined,
          }),
        },
      ],
    });
    expect(inside).toBe(
      [
        'Needs attention at RouteOktaUser since T2',
        'RejectedUpstreamError: the user is DEPROVISIONED',
        'Fix the cause (credentials, input, the object in the admin console), then `retry`.',
      ].join('\n'),
    );
  });
});

describe('a person', () => {
  const state: PersonState = {
    email: 'ann@example.com',
    status: 'NeedsAttention',
    step: 'RouteOktaUser',
    context,
    emailsSent: 2,
    resends: 1,
    bound: true,
    boundVia: 'signal',
    boundAt: 'T1',
    routed: true,
    startedAt: 'T0',
    identity: { id: 'i1', adopted: false },
    oktaUser: { id: 'u1', adopted: true },
    note: 'A note.',
    attention,
  };

  it('one list of lines: the same labels and values in Temporal UI and in `status`', () => {
    const labels = personView(state).lines.flatMap((line) => ('label' in line ? [line.label] : []));
    expect(labels).toEqual([
      'Beyond Identity identity',
      'Binding',
      'Binding emails sent',
      'Binding deadline',
      'Okta user',
      'Routed to Beyond Identity',
    ]);
    const details = personDetails(state);
    expect(details).toContain('**ann@example.com**: NeedsAttention (step `RouteOktaUser`)');
    expect(details).toContain('- Routed to Beyond Identity: yes (`beyondIdentityIntegration` = `t/realm`)');
    expect(details).toContain('- Okta user: `u1` (adopted, never deleted)');
    expect(details).toContain('**Needs attention** at step `RouteOktaUser`');
    const shown = text(personView(state));
    expect(shown).toMatch(/^ann@example\.com: NeedsAttention \(step RouteOktaUser\)$/m);
    expect(shown).toMatch(/emails sent +2 \(1 after expiry\)/);
    expect(shown).toContain('  Routed to Beyond Identity  yes (beyondIdentityIntegration = "t/realm")');
    expect(shown).toMatch(/Needs attention at RouteOktaUser.*DEPROVISIONED/s);
  });

  it('a leaver shows why they left, when the identity was suspended and when it goes; and who onboarded them', () => {
    const left: PersonState = {
      ...state,
      status: 'Suspended',
      step: 'WaitForReturn',
      routed: false,
      attention: undefined,
      leaveReason: 'removed from group Engineering',
      suspendedAt: 'T5',
      deleteAt: 'T35',
      onboardedBy: 'sync:00g1',
    };
    const shown = text(personView(left));
    expect(shown).toMatch(/^ann@example\.com: Suspended \(step WaitForReturn\)$/m);
    expect(shown).toMatch(/Left +removed from group Engineering/);
    expect(shown).toMatch(/Identity suspended +T5/);
    expect(shown).toMatch(/Deleted after +T35/);
    expect(shown).toMatch(/Onboarded by +sync:00g1/);
    expect(personDetails({ ...left, returnedAt: 'T9' })).toContain('- Came back: T9');
  });

  it('a binding under way shows its job; a rebind its start', () => {
    const waiting = {
      ...state,
      bound: false,
      routed: false,
      bindingJobId: 'j1',
      bindingJobState: 'LINK_SENT',
      attention: undefined,
      note: undefined,
      rebindStartedAt: 'T3',
    };
    expect(personDetails(waiting)).toContain('- Binding: job `j1` LINK_SENT');
    expect(text(personView(waiting))).toContain('  Rebind                     began at T3');
    expect(text(personView(waiting))).toContain('  Routed to Beyond Identity  no');
  });
});

describe('an integration', () => {
  const spec = integrationSpec;
  const state: IntegrationState = {
    status: 'Ready',
    step: 'Done',
    kept: ['realm r1'],
    realm: { id: 'r1', adopted: true },
    routingRule: { id: 'rule1', adopted: false, policyId: 'p1' },
    offboarded: { cancelled: 1, undone: 2, alreadyEnded: 0 },
    lastVerify: {
      at: 'T9',
      ok: false,
      workflowId: 'int-1/verify/now-1',
      counts: { ok: 6, corrected: 0, needsAttention: 1 },
      corrected: [],
      needsAttention: ['people'],
      peopleChecked: 1,
      findings: [
        {
          object: 'people',
          outcome: 'needsAttention',
          email: 'ann@example.com',
          detail: 'no passkey',
          fix: 'bi-okta rebind ann@example.com',
        },
      ],
    },
  };

  it('the CLI adds the people it counted; Temporal UI says where they are listed', () => {
    const shown = text(integrationView(state, spec, { total: 2, summary: 'routed 2 (Onboarded 2)' }));
    expect(shown).toMatch(/^Integration int-1: Ready \(step Done\)$/m);
    expect(shown).toMatch(/People +2, routed 2 \(Onboarded 2\)/);
    expect(shown).toMatch(/Routing +beyondIdentityIntegration = "t\/realm"/);
    expect(shown).toContain('  Routing rule            rule1');
    expect(shown).toMatch(
      /Last verify +T9: needs attention: people; checks 6 ok, 0 corrected, 1 need attention; 1 routed people checked \(int-1\/verify\/now-1\)/,
    );
    expect(shown).toContain('    ATTENTION people: ann@example.com: no passkey (fix: bi-okta rebind ann@example.com)');
    expect(shown).toContain('\n\nKept on teardown:\n  realm r1');
    const details = integrationDetails(state, spec);
    expect(details).toContain('`beyondIdentityIntegration` = `t/realm`');
    expect(details).toContain('- People: listed by the `Integration` search attribute (CLI: `list`)');
    expect(details).toContain(
      '  - ATTENTION people: ann@example.com: no passkey (fix: bi-okta rebind ann@example.com)',
    );
    expect(details).toContain(
      '- Offboarded at teardown: 1 cancelled while running, 2 undone after they had ended, 0 already cancelled',
    );
  });
});

describe('a verify report', () => {
  const report: VerifyReport = {
    at: 'T9',
    ok: true,
    checks: [
      { object: 'realm', outcome: 'ok', detail: 'found' },
      { object: 'routing rule', outcome: 'corrected', detail: 'status; put back' },
    ],
    people: {
      checked: 3,
      ok: 0,
      corrected: 3,
      needsAttentionCount: 0,
      corrections: [{ email: 'bob@example.com', detail: 'set back' }],
      needsAttention: [],
    },
  };

  it('the checklist, who was put back and the verdict: the same lines in `verify` and in Temporal UI', () => {
    expect(text(verifyView(report))).toBe(
      [
        'ok       realm: found',
        'FIXED    routing rule: status; put back',
        '',
        'Put back:',
        '  bob@example.com: set back',
        '  and 2 more',
        '',
        'Verified at T9: nothing needs attention (1 put back).',
      ].join('\n'),
    );
    expect(verifyDetails(report)).toBe(
      [
        '- ok realm: found',
        '- **FIXED** routing rule: status; put back',
        '',
        'Put back:',
        '- bob@example.com: set back',
        '- and 2 more',
        '',
        'Verified at T9: nothing needs attention (1 put back).',
      ].join('\n'),
    );
  });

  it('people who need attention come with their fix, and a count of those not listed', () => {
    const failing: VerifyReport = {
      ...report,
      ok: false,
      checks: [
        {
          object: 'people',
          outcome: 'needsAttention',
          detail: '3 routed people checked',
          fix: 'see each person below',
        },
      ],
      people: {
        checked: 3,
        ok: 0,
        corrected: 0,
        needsAttentionCount: 3,
        corrections: [],
        needsAttention: [{ email: 'ann@example.com', problem: 'no passkey', fix: 'bi-okta rebind ann@example.com' }],
      },
    };
    const shown = text(verifyView(failing));
    expect(shown).toMatch(/^ATTENTION people: 3 routed people checked\n {10}fix: see each person below$/m);
    expect(shown).toContain(
      'People who need attention:\n  ann@example.com: no passkey\n    fix: bi-okta rebind ann@example.com\n  and 2 more (see --json of a smaller group, or `list`)',
    );
    expect(shown).toMatch(/Verified at T9: 1 of 1 checks need attention\.$/);
    expect(verifyDetails(failing)).toContain('- ann@example.com: no passkey (fix: bi-okta rebind ann@example.com)');
  });

  it('a kept finding is one line with the same MARK', () => {
    expect(findingLine({ object: 'routing rule', outcome: 'corrected', detail: 'status; put back' })).toBe(
      'FIXED routing rule: status; put back',
    );
    expect(
      findingLine({
        object: 'people',
        outcome: 'needsAttention',
        email: 'a@example.com',
        detail: 'gone',
        fix: 'onboard',
      }),
    ).toBe('ATTENTION people: a@example.com: gone (fix: onboard)');
  });
});

describe("an integration's Okta group syncs", () => {
  const spec = integrationSpec;
  const changed = Array.from({ length: 12 }, (_, index) => ({
    email: `p${index}@example.com`,
    change: 'joined' as const,
  }));
  const state: IntegrationState = {
    status: 'Ready',
    step: 'Ready',
    kept: [],
    syncs: {
      '00gSales': {
        syncId: 'int-1/sync/00gSales',
        group: { id: '00gSales', name: 'Sales' },
        status: 'NeedsAttention',
        lastRun: {
          kind: 'full',
          startedAt: 'T1',
          finishedAt: 'T2',
          counts: { joiners: 12, leavers: 0, returning: 1, movers: 1, excluded: 2, skipped: 3, unchanged: 30 },
          changed,
          movers: [{ oktaId: '00u1', onboardedAs: 'old@example.com', nowEmail: 'new@example.com' }],
          guard: { removals: 20, limit: 10 },
        },
        pendingGuard: { removals: 20, limit: 10 },
      },
    },
  };

  it("each sync's last run: when, the counts, the people it changed (10, then a count), a mover's fix, a guard's approve command", () => {
    const shown = text(integrationView(state, spec));
    expect(shown).toMatch(
      /Okta group sync +"Sales" \(00gSales\): NeedsAttention; last full reconcile T2: joined 12, left 0, returned 1, movers 1, excluded 2, skipped 3, unchanged 30/,
    );
    expect(shown).toContain(
      'guard: 20 removals are over the limit of 10; nobody was taken out. Check the group, then bi-okta sync --okta-group 00gSales --approve 20',
    );
    expect(shown).toContain('mover: old@example.com is now new@example.com in Okta: bi-okta cancel old@example.com');
    expect(shown).toContain('joined: p9@example.com');
    expect(shown).not.toContain('joined: p10@example.com');
    expect(shown).toContain('and 2 more');
    expect(integrationDetails(state, spec)).toContain('`bi-okta sync --okta-group 00gSales --approve 20`');
  });
});
