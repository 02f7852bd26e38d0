/**
 * One `npm start` per checkout, and a record of the processes it started. The lock file holds the
 * stack's pid and, as they start, the pid of each child with a fragment of its command line. A
 * start that finds the lock of a stack that is no longer running stops exactly those children
 * that are still running (and still the same programs: a pid may have been reused), and says so.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { killQuietly } from './supervised';

class StackLockedError extends Error {
  override name = 'StackLockedError';
}

const lockSchema = z.object({
  pid: z.number().int().positive(),
  processes: z
    .array(z.object({ name: z.string(), pid: z.number().int().positive(), commandLine: z.string() }))
    .default([]),
});
type LockRecord = z.infer<typeof lockSchema>;

export interface StackLock {
  /** Records a child the stack started: `commandLine` is a fragment of its command line that identifies it. */
  record(name: string, pid: number, commandLine: string): Promise<void>;
  release(): Promise<void>;
}

export async function takeStackLock(dataDir: string, say: (line: string) => void): Promise<StackLock> {
  await mkdir(dataDir, { recursive: true });
  const lockFile = join(dataDir, 'stack.lock');
  const state: LockRecord = { pid: process.pid, processes: [] };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(JSON.stringify(state));
      await handle.close();
      return {
        async record(name, pid, commandLine) {
          state.processes.push({ name, pid, commandLine });
          // Whole or not at all: a reader (or a crash) never sees a half-written lock.
          const temporary = `${lockFile}.${process.pid}.tmp`;
          await writeFile(temporary, JSON.stringify(state));
          await rename(temporary, lockFile);
        },
        release: () => rm(lockFile, { force: true }),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = parseLock(await readFile(lockFile, 'utf8').catch(() => ''));
      if (held && isAlive(held.pid)) {
        throw new StackLockedError(
          `Another \`npm start\` is already running from this checkout (pid ${held.pid}). ` +
            `Stop it with Ctrl-C in its terminal or \`kill ${held.pid}\`, then try again.`,
        );
      }
      if (held) await stopLeftovers(held, say);
      await rm(lockFile, { force: true });
    }
  }
  throw new StackLockedError(`Could not take the lock ${lockFile}.`);
}

/** The lock's content; a bare pid is what older versions wrote. */
function parseLock(text: string): LockRecord | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), processes: [] };
  try {
    const parsed = lockSchema.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function stopLeftovers(held: LockRecord, say: (line: string) => void): Promise<void> {
  const leftovers = held.processes.filter(
    (child) => isAlive(child.pid) && commandLineOf(child.pid)?.includes(child.commandLine),
  );
  if (leftovers.length === 0) return;
  for (const child of leftovers) {
    say(
      `An earlier \`npm start\` (pid ${held.pid}) ended without stopping its ${child.name} (pid ${child.pid}): stopping it.`,
    );
    killQuietly(child.pid, 'SIGTERM');
  }
  const deadline = Date.now() + 15_000;
  while (leftovers.some((child) => isAlive(child.pid)) && Date.now() < deadline) await sleep(100);
  for (const child of leftovers) if (isAlive(child.pid)) killQuietly(child.pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (leftovers.some((child) => isAlive(child.pid)) && Date.now() < killDeadline) await sleep(50);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line (Linux /proc), undefined where it cannot be read. */
function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}
