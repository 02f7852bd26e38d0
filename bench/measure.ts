/**
 * The figures of a run, from what Temporal and the simulators hold at the end: every person's
 * history (size, result, per-step timings), the integration's runs, the bounds the rate limits
 * and one person's critical path set, and the people's own timestamps (bound at, routed at).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { setTimeout as sleep } from 'node:timers/promises';
import { listPersonRuns } from '../src/temporal/people';
import { mapLimit } from '../src/util/concurrency';
import {
  integrationStatusQuery,
  onboardingStatusKey,
  personStatusQuery,
  personWorkflowId,
  type PersonState,
} from '../src/workflows/definitions';
import type { SimulatorChecks } from './checks';
import { decodeResults, historyFacts, type ActivityTiming, type HistoryFacts } from './history';
import type { Person } from './people';
import { BUCKETS, type BenchConfig, type Bucket } from './options';
import type { BenchStack } from './stack';
import { mean, round, summarize, type Summary } from './stats';
import type { OnboardingRun, PersonOutcome, Wave } from './types';

/**
 * Okta calls the guide makes per person with an empty org, per bucket (src/clients/okta/rate-limits.ts):
 * `ensureRoutedUser` GETs the user by login (404: userById), creates it with the routing property
 * in its profile (POST /users: usersCollection), finds the property already set (no partial
 * update, so no userMutations); Okta's answer to the create, the user as stored, is the read-back.
 */
const GUIDE_OKTA_CALLS_PER_PERSON: Record<Bucket, number> = {
  usersCollection: 1,
  userById: 1,
  userMutations: 0,
  other: 0,
};
/**
 * The same for a person who is already a (directory-sourced) Okta user: the GET finds them, and a
 * partial update sets the routing property alone (its answer, the user as stored, is the read-back).
 */
const GUIDE_OKTA_CALLS_PER_EXISTING_PERSON: Record<Bucket, number> = {
  usersCollection: 0,
  userById: 1,
  userMutations: 1,
  other: 0,
};
/**
 * Okta calls made once per run, all `other`: list and create the IdP (created ACTIVE: no
 * lifecycle call); GET and POST the default user profile schema (the routing property); find the
 * IdP-discovery policy, list its rules, create the rule (`activate=true`: no lifecycle call).
 */
const GUIDE_OKTA_CALLS_ONCE: Record<Bucket, number> = { usersCollection: 0, userById: 0, userMutations: 0, other: 7 };
/**
 * Upstream round trips one after another on the way of one person with an empty org. The person
 * waits for the integration's context, which exists once every shared object does: set-up
 * (realm, config, application: list + create each; read the app's credentials; list + create the
 * IdP: 9; the routing property: schema GET + POST: 2; the rule: policy, rules, create: 3), then
 * the identity and the email (list + create each: 4), the look that sees the passkey (3 GETs in
 * parallel: 1), and the routing (GET the user by login, POST it with the property, read back in
 * that answer: 2). Temporal's own calls (the context query, polled every second; the look's check that its
 * workflow still runs) are not upstream round trips and are left out, so this stays a lower bound.
 */
const CRITICAL_PATH_ROUND_TRIPS = 21;

export async function collectPeople(stack: BenchStack, run: OnboardingRun): Promise<PersonOutcome[]> {
  const everyone = run.waves.flatMap((wave) =>
    wave.people.map((person) => ({ email: person.email, wave: wave.index })),
  );
  return mapLimit(everyone, 8, async ({ email, wave }): Promise<PersonOutcome> => {
    const handle = stack.client.workflow.getHandle(personWorkflowId(stack.spec.integrationId, email));
    let facts: HistoryFacts;
    try {
      const history = await handle.fetchHistory();
      facts = historyFacts(
        history,
        await decodeResults(history, stack.client.options.loadedDataConverter.payloadCodecs),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError || /not found/i.test(String(error)))
        return { email, wave, execution: 'MISSING', status: 'Missing' };
      throw error;
    }
    if (facts.execution === 'COMPLETED' && facts.result) {
      const state = facts.result as PersonState;
      return { email, wave, execution: facts.execution, status: state.status, state, facts };
    }
    if (facts.execution !== 'RUNNING')
      return { email, wave, execution: facts.execution, status: facts.execution, facts };
    // Still running: what it says about itself (a query needs a worker: give it 10 s), else its search attribute.
    const state = await Promise.race([
      handle.query(personStatusQuery).catch(() => undefined),
      sleep(10_000, undefined),
    ]);
    const attribute = state
      ? undefined
      : (await handle.describe().catch(() => undefined))?.typedSearchAttributes.get(onboardingStatusKey);
    return { email, wave, execution: 'RUNNING', status: state?.status ?? attribute ?? 'Unknown', state, facts };
  });
}

