/**
 * `--preset churn` (issue 25): an Okta group of N kept in sync, then membership churn. On the
 * bench's own stack (bench/stack.ts): N Okta users (imported, as a directory brings them) in one
 * group; the sync started as the CLI and its schedule's tick do (signal-with-start of `oktaGroupSync`
 * with `reconcileNow`); the group onboarded by it and played by the simulated people
 * (bench/people.ts); one person onboarded by hand while the N start; then members added and
 * removed in turn through the Okta simulator's `/_sim/groups/{id}/members` (which writes the
 * System Log events the fast path reads) at a steady rate. Measures the lag from each change to
 * routed / out of routing, the sync's history per run, duplicates and the person by hand
 * (bench/churn-figures.ts). Bounded by the run's timeout; stops everything it starts.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { request } from 'undici';
import { seededRandom } from '../dev/simulators/shared/random';
import { startIntegration } from '../src/cli/integration-commands';
import { validatePeople } from '../src/cli/people';
import { startOnboarding } from '../src/temporal/people';
import { mapLimit } from '../src/util/concurrency';
import { errorMessage } from '../src/util/errors';
import {
  credentialBoundSignal,
  integrationKey,
  personStatusQuery,
  personWorkflowId,
  TASK_PRIORITY,
  type PersonContext,
  type PersonState,
} from '../src/workflows/definitions';
import {
  DEFAULT_SYNC_DELETE_AFTER_MS,
  DEFAULT_SYNC_EVERY_MS,
  reconcileNowSignal,
  syncId,
  syncStatusQuery,
  type SyncSpec,
  type SyncState,
  type SyncWorkflowInput,
} from '../src/workflows/sync-definitions';
import { removalLimit } from '../src/workflows/sync-plan';
import { interruptible, sourceOf, stampNow, startRunStack } from './bench';
import { checkSimulators } from './checks';
import { decodeResults, historyFacts } from './history';
import {
  churnFailures,
  churnPlan,
  duplicateFigures,
  HAND_EMAIL_GOAL_SECONDS,
  LAG_SLACK_SECONDS,
  lagFigures,
  renderChurnTable,
  syncHistoryFigures,
  type ChangeObservation,
  type ChurnChange,
  type ChurnFigures,
} from './churn-figures';
import { changeMembership, createGroup, createOktaUsers, membershipEvents } from './churn-okta';
import { Cleanup } from './cleanup';
import type { BenchConfig } from './options';
import { makeRoster, PeoplePlayer, type Person } from './people';
import { writeFigures } from './report';
import { PROJECT_ROOT, type BenchStack } from './stack';

/** The sync workflow's signature (src/workflows/sync.ts), named here as src/temporal/people.ts names the person's. */
type OktaGroupSyncWorkflow = (input: SyncWorkflowInput) => Promise<SyncState>;

const SAMPLE_MS = 2_000;
const PROGRESS_EVERY_MS = 10_000;
/** The person by hand is onboarded once this share of the group's workflows have started. */
const HAND_AFTER_SHARE = 0.1;
/** After the last change, wait at most this long beyond one poll interval for the last people. */
const SETTLE_EXTRA_MS = 60_000;
const CONCURRENCY = 8;

export interface ChurnOutcome {
  table: string;
  json: string;
  failures: string[];
}

