/**
 * The worker processes of a run: `src/worker.ts` as real child processes (the code a deployment
 * runs) loading one prebuilt workflow bundle, their CPU time and peak memory read from /proc
 * while they live, and the kills: SIGKILL of a random worker every K seconds, restarted after a
 * pause.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../src/util/errors';

/** The pause before another try when a replacement worker did not start. */
const REPLACE_RETRY_MS = 3_000;

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux we run on). */
const CLOCK_TICKS = 100;

export interface ProcStats {
  cpuSeconds: number;
  /** Peak resident set (VmHWM), KiB. */
  peakRssKb: number;
}

/** utime + stime (every thread of the process) and VmHWM, or undefined once the process is gone. */
function readProcStats(pid: number): ProcStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "(comm) ": field 3 is state, so utime (14) and stime (15) are at 11 and 12 here.
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return { cpuSeconds: ticks / CLOCK_TICKS, peakRssKb: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return undefined;
  }
}

/**
 * A process with its children (PostgreSQL's backends): its own utime + stime, its reaped
 * children's (cutime + cstime), and each live child's; the highest VmHWM among them.
 */
export function readTreeStats(pid: number): ProcStats | undefined {
  const own = readProcStats(pid);
  if (!own) return undefined;
  let cpuSeconds = own.cpuSeconds;
  let peakRssKb = own.peakRssKb;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const stat = text.slice(text.lastIndexOf(')') + 2).split(' ');
    cpuSeconds += (Number(stat[13]) + Number(stat[14])) / CLOCK_TICKS;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ');
      if (Number(child?.[1]) !== pid) continue;
      const stats = readProcStats(Number(entry));
      if (stats) {
        cpuSeconds += stats.cpuSeconds;
        peakRssKb = Math.max(peakRssKb, stats.peakRssKb);
      }
    }
  } catch {
    // a child that ended while we looked: its time is in cutime by the next look
  }
  return { cpuSeconds, peakRssKb };
}

export interface WorkerRecord {
  name: string;
  pid: number;
  startedAt: number;
  readyAt?: number;
  endedAt?: number;
  endedBy?: 'killed' | 'stopped' | 'exited';
  exit?: string;
  /** The last reading from /proc (taken every second, and just before a kill or stop). */
  last?: ProcStats;
  /** The reading when it began polling: what starting (tsx, the bundle, the connection) cost. */
  atReady?: ProcStats;
}

interface Live {
  record: WorkerRecord;
  child: ChildProcess;
  exited: Promise<void>;
}

export interface WorkerPoolOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  count: number;
  log: WriteStream;
  random: () => number;
  say: (line: string) => void;
}

export class WorkerPool {
  readonly records: WorkerRecord[] = [];
  kills = 0;
  private readonly live = new Set<Live>();
  private generation = 0;
  private sampler?: NodeJS.Timeout;
  private stopping = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  async start(): Promise<void> {
    this.sampler = setInterval(() => this.sampleAll(), 1_000);
    this.sampler.unref();
    await Promise.all(Array.from({ length: this.options.count }, () => this.spawnOne()));
  }