export interface IntegrationFacts {
  /**
   * What the integration says about itself at the end (a query: it needs a worker). `people` and
   * `routed` come from visibility, not from its state (which no longer lists people): its person
   * workflows (newest run per person), and those whose OnboardingStatus is Onboarded (routed, read
   * back); null when visibility did not answer.
   */
  state?: { status: string; step: string; attention?: string; people: number | null; routed: number | null };
  runs: number;
  events: number;
  bytes: number;
  /** ensureRoutingRule activities in the integration's histories: 1 (the rule never changes per person). */
  routingUpdates: number;
  routingUpdateSeconds: Summary;
  workflowTaskScheduleToStartMs: Summary;
}

/** `keep`: also hands each run's history (JSON, as `temporal workflow show` writes it) to it, for a closer look. */
export async function integrationFacts(
  stack: BenchStack,
  keep?: (runId: string, json: string) => Promise<void>,
): Promise<IntegrationFacts> {
  const runs: HistoryFacts[] = [];
  for await (const info of stack.client.workflow.list({ query: `WorkflowId = '${stack.spec.integrationId}'` })) {
    const history = await stack.client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    runs.push(
      historyFacts(history, await decodeResults(history, stack.client.options.loadedDataConverter.payloadCodecs)),
    );
    if (keep) await keep(info.runId, historyToJSON(history));
  }
  const routing = runs.flatMap((run) => run.activities.filter((activity) => activity.type === 'ensureRoutingRule'));
  const handle = stack.client.workflow.getHandle(stack.spec.integrationId);
  const state = await Promise.race([
    handle.query(integrationStatusQuery).catch(() => undefined),
    sleep(10_000, undefined),
  ]);
  // The people of the integration as visibility lists them (`WorkflowType = 'personOnboarding' AND Integration = '<id>'`).
  const people = state
    ? await listPersonRuns({ client: stack.client }, stack.spec.integrationId).catch(() => undefined)
    : undefined;
  return {
    ...(state && {
      state: {
        status: state.status,
        step: state.step,
        ...(state.attention && {
          attention: `${state.attention.step}: ${state.attention.type}: ${state.attention.message}`,
        }),
        people: people ? people.length : null,
        routed: people ? people.filter((person) => person.status === 'Onboarded').length : null,
      },
    }),
    runs: runs.length,
    events: runs.reduce((sum, run) => sum + run.events, 0),
    bytes: runs.reduce((sum, run) => sum + run.bytes, 0),
    routingUpdates: routing.length,
    routingUpdateSeconds: summarize(
      routing.flatMap((activity) => (activity.closedAt ? [(activity.closedAt - activity.scheduledAt) / 1000] : [])),
    ),
    workflowTaskScheduleToStartMs: summarize(
      runs.flatMap((run) => run.workflowTasks.map((task) => task.scheduleToStartMs)),
    ),
  };
}

/**
 * The longest wait a person adds on their own: their bind delay, plus, for those left to the
 * watch's own polling, one poll interval (the operator's signal is noticed at once).
 */
function longestPersonalWaitSeconds(config: BenchConfig, people: readonly Person[]): number {
  return Math.max(
    0,
    ...people.map((person) => person.bindDelayMs / 1000 + (person.signalled ? 0 : config.pollIntervalSeconds)),
  );
}

