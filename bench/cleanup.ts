/**
 * Everything a run starts registers how to stop it here; stops run in reverse order, once, on the
 * normal path, on an error and on SIGINT/SIGTERM. A synchronous last resort (SIGKILL of child
 * processes) runs if the process exits before the orderly stop finished.
 */
import { errorMessage } from '../src/util/errors';
export class Cleanup {
  private readonly steps: { name: string; stop: () => Promise<void> }[] = [];
  private readonly lastResorts: (() => void)[] = [];
  private running?: Promise<void>;

  constructor(private readonly say: (line: string) => void) {
    process.once('exit', () => {
      for (const kill of this.lastResorts) {
        try {
          kill();
        } catch {
          // the process is already gone
        }
      }
    });
  }

  add(name: string, stop: () => Promise<void>, lastResort?: () => void): void {
    this.steps.push({ name, stop });
    if (lastResort) this.lastResorts.push(lastResort);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.stop();
        } catch (error) {
          this.say(`could not stop ${step.name} cleanly: ${errorMessage(error)}`);
        }
      }
    })();
    return this.running;
  }
}
