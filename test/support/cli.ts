/**
 * The operator CLI as a person runs it: a real process (`src/client.ts` under tsx, what `npm run
 * cli` runs) with a harness's environment. Each run answers its exit code, its stdout and all
 * its output; `stopAll` kills any run a failed test left waiting, so none outlives the file.
 */
import { startCommand, type RunningCommand } from './processes';
import { ServiceHarness } from './service';

export interface CliRun {
  code: number | null;
  stdout: string;
  output: string;
}

export class CliRunner {
  private readonly running = new Set<RunningCommand>();

  constructor(private readonly env: (overrides: Record<string, string>) => NodeJS.ProcessEnv) {}

  async run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const run = startCommand(process.execPath, ['--import', 'tsx', 'src/client.ts', ...args], this.env(env));
    this.running.add(run);
    let stdout = '';
    run.child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const { code } = await run.exited;
    this.running.delete(run);
    return { code, stdout, output: run.output() };
  }

  async stopAll(): Promise<void> {
    for (const run of this.running) run.child.kill('SIGKILL');
    await Promise.allSettled([...this.running].map((run) => run.exited));
  }
}

/** For one describe block: a harness with a worker in this process and a CLI runner on it, all stopped after it. Read the fields inside tests. */
export function useHarnessWithCli(): { harness: ServiceHarness; runner: CliRunner } {
  const holder = {} as { harness: ServiceHarness; runner: CliRunner };
  beforeAll(async () => {
    holder.harness = await ServiceHarness.start();
    await holder.harness.startWorker();
    holder.runner = new CliRunner((env) => holder.harness.env(env));
  });
  afterAll(async () => {
    await holder.runner?.stopAll();
    await holder.harness?.stop();
  });
  return holder;
}
