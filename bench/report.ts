/**
 * The run's figures as one JSON document (bench/results/<timestamp>-<preset>.json, with the SVG
 * next to it) and as a table for the terminal.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaselineResult } from './baseline';
import type { ChaosFigures } from './chaos';
import type { SimulatorChecks } from './checks';
import type { IntegrationFacts, LatencyFigures, OutcomeCounts, StepFigures, unfinished, WaveFigures } from './measure';
import type { BenchConfig } from './options';
import { round, type Summary } from './stats';
import type { WorkerLogSummary } from './workers';

/** What was run, where, on which code: the head of every run's figures. */
export interface RunInfo {
  preset: string;
  command: string;
  startedAt: string;
  stoppedBy: string;
  machine: { cpus: number; node: string; temporal: string };
  source: { commit: string; srcChanged: boolean } | null;
  config: BenchConfig;
}

export interface Figures {
  run: RunInfo;
  /** The first wave (one fresh org): the headline. */
  headline: WaveFigures;
  waves: Omit<WaveFigures, 'routedAtSeconds'>[];
  tooManyRequests: {
    oktaRefused: number;
    oktaConcurrency: number;
    injectedOkta: number;
    injectedBeyondIdentity: number;
    total: number;
  };
  okta: Record<string, unknown>;
  onboardings: OutcomeCounts;
  unfinished: ReturnType<typeof unfinished>;
  simulators: SimulatorChecks;
  history: {
    eventsPerPerson: Summary;
    bytesPerPerson: Summary;
    signalsPerPerson: number | null;
    integration: IntegrationFacts;
  };
  cpu: {
    /** cpuSecondsPerPerson: the working CPU (start-up of each process left out) over every person of the run. */
    workers: {
      processes: number;
      kills: number;
      cpuSeconds: number;
      workingCpuSeconds: number;
      cpuSecondsPerPerson: number;
      peakRssMb: number;
    };
    temporalServer: { cpuSeconds: number; peakRssMb: number } | null;
    benchProcess: { cpuSeconds: number; note: string };
    /** All CPU seconds above over (wall × cores). */
    machineUtilization: number;
  };
  latency: LatencyFigures;
  steps: StepFigures[];
  workflowTaskScheduleToStartMs: Summary;
  firstWorkflowTaskScheduleToStartMs: Summary;
  firstWorkflowTaskStartToCloseMs: Summary;
  faults: { beyondIdentity: Record<string, number>; okta: Record<string, number>; bursts: number };
  workerLog: WorkerLogSummary;
  baseline: {
    sequential?: Omit<BaselineResult, 'routedAtSeconds'>;
    concurrent?: Omit<BaselineResult, 'routedAtSeconds'>;
    oursOverSequential: number | null;
    oursOverConcurrent: number | null;
  };
  timeline: { t: number; closed: number; onboarded: number; bound: number; workersUp: number }[];
  /** Kills of each kind and the verdict of a chaos run (`enforced`: --kill-server or --kill-simulators). */
  chaos: ChaosFigures;
}

const s = (value: number | null | undefined, unit = ''): string =>
  value === null || value === undefined ? '—' : `${round(value)}${unit}`;
const summary = (value: Summary, unit: string, scale = 1): string =>
  value.count === 0
    ? '—'
    : `p50 ${s(value.p50! * scale, unit)}, p95 ${s(value.p95! * scale, unit)} (mean ${s(value.mean! * scale, unit)}, max ${s(value.max! * scale, unit)}, n=${value.count})`;

function oauthLine(oauth: SimulatorChecks['oauth']): string {
  if (!oauth) return 'no OAuth figures';
  const issued =
    Object.entries(oauth.tokensIssued)
      .filter(([, count]) => count > 0)
      .map(([scheme, count]) => `${count} ${scheme}`)
      .join(', ') || 'none';
  const calls = Object.values(oauth.resourceCalls).reduce((total, count) => total + count, 0);
  const refused = Object.entries(oauth.refusals)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  return `${oauth.tokenRequests} token requests (${oauth.nonceChallenges} DPoP nonce challenges), tokens issued ${issued}, ${calls} API calls with them${refused ? `; refused: ${refused}` : ''}`;
}

