/**
 * The churn run's figures (`--preset churn`, bench/churn.ts), from what the run recorded and
 * read: the lag of each membership change from the Okta event to routed (joiner) or out of routing
 * (leaver), the sync workflow's history per run, duplicates, the person onboarded by hand, and the
 * checks the issue asks for. Pure: plain data in, plain data out; the table for the terminal too.
 */
import type { SimulatorChecks } from './checks';
import type { ChurnConfig } from './options';
import type { RunInfo } from './report';
import { round, summarize, type Summary } from './stats';

/** A membership change the bench made through the Okta simulator's `/_sim/groups/{id}/members`. */
export interface ChurnChange {
  kind: 'join' | 'leave';
  email: string;
  /** The System Log event's `published` (ms); when the bench sent the change (just before it) if the log was not read. */
  at: number;
}

/** The changes of the churn: joins and leaves in turn (the first a join), one every `intervalMs`. */
export function churnPlan(churn: ChurnConfig): { joins: number; leaves: number; intervalMs: number } {
  const total = Math.round((churn.seconds * churn.perMinute) / 60);
  return { joins: Math.ceil(total / 2), leaves: Math.floor(total / 2), intervalMs: 60_000 / churn.perMinute };
}

/** What became of one changed person, read from their workflow and the people player. */
export interface ChangeObservation {
  /** Joiner: the person workflow's `routedAt`; leaver: when their leave run's routing was cleared and read back. */
  doneAt?: number;
  /** Joiner: how long the simulated person took from their binding email to bound (subtracted for the net lag). */
  bindWaitMs?: number;
}

export interface LagFigures {
  changes: number;
  done: number;
  /** Event → routed (joiner) or out of routing (leaver), seconds. */
  lagSeconds: Summary;
  /** Joiners: the lag less the simulated person's own email → bound time (what the service is answerable for). */
  netLagSeconds: Summary;
  /** Up to 10 people not done when the run measured. */
  unfinished: string[];
}

export function lagFigures(
  changes: readonly ChurnChange[],
  observations: ReadonlyMap<string, ChangeObservation>,
  kind: ChurnChange['kind'],
): LagFigures {
  const mine = changes.filter((change) => change.kind === kind);
  const lags: number[] = [];
  const net: number[] = [];
  const unfinished: string[] = [];
  for (const change of mine) {
    const seen = observations.get(change.email);
    if (seen?.doneAt === undefined) {
      unfinished.push(change.email);
      continue;
    }
    const lag = (seen.doneAt - change.at) / 1000;
    lags.push(lag);
    net.push(lag - (seen.bindWaitMs ?? 0) / 1000);
  }
  return {
    changes: mine.length,
    done: lags.length,
    lagSeconds: summarize(lags),
    netLagSeconds: summarize(kind === 'join' ? net : lags),
    unfinished: unfinished.slice(0, 10),
  };
}

/** Temporal's history-count warning (`limit.historyCount.warn`): a run under it is bounded by continue-as-new. */
export const HISTORY_EVENTS_BOUND = 10_240;

export interface SyncHistoryFigures {
  runs: number;
  eventsPerRun: Summary;
  maxEvents: number;
  /** The newest run's events so far. */
  lastRunEvents: number | null;
  bound: number;
  bounded: boolean;
}

/** `runs`: each run of the sync's workflow id (continue-as-new makes one per reconcile), oldest first. */
export function syncHistoryFigures(runs: readonly { events: number }[]): SyncHistoryFigures {
  const events = runs.map((run) => run.events);
  const maxEvents = events.length === 0 ? 0 : Math.max(...events);
  return {
    runs: runs.length,
    eventsPerRun: summarize(events),
    maxEvents,
    lastRunEvents: events.at(-1) ?? null,
    bound: HISTORY_EVENTS_BOUND,
    bounded: maxEvents <= HISTORY_EVENTS_BOUND,
  };
}

export interface DuplicateFigures {
  /** Person workflow runs beyond one onboarding per membership episode (plus the leave run of a leaver). */
  extraRuns: number;
  /** Binding emails beyond one per person (nobody comes back during the run: one episode each). */
  extraEmails: number;
  /** Identities and Okta users made twice, and the integration's objects (bench/checks.ts). */
  simulators: number;
  total: number;
}

export function duplicateFigures(
  runsPerPerson: ReadonlyMap<string, number>,
  leavers: ReadonlySet<string>,
  emailsPerPerson: ReadonlyMap<string, number>,
  simulators: number,
): DuplicateFigures {
  let extraRuns = 0;
  for (const [email, runs] of runsPerPerson) extraRuns += Math.max(0, runs - (leavers.has(email) ? 2 : 1));
  let extraEmails = 0;
  for (const count of emailsPerPerson.values()) extraEmails += Math.max(0, count - 1);
  return { extraRuns, extraEmails, simulators, total: extraRuns + extraEmails + simulators };
}

/** The goal for a person onboarded by hand while the group starts: onboard → binding email. */
export const HAND_EMAIL_GOAL_SECONDS = 10;
/** The lag goal beyond one fast-path poll interval. */
export const LAG_SLACK_SECONDS = 10;

export interface ChurnFigures {
  run: RunInfo;
  group: { id: string; name: string; members: number; onboarded: number; onboardSeconds: number | null };
  sync: {
    id: string;
    status: string | null;
    maxRemovals: number | null;
    totals: Record<string, number> | null;
    problem: string | null;
    pendingGuard: { removals: number; limit: number } | null;
  };
  churn: {
    seconds: number;
    perMinute: number;
    joins: number;
    leaves: number;
    /** Changes whose lag runs from the System Log event's `published` (the rest: from when the bench sent them). */
    publishedFromLog: number;
    limitSeconds: number;
  };
  joiners: LagFigures;
  leavers: LagFigures;
  history: SyncHistoryFigures;
  duplicates: DuplicateFigures;
  hand: { email: string; emailSeconds: number | null; goalSeconds: number };
  simulators: Pick<SimulatorChecks, 'routing' | 'orphans' | 'emails'>;
  failures: string[];
}