export interface Bounds {
  /** Per bucket: the guide's calls for N people over the bucket's rate. */
  rateLimitSecondsByBucket: Record<Bucket, number>;
  rateLimitSeconds: number;
  rateLimitBucket: Bucket;
  /** Beyond Identity publishes no per-bucket limits and its simulator enforces none (only injected 429s). */
  beyondIdentitySeconds: null;
  criticalPathSeconds: number;
  /** The person with the longest bind delay + notice (one poll interval unless signalled), plus the chain of calls. */
  criticalPath: { longestWaitSeconds: number; chainSeconds: number; roundTrips: number; meanLatencyMs: number };
}

/** `existing`: how many of the `people` are already Okta users (directory-sourced). */
export function bounds(config: BenchConfig, people: number, longestWaitSeconds: number, existing = 0): Bounds {
  const { limits } = config;
  const calls = (bucket: Bucket) =>
    GUIDE_OKTA_CALLS_PER_PERSON[bucket] * (people - existing) +
    GUIDE_OKTA_CALLS_PER_EXISTING_PERSON[bucket] * existing +
    GUIDE_OKTA_CALLS_ONCE[bucket];
  const byBucket = Object.fromEntries(
    BUCKETS.map((bucket) => [bucket, (calls(bucket) / limits[bucket]) * limits.windowSeconds]),
  ) as Record<Bucket, number>;
  const rateLimitBucket = BUCKETS.reduce(
    (worst, bucket) => (byBucket[bucket] > byBucket[worst] ? bucket : worst),
    BUCKETS[0]!,
  );
  const meanLatencyMs = config.latencyMs + config.jitterMs / 2;
  const chainSeconds = (CRITICAL_PATH_ROUND_TRIPS * meanLatencyMs) / 1000;
  return {
    rateLimitSecondsByBucket: byBucket,
    rateLimitSeconds: byBucket[rateLimitBucket],
    rateLimitBucket,
    beyondIdentitySeconds: null,
    criticalPathSeconds: longestWaitSeconds + chainSeconds,
    criticalPath: { longestWaitSeconds, chainSeconds, roundTrips: CRITICAL_PATH_ROUND_TRIPS, meanLatencyMs },
  };
}

export interface WaveFigures {
  wave: number;
  people: number;
  finished: boolean;
  wallSeconds: number;
  bounds: Bounds;
  /** wall / max(bounds). */
  ratio: number;
  /** Seconds since the wave started at which each person was routed, sorted. */
  routedAtSeconds: number[];
}

export function waveFigures(config: BenchConfig, wave: Wave, outcomes: readonly PersonOutcome[]): WaveFigures {
  const mine = outcomes.filter((outcome) => outcome.wave === wave.index);
  const finishedAt = mine.flatMap((outcome) =>
    outcome.state?.finishedAt ? [Date.parse(outcome.state.finishedAt)] : [],
  );
  const end = wave.finished && finishedAt.length > 0 ? Math.max(...finishedAt) : wave.endedAt;
  const wallSeconds = (end - wave.startedAt) / 1000;
  const existing = wave.people.filter((person) => person.directorySourced).length;
  const limits = bounds(config, wave.people.length, longestPersonalWaitSeconds(config, wave.people), existing);
  return {
    wave: wave.index,
    people: wave.people.length,
    finished: wave.finished,
    wallSeconds,
    bounds: limits,
    ratio: wallSeconds / Math.max(limits.rateLimitSeconds, limits.criticalPathSeconds),
    routedAtSeconds: mine
      .flatMap((outcome) =>
        outcome.state?.routedAt ? [(Date.parse(outcome.state.routedAt) - wave.startedAt) / 1000] : [],
      )
      .sort((a, b) => a - b),
  };
}

/** What is unfinished at the end, person by person (the first `limit`). */
export function unfinished(outcomes: readonly PersonOutcome[], limit = 50) {
  return outcomes
    .filter((outcome) => outcome.status !== 'Onboarded')
    .slice(0, limit)
    .map((outcome) => ({
      email: outcome.email,
      execution: outcome.execution,
      status: outcome.status,
      step: outcome.state?.step,
      bound: outcome.state?.bound,
      routed: outcome.state?.routed,
      ...(outcome.state?.attention && {
        attention: `${outcome.state.attention.type}: ${outcome.state.attention.message}`,
      }),
      ...(outcome.state?.note && { note: outcome.state.note }),
    }));
}