export function renderTable(figures: Figures): string {
  const { headline: wave, run } = figures;
  const b = wave.bounds;
  const rows: [string, string][] = [
    [
      'preset / people / workers',
      `${run.preset} / ${wave.people}${figures.waves.length > 1 ? ` × ${figures.waves.length} waves` : ''} / ${run.config.workers}`,
    ],
    ['stopped by', run.stoppedBy],
    ['wall time (wave 1)', `${s(wave.wallSeconds, ' s')}${wave.finished ? '' : ' (unfinished)'}`],
    [
      'bound: rate limits',
      `${s(b.rateLimitSeconds, ' s')} (${b.rateLimitBucket}: ${run.config.limits[b.rateLimitBucket]} per ${run.config.limits.windowSeconds} s); Beyond Identity: none`,
    ],
    [
      'bound: critical path',
      `${s(b.criticalPathSeconds, ' s')} (longest bind delay + notice ${s(b.criticalPath.longestWaitSeconds, ' s')} + ${b.criticalPath.roundTrips} round trips × ${s(b.criticalPath.meanLatencyMs)} ms)`,
    ],
    ['ratio wall / max(bounds)', s(wave.ratio)],
    ...figures.waves
      .slice(1)
      .map((other): [string, string] => [
        `  wave ${other.wave + 1}`,
        `${s(other.wallSeconds, ' s')}, ratio ${s(other.ratio)}${other.finished ? '' : ' (unfinished)'}`,
      ]),
    [
      'Okta credential',
      run.config.oktaAuth === 'ssws'
        ? 'API token (SSWS)'
        : `OAuth service app: ${oauthLine(figures.simulators.oauth)}${figures.baseline.concurrent?.checks.oauth ? `; baseline (concurrent) ${oauthLine(figures.baseline.concurrent.checks.oauth)}` : ''}`,
    ],
    [
      '429s received',
      `${figures.tooManyRequests.total} (Okta buckets ${figures.tooManyRequests.oktaRefused}, Okta concurrency ${figures.tooManyRequests.oktaConcurrency}, injected Okta ${figures.tooManyRequests.injectedOkta}, injected BI ${figures.tooManyRequests.injectedBeyondIdentity})`,
    ],
    [
      'onboardings',
      `${figures.onboardings.onboarded}/${figures.onboardings.total} onboarded; failed ${figures.onboardings.failed}, stuck ${figures.onboardings.stuck}, lost ${figures.onboardings.lost}`,
    ],
    [
      '  by status',
      Object.entries(figures.onboardings.byStatus)
        .map(([status, count]) => `${status} ${count}`)
        .join(', '),
    ],
    ...figures.unfinished
      .slice(0, 5)
      .map((person): [string, string] => [
        `  ${person.email}`,
        `${person.status} at ${person.step ?? '?'}${person.bound ? ', bound' : ''}${person.attention ? `; ${person.attention}` : ''}`,
      ]),
    ...(figures.history.integration.state
      ? [
          [
            '  integration',
            `${figures.history.integration.state.status} at ${figures.history.integration.state.step}; its person workflows ${s(figures.history.integration.state.people)}, Onboarded ${s(figures.history.integration.state.routed)} (visibility)${figures.history.integration.state.attention ? `; ${figures.history.integration.state.attention}` : ''}`,
          ] as [string, string],
        ]
      : []),
    [
      'duplicates',
      `${figures.simulators.duplicates.total} (${Object.entries(figures.simulators.duplicates)
        .filter(([key]) => key !== 'total')
        .map(([key, value]) => `${key} ${value}`)
        .join(', ')})`,
    ],
    [
      'orphans',
      `${figures.simulators.orphans.total} (identities ${figures.simulators.orphans.identities}, Okta users ${figures.simulators.orphans.oktaUsers})`,
    ],
    [
      'routing',
      `rule ${figures.simulators.routing.ruleShapeOk ? 'as wanted (one rule, ATTRIBUTE on the routing property, one EQUALS pattern: the value)' : 'NOT as wanted (see simulators.routing.ruleShapeOk)'}; Okta users carrying the routing value ${figures.simulators.routing.routed}; onboarded but missing ${figures.simulators.routing.missing}, extra ${figures.simulators.routing.extra}`,
    ],
    ...(run.config.directoryShare > 0
      ? [
          [
            'directory-sourced people',
            `${figures.simulators.directory.users} Active Directory users adopted, ${figures.simulators.directory.routed} of them routed; failed attempts naming E0000023: ${figures.workerLog.e0000023}`,
          ] as [string, string],
        ]
      : []),
    [
      'binding emails per person',
      `mean ${s(figures.simulators.emails.perPersonMean)}, max ${figures.simulators.emails.perPersonMax}; max per link ${figures.simulators.emails.maxPerLink}; max per link lifetime ${figures.simulators.emails.maxPerLinkLifetime}; sent while a link was live ${figures.simulators.emails.sentWhileLinkLive}`,
    ],
    ...chaosRows(figures.chaos),
    [
      'history events per person',
      `mean ${s(figures.history.eventsPerPerson.mean)}, p95 ${s(figures.history.eventsPerPerson.p95)} (${s((figures.history.bytesPerPerson.mean ?? 0) / 1024, ' KiB')} mean)`,
    ],
    [
      'integration history',
      `${figures.history.integration.runs} run(s), ${figures.history.integration.events} events, ${s(figures.history.integration.bytes / 1024, ' KiB')}; ensureRoutingRule ×${figures.history.integration.routingUpdates}`,
    ],
    [
      'worker CPU',
      `${s(figures.cpu.workers.cpuSecondsPerPerson * 1000, ' ms')} per person (${s(figures.cpu.workers.workingCpuSeconds, ' s')} working + ${s(figures.cpu.workers.cpuSeconds - figures.cpu.workers.workingCpuSeconds, ' s')} starting ${figures.cpu.workers.processes} processes, ${figures.cpu.workers.kills} killed); peak RSS ${s(figures.cpu.workers.peakRssMb, ' MiB')}`,
    ],
    [
      'other CPU',
      `Temporal server ${s(figures.cpu.temporalServer?.cpuSeconds, ' s')} (peak ${s(figures.cpu.temporalServer?.peakRssMb, ' MiB')}), bench+simulators ${s(figures.cpu.benchProcess.cpuSeconds, ' s')}; machine ${s(figures.cpu.machineUtilization * 100, ' %')} busy`,
    ],
    ['onboard → workflow started', summary(figures.latency.startSeconds, ' s')],
    ['  onboard → WorkflowExecutionStarted', summary(figures.latency.createdSeconds, ' s')],
    ['started → email sent', summary(figures.latency.inviteSeconds, ' s')],
    ['bind → routed', summary(figures.latency.bindToRoutedSeconds, ' s')],
    ['  signalled: bind → look scheduled', summary(figures.latency.phases.noticeSignalledSeconds, ' s')],
    ['  signalled: look → routed', summary(figures.latency.phases.routeSeconds, ' s')],
    ['  found by the watch: bind → routed', summary(figures.latency.phases.noticeDetectedSeconds, ' s')],
    [
      'failed attempts (worker log)',
      `${
        Object.entries(figures.workerLog.activityFailures)
          .map(([type, count]) => `${type} ${count}`)
          .join(', ') || 'none'
      }${figures.workerLog.topErrors[0] ? `; most: ${figures.workerLog.topErrors[0].error} (×${figures.workerLog.topErrors[0].count})` : ''}`,
    ],
    ['workflow task queue wait', summary(figures.workflowTaskScheduleToStartMs, ' ms')],
    [
      "  a person's first task",
      `${summary(figures.firstWorkflowTaskScheduleToStartMs, ' ms')}; run ${s(figures.firstWorkflowTaskStartToCloseMs.p50, ' ms')}/${s(figures.firstWorkflowTaskStartToCloseMs.p95, ' ms')} (p50/p95)`,
    ],
    ...figures.steps.map((step): [string, string] => [
      `  ${step.activity}`,
      `×${step.count} (${step.retried} retried); wait ${s(step.scheduleToStartMs.p50, ' ms')}/${s(step.scheduleToStartMs.p95, ' ms')}, run ${s(step.startToCloseMs.p50, ' ms')}/${s(step.startToCloseMs.p95, ' ms')} (p50/p95)`,
    ]),
    ...baselineRows(figures),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

function chaosRows(chaos: ChaosFigures): [string, string][] {
  if (!chaos.enforced) return [];
  const short = (planned: number, done: number) =>
    `${done}${done < planned ? ` of ${planned} planned (the onboarding was over first)` : ''}`;
  const down = chaos.events.filter((event) => event.downSeconds !== undefined).map((event) => event.downSeconds!);
  return [
    [
      'chaos kills',
      `server ${short(chaos.planned.serverKills, chaos.serverKills)}, simulators ${short(chaos.planned.simulatorKills, chaos.simulatorKills)}, workers ${chaos.workerKills}; restarts ${chaos.restarts}${down.length > 0 ? ` (down ${s(Math.min(...down), ' s')} to ${s(Math.max(...down), ' s')})` : ''}`,
    ],
    [
      'chaos verdict',
      `${chaos.failures.length === 0 ? 'passed' : `FAILED: ${chaos.failures.join('; ')}`} (lost ${chaos.lost}, duplicates ${chaos.duplicates}, max emails per link ${chaos.maxEmailsPerLink}, second email while a link was live ${chaos.secondEmailWhileLinkLive})`,
    ],
  ];
}

function baselineRows(figures: Figures): [string, string][] {
  const rows: [string, string][] = [];
  for (const [name, result, ratio] of [
    ['sequential', figures.baseline.sequential, figures.baseline.oursOverSequential],
    ['concurrent', figures.baseline.concurrent, figures.baseline.oursOverConcurrent],
  ] as const) {
    if (!result) continue;
    rows.push([
      `baseline ${name}`,
      `${s(result.wallSeconds, ' s')}${result.finished ? '' : ` (unfinished: ${result.error ?? `${result.routed} routed`})`} at ${result.concurrency} call(s) at a time; ours / it = ${s(ratio)}; 429s ${result.checks.okta.refused}; duplicates ${result.checks.duplicates.total}`,
    ]);
    rows.push([`  bind → routed`, summary(result.bindToRoutedSeconds, ' s')]);
  }
  return rows;
}

export async function writeReport(
  outDir: string,
  base: string,
  figures: Figures,
  svg: string,
): Promise<{ json: string; svg: string }> {
  const json = await writeFigures(outDir, base, figures);
  const files = { json, svg: join(outDir, `${base}.svg`) };
  await writeFile(files.svg, svg);
  return files;
}

/** The figures as `<outDir>/<base>.json`, numbers rounded as the table shows them (the churn run's too). */
export async function writeFigures(outDir: string, base: string, figures: object): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, `${base}.json`);
  await writeFile(
    json,
    `${JSON.stringify(figures, (_key, value: unknown) => (typeof value === 'number' ? round(value) : value), 2)}\n`,
  );
  return json;
}
