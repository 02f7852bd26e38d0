/**
 * The churn run's figures (bench/churn-figures.ts) and its options (bench/options.ts): the plan of
 * changes, the lags and their net of the simulated person's binding, the sync's history bound,
 * duplicates, and the checks that fail the run. Pure: no server.
 */
import {
  churnFailures,
  churnPlan,
  duplicateFigures,
  HISTORY_EVENTS_BOUND,
  lagFigures,
  renderChurnTable,
  syncHistoryFigures,
  type ChangeObservation,
  type ChurnChange,
  type ChurnFigures,
} from '../../bench/churn-figures';
import { OptionsError, resolveOptions, type RawOptions } from '../../bench/options';

const RAW: RawOptions = {
  preset: 'churn',
  seed: '1',
  latency: '20',
  jitter: '40',
  window: '10',
  limitScale: '0.3',
  restartAfter: '3',
  signalShare: '0.5',
  directoryShare: '0',
  activityTimeout: '300',
  upstreamTimeout: '5',
  out: 'bench/results',
};

describe('churn options', () => {
  it('--preset churn: a group of 2,000, ten minutes of 10 changes a minute, a 30-s poll, no baseline', () => {
    const config = resolveOptions(RAW);
    expect(config).toMatchObject({ preset: 'churn', n: 2000, baseline: 'none' });
    expect(config.churn).toEqual({ seconds: 600, perMinute: 10, syncPollSeconds: 30 });
    expect(config.timeoutSeconds).toBeGreaterThanOrEqual(600 + 3000);
  });

  it('takes its own knobs, and refuses them without the preset and kills with it', () => {
    const config = resolveOptions({ ...RAW, n: '30', churnSeconds: '60', churnPerMinute: '12', syncPoll: '5' });
    expect(config.churn).toEqual({ seconds: 60, perMinute: 12, syncPollSeconds: 5 });
    expect(() => resolveOptions({ ...RAW, preset: 'default', churnSeconds: '60' })).toThrow(
      /--churn-seconds: only with --preset churn/,
    );
    expect(() => resolveOptions({ ...RAW, killEvery: '30' })).toThrow(OptionsError);
    expect(() => resolveOptions({ ...RAW, preset: 'nope' })).toThrow(/default, soak or churn/);
  });
});