  /** Every `everySeconds`: SIGKILL a random live worker, start a new one `restartAfterSeconds` later. */
  async killLoop(everySeconds: number, restartAfterSeconds: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await sleep(everySeconds * 1000, undefined, { signal });
      } catch {
        return;
      }
      const candidates = [...this.live].filter((live) => live.record.readyAt !== undefined);
      const victim = candidates[Math.floor(this.options.random() * candidates.length)];
      if (!victim) continue;
      this.sample(victim);
      victim.record.endedBy = 'killed';
      victim.child.kill('SIGKILL');
      this.kills += 1;
      this.options.say(
        `  killed ${victim.record.name} (pid ${victim.record.pid}) with SIGKILL; a new worker starts in ${restartAfterSeconds} s`,
      );
      await victim.exited;
      void sleep(restartAfterSeconds * 1000, undefined, { signal })
        .then(() => this.replace())
        .catch(() => undefined);
    }
  }

  /**
   * Starts a new worker, and another if that one fails to start (a worker started while the
   * Temporal server is down exits at once: its first connection is refused), until one runs or
   * the pool stops.
   */
  private async replace(): Promise<void> {
    for (;;) {
      try {
        return await this.spawnOne();
      } catch (error) {
        if (this.stopping) return;
        this.options.say(`  ${errorMessage(error)}; another in ${REPLACE_RETRY_MS / 1000} s`);
        await sleep(REPLACE_RETRY_MS);
      }
    }
  }

  /** SIGTERM (graceful: running activities get the worker's grace time), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sampler) clearInterval(this.sampler);
    await Promise.all(
      [...this.live].map(async (live) => {
        this.sample(live);
        live.record.endedBy ??= 'stopped';
        live.child.kill('SIGTERM');
        const stopped = await Promise.race([live.exited.then(() => true), sleep(20_000, false, { ref: false })]);
        if (!stopped) {
          live.child.kill('SIGKILL');
          await live.exited;
        }
      }),
    );
  }

  /** For the process's exit handler: nothing may outlive the bench. */
  killAllNow(): void {
    for (const live of this.live) live.child.kill('SIGKILL');
  }

  liveCount(): number {
    return [...this.live].filter((live) => live.record.readyAt !== undefined).length;
  }

  private async spawnOne(): Promise<void> {
    if (this.stopping) return;
    const name = `worker-${++this.generation}`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(this.options.root, 'src', 'worker.ts')], {
      cwd: this.options.root,
      env: this.options.env,
      // The IPC channel ties the worker's life to the bench's (src/worker.ts stops when it closes).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const record: WorkerRecord = { name, pid: child.pid ?? -1, startedAt: Date.now() };
    this.records.push(record);
    let ready: () => void = () => undefined;
    const readySeen = new Promise<void>((resolve) => (ready = resolve));
    const relay = (chunk: Buffer): void => {
      const text = chunk.toString();
      for (const line of text.split('\n')) if (line.trim()) this.options.log.write(`[${name}] ${line}\n`);
      if (record.readyAt === undefined && /Worker polling task queue/.test(text)) {
        record.readyAt = Date.now();
        record.atReady = readProcStats(record.pid);
        ready();
      }
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        record.endedAt = Date.now();
        record.endedBy ??= 'exited';
        record.exit = String(code ?? signal);
        this.live.delete(live);
        ready();
        resolve();
      }),
    );
    const live: Live = { record, child, exited };
    this.live.add(live);
    const started = await Promise.race([
      readySeen.then(() => record.readyAt !== undefined),
      sleep(180_000, false, { ref: false }),
    ]);
    if (!started && !this.stopping) throw new Error(`${name} did not start polling within 180 s; see the workers' log`);
    if (record.readyAt === undefined && !this.stopping && record.endedBy === 'exited') {
      throw new Error(`${name} exited during start (${record.exit}); see the workers' log`);
    }
  }

  private sampleAll(): void {
    for (const live of this.live) this.sample(live);
  }

  private sample(live: Live): void {
    const stats = readProcStats(live.record.pid);
    if (stats) live.record.last = stats;
  }
}

export interface WorkerTotals {
  processes: number;
  /** Every CPU second of every worker process (killed ones up to their last reading). */
  cpuSeconds: number;
  /** Less what starting each process cost: the CPU the work itself took. */
  workingCpuSeconds: number;
  peakRssMb: number;
}

export function workerTotals(records: readonly WorkerRecord[]): WorkerTotals {
  const total = (pick: (record: WorkerRecord) => number) => records.reduce((sum, record) => sum + pick(record), 0);
  return {
    processes: records.length,
    cpuSeconds: total((record) => record.last?.cpuSeconds ?? 0),
    workingCpuSeconds: total((record) =>
      Math.max(0, (record.last?.cpuSeconds ?? 0) - (record.atReady?.cpuSeconds ?? 0)),
    ),
    peakRssMb: Math.max(0, ...records.map((record) => (record.last?.peakRssKb ?? 0) / 1024)),
  };
}

export interface WorkerLogSummary {
  /** "Activity failed" warnings (each a failed attempt Temporal retries), by activity type. */
  activityFailures: Record<string, number>;
  /** The most frequent failure messages (ids and request ids stripped), with their counts. */
  topErrors: { error: string; count: number }[];
  otherWarnings: number;
  /** Failed attempts whose error names E0000023 (Okta refused an attribute a directory masters). */
  e0000023: number;
}

/** What the workers' own logs (LOG_LEVEL=WARN) say went wrong. */
export function scanWorkerLog(text: string): WorkerLogSummary {
  const activityFailures: Record<string, number> = {};
  const errors = new Map<string, number>();
  let otherWarnings = 0;
  let e0000023 = 0;
  for (const block of text.split(/\n(?=\[worker-\d+\] \d{4}-\d\d-\d\dT)/)) {
    if (!/\[(WARN|ERROR)\]/.test(block)) continue;
    if (!/Activity failed/.test(block)) {
      otherWarnings += 1;
      continue;
    }
    const type = /activityType: '([^']+)'/.exec(block)?.[1] ?? '?';
    activityFailures[type] = (activityFailures[type] ?? 0) + 1;
    if (block.includes('E0000023')) e0000023 += 1;
    const error = (/error: ([^\n]+)/.exec(block)?.[1] ?? '?')
      .replace(/\[request id [^\]]+\]/g, '')
      .replace(/\b[0-9a-f]{16,}\b/g, '…')
      .trim();
    errors.set(`${type}: ${error}`, (errors.get(`${type}: ${error}`) ?? 0) + 1);
  }
  const topErrors = [...errors.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([error, count]) => ({ error, count }));
  return { activityFailures, topErrors, otherWarnings, e0000023 };
}
