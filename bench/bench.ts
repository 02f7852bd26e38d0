/**
 * One benchmark run, start to end: the stack, the onboarding on Temporal (with kills, chaos kills
 * of the server and the simulators, and 429 bursts running beside it), the measurements, the stack stopped, the baselines, the report.
 * Bounded by the overall timeout; SIGINT/SIGTERM stop waiting, measure what is there, and stop
 * everything (a second signal stops everything at once).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seededRandom } from '../dev/simulators/shared/random';
import { runBaseline, type BaselineResult } from './baseline';
import { renderChart, type Series } from './chart';
import { chaosFigures, chaosLoop, chaosMoments, type ChaosEvent } from './chaos';
import { checkSimulators } from './checks';
import { Cleanup } from './cleanup';
import {
  bounds,
  collectPeople,
  historySizes,
  integrationFacts,
  latencyFigures,
  oktaBucketFigures,
  outcomeCounts,
  stepFigures,
  unfinished,
  waveFigures,
} from './measure';
import { runOnboarding } from './onboarding';
import type { BenchConfig } from './options';
import { directoryCount } from './people';
import { renderTable, writeReport, type Figures } from './report';
import { PROJECT_ROOT, startStack, type BenchStack } from './stack';
import { summarize } from './stats';
import { scanWorkerLog, workerTotals } from './workers';

export interface BenchOutcome {
  figures: Figures;
  table: string;
  files: { json: string; svg: string };
  /** A chaos run's failed checks (lost, duplicates, emails): the run must fail. Empty otherwise. */
  failures: string[];
}

/**
 * How long the onboarding should take at least (the larger of its bounds, or the soak's
 * duration): the chaos kills are spread over 80 % of it, so they all land before it can be over.
 */
function chaosSpanSeconds(config: BenchConfig): number {
  const lower = bounds(
    config,
    config.n,
    config.bindDelaySeconds.max + config.pollIntervalSeconds,
    directoryCount(config.directoryShare, config.n),
  );
  return 0.8 * Math.max(lower.rateLimitSeconds, lower.criticalPathSeconds, config.durationSeconds);
}

/** The code measured: the commit, and whether src/ differs from it. */
export function sourceOf(root: string): { commit: string; srcChanged: boolean } | null {
  try {
    const commit = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], {
      encoding: 'utf8',
    }).trim();
    return { commit, srcChanged: changed !== '' };
  } catch {
    return null;
  }
}

