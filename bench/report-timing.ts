/**
 * `npm run bench:report -- [--n 200] [--runs 3]`: how long the operator's `report --format csv`
 * takes for N people, timed as an operator sees it (the real CLI as a process of its own, from
 * spawn to exit). Starts its own stack as `npm run bench` does (bench/stack.ts: a Temporal dev
 * server, both simulators, worker processes, payloads encrypted with a key of the run), onboards N
 * people, lets a share of them bind (routed, their workflows completed: read from their results)
 * and leaves the rest waiting (running: each answers a `status` query), then runs the report a few
 * times and prints rows and wall time per run, beside the CLI's own start (`--help`) for scale.
 * Bounded by --timeout; SIGINT/SIGTERM and every exit stop everything it started.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { seededRandom } from '../dev/simulators/shared/random';
import * as commands from '../src/cli/commands';
import { validatePeople } from '../src/cli/people';
import { REPORT_COLUMNS } from '../src/cli/report';
import type { Output } from '../src/cli/session';
import { stampNow } from './bench';
import { Cleanup } from './cleanup';
import { OptionsError, resolveOptions } from './options';
import { PeoplePlayer, type Person } from './people';
import { PROJECT_ROOT, startStack, type BenchStack } from './stack';
import { percentile, round } from './stats';
import { errorMessage } from '../src/util/errors';

const silent: Output = { json: true, print: () => undefined, info: () => undefined };
/** One CLI run may take this long before it is killed and the bench fails. */
const RUN_TIMEOUT_MS = 120_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

interface Timed {
  seconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as an operator runs it (`npm run cli` without npm), timed from spawn to exit. */
function runCli(env: NodeJS.ProcessEnv, args: string[]): Promise<Timed> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/client.ts', ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        code,
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
      });
    });
  });
}

/** Polls visibility until `ready` holds for the counts, or the deadline passes (then throws with the last counts). */
async function waitForStates(stack: BenchStack, bound: number, waiting: number, deadline: number): Promise<void> {
  const scope = `WorkflowType = 'personOnboarding' AND Integration = '${stack.spec.integrationId}'`;
  const count = async (extra: string) => Number((await stack.client.workflow.count(`${scope} AND ${extra}`)).count);
  let last = '';
  for (;;) {
    const [completed, running] = await Promise.all([
      count(`OnboardingStatus = 'Onboarded' AND ExecutionStatus = 'Completed'`),
      count(`OnboardingStatus = 'WaitingForBinding' AND ExecutionStatus = 'Running'`),
    ]);
    // The binders wait too until they bind: "waiting" counts all 200 for a while, so no denominator on it.
    const now = `onboarded and completed ${completed}/${bound}; waiting for binding ${running} (${waiting} should stay waiting)`;
    if (completed === bound && running === waiting) return;
    if (Date.now() > deadline) throw new Error(`the people did not reach their states in time (${now})`);
    if (now !== last) say(`  ${now}`);
    last = now;
    await sleep(1_000);
  }
}

function seconds(values: readonly number[]): string {
  return `min ${round(Math.min(...values), 2)} s, median ${round(percentile(values, 50), 2)} s, max ${round(Math.max(...values), 2)} s`;
}

const program = new Command('bench:report')
  .description(
    "Times the real CLI's `report --format csv` for N people on a stack of its own (some bound and completed, most waiting).",
  )
  .option('--n <count>', 'people (1-5000)', '200')
  .option(
    '--bound <share>',
    'share of them who bind (routed, their workflow completed); the rest wait for binding',
    '0.25',
  )
  .option('--runs <count>', 'report runs (1-20)', '3')
  .option('--workers <count>', "worker processes (1-8), which answer the running people's status queries", '2')
  .option('--timeout <s>', 'the whole run stops by itself after this long', '600')
  .option('--out <dir>', "where the stack's logs go", 'bench/results')
  .addHelpText('after', '\nExample:\n  npm run bench:report\n  npm run bench:report -- --n 1000 --runs 5');