export interface OutcomeCounts {
  total: number;
  onboarded: number;
  /** Ended without being onboarded, or waiting for an operator (NeedsAttention). */
  failed: number;
  /** Still running at the end and not waiting for an operator. */
  stuck: number;
  /** On the roster with no workflow at all. */
  lost: number;
  byStatus: Record<string, number>;
}

export function outcomeCounts(outcomes: readonly PersonOutcome[]): OutcomeCounts {
  const byStatus: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = `${outcome.status}${outcome.execution === 'RUNNING' ? ' (running)' : ''}`;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const onboarded = outcomes.filter(
    (outcome) => outcome.status === 'Onboarded' && outcome.execution === 'COMPLETED',
  ).length;
  const lost = outcomes.filter((outcome) => outcome.execution === 'MISSING').length;
  const stuck = outcomes.filter(
    (outcome) => outcome.execution === 'RUNNING' && outcome.status !== 'NeedsAttention',
  ).length;
  return {
    total: outcomes.length,
    onboarded,
    failed: outcomes.length - onboarded - lost - stuck,
    stuck,
    lost,
    byStatus,
  };
}

export interface StepFigures {
  activity: string;
  count: number;
  retried: number;
  scheduleToStartMs: Summary;
  startToCloseMs: Summary;
}

/** Where the time of each activity went, over every person's history. */
export function stepFigures(outcomes: readonly PersonOutcome[]): StepFigures[] {
  const byType = new Map<string, HistoryFacts['activities']>();
  for (const outcome of outcomes)
    for (const activity of outcome.facts?.activities ?? [])
      byType.set(activity.type, [...(byType.get(activity.type) ?? []), activity]);
  return [...byType.entries()].map(([activity, runs]) => ({
    activity,
    count: runs.length,
    retried: runs.filter((run) => run.attempts > 1).length,
    scheduleToStartMs: summarize(
      runs.flatMap((run) => (run.scheduleToStartMs === undefined ? [] : [run.scheduleToStartMs])),
    ),
    startToCloseMs: summarize(runs.flatMap((run) => (run.startToCloseMs === undefined ? [] : [run.startToCloseMs]))),
  }));
}

export interface LatencyFigures {
  /** The bench's bind timestamp to the person's routedAt (set by the look once Okta reads the property back). */
  bindToRoutedSeconds: Summary;
  /**
   * Before the binding: the onboard call to the person's workflow starting, and from there to the
   * binding email sent (for people started before the integration was Ready, this includes the
   * wait for its set-up: the identity step waits for the integration's context).
   */
  startSeconds: Summary;
  /** Onboard → the server's WorkflowExecutionStarted (startSeconds is → the first workflow task). */
  createdSeconds: Summary;
  inviteSeconds: Summary;
  /**
   * Signals a person's workflow sends to another workflow: initiated → delivered. None in this
   * design (people no longer report to the integration): empty, kept so older figures line up.
   */
  reportSignalMs: Summary;
  /**
   * Where bind → routed went. One `routeWhenBound` activity both sees the passkey and routes
   * (Okta GET by login, POST with the property, GET back), so the history shows no moment between
   * noticing and routing; the phases are cut where it does show one, at the look that routed
   * (the routeWhenBound that returned `routed`):
   * - a look scheduled after the bind (the operator's signal or update: an immediate look):
   *   `noticeSignalledSeconds` = bind → that look scheduled (signal delivered, a workflow task),
   *   `routeSeconds` = look scheduled → routedAt (waiting for an activity slot, one look at
   *   Beyond Identity, the check that the workflow still runs, the three Okta calls);
   * - the watch, running since before the bind and polling every poll interval:
   *   `noticeDetectedSeconds` = bind → routedAt, the poll's wait and the routing together (they
   *   cannot be told apart from the history); such people are not in `routeSeconds`.
   * `oktaUserSeconds`: no step of its own any more (the user is created by the routing call,
   * with the property set): always empty, kept so older figures line up.
   */
  phases: {
    noticeSignalledSeconds: Summary;
    noticeDetectedSeconds: Summary;
    oktaUserSeconds: Summary;
    routeSeconds: Summary;
  };
}

