/**
 * The bench's side of the simulators' own process (bench/simulators-process.ts), for a chaos run:
 * start it over an IPC channel and wait until both simulators listen, SIGKILL it, start it again
 * on the same ports and state files, stop it. Its fault counters and Okta's rate-limit totals
 * arrive every quarter second; a process that ends leaves its last report, so the run's totals are
 * the sum over every process (less what the last quarter second before each kill counted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultStats } from '../dev/simulators/shared/faults';
import type { SimulatorChecks } from './checks';
import type { FaultCounters } from './faults';
import { isBucket, type Bucket } from './options';
import type { FromSimulators, SimulatorsProcessConfig, SimulatorsStats, ToSimulators } from './simulators-process';
import type { Restartable } from './types';

const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;

export interface SimulatorsUrls {
  beyondIdentity: { managementUrl: string; authUrl: string };
  okta: { url: string };
}

interface Live {
  child: ChildProcess;
  exited: Promise<void>;
  last?: SimulatorsStats;
}

const noFaults = (): FaultStats => ({
  requests: 0,
  delayed: 0,
  errors: 0,
  hangs: 0,
  drops: 0,
  lostResponses: 0,
  tooManyRequests: 0,
});

function addFaults(into: FaultStats, more: FaultStats): void {
  for (const key of Object.keys(into) as (keyof FaultStats)[]) into[key] += more[key] ?? 0;
}

export interface SimulatorsProcessOptions {
  root: string;
  /** Everything but the fault plans' seeds, which change with each process. */
  config: Omit<SimulatorsProcessConfig, 'seeds'>;
  seed: number;
  log: WriteStream;
}

export class SimulatorsProcess implements Restartable {
  readonly label = "simulators' process";
  kills = 0;
  restarts = 0;
  private live?: Live;
  private generation = 0;
  private starting?: Promise<SimulatorsUrls>;
  private stopped = false;
  /** What the processes that have ended reported last, summed. */
  private readonly ended = {
    beyondIdentity: noFaults(),
    okta: noFaults(),
    bursts: 0,
    oktaTotals: new Map<Bucket, { counted: number; refused: number }>(),
  };

  constructor(private readonly options: SimulatorsProcessOptions) {}

  start(): Promise<SimulatorsUrls> {
    this.starting = this.spawnOne().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async kill(): Promise<void> {
    const live = this.live;
    if (!live) throw new Error("the simulators' process is not running");
    live.child.kill('SIGKILL');
    this.kills += 1;
    await live.exited;
  }

  async restart(): Promise<void> {
    if (this.stopped) return;
    await this.start();
    this.restarts += 1;
    if (this.stopped) await this.stop();
  }

  /** Asks it to close both simulators and exit; SIGKILL if it has not within the grace time. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    const live = this.live;
    if (!live) return;
    if (live.child.connected) live.child.send({ type: 'stop' } satisfies ToSimulators);
    const gone = await Promise.race([live.exited.then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })]);
    if (!gone) {
      live.child.kill('SIGKILL');
      await live.exited;
    }
  }

  /** For the process's exit handler. */
  killNow(): void {
    this.live?.child.kill('SIGKILL');
  }

  /** The counters of one simulator's faults, over every process so far (bursts run in the child: nothing to loop here). */
  faultCounters(which: 'beyondIdentity' | 'okta'): FaultCounters {
    const bursts = () => this.ended.bursts + (this.live?.last?.faults.bursts ?? 0);
    return {
      stats: () => {
        const sum = { ...this.ended[which] };
        if (this.live?.last) addFaults(sum, this.live.last.faults[which]);
        return sum;
      },
      get bursts() {
        return bursts();
      },
      burstLoop: async () => undefined,
    };
  }

  /**
   * Okta's counters as the current process's `/_sim/state` shows them (`checks`), plus what the
   * processes killed before it had counted: a restarted Okta simulator counts from zero.
   */
  withEarlierOktaTotals(checks: SimulatorChecks): SimulatorChecks {
    const totals = { ...checks.okta.totals };
    let refused = checks.okta.refused;
    for (const [bucket, earlier] of this.ended.oktaTotals) {
      const now = totals[bucket] ?? { counted: 0, refused: 0 };
      totals[bucket] = { counted: now.counted + earlier.counted, refused: now.refused + earlier.refused };
      refused += earlier.refused;
    }
    return { ...checks, okta: { ...checks.okta, totals, refused } };
  }

  private async spawnOne(): Promise<SimulatorsUrls> {
    const generation = ++this.generation;
    const name = `simulators-${generation}`;
    const { root, config, seed, log } = this.options;
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'simulators-process.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      // The IPC channel ties its life to the bench's (it exits when the channel closes).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const relay = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log.write(`[${name}] ${line}\n`);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    const live: Live = { child, exited: Promise.resolve() };
    live.exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        log.write(`[${name}] exited (${code ?? signal})\n`);
        this.fold(live);
        if (this.live === live) this.live = undefined;
        resolve();
      }),
    );
    this.live = live;
    const ready = new Promise<SimulatorsUrls>((resolve, reject) => {
      child.on('message', (message: FromSimulators) => {
        if (message.type === 'stats') live.last = message;
        else if (message.type === 'ready') resolve({ beyondIdentity: message.beyondIdentity, okta: message.okta });
        else if (message.type === 'failed')
          reject(new Error(`${name} failed to start: ${message.message.split('\n')[0]}`));
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`${name} exited during start (${code ?? signal}); see the simulators' log`)),
      );
    });
    const bump = 1_000_003 * generation;
    child.send({
      type: 'start',
      config: { ...config, seeds: { beyondIdentity: seed + bump, okta: seed + 7919 + bump } },
    } satisfies ToSimulators);
    const outcome = await Promise.race([ready, sleep(START_TIMEOUT_MS, 'timeout' as const, { ref: false })]).catch(
      (error: Error) => error,
    );
    if (outcome === 'timeout' || outcome instanceof Error) {
      child.kill('SIGKILL');
      await live.exited;
      throw outcome instanceof Error
        ? outcome
        : new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s; see the simulators' log`);
    }
    return outcome;
  }

  private fold(live: Live): void {
    const last = live.last;
    if (!last) return;
    addFaults(this.ended.beyondIdentity, last.faults.beyondIdentity);
    addFaults(this.ended.okta, last.faults.okta);
    this.ended.bursts += last.faults.bursts;
    for (const { bucket, counted, refused } of last.oktaTotals) {
      if (!isBucket(bucket)) continue;
      const earlier = this.ended.oktaTotals.get(bucket) ?? { counted: 0, refused: 0 };
      this.ended.oktaTotals.set(bucket, { counted: earlier.counted + counted, refused: earlier.refused + refused });
    }
    live.last = undefined;
  }
}
