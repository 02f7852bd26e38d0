/**
 * A worker SIGKILLed in the middle of a sync's fast path (its questions to Okta in flight): the
 * cursor had not moved, so the next worker reads the same events again and applies each once:
 * every new member onboarded by exactly one run with one email, no event lost or counted twice.
 */
import { startIntegration } from '../../src/cli/integration-commands';
import { reconcileNowSignal } from '../../src/workflows/sync-definitions';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { waitForPerson } from '../support/workflow-checks';
import { addMember, emailOf, oktaGroup, oktaUsers, personRuns, startSync, syncSpec, waitForSync } from './support';

const FIRST = Array.from({ length: 5 }, (_, index) => emailOf(`first${index + 1}`));
const LATER = Array.from({ length: 5 }, (_, index) => emailOf(`later${index + 1}`));

describe('a worker killed during a sync run', () => {
  let harness: ServiceHarness;

  beforeAll(async () => {
    harness = await ServiceHarness.start();
  });
  afterAll(async () => {
    await harness.killSpawnedWorkers();
    await harness?.stop();
  });

  it('loses no event and applies none twice', async () => {
    let worker = await harness.spawnWorker();
    // The sync's people wait for their integration: the CLI starts it, as `onboard` does.
    await startIntegration(harness.session);
    const ids = await oktaUsers(harness, [...FIRST, ...LATER]);
    const groupId = await oktaGroup(
      harness,
      'Crash',
      FIRST.map((email) => ids[email]!),
    );
    const spec = syncSpec(harness, { id: groupId, name: 'Crash' });
    const handle = await startSync(harness, spec);
    const started = await waitForSync(harness, spec, (s) => s.totals.joined === 5 && s.status === 'Watching', 60_000);
    const eventsBefore = started.totals.eventsApplied;

    // The fast path's questions to Okta about the people the events name are held, then the worker dies.
    harness.okta.faults.configure({
      seed: 7,
      rules: [{ path: '^/api/v1/users/[^/]+/groups$', methods: ['GET'], latencyMs: 3_000 }],
    });
    for (const email of LATER) await addMember(harness, groupId, ids[email]!);
    await waitFor(
      async () => harness.okta.faults.describe().stats.delayed,
      (delayed) => delayed >= 1,
      30_000,
      50,
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    harness.okta.faults.configure({});
    worker = await harness.spawnWorker();

    const after = await waitForSync(harness, spec, (s) => s.totals.joined === 10, 60_000);
    expect(after.totals.eventsApplied).toBe(eventsBefore + LATER.length);
    expect(after.problem).toBeUndefined();
    for (const email of LATER) {
      await waitForPerson(harness, email, (person) => person.status === 'WaitingForBinding', 30_000);
      expect([email, (await personRuns(harness, email)).length]).toEqual([email, 1]);
      expect([email, (await harness.outbox(email)).length]).toEqual([email, 1]);
    }
    // A full reconcile afterwards finds nothing left to do.
    const fullBefore = after.lastFullRun!.finishedAt;
    await handle.signal(reconcileNowSignal);
    const full = await waitForSync(harness, spec, (s) => s.lastFullRun!.finishedAt > fullBefore);
    expect(full.lastFullRun!.counts).toMatchObject({ joiners: 0, leavers: 0 });
    expect(full.totals).toMatchObject({ joined: 10, left: 0 });
    await handle.terminate('test over');
  });
});
