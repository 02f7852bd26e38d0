/** Crash scenarios more than one test file runs, each against whichever Temporal its harness uses. */
import type { RunningCommand } from './processes';
import type { ServiceHarness } from './service';
import { waitFor } from './wait';

/**
 * Onboards `email` with a worker process, holds its identity create in the simulator, SIGKILLs
 * the worker while the request is in flight, waits until the create has landed anyway (nobody
 * left to hear the answer), and returns a new worker. What the person's workflow does next is
 * the test's to check.
 */
export async function killWorkerWhileIdentityCreateInFlight(
  harness: ServiceHarness,
  email: string,
  seed: number,
): Promise<RunningCommand> {
  const worker = await harness.spawnWorker();
  harness.bi.faults.configure({ seed, rules: [{ path: '/identities$', methods: ['POST'], latencyMs: 2_500 }] });
  await harness.onboard([email]);
  await waitFor(
    async () => harness.bi.faults.describe().stats.delayed,
    (delayed) => delayed >= 1,
    60_000,
    50,
  );
  worker.child.kill('SIGKILL');
  await worker.exited;
  await waitFor(
    async () => (await harness.biState()).identities.filter((identity) => identity.traits.username === email).length,
    (count) => count === 1,
    10_000,
  );
  harness.bi.faults.configure({});
  return harness.spawnWorker();
}
