/**
 * A sync whose worker's Okta token is refused: NeedsAttention with the upstream's words and the
 * fix, no polling while it waits; once the token is right, `reconcileNow` runs a full reconcile
 * and the sync watches again.
 */
import { reconcileNowSignal } from '../../src/workflows/sync-definitions';
import { ServiceHarness } from '../support/service';
import { emailOf, oktaGroup, oktaUsers, startSync, syncHandle, syncSpec, waitForSync } from './support';

describe('a sync that needs attention', () => {
  let harness: ServiceHarness;

  beforeAll(async () => {
    harness = await ServiceHarness.start();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('shows a refused Okta token with its fix, and goes on after reconcileNow once the token is right', async () => {
    const ids = await oktaUsers(harness, [emailOf('waiting')]);
    const groupId = await oktaGroup(harness, 'Refused', [ids[emailOf('waiting')]!]);
    const spec = syncSpec(
      harness,
      { id: groupId, name: 'Refused' },
      { exclude: { logins: [emailOf('waiting')], groups: [] } },
    );
    const wrong = await harness.startWorker({ OKTA_API_TOKEN: 'not-the-token' }, { shutdownGraceTime: 0 });
    await startSync(harness, spec);

    const stuck = await waitForSync(harness, spec, (s) => s.status === 'NeedsAttention', 60_000);
    expect(stuck.problem?.message).toMatch(/^Full reconcile failed: RejectedUpstreamError: .*HTTP 401/);
    expect(stuck.problem?.fix).toMatch(/credentials.*okta\.logs\.read.*reconcileNow/);
    expect(stuck.lastRun).toBeUndefined();

    wrong.worker.shutdown();
    await wrong.done;
    await harness.startWorker();
    await syncHandle(harness, spec).signal(reconcileNowSignal);
    const back = await waitForSync(harness, spec, (s) => s.status === 'Watching', 60_000);
    expect(back.problem).toBeUndefined();
    expect(back.lastFullRun?.counts).toMatchObject({ joiners: 0, excluded: 1 });
    await syncHandle(harness, spec).terminate('test over');
  });
});