/** A run's files are named by when it started: 20261203-115404. */
export function stampNow(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/**
 * SIGINT/SIGTERM during a run: the first aborts `interrupted` (the run stops waiting, measures what
 * is there and stops everything), a second stops everything at once. `detach` when the run is over.
 */
export function interruptible(
  cleanup: Cleanup,
  say: (line: string) => void,
): { interrupted: AbortController; detach: () => void } {
  const interrupted = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      say(`\n${signal}: stopping the run; measuring what is there and stopping everything (again to stop at once).`);
      interrupted.abort();
      return;
    }
    void cleanup.run().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    interrupted,
    detach: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The run's work directory and stack (logs `<outDir>/<base>.*.log`), stopped by `cleanup`; `stackCleanup` stops the stack alone, sooner. */
export async function startRunStack(
  config: BenchConfig,
  outDir: string,
  base: string,
  cleanup: Cleanup,
  say: (line: string) => void,
): Promise<{ stack: BenchStack; stackCleanup: Cleanup }> {
  const workDir = await mkdtemp(join(tmpdir(), 'bi-okta-bench-'));
  cleanup.add('work directory', () => rm(workDir, { recursive: true, force: true }));
  const stackCleanup = new Cleanup(say);
  cleanup.add('stack', () => stackCleanup.run());
  say(`Starting the stack (logs: ${join(config.outDir, base)}.*.log) ...`);
  await mkdir(outDir, { recursive: true });
  const stack = await startStack(
    config,
    { workDir, logPrefix: join(outDir, base) },
    stackCleanup,
    seededRandom(config.seed + 1),
    say,
  );
  return { stack, stackCleanup };
}

export async function runBench(
  config: BenchConfig,
  command: string,
  say: (line: string) => void,
): Promise<BenchOutcome> {
  const startedAt = Date.now();
  const deadline = startedAt + config.timeoutSeconds * 1000;
  const outDir = resolve(PROJECT_ROOT, config.outDir);
  const base = `${stampNow()}-${config.preset}`;
  const cleanup = new Cleanup(say);
  const { interrupted, detach } = interruptible(cleanup, say);

  try {
    const { stack, stackCleanup } = await startRunStack(config, outDir, base, cleanup, say);

    const background = new AbortController();
    cleanup.add('background loops', async () => background.abort());
    const loops = [
      stack.sims.biFaults.burstLoop(background.signal),
      stack.sims.oktaFaults.burstLoop(background.signal),
    ];
    if (config.killEverySeconds > 0)
      loops.push(stack.workers.killLoop(config.killEverySeconds, config.restartAfterSeconds, background.signal));
    const chaosEvents: ChaosEvent[] = [];
    const chaosStart = Date.now();
    const span = chaosSpanSeconds(config);
    if (config.killServerCount > 0) {
      const moments = chaosMoments(config.killServerCount, span, seededRandom(config.seed + 3));
      loops.push(
        chaosLoop(
          'server',
          stack.server,
          moments,
          config.restartAfterSeconds,
          chaosStart,
          chaosEvents,
          background.signal,
          say,
        ),
      );
    }
    if (stack.simulatorsProcess) {
      const moments = chaosMoments(config.killSimulatorsCount, span, seededRandom(config.seed + 5));
      loops.push(
        chaosLoop(
          'simulators',
          stack.simulatorsProcess,
          moments,
          config.restartAfterSeconds,
          chaosStart,
          chaosEvents,
          background.signal,
          say,
        ),
      );
    }
    if (config.killServerCount + config.killSimulatorsCount > 0) {
      say(
        `chaos: ${config.killServerCount} server and ${config.killSimulatorsCount} simulator kills at random moments over the first ${Math.round(span)} s, each restarted after ${config.restartAfterSeconds} s`,
      );
    }
    // A loop that fails (a restart that does not come back) ends the onboarding's wait as well.
    const looping = Promise.all(loops);
    looping.catch(() => interrupted.abort());
    const benchCpuBefore = process.cpuUsage();
    const run = await runOnboarding(stack, config, seededRandom(config.seed), deadline, interrupted.signal, say);
    background.abort();
    await looping;
    const runSeconds = (Date.now() - run.startedAt) / 1000;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const workers = workerTotals(stack.workers.records);
    const temporalStats = stack.server.stats();

    say("Measuring: every history, the simulators' state ...");
    const outcomes = await collectPeople(stack, run);
    const integration = await integrationFacts(
      stack,
      config.keepHistories
        ? (runId, json) => writeFile(`${join(outDir, base)}.integration-${runId.slice(0, 8)}.history.json`, json)
        : undefined,
    );
    const roster = run.waves.flatMap((wave) => wave.people.map((person) => person.email));
    const onboarded = outcomes.filter((outcome) => outcome.status === 'Onboarded').map((outcome) => outcome.email);
    const current = await checkSimulators(
      { biManagement: stack.sims.bi.managementUrl, okta: stack.sims.okta.url },
      stack.spec,
      roster,
      onboarded,
      config.linkTtlSeconds,
      config.limits.windowSeconds,
    );
    // A restarted Okta simulator counts from zero: add what the killed ones had counted.
    const checks = stack.simulatorsProcess ? stack.simulatorsProcess.withEarlierOktaTotals(current) : current;
    const chaos = chaosFigures(
      {
        enforced: config.killServerCount + config.killSimulatorsCount > 0,
        planned: { serverKills: config.killServerCount, simulatorKills: config.killSimulatorsCount },
        server: stack.server,
        simulators: stack.simulatorsProcess,
        workerKills: stack.workers.kills,
        events: chaosEvents,
      },
      outcomes,
      checks,
    );
    const faults = {
      beyondIdentity: { ...stack.sims.biFaults.stats() },
      okta: { ...stack.sims.oktaFaults.stats() },
      bursts: stack.sims.oktaFaults.bursts,
    };
    const waves = run.waves.map((wave) => waveFigures(config, wave, outcomes));
    const allWorkflowTasks = outcomes.flatMap(
      (outcome) => outcome.facts?.workflowTasks.map((task) => task.scheduleToStartMs) ?? [],
    );
    // A person's first task waits on the non-sticky queue; the rest go to the worker that has them cached.
    const firstWorkflowTasks = outcomes.flatMap((outcome) => outcome.facts?.workflowTasks.slice(0, 1) ?? []);
    await stackCleanup.run();
    const workerLog = scanWorkerLog(await readFile(`${join(outDir, base)}.workers.log`, 'utf8').catch(() => ''));

    const baseline: { sequential?: BaselineResult; concurrent?: BaselineResult } = {};
    for (const mode of ['sequential', 'concurrent'] as const) {
      if (config.baseline !== 'both' && config.baseline !== mode) continue;
      if (interrupted.signal.aborted || Date.now() >= deadline) {
        say(
          `baseline ${mode}: skipped (${interrupted.signal.aborted ? 'interrupted' : 'no time left before --timeout'})`,
        );
        continue;
      }
      say(`baseline ${mode}: the same ${run.waves[0]!.people.length} people with a plain script, no Temporal ...`);
      baseline[mode] = await runBaseline(
        mode,
        config,
        stack.spec,
        run.waves[0]!.people,
        deadline,
        interrupted.signal,
        say,
      );
      say(
        `baseline ${mode}: ${Math.round(baseline[mode].wallSeconds)} s${baseline[mode].finished ? '' : ` (unfinished: ${baseline[mode].error ?? ''})`}`,
      );
    }

    const headline = waves[0]!;
    const peopleCount = roster.length;
    const cpuTotal = workers.cpuSeconds + (temporalStats?.cpuSeconds ?? 0) + (benchCpu.user + benchCpu.system) / 1e6;
    const withoutTimes = ({ routedAtSeconds: _times, ...rest }: BaselineResult) => rest;
    const figures: Figures = {
      run: {
        preset: config.preset,
        command,
        startedAt: new Date(startedAt).toISOString(),
        stoppedBy: run.stoppedBy,
        machine: { cpus: cpus().length, node: process.version, temporal: stack.temporalVersion },
        source: sourceOf(PROJECT_ROOT),
        config,
      },
      headline,
      waves: waves.map(({ routedAtSeconds: _times, ...rest }) => rest),
      tooManyRequests: {
        oktaRefused: checks.okta.refused,
        oktaConcurrency: checks.okta.concurrency.refused,
        injectedOkta: faults.okta.tooManyRequests,
        injectedBeyondIdentity: faults.beyondIdentity.tooManyRequests,
        total:
          checks.okta.refused +
          checks.okta.concurrency.refused +
          faults.okta.tooManyRequests +
          faults.beyondIdentity.tooManyRequests,
      },
      okta: {
        buckets: oktaBucketFigures(config, peopleCount, checks),
        concurrency: checks.okta.concurrency,
        usersCreatedPerWindow: checks.okta.usersCreatedPerWindow,
      },
      onboardings: outcomeCounts(outcomes),
      unfinished: unfinished(outcomes),
      simulators: checks,
      history: { ...historySizes(outcomes), integration },
      cpu: {
        workers: {
          processes: workers.processes,
          kills: stack.workers.kills,
          cpuSeconds: workers.cpuSeconds,
          workingCpuSeconds: workers.workingCpuSeconds,
          cpuSecondsPerPerson: workers.workingCpuSeconds / Math.max(1, peopleCount),
          peakRssMb: workers.peakRssMb,
        },
        temporalServer: temporalStats
          ? { cpuSeconds: temporalStats.cpuSeconds, peakRssMb: temporalStats.peakRssKb / 1024 }
          : null,
        benchProcess: {
          cpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
          note: 'the bench itself, both simulators and the people, during the onboarding',
        },
        machineUtilization: cpuTotal / (runSeconds * cpus().length),
      },
      latency: latencyFigures(run, outcomes),
      steps: stepFigures(outcomes),
      workflowTaskScheduleToStartMs: summarize(allWorkflowTasks),
      firstWorkflowTaskScheduleToStartMs: summarize(firstWorkflowTasks.map((task) => task.scheduleToStartMs)),
      firstWorkflowTaskStartToCloseMs: summarize(
        firstWorkflowTasks.flatMap((task) => (task.startToCloseMs === undefined ? [] : [task.startToCloseMs])),
      ),
      faults,
      workerLog,
      baseline: {
        ...(baseline.sequential && { sequential: withoutTimes(baseline.sequential) }),
        ...(baseline.concurrent && { concurrent: withoutTimes(baseline.concurrent) }),
        oursOverSequential: baseline.sequential?.finished
          ? headline.wallSeconds / baseline.sequential.wallSeconds
          : null,
        oursOverConcurrent: baseline.concurrent?.finished
          ? headline.wallSeconds / baseline.concurrent.wallSeconds
          : null,
      },
      timeline: run.timeline,
      chaos,
    };

    const bucket = headline.bounds.rateLimitBucket;
    const series: Series[] = [
      {
        label: `routed, ours (Temporal, ${config.workers} workers)`,
        color: '#1f77b4',
        times: headline.routedAtSeconds,
      },
    ];
    const wave = run.waves[0]!;
    series.push({
      label: 'bound a passkey (the people)',
      color: '#999999',
      dashed: true,
      times: wave.people.flatMap((person) => {
        const boundAt = wave.player.progress.get(person.email)?.boundAt;
        return boundAt === undefined ? [] : [(boundAt - wave.startedAt) / 1000];
      }),
    });
    if (baseline.concurrent)
      series.push({
        label: 'routed, baseline concurrent (no Temporal)',
        color: '#2ca02c',
        times: baseline.concurrent.routedAtSeconds,
      });
    if (baseline.sequential)
      series.push({
        label: 'routed, baseline sequential',
        color: '#ff7f0e',
        times: baseline.sequential.routedAtSeconds,
      });
    const svg = renderChart({
      title: `${config.preset}: ${headline.people} people, wall ${Math.round(headline.wallSeconds)} s, ratio ${headline.ratio.toFixed(2)} to the bound`,
      subtitle: `Okta ${bucket} ${config.limits[bucket]} per ${config.limits.windowSeconds} s; latency ${config.latencyMs}+${config.jitterMs} ms; faults ${config.faultPreset}; kills every ${config.killEverySeconds || '—'} s${chaos.enforced ? `; server kills ${chaos.serverKills}, simulator kills ${chaos.simulatorKills}` : ''}; seed ${config.seed}`,
      people: headline.people,
      series,
      boundRatePerSecond: headline.people / headline.bounds.rateLimitSeconds,
      boundLabel: `rate-limit bound (${bucket}: ${config.limits[bucket]} per ${config.limits.windowSeconds} s)`,
      criticalPathSeconds: headline.bounds.criticalPathSeconds,
    });
    const files = await writeReport(outDir, base, figures, svg);
    return { figures, table: renderTable(figures), files, failures: chaos.enforced ? chaos.failures : [] };
  } finally {
    detach();
    await cleanup.run();
  }
}
