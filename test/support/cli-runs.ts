/** The operator CLI as a real process (`src/client.ts`, what `npm run cli` and the bin run) in a harness's environment. */
import { startCommand, type RunningCommand } from './processes';
import type { ServiceHarness } from './service';

export interface CliRun {
  code: number | null;
  stdout: string;
  /** stdout and stderr, interleaved. */
  output: string;
}

/** Runs one command to its end; `running` tracks it so that afterAll can stop one a failed test left behind. */
export async function runCli(harness: ServiceHarness, args: string[], env: Record<string, string> = {}, running?: Set<RunningCommand>): Promise<CliRun> {
  const run = startCommand(process.execPath, ['--import', 'tsx', 'src/client.ts', ...args], harness.env(env));
  running?.add(run);
  let stdout = '';
  run.child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const { code } = await run.exited;
  running?.delete(run);
  return { code, stdout, output: run.output() };
}
