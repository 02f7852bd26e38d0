/** Helpers for tests that run the project's own commands as real child processes. */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const execFileAsync = promisify(execFile);

export interface RunningCommand {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the output once `pattern` appears; rejects if the process exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCommand(command: string, args: string[], env: NodeJS.ProcessEnv): RunningCommand {
  // The IPC channel ties a worker's life to this process (src/worker.ts stops when it closes);
  // other commands ignore it.
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  }) as ChildProcessWithoutNullStreams;
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      done({ code, signal });
    }),
  );
  return {
    child,
    exited,
    output: () => text,
    waitFor(pattern, timeoutMs = 90_000) {
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`));
        }, timeoutMs);
        const check = (): void => {
          if (pattern.test(text)) {
            clearTimeout(timer);
            listeners.delete(check);
            resolveWait(text);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}; output:\n${text}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Pids of processes whose command line contains `fragment` (the caller's own excluded). */
export async function pidsMatching(fragment: string): Promise<number[]> {
  try {
    const { stdout } = await execFileAsync('pgrep', ['-f', fragment]);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