/** The issue's checks, each failed one as a sentence. */
export function churnFailures(
  figures: Pick<ChurnFigures, 'joiners' | 'leavers' | 'history' | 'duplicates' | 'hand' | 'churn' | 'group'>,
): string[] {
  const failures: string[] = [];
  const limit = figures.churn.limitSeconds;
  if (figures.group.onboarded < figures.group.members)
    failures.push(
      `${figures.group.members - figures.group.onboarded} of the group's ${figures.group.members} never onboarded`,
    );
  for (const [name, lag] of [
    ['joiners', figures.joiners],
    ['leavers', figures.leavers],
  ] as const) {
    if (lag.done < lag.changes) failures.push(`${lag.changes - lag.done} ${name} not done`);
    if (lag.netLagSeconds.p95 !== null && lag.netLagSeconds.p95 > limit)
      failures.push(`${name}' lag p95 ${round(lag.netLagSeconds.p95)} s over ${limit} s`);
  }
  if (!figures.history.bounded)
    failures.push(`a sync run has ${figures.history.maxEvents} history events (bound ${figures.history.bound})`);
  if (figures.duplicates.total > 0) failures.push(`${figures.duplicates.total} duplicates`);
  if (figures.hand.emailSeconds === null) failures.push('the person onboarded by hand got no binding email');
  else if (figures.hand.emailSeconds > figures.hand.goalSeconds)
    failures.push(
      `onboard by hand → email ${round(figures.hand.emailSeconds)} s (goal < ${figures.hand.goalSeconds} s)`,
    );
  return failures;
}

const s = (value: number | null | undefined, unit = ''): string =>
  value === null || value === undefined ? '—' : `${round(value)}${unit}`;
const summary = (value: Summary, unit: string): string =>
  value.count === 0
    ? '—'
    : `p50 ${s(value.p50, unit)}, p95 ${s(value.p95, unit)} (mean ${s(value.mean, unit)}, max ${s(value.max, unit)}, n=${value.count})`;

export function renderChurnTable(figures: ChurnFigures): string {
  const { group, sync, churn, joiners, leavers, history, duplicates, hand } = figures;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER');
  const within = (lag: LagFigures) =>
    lag.netLagSeconds.p95 === null ? '—' : verdict(lag.netLagSeconds.p95 <= churn.limitSeconds);
  const rows: [string, string][] = [
    ['preset / group / workers', `${figures.run.preset} / ${group.members} members / ${figures.run.config.workers}`],
    ['stopped by', figures.run.stoppedBy],
    [
      'group onboarded by the sync',
      `${group.onboarded}/${group.members} in ${s(group.onboardSeconds, ' s')}${group.onboarded < group.members ? ' (unfinished)' : ''}`,
    ],
    [
      'sync',
      `${sync.id}: ${sync.status ?? '?'}${sync.problem ? `; ${sync.problem}` : ''}${sync.pendingGuard ? `; guard holds ${sync.pendingGuard.removals} (limit ${sync.pendingGuard.limit})` : ''}; max removals ${sync.maxRemovals ?? 'default'}`,
    ],
    [
      'churn',
      `${churn.joins} joins, ${churn.leaves} leaves over ${s(churn.seconds, ' s')} (${s(churn.perMinute)} a minute; ${churn.publishedFromLog} timed from the System Log's published); goal: lag ≤ ${s(churn.limitSeconds, ' s')} (poll + ${LAG_SLACK_SECONDS} s)`,
    ],
    ['joiners: event → routed', summary(joiners.lagSeconds, ' s')],
    [
      '  less the person binding',
      `${summary(joiners.netLagSeconds, ' s')}: ${within(joiners)}; ${joiners.done}/${joiners.changes} routed`,
    ],
    [
      'leavers: event → out of routing',
      `${summary(leavers.lagSeconds, ' s')}: ${within(leavers)}; ${leavers.done}/${leavers.changes} out of routing`,
    ],
    ...[...joiners.unfinished, ...leavers.unfinished]
      .slice(0, 5)
      .map((email): [string, string] => [`  ${email}`, 'not done when measured']),
    [
      'sync history per run',
      `${history.runs} run(s); events ${summary(history.eventsPerRun, '')}; newest ${s(history.lastRunEvents)}; ${history.bounded ? 'bounded' : 'NOT bounded'} (≤ ${history.bound})`,
    ],
    [
      'duplicates',
      `${duplicates.total} (extra person runs ${duplicates.extraRuns}, extra binding emails ${duplicates.extraEmails}, simulators ${duplicates.simulators})`,
    ],
    [
      'onboard by hand → email',
      `${s(hand.emailSeconds, ' s')} (goal < ${hand.goalSeconds} s): ${hand.emailSeconds === null ? 'NO EMAIL' : verdict(hand.emailSeconds <= hand.goalSeconds)}`,
    ],
    [
      'routing at the end',
      `Okta users carrying the routing value ${figures.simulators.routing.routed}; should be routed but are not ${figures.simulators.routing.missing}, routed but should not be ${figures.simulators.routing.extra}; orphans ${figures.simulators.orphans.total}`,
    ],
    ['verdict', figures.failures.length === 0 ? 'passed' : `FAILED: ${figures.failures.join('; ')}`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