describe('churn figures', () => {
  it('plans joins and leaves in turn at the rate asked', () => {
    expect(churnPlan({ seconds: 600, perMinute: 10, syncPollSeconds: 30 })).toEqual({
      joins: 50,
      leaves: 50,
      intervalMs: 6000,
    });
    expect(churnPlan({ seconds: 60, perMinute: 5, syncPollSeconds: 30 })).toEqual({
      joins: 3,
      leaves: 2,
      intervalMs: 12000,
    });
  });

  const changes: ChurnChange[] = [
    { kind: 'join', email: 'a@x.test', at: 0 },
    { kind: 'leave', email: 'b@x.test', at: 1_000 },
    { kind: 'join', email: 'c@x.test', at: 2_000 },
    { kind: 'leave', email: 'd@x.test', at: 3_000 },
  ];
  const observed = new Map<string, ChangeObservation>([
    ['a@x.test', { doneAt: 30_000, bindWaitMs: 4_000 }],
    ['b@x.test', { doneAt: 21_000 }],
    ['d@x.test', { doneAt: 43_000 }],
  ]);

  it('lags from the change to done; joiners net of the person binding; the rest unfinished', () => {
    const joiners = lagFigures(changes, observed, 'join');
    expect(joiners).toMatchObject({ changes: 2, done: 1, unfinished: ['c@x.test'] });
    expect(joiners.lagSeconds.p50).toBe(30);
    expect(joiners.netLagSeconds.p50).toBe(26);
    const leavers = lagFigures(changes, observed, 'leave');
    expect(leavers).toMatchObject({ changes: 2, done: 2, unfinished: [] });
    expect(leavers.lagSeconds.max).toBe(40);
    expect(leavers.netLagSeconds).toEqual(leavers.lagSeconds);
  });

  it("the sync's history is bounded while every run stays under Temporal's warning", () => {
    expect(syncHistoryFigures([{ events: 900 }, { events: 1200 }, { events: 40 }])).toMatchObject({
      runs: 3,
      maxEvents: 1200,
      lastRunEvents: 40,
      bounded: true,
    });
    expect(syncHistoryFigures([{ events: HISTORY_EVENTS_BOUND + 1 }]).bounded).toBe(false);
    expect(syncHistoryFigures([])).toMatchObject({ runs: 0, maxEvents: 0, lastRunEvents: null, bounded: true });
  });

  it('duplicates: runs beyond one onboarding (and a leave run for a leaver), emails beyond one', () => {
    const runs = new Map([
      ['p/a', 1],
      ['p/b', 2],
      ['p/c', 2],
    ]);
    const emails = new Map([
      ['a@x.test', 1],
      ['c@x.test', 3],
    ]);
    expect(duplicateFigures(runs, new Set(['p/b']), emails, 1)).toEqual({
      extraRuns: 1,
      extraEmails: 2,
      simulators: 1,
      total: 4,
    });
  });

  const passing = (): Pick<
    ChurnFigures,
    'joiners' | 'leavers' | 'history' | 'duplicates' | 'hand' | 'churn' | 'group'
  > => ({
    group: { id: 'g', name: 'G', members: 30, onboarded: 30, onboardSeconds: 50 },
    churn: { seconds: 60, perMinute: 10, joins: 1, leaves: 1, publishedFromLog: 2, limitSeconds: 40 },
    joiners: lagFigures([changes[0]!], observed, 'join'),
    leavers: lagFigures([changes[1]!], observed, 'leave'),
    history: syncHistoryFigures([{ events: 100 }]),
    duplicates: duplicateFigures(new Map(), new Set(), new Map(), 0),
    hand: { email: 'h@x.test', emailSeconds: 3, goalSeconds: 10 },
  });

  it('passes when every check holds, and names each one that does not', () => {
    expect(churnFailures(passing())).toEqual([]);
    const failing = {
      ...passing(),
      group: { id: 'g', name: 'G', members: 30, onboarded: 29, onboardSeconds: null },
      churn: { seconds: 60, perMinute: 10, joins: 1, leaves: 1, publishedFromLog: 2, limitSeconds: 15 },
      leavers: lagFigures(changes, observed, 'leave'),
      history: syncHistoryFigures([{ events: HISTORY_EVENTS_BOUND + 5 }]),
      duplicates: duplicateFigures(new Map([['p/a', 2]]), new Set(), new Map(), 0),
      hand: { email: 'h@x.test', emailSeconds: 12.5, goalSeconds: 10 },
    };
    expect(churnFailures(failing)).toEqual([
      "1 of the group's 30 never onboarded",
      "joiners' lag p95 26 s over 15 s",
      "leavers' lag p95 40 s over 15 s",
      `a sync run has ${HISTORY_EVENTS_BOUND + 5} history events (bound ${HISTORY_EVENTS_BOUND})`,
      '1 duplicates',
      'onboard by hand → email 12.5 s (goal < 10 s)',
    ]);
    expect(churnFailures({ ...passing(), hand: { email: 'h@x.test', emailSeconds: null, goalSeconds: 10 } })).toEqual([
      'the person onboarded by hand got no binding email',
    ]);
  });

  it('renders a table with the lags, the history, duplicates, the person by hand and the verdict', () => {
    const figures: ChurnFigures = {
      ...passing(),
      run: {
        preset: 'churn',
        command: 'npm run bench -- --preset churn',
        startedAt: '2026-12-08T00:00:00.000Z',
        stoppedBy: 'finished',
        machine: { cpus: 2, node: 'v20', temporal: '1.9.1' },
        source: null,
        config: resolveOptions(RAW),
      },
      sync: { id: 'i/sync/g', status: 'Watching', maxRemovals: null, totals: null, problem: null, pendingGuard: null },
      simulators: {
        routing: { ruleShapeOk: true, routed: 31, missing: 0, extra: 0 },
        orphans: { identities: 0, oktaUsers: 0, total: 0 },
        emails: {
          perPersonMean: 1,
          perPersonMax: 1,
          maxPerLink: 1,
          maxPerLinkLifetime: 1,
          sentWhileLinkLive: 0,
          peopleWithoutEmail: 0,
        },
      },
      failures: [],
    };
    const table = renderChurnTable(figures);
    expect(table).toMatch(/joiners: event → routed\s+p50 30 s/);
    expect(table).toMatch(/less the person binding\s+p50 26 s.*: ok; 1\/1 routed/);
    expect(table).toMatch(/sync history per run\s+1 run\(s\).*bounded/);
    expect(table).toMatch(/onboard by hand → email\s+3 s \(goal < 10 s\): ok/);
    expect(table).toMatch(/verdict\s+passed/);
  });
});