async function main(): Promise<number> {
  program.parse();
  const raw = program.opts<{ n: string; bound: string; runs: string; workers: string; timeout: string; out: string }>();
  const problems: string[] = [];
  const number = (name: string, value: string, min: number, max: number, integer: boolean): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed)))
      problems.push(`--${name}: ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${value}"`);
    return parsed;
  };
  const n = number('n', raw.n, 1, 5_000, true);
  const share = number('bound', raw.bound, 0, 1, false);
  const runs = number('runs', raw.runs, 1, 20, true);
  const timeoutSeconds = number('timeout', raw.timeout, 30, 7_200, false);
  let config;
  try {
    // The stack's knobs as the default bench has them (latency, Okta limits, no faults); only the setup depends on them.
    config = resolveOptions({
      preset: 'default',
      n: raw.n,
      workers: raw.workers,
      seed: '1',
      latency: '20',
      jitter: '40',
      window: '10',
      limitScale: '0.3',
      restartAfter: '3',
      signalShare: '0',
      directoryShare: '0',
      activityTimeout: '300',
      upstreamTimeout: '5',
      baseline: 'none',
      out: raw.out,
    });
  } catch (error) {
    problems.push(error instanceof OptionsError ? error.message : String(error));
  }
  if (problems.length > 0 || !config) {
    process.stderr.write(`Nothing was started; fix these:\n${problems.map((problem) => `  ${problem}`).join('\n')}\n`);
    return 2;
  }

  const deadline = Date.now() + timeoutSeconds * 1000;
  const cleanup = new Cleanup(say);
  const stopAll = (signal: string, code: number) => {
    say(`\n${signal}: stopping everything.`);
    void cleanup.run().then(() => process.exit(code));
  };
  process.once('SIGINT', () => stopAll('SIGINT', 130));
  process.once('SIGTERM', () => stopAll('SIGTERM', 143));
  setTimeout(() => stopAll(`timeout (${timeoutSeconds} s)`, 1), timeoutSeconds * 1000).unref();

  try {
    const workDir = await mkdtemp(join(tmpdir(), 'bi-okta-bench-report-'));
    cleanup.add('work directory', () => rm(workDir, { recursive: true, force: true }));
    const outDir = resolve(PROJECT_ROOT, config.outDir);
    await mkdir(outDir, { recursive: true });
    const logPrefix = join(outDir, `${stampNow()}-report`);
    say(`Starting the stack (logs: ${logPrefix}.*.log) ...`);
    const stackCleanup = new Cleanup(say);
    cleanup.add('stack', () => stackCleanup.run());
    const stack = await startStack(config, { workDir, logPrefix }, stackCleanup, seededRandom(config.seed + 1), say);

    const people = Array.from({ length: n }, (_, index) => `r${String(index).padStart(4, '0')}@bench.example.com`);
    const binders: Person[] = people
      .slice(0, Math.round(n * share))
      .map((email) => ({ email, bindDelayMs: 0, signalled: false, directorySourced: false }));
    say(`Onboarding ${n} people; ${binders.length} of them bind, ${n - binders.length} wait ...`);
    await commands.onboard(
      stack.session,
      silent,
      validatePeople(
        people.map((email, at) => ({ email, where: `#${at}` })),
        stack.spec.integrationId,
      ),
    );
    const player = new PeoplePlayer(stack.sims.bi.managementUrl, binders);
    const playing = new AbortController();
    cleanup.add('people', async () => {
      playing.abort();
      await player.stopped();
    });
    player.start(playing.signal);
    await waitForStates(stack, binders.length, n - binders.length, deadline);
    playing.abort();
    await player.stopped();
    say(
      `Every person is in their state: ${binders.length} onboarded (completed), ${n - binders.length} waiting for binding (running).`,
    );

    const reports: Timed[] = [];
    const starts: Timed[] = [];
    for (let index = 1; index <= runs; index++) {
      const start = await runCli(stack.cliEnv, ['--help']);
      const timed = await runCli(stack.cliEnv, ['report', '--format', 'csv']);
      if (timed.code !== 0) throw new Error(`report run ${index} exited ${timed.code}: ${timed.stderr.trim()}`);
      const [header, ...rows] = parse(timed.stdout) as string[][];
      if (JSON.stringify(header) !== JSON.stringify(REPORT_COLUMNS))
        throw new Error(`report run ${index}: the header is ${JSON.stringify(header)}`);
      const statuses = new Map<string, number>();
      for (const row of rows) statuses.set(row[1]!, (statuses.get(row[1]!) ?? 0) + 1);
      const partial = rows.filter((row) => row[REPORT_COLUMNS.indexOf('note')] !== '').length;
      if (rows.length !== n) throw new Error(`report run ${index}: ${rows.length} rows for ${n} people`);
      say(
        `  run ${index}: ${rows.length} rows + header, ${timed.stdout.length} bytes, ${round(timed.seconds, 2)} s (the CLI's start alone, --help: ${round(start.seconds, 2)} s); ` +
          `${[...statuses].map(([status, count]) => `${status} ${count}`).join(', ')}; rows with a note ${partial}`,
      );
      reports.push(timed);
      starts.push(start);
    }
    const cpu = cpus();
    say('');
    say(
      `report --format csv, ${n} people (${binders.length} completed, ${n - binders.length} running), ${runs} runs: ${seconds(reports.map((run) => run.seconds))}`,
    );
    say(`the CLI's start alone (--help):                 ${seconds(starts.map((run) => run.seconds))}`);
    say(
      `machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${round(totalmem() / 2 ** 30, 1)} GiB, Linux ${release()}, Node ${process.version}, ` +
        `${stack.temporalVersion}, ${config.workers} worker process(es), load average ${loadavg()
          .map((value) => round(value, 2))
          .join(' ')} at the end`,
    );
    return 0;
  } finally {
    await cleanup.run();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`The report benchmark failed: ${errorMessage(error)}\n`);
    process.exit(1);
  });