/** Waits until the integration's shared objects exist (`startIntegration` starts it the first time). */
async function readyIntegration(stack: BenchStack, deadline: number, signal: AbortSignal): Promise<PersonContext> {
  for (;;) {
    const context = await startIntegration(stack.session).catch(() => undefined);
    if (context) return context;
    if (signal.aborted || Date.now() >= deadline) throw new Error('the integration was not Ready before the run ended');
    await sleep(1_000, undefined, { signal }).catch(() => undefined);
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** The activity a leave run takes the person out of routing with (routing cleared and read back). */
const CLEAR_ROUTING_ACTIVITY = 'clearOktaRouting';

/**
 * When a change was done: a joiner's `routedAt` (their onboarding completed routed); a leaver's
 * routing cleared and read back (the leave run's `clearOktaRouting` completed, from its history),
 * else their `suspendedAt`, which comes after it.
 */
async function observe(client: Client, integrationId: string, change: ChurnChange): Promise<number | undefined> {
  const handle = client.workflow.getHandle(personWorkflowId(integrationId, change.email));
  const described = await handle.describe().catch(() => undefined);
  if (!described) return undefined;
  if (change.kind === 'join') {
    if (described.status.name !== 'COMPLETED') return undefined;
    const routedAt = ((await handle.result().catch(() => undefined)) as PersonState | undefined)?.routedAt;
    return routedAt === undefined ? undefined : Date.parse(routedAt);
  }
  if (described.status.name !== 'RUNNING') return undefined; // still the onboarding run that ended routed
  const history = await handle.fetchHistory();
  const facts = historyFacts(history, await decodeResults(history, client.options.loadedDataConverter.payloadCodecs));
  const cleared = facts.activities.find(
    (activity) => activity.type === CLEAR_ROUTING_ACTIVITY && activity.outcome === 'completed',
  );
  if (cleared?.closedAt !== undefined) return cleared.closedAt;
  const state = await Promise.race([handle.query(personStatusQuery).catch(() => undefined), sleep(10_000, undefined)]);
  return state?.suspendedAt === undefined ? undefined : Date.parse(state.suspendedAt);
}

export async function runChurn(
  config: BenchConfig,
  command: string,
  say: (line: string) => void,
): Promise<ChurnOutcome> {
  const churn = config.churn!;
  const startedAt = Date.now();
  const deadline = startedAt + config.timeoutSeconds * 1000;
  const outDir = resolve(PROJECT_ROOT, config.outDir);
  const base = `${stampNow()}-churn`;
  const cleanup = new Cleanup(say);
  const { interrupted, detach } = interruptible(cleanup, say);
  let stoppedBy: 'finished' | 'timeout' | 'interrupted' = 'finished';
  const stopped = (): boolean => {
    if (stoppedBy === 'finished' && interrupted.signal.aborted) stoppedBy = 'interrupted';
    else if (stoppedBy === 'finished' && Date.now() >= deadline) stoppedBy = 'timeout';
    return stoppedBy !== 'finished';
  };
  const pause = (ms: number) => sleep(ms, undefined, { signal: interrupted.signal }).catch(() => undefined);

  try {
    const { stack, stackCleanup } = await startRunStack(config, outDir, base, cleanup, say);
    const { client, spec, sims } = stack;
    const temporal = { client, taskQueue: stack.session.taskQueue };
    const random = seededRandom(config.seed);

    // The people: the group, the joiners to come (binding at once: their lag is the service's), one by hand.
    const members = makeRoster(config, 0, random);
    const plan = churnPlan(churn);
    const joiners: Person[] = Array.from({ length: plan.joins }, (_, index) => ({
      email: `c${String(index).padStart(4, '0')}.churn@bench.example.com`,
      bindDelayMs: 0,
      signalled: random() < config.signalShare,
      directorySourced: true,
    }));
    const hand: Person = {
      email: 'by-hand@bench.example.com',
      bindDelayMs: 0,
      signalled: true,
      directorySourced: false,
    };
    const leavers = shuffled(members, random).slice(0, plan.leaves);

    say(`Okta: ${members.length + joiners.length} users (imported), a group of ${members.length} ...`);
    const ids = await createOktaUsers(
      sims.okta.url,
      [...members, ...joiners].map((person) => person.email),
    );
    const groupName = `Bench churn ${base}`;
    const group = {
      id: await createGroup(
        sims.okta.url,
        groupName,
        members.map((person) => ids.get(person.email)!),
      ),
    };

    const context = await readyIntegration(stack, deadline, interrupted.signal);
    const defaultLimit = removalLimit(members.length);
    // The guard counts the removals of the last hour: a churn that removes more than it allows raises it, and says so.
    const maxRemovals = plan.leaves > defaultLimit ? plan.leaves + 10 : undefined;
    if (maxRemovals)
      say(`  ${plan.leaves} leavers exceed the guard's default ${defaultLimit}: max removals ${maxRemovals}`);
    const syncSpec: SyncSpec = {
      integrationId: spec.integrationId,
      group: { id: group.id, name: groupName },
      everyMs: DEFAULT_SYNC_EVERY_MS,
      pollIntervalMs: churn.syncPollSeconds * 1000,
      exclude: { logins: [], groups: [] },
      deleteAfterMs: DEFAULT_SYNC_DELETE_AFTER_MS,
      activityTimeoutMs: config.activityTimeoutSeconds * 1000,
      ...(maxRemovals !== undefined && { maxRemovals }),
    };
    const id = syncId(spec.integrationId, group.id);
    const syncHandle = client.workflow.getHandle<OktaGroupSyncWorkflow>(id);
    // With --temporal-address the server outlives the run: the sync and the leavers' waits must not.
    // Ended before the stack is stopped (the normal path runs this first; on an error, cleanup does).
    const ownWorkflows = new Cleanup(say);
    cleanup.add("the run's own workflows", () => ownWorkflows.run());
    ownWorkflows.add('sync workflow', () =>
      syncHandle.terminate('the churn run is over').then(
        () => undefined,
        () => undefined,
      ),
    );
    ownWorkflows.add("leavers' leave runs", async () => {
      await mapLimit(leavers, CONCURRENCY, (person) =>
        client.workflow
          .getHandle(personWorkflowId(spec.integrationId, person.email))
          .terminate('the churn run is over')
          .catch(() => undefined),
      );
    });

    const signalBound = async (person: Person): Promise<void> => {
      await client.workflow.getHandle(personWorkflowId(spec.integrationId, person.email)).signal(credentialBoundSignal);
    };
    const player = new PeoplePlayer(sims.bi.managementUrl, [...members, hand], signalBound);
    const joinerPlayer = new PeoplePlayer(sims.bi.managementUrl, joiners, signalBound);
    const playing = new AbortController();
    cleanup.add('people', async () => {
      playing.abort();
      await Promise.all([player.stopped(), joinerPlayer.stopped()]);
    });
    player.start(playing.signal);

    say(`Sync ${id}: signal-with-start, fast path every ${churn.syncPollSeconds} s ...`);
    const syncStartedAt = Date.now();
    await client.workflow.signalWithStart<OktaGroupSyncWorkflow, []>('oktaGroupSync', {
      workflowId: id,
      taskQueue: temporal.taskQueue,
      args: [{ spec: syncSpec }],
      signal: reconcileNowSignal,
      signalArgs: [],
      typedSearchAttributes: [{ key: integrationKey, value: spec.integrationId }],
      staticSummary: `Keep Okta group "${groupName}" in sync (bench churn)`,
      priority: { priorityKey: TASK_PRIORITY.bulk },
    });

    const scope = `WorkflowType = 'personOnboarding' AND Integration = '${spec.integrationId}' AND Email != '${hand.email}'`;
    const count = async (extra = '') =>
      Number((await client.workflow.count(extra ? `${scope} AND ${extra}` : scope)).count);

    // The group starts; once a share of it has, one person by hand at interactive priority, as `bi-okta onboard` does.
    let handStartedAt: number | undefined;
    let onboarded = 0;
    let onboardSeconds: number | null = null;
    let lastProgress = Date.now();
    let lastProblem = '';
    while (!stopped()) {
      const [started, done] = await Promise.all([count(), count(`OnboardingStatus = 'Onboarded'`)]).catch(() => [0, 0]);
      onboarded = done;
      if (handStartedAt === undefined && started >= Math.max(1, Math.ceil(members.length * HAND_AFTER_SHARE))) {
        handStartedAt = Date.now();
        const [person] = validatePeople([{ email: hand.email, where: 'by hand' }], spec.integrationId);
        const outcome = await startOnboarding(temporal, person!, context, {
          onboardedBy: 'hand',
          priority: TASK_PRIORITY.interactive,
        });
        say(`  ${started} of the group started: onboarded ${hand.email} by hand (${outcome})`);
      }
      if (onboarded >= members.length) {
        onboardSeconds = (Date.now() - syncStartedAt) / 1000;
        break;
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        const state = await syncHandle.query(syncStatusQuery).catch(() => undefined);
        const problem = state?.problem ? `; ${state.problem.message} (${state.problem.fix})` : '';
        say(
          `  t=${Math.round((Date.now() - syncStartedAt) / 1000)} s  started ${started}/${members.length}  onboarded ${onboarded}  bound ${player.boundCount()}  sync ${state?.status ?? '?'}`,
        );
        if (problem && problem !== lastProblem) say(`  sync needs attention${problem}`);
        lastProblem = problem;
      }
      await pause(SAMPLE_MS);
    }

    // The churn: joins and leaves in turn at a steady rate.
    const changes: ChurnChange[] = [];
    const churnStart = Date.now();
    if (!stopped()) {
      say(
        `Churn: ${plan.joins} joins and ${plan.leaves} leaves, one every ${Math.round(plan.intervalMs / 100) / 10} s ...`,
      );
      joinerPlayer.start(playing.signal);
      let joined = 0;
      let left = 0;
      for (let index = 0; index < plan.joins + plan.leaves && !stopped(); index++) {
        const wait = churnStart + index * plan.intervalMs - Date.now();
        if (wait > 0) await pause(wait);
        if (stopped()) break;
        const join = (index % 2 === 0 && joined < plan.joins) || left >= plan.leaves;
        const person = join ? joiners[joined++]! : leavers[left++]!;
        const userId = ids.get(person.email)!;
        const at = Date.now();
        await changeMembership(sims.okta.url, group.id, userId, join ? 'join' : 'leave');
        changes.push({ kind: join ? 'join' : 'leave', email: person.email, at });
      }
    }

    // Until every change is done, or one poll interval and a minute after the last.
    const observed = new Map<string, ChangeObservation>();
    const settleBy = (changes.at(-1)?.at ?? Date.now()) + churn.syncPollSeconds * 1000 + SETTLE_EXTRA_MS;
    for (;;) {
      const pending = changes.filter((change) => observed.get(change.email)?.doneAt === undefined);
      await mapLimit(pending, CONCURRENCY, async (change) => {
        const doneAt = await observe(client, spec.integrationId, change).catch(() => undefined);
        if (doneAt !== undefined) observed.set(change.email, { doneAt });
      });
      const left = pending.filter((change) => observed.get(change.email)?.doneAt === undefined).length;
      if (left === 0 || Date.now() >= settleBy || stopped()) break;
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        say(`  waiting for ${left} of ${changes.length} changes to be done ...`);
      }
      await pause(SAMPLE_MS);
    }
    // Each change's lag runs from the event's `published`; from when the bench sent it if the log cannot be read.
    let fromLog = 0;
    const published = await membershipEvents(sims.okta, group.id, churnStart - 1_000).catch((error: unknown) => {
      say(`  the System Log was not read (${errorMessage(error)}): lags run from when the bench sent each change`);
      return new Map<string, number>();
    });
    for (const change of changes) {
      const at = published.get(`${change.kind}:${ids.get(change.email)}`);
      if (at === undefined) continue;
      change.at = at;
      fromLog += 1;
    }
    for (const person of joiners) {
      const progress = joinerPlayer.progress.get(person.email);
      const seen = observed.get(person.email);
      if (seen && progress?.emailAt !== undefined && progress.boundAt !== undefined)
        seen.bindWaitMs = progress.boundAt - progress.emailAt;
    }
    playing.abort();
    await Promise.all([player.stopped(), joinerPlayer.stopped()]);

    say("Measuring: the sync's runs, every person's runs, the simulators' state ...");
    const syncState = await syncHandle.query(syncStatusQuery).catch(() => undefined);
    const syncRuns: { events: number; start: number }[] = [];
    for await (const info of client.workflow.list({ query: `WorkflowId = '${id}'` })) {
      let events = info.historyLength;
      if (info.status.name === 'RUNNING')
        events = (
          await client.workflow
            .getHandle(id, info.runId)
            .describe()
            .catch(() => info)
        ).historyLength;
      syncRuns.push({ events, start: info.startTime.getTime() });
    }
    syncRuns.sort((a, b) => a.start - b.start);
    const runsPerPerson = new Map<string, number>();
    for await (const info of client.workflow.list({
      query: `WorkflowType = 'personOnboarding' AND Integration = '${spec.integrationId}'`,
    }))
      runsPerPerson.set(info.workflowId, (runsPerPerson.get(info.workflowId) ?? 0) + 1);
    const outbox = await request(`${sims.bi.managementUrl}/_sim/outbox`).then(
      (response) => response.body.json() as Promise<{ messages: { to: string }[] }>,
    );
    const emailsPerPerson = new Map<string, number>();
    for (const message of outbox.messages)
      emailsPerPerson.set(message.to.toLowerCase(), (emailsPerPerson.get(message.to.toLowerCase()) ?? 0) + 1);
    const gone = new Set(changes.filter((change) => change.kind === 'leave').map((change) => change.email));
    // Everyone has an Okta user; those who should carry the routing value: the group as it is now, and the person by hand.
    const inGroup = new Set(members.map((person) => person.email));
    for (const change of changes) {
      if (change.kind === 'join') inGroup.add(change.email);
      else inGroup.delete(change.email);
    }
    const checks = await checkSimulators(
      { biManagement: sims.bi.managementUrl, okta: sims.okta.url },
      spec,
      [...members, ...joiners, hand].map((person) => person.email),
      [...inGroup, hand.email],
      config.linkTtlSeconds,
      config.limits.windowSeconds,
    );
    const handEmailAt = player.progress.get(hand.email)?.emailAt;
    await ownWorkflows.run();
    await stackCleanup.run();

    const leaverIds = new Set([...gone].map((email) => personWorkflowId(spec.integrationId, email)));
    const partial = {
      group: { id: group.id, name: groupName, members: members.length, onboarded, onboardSeconds },
      churn: {
        seconds: churn.seconds,
        perMinute: churn.perMinute,
        joins: changes.length - gone.size,
        leaves: gone.size,
        publishedFromLog: fromLog,
        limitSeconds: churn.syncPollSeconds + LAG_SLACK_SECONDS,
      },
      joiners: lagFigures(changes, observed, 'join'),
      leavers: lagFigures(changes, observed, 'leave'),
      history: syncHistoryFigures(syncRuns),
      duplicates: duplicateFigures(runsPerPerson, leaverIds, emailsPerPerson, checks.duplicates.total),
      hand: {
        email: hand.email,
        emailSeconds:
          handStartedAt !== undefined && handEmailAt !== undefined ? (handEmailAt - handStartedAt) / 1000 : null,
        goalSeconds: HAND_EMAIL_GOAL_SECONDS,
      },
    };
    const figures: ChurnFigures = {
      run: {
        preset: config.preset,
        command,
        startedAt: new Date(startedAt).toISOString(),
        stoppedBy,
        machine: { cpus: cpus().length, node: process.version, temporal: stack.temporalVersion },
        source: sourceOf(PROJECT_ROOT),
        config,
      },
      ...partial,
      sync: {
        id,
        status: syncState?.status ?? null,
        maxRemovals: maxRemovals ?? null,
        totals: syncState?.totals ?? null,
        problem: syncState?.problem ? `${syncState.problem.message} (${syncState.problem.fix})` : null,
        pendingGuard: syncState?.pendingGuard
          ? { removals: syncState.pendingGuard.removals, limit: syncState.pendingGuard.limit }
          : null,
      },
      simulators: { routing: checks.routing, orphans: checks.orphans, emails: checks.emails },
      failures: churnFailures(partial),
    };
    const json = await writeFigures(outDir, base, figures);
    return { table: renderChurnTable(figures), json, failures: figures.failures };
  } catch (error) {
    throw new Error(`the churn run failed: ${errorMessage(error)}`, { cause: error });
  } finally {
    detach();
    await cleanup.run();
  }
}