/** The look that routed the person: the (last) routeWhenBound that completed with outcome `routed`. */
function routingLook(activities: readonly ActivityTiming[] | undefined): ActivityTiming | undefined {
  return activities
    ?.filter(
      (activity) =>
        activity.type === 'routeWhenBound' &&
        activity.outcome === 'completed' &&
        (activity.result as { outcome?: string } | undefined)?.outcome === 'routed',
    )
    .at(-1);
}

export function latencyFigures(run: OnboardingRun, outcomes: readonly PersonOutcome[]): LatencyFigures {
  const people = new Map(
    run.waves.flatMap((wave) =>
      wave.people.map(
        (person) => [person.email, { person, progress: wave.player.progress.get(person.email)! }] as const,
      ),
    ),
  );
  const total: number[] = [];
  const signalled: number[] = [];
  const detected: number[] = [];
  const route: number[] = [];
  const starts: number[] = [];
  const created: number[] = [];
  const invites: number[] = [];
  const waveStart = new Map(run.waves.map((wave) => [wave.index, wave.startedAt]));
  for (const outcome of outcomes) {
    const known = people.get(outcome.email);
    const state = outcome.state;
    const startedAt = state?.startedAt ? Date.parse(state.startedAt) : undefined;
    const emailed = outcome.facts?.activities.find(
      (activity) => activity.type === 'ensureBindingEmail' && activity.closedAt,
    )?.closedAt;
    if (startedAt !== undefined) starts.push((startedAt - waveStart.get(outcome.wave)!) / 1000);
    if (outcome.facts?.createdAt !== undefined)
      created.push((outcome.facts.createdAt - waveStart.get(outcome.wave)!) / 1000);
    if (startedAt !== undefined && emailed !== undefined) invites.push((emailed - startedAt) / 1000);
    const boundAt = known?.progress.boundAt;
    if (!known || !state || boundAt === undefined) continue;
    const routed = state.routedAt ? Date.parse(state.routedAt) : undefined;
    if (routed === undefined) continue;
    total.push((routed - boundAt) / 1000);
    const look = routingLook(outcome.facts?.activities);
    if (!look) continue;
    if (look.scheduledAt >= boundAt) {
      signalled.push((look.scheduledAt - boundAt) / 1000);
      route.push((routed - look.scheduledAt) / 1000);
    } else {
      detected.push((routed - boundAt) / 1000);
    }
  }
  return {
    bindToRoutedSeconds: summarize(total),
    startSeconds: summarize(starts),
    createdSeconds: summarize(created),
    inviteSeconds: summarize(invites),
    reportSignalMs: summarize(outcomes.flatMap((outcome) => outcome.facts?.externalSignalMs ?? [])),
    phases: {
      noticeSignalledSeconds: summarize(signalled),
      noticeDetectedSeconds: summarize(detected),
      oktaUserSeconds: summarize([]),
      routeSeconds: summarize(route),
    },
  };
}

/** Per-bucket Okta figures: the guide's calls, what was actually counted and refused, and the bound each implies. */
export function oktaBucketFigures(config: BenchConfig, people: number, checks: SimulatorChecks) {
  return Object.fromEntries(
    BUCKETS.map((bucket) => {
      const limit = config.limits[bucket];
      const counted = checks.okta.totals[bucket]?.counted ?? 0;
      return [
        bucket,
        {
          limitPerWindow: limit,
          guideCallsPerPerson: GUIDE_OKTA_CALLS_PER_PERSON[bucket],
          countedCalls: counted,
          countedPerPerson: round(counted / Math.max(1, people)),
          refused: checks.okta.totals[bucket]?.refused ?? 0,
          boundFromCountedSeconds: round((counted / limit) * config.limits.windowSeconds),
        },
      ];
    }),
  );
}

export function historySizes(outcomes: readonly PersonOutcome[]): {
  eventsPerPerson: Summary;
  bytesPerPerson: Summary;
  signalsPerPerson: number | null;
} {
  const facts = outcomes.flatMap((outcome) => (outcome.facts ? [outcome.facts] : []));
  return {
    eventsPerPerson: summarize(facts.map((fact) => fact.events)),
    bytesPerPerson: summarize(facts.map((fact) => fact.bytes)),
    signalsPerPerson: mean(facts.map((fact) => fact.signals)),
  };
}
