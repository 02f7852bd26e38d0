/**
 * Child processes that never outlive the process that started them. A program we cannot change
 * (the Temporal CLI) runs under a small supervisor (supervisor.cjs) that stops it as soon as our
 * IPC channel to the supervisor closes, which the kernel does whenever we end, SIGKILL included.
 * Our own Node program, the worker, watches its own IPC channel instead (src/worker.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SUPERVISOR = join(__dirname, 'supervisor.cjs');

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started at all (not found, say). */
  error?: string;
}

export interface Supervised {
  /** The supervisor process; its stdout and stderr carry the command's output when `output` is 'pipe'. */
  supervisor: ChildProcess;
  /** The command's own pid, once it runs (rejects if it never does). */
  pid: Promise<number>;
  /** The command's end. */
  exited: Promise<ExitStatus>;
  /** Stops the command (SIGTERM, SIGKILL after the grace period) and resolves once it and the supervisor are gone. */
  stop(): Promise<void>;
}

interface SupervisorMessage {
  type: 'spawned' | 'exited';
  pid?: number;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  error?: string;
}

export function spawnSupervised(
  command: string,
  args: readonly string[],
  options: {
    graceMs: number;
    output: 'pipe' | 'ignore';
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    stopSignal?: NodeJS.Signals;
  },
): Supervised {
  // `<grace>:<signal>` when the command stops on another signal than SIGTERM (PostgreSQL: SIGINT).
  const stopArg = options.stopSignal ? `${options.graceMs}:${options.stopSignal}` : String(options.graceMs);
  const supervisor = spawn(process.execPath, [SUPERVISOR, stopArg, command, ...args], {
    env: options.env,
    cwd: options.cwd,
    // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop things in order.
    detached: true,
    stdio: ['ignore', options.output, options.output, 'ipc'],
  });
  let commandPid: number | undefined;
  let reported: ExitStatus | undefined;
  const pid = new Promise<number>((resolve, reject) => {
    supervisor.on('message', (message: SupervisorMessage) => {
      if (message.type === 'spawned' && message.pid) {
        commandPid = message.pid;
        resolve(message.pid);
      }
      if (message.type === 'exited')
        reported = {
          code: message.code ?? null,
          signal: message.signal ?? null,
          ...(message.error ? { error: message.error } : {}),
        };
    });
    supervisor.once('exit', () =>
      reject(new Error(`${command} did not start${reported?.error ? `: ${reported.error}` : ''}`)),
    );
  });
  pid.catch(() => undefined); // a caller that only waits on `exited` must not see an unhandled rejection
  const supervisorGone = new Promise<ExitStatus>((resolve) =>
    supervisor.once('exit', (code, signal) => resolve(reported ?? { code, signal })),
  );
  const stop = async (): Promise<void> => {
    if (supervisor.exitCode !== null || supervisor.signalCode !== null) return;
    supervisor.kill('SIGTERM');
    const gone = await Promise.race([
      supervisorGone.then(() => true),
      sleep(options.graceMs + 5_000, false, { ref: false }),
    ]);
    if (!gone) {
      // The supervisor itself is stuck: take both down.
      if (commandPid) killQuietly(commandPid, 'SIGKILL');
      supervisor.kill('SIGKILL');
      await supervisorGone;
    }
  };
  return { supervisor, pid, exited: supervisorGone, stop };
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
