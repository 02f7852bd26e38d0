/**
 * Continue-as-new, on a dev server of this file's own that suggests it after SUGGEST_AT history
 * events instead of 4,096 (a server setting; the workflows are unchanged). The time-skipping test
 * server never suggests it, so these run on the dev server, with the real activities and both
 * simulators. SUGGEST_AT sits between one set-up of the integration (56 events) and two (108).
 * - The integration: a `retry` on a Ready integration re-checks every object, its history passes
 *   the limit, and it continues as new with its state; the new run sets up again (adopting what it
 *   made) and stays Ready, under the limit.
 * - A person: a dead link is resent, the history passes the limit, and the person continues as new
 *   with their state (same deadline, emails counted); they bind on the new run and are onboarded.
 */
import { findFreePort } from '../../dev/net/ports';
import { startDevServer, type TemporalServer } from '../../dev/temporal/dev-server';
import {
  integrationStatusQuery,
  SEARCH_ATTRIBUTE_KEYS,
  type IntegrationState,
  type PersonState,
} from '../../src/workflows/definitions';
import { ServiceHarness } from '../support/service';
import { testTemporal } from '../support/temporal';
import { waitFor } from '../support/wait';
import { expireBindingJob, waitForPerson } from '../support/workflow-checks';

/** More than one set-up of the integration, fewer than two; a person passes it after five dead links. */
const SUGGEST_AT = 70;

describe('continue-as-new', () => {
  let server: TemporalServer;
  let harness: ServiceHarness;

  beforeAll(async () => {
    server = await startDevServer({
      cliPath: testTemporal().cliPath,
      port: await findFreePort(),
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      dynamicConfig: [`limit.historyCount.suggestContinueAsNew=${SUGGEST_AT}`],
    });
    // Enough resends for a person's history to pass the limit before their links run out.
    harness = await ServiceHarness.start({
      temporalAddress: server.address,
      integrationEnv: { BINDING_MAX_RESENDS: '8' },
    });
    await harness.startWorker();
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    await server?.stop();
  });

  /** The runs of one workflow id, oldest first. */
  async function runs(workflowId: string): Promise<{ runId: string; status: string }[]> {
    const found: { runId: string; status: string; started: number }[] = [];
    for await (const info of harness.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      found.push({ runId: info.runId, status: info.status.name, started: info.startTime.getTime() });
    return found.sort((a, b) => a.started - b.started).map(({ runId, status }) => ({ runId, status }));
  }

  it('a Ready integration whose retry passes the limit continues as new with its state, and stays Ready', async () => {
    await harness.onboard(['first@example.com']);
    const ready = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'Ready',
      30_000,
    );
    expect(await runs(harness.spec.integrationId)).toEqual([{ runId: expect.any(String), status: 'RUNNING' }]);

    await harness.integrationHandle().signal('retry');
    const continued = await waitFor(
      () => runs(harness.spec.integrationId),
      (found) => found.length === 2,
      30_000,
    );
    expect(continued.map((run) => run.status)).toEqual(['CONTINUED_AS_NEW', 'RUNNING']);
    const after: IntegrationState = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'Ready',
      30_000,
    );
    // The same objects, carried over: nothing made twice.
    for (const key of [
      'realm',
      'authenticatorConfig',
      'application',
      'idp',
      'routingAttribute',
      'routingRule',
    ] as const)
      expect(after[key]?.id).toBe(ready[key]?.id);
    const bi = await harness.biState();
    expect(bi.realms.filter((realm) => realm.display_name === harness.spec.realmName)).toHaveLength(1);
    expect((await harness.oktaState()).rules.filter((rule) => rule.name === harness.spec.routingRuleName)).toHaveLength(
      1,
    );
    // Under the limit on the new run: no third.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await runs(harness.spec.integrationId)).map((run) => run.status)).toEqual(['CONTINUED_AS_NEW', 'RUNNING']);
  });

  it('a person whose links keep dying continues as new with their state, then binds and is onboarded', async () => {
    const email = 'links.keep.dying@example.com';
    await harness.onboard([email]);
    const personId = harness.personHandle(email).workflowId;
    const first = await waitForPerson(
      harness,
      email,
      (state) => state.step === 'WaitForBinding' && state.emailsSent === 1,
    );
    let state = first;
    while ((await runs(personId)).length === 1) {
      if (state.resends >= harness.spec.binding.maxResends)
        throw new Error(`no continue-as-new after ${state.resends} resends`);
      await expireBindingJob(harness, state.bindingJobId!);
      const sent = state.emailsSent + 1;
      state = await waitForPerson(harness, email, (seen) => seen.step === 'WaitForBinding' && seen.emailsSent === sent);
    }
    expect((await runs(personId)).map((run) => run.status)).toEqual(['CONTINUED_AS_NEW', 'RUNNING']);
    const resumed = await waitForPerson(harness, email, (seen) => seen.step === 'WaitForBinding');
    // What the first run knew, the second still knows: the deadline is not restarted, the emails are counted.
    expect(resumed).toMatchObject({
      startedAt: first.startedAt,
      deadlineAt: first.deadlineAt,
      identity: first.identity,
      emailsSent: state.emailsSent,
      resends: state.resends,
      bindingJobId: state.bindingJobId,
    });
    expect(resumed.resends).toBeGreaterThanOrEqual(1);

    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done).toMatchObject({
      status: 'Onboarded',
      bound: true,
      routed: true,
      emailsSent: state.emailsSent,
      startedAt: first.startedAt,
    });
    expect((await runs(personId)).map((run) => run.status)).toEqual(['CONTINUED_AS_NEW', 'COMPLETED']);
  });
});
