/**
 * Records the histories that test/replay/replay.test.ts replays: `npm run histories:record`.
 * Skipped in ordinary runs (it rewrites files in test/histories/). The scenario walks the paths a
 * production history can take: every way the wait ends, a resend after expiry, NeedsAttention and
 * retry, the update rejected then accepted, offboarding a waiting and a finished person, teardown.
 * The sync scenario (sync-v1.json) walks an Okta group sync: a full reconcile and its continue-as-new,
 * a fast path with joiners and a leaver, the leaver back with a passkey (routed again, no email),
 * a guard hold and its approval, and a leaver whose grace period ran out (identity deleted).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import * as commands from '../../src/cli/commands';
import {
  confirmBindingUpdate,
  credentialBoundSignal,
  personStatusQuery,
  type PersonState,
} from '../../src/workflows/definitions';
import { approveRemovalsUpdate, configureSyncUpdate } from '../../src/workflows/sync-definitions';
import { PROJECT_ROOT } from '../support/processes';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { expireBindingJob, historyText, oktaApi, waitForPerson } from '../support/workflow-checks';
import {
  addMember,
  emailOf,
  oktaGroup,
  oktaUsers,
  removeMember,
  startSync,
  syncHandle,
  syncSpec,
  waitForSync,
} from '../sync/support';

const recording = process.env.RECORD_HISTORIES === '1';
const describeRecording = recording ? describe : describe.skip;
const silent = { json: true, print: () => undefined, info: () => undefined };

describeRecording('recording replay histories (RECORD_HISTORIES=1)', () => {
  let harness: ServiceHarness;
  beforeAll(async () => {
    harness = await ServiceHarness.start({
      integrationEnv: { BINDING_POLL_INTERVAL_SECONDS: '1', BINDING_MAX_RESENDS: '1', BINDING_DEADLINE_SECONDS: '25' },
    });
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const state = (email: string) => harness.personHandle(email).query(personStatusQuery);
  const until = (email: string, done: (person: PersonState) => boolean, timeoutMs = 40_000) =>
    waitFor(() => state(email), done, timeoutMs);

  it('walks the scenario and writes test/histories/scenario-*.json', async () => {
    const people = {
      signal: 'signal.person@example.com',
      update: 'update.person@example.com',
      detected: 'detected.person@example.com',
      resent: 'resent.person@example.com',
      expired: 'expired.person@example.com',
      deadline: 'deadline.person@example.com',
      attention: 'attention.person@example.com',
      waitingCancelled: 'waiting.cancelled@example.com',
    };
    // An Okta user that exists but is deactivated: the person reaches NeedsAttention at RouteOktaUser.
    await oktaApi(harness, 'POST', '/api/v1/users?activate=true&provider=true', {
      profile: { firstName: 'Attention', lastName: 'Person', email: people.attention, login: people.attention },
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    const suspended = (await oktaApi(harness, 'GET', `/api/v1/users/${encodeURIComponent(people.attention)}`)) as {
      id: string;
    };
    await oktaApi(harness, 'POST', `/api/v1/users/${suspended.id}/lifecycle/deactivate`, {});

    await harness.onboard(Object.values(people));
    for (const email of Object.values(people)) await until(email, (person) => person.status === 'WaitingForBinding');

    // The operator's signal after binding; the update rejected, then accepted; detection alone.
    await harness.bind(people.signal);
    await harness.personHandle(people.signal).signal(credentialBoundSignal);
    expect((await harness.personHandle(people.update).executeUpdate(confirmBindingUpdate)).accepted).toBe(false);
    await harness.bind(people.update);
    expect((await harness.personHandle(people.update).executeUpdate(confirmBindingUpdate)).accepted).toBe(true);
    await harness.bind(people.detected);
    for (const email of [people.signal, people.update, people.detected])
      await until(email, (person) => person.status === 'Onboarded');

    // A link that expires gets one new email; the second expiry ends the onboarding.
    await expireBindingJob(harness, (await state(people.resent)).bindingJobId!);
    await until(people.resent, (person) => person.resends === 1);
    await harness.bind(people.resent);
    await until(people.resent, (person) => person.status === 'Onboarded');
    await expireBindingJob(harness, (await state(people.expired)).bindingJobId!);
    const resent = await until(people.expired, (person) => person.resends === 1);
    await expireBindingJob(harness, resent.bindingJobId!);
    await until(people.expired, (person) => person.status === 'BindingExpired');

    // NeedsAttention until the administrator reactivates the Okta user; then retry.
    await harness.bind(people.attention);
    await until(people.attention, (person) => person.status === 'NeedsAttention');
    await oktaApi(harness, 'POST', `/api/v1/users/${suspended.id}/lifecycle/activate?sendEmail=false`, {});
    await commands.retry(harness.session, silent, people.attention);
    await until(people.attention, (person) => person.status === 'Onboarded');

    // Offboard a waiting person (cancelled) and a finished one (a run of its own), let the deadline
    // pass for another, tear down (which offboards the rest, each by a run of its own).
    await commands.cancel(harness.session, silent, people.waitingCancelled);
    await commands.cancel(harness.session, silent, people.signal);
    await until(people.deadline, (person) => person.status === 'DeadlinePassed', 60_000);
    await commands.teardown(harness.session, silent, true);

    const recorded: { workflowId: string; workflowType: string; scenario: string; history: unknown }[] = [];
    for await (const info of harness.client.workflow.list({ query: `Integration = '${harness.spec.integrationId}'` })) {
      const history = await harness.client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      const person = Object.entries(people).find(([, email]) => info.workflowId.endsWith(email))?.[0] ?? 'person';
      const offboarding =
        info.type === 'personOnboarding' &&
        (await harness.client.workflow.getHandle(info.workflowId, info.runId).query(personStatusQuery)).step ===
          'Undone';
      const scenario = info.type === 'integration' ? 'integration' : offboarding ? `${person} (undone)` : person;
      recorded.push({
        workflowId: info.workflowId,
        workflowType: info.type,
        scenario,
        history: JSON.parse(historyToJSON(history)),
      });
    }
    const secrets = await harness.secrets();
    const text = JSON.stringify(recorded);
    const decoded = historyText(text);
    expect(decoded).toContain(harness.spec.realmName);
    for (const secret of secrets) expect(decoded).not.toContain(secret);
    await writeFile(join(PROJECT_ROOT, 'test', 'histories', 'scenario-v1.json'), `${text}\n`);
    // The integration, every person's onboarding, and an offboarding run for each who had ended with something to undo.
    expect(recorded.filter((entry) => entry.workflowType === 'personOnboarding').length).toBeGreaterThan(
      Object.keys(people).length,
    );
    expect(recorded.filter((entry) => entry.workflowType === 'integration')).toHaveLength(1);
  });
});

describeRecording('recording the sync replay histories (RECORD_HISTORIES=1)', () => {
  let harness: ServiceHarness;
  beforeAll(async () => {
    harness = await ServiceHarness.start({ integrationEnv: { BINDING_POLL_INTERVAL_SECONDS: '1' } });
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('walks a group sync and writes test/histories/sync-v1.json', async () => {
    const [returner, held, expired, waiting] = ['returner', 'held', 'expired', 'waiting'].map(emailOf) as [
      string,
      string,
      string,
      string,
    ];
    const joiner = emailOf('joiner');
    const ids = await oktaUsers(harness, [returner, held, expired, waiting, joiner]);
    const groupId = await oktaGroup(
      harness,
      'Replay',
      [returner, held, expired, waiting].map((email) => ids[email]!),
    );
    // The integration runs before the sync (a person onboarded by hand starts it; not recorded).
    await harness.onboard([emailOf('hand')]);
    // One removal an hour passes the guard; the second is held.
    const spec = syncSpec(harness, { id: groupId, name: 'Replay' }, { maxRemovals: 1 });

    // A full reconcile onboards the four (then the run continues as new).
    await startSync(harness, spec);
    await waitForSync(harness, spec, (s) => s.lastFullRun?.counts.joiners === 4 && s.status === 'Watching', 60_000);
    for (const email of [returner, held, expired]) {
      await harness.bind(email);
      await waitForPerson(harness, email, (person) => person.status === 'Onboarded', 30_000);
    }

    // The fast path: a joiner and a leaver; the leaver comes back with their passkey (routed, no email).
    await addMember(harness, groupId, ids[joiner]!);
    await removeMember(harness, groupId, ids[returner]!);
    await waitForSync(harness, spec, (s) => s.totals.joined === 5 && s.totals.left === 1, 20_000);
    await waitForPerson(harness, returner, (person) => person.status === 'Suspended', 30_000);
    await addMember(harness, groupId, ids[returner]!);
    await waitForSync(harness, spec, (s) => s.totals.returned === 1, 20_000);
    await waitForPerson(harness, returner, (person) => person.status === 'Onboarded' && person.routed, 30_000);

    // A second removal within the hour stops at the guard until approved.
    await removeMember(harness, groupId, ids[held]!);
    await waitForSync(harness, spec, (s) => s.pendingGuard?.removals === 1, 20_000);
    expect(await syncHandle(harness, spec).executeUpdate(approveRemovalsUpdate, { args: [{ count: 1 }] })).toEqual({
      approved: 1,
    });
    await waitForPerson(harness, held, (person) => person.status === 'Suspended', 30_000);

    // A leaver whose grace period runs out: their identity is deleted.
    await syncHandle(harness, spec).executeUpdate(configureSyncUpdate, {
      args: [{ deleteAfterMs: 2_000, maxRemovals: 10 }],
    });
    await removeMember(harness, groupId, ids[expired]!);
    await waitForSync(harness, spec, (s) => s.totals.left === 3, 20_000);
    await waitFor(
      () => harness.client.workflow.getHandle(`${spec.integrationId}/person/${expired}`).describe(),
      (description) => description.status.name === 'COMPLETED',
      30_000,
    );
    await syncHandle(harness, spec).terminate('recorded');

    // Every run of the sync, and the person runs of interest: a joiner's, and each leave run (few people, small file).
    const recorded: { workflowId: string; workflowType: string; scenario: string; history: unknown }[] = [];
    const add = async (workflowId: string, runId: string, workflowType: string, scenario: string) => {
      const history = await harness.client.workflow.getHandle(workflowId, runId).fetchHistory();
      recorded.push({ workflowId, workflowType, scenario, history: JSON.parse(historyToJSON(history)) });
    };
    const syncRuns: { runId: string; start: number }[] = [];
    for await (const info of harness.client.workflow.list({
      query: `WorkflowId = '${syncHandle(harness, spec).workflowId}'`,
    }))
      syncRuns.push({ runId: info.runId, start: info.startTime.getTime() });
    syncRuns.sort((a, b) => a.start - b.start);
    for (const [index, run] of syncRuns.entries())
      await add(syncHandle(harness, spec).workflowId, run.runId, 'oktaGroupSync', `sync run ${index + 1}`);
    const people: [string, string][] = [
      [joiner, 'joiner'],
      [returner, 'returner'],
      [held, 'held'],
      [expired, 'expired'],
    ];
    for (const [email, name] of people) {
      const workflowId = `${spec.integrationId}/person/${email}`;
      const runs: { runId: string; start: number }[] = [];
      for await (const info of harness.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
        runs.push({ runId: info.runId, start: info.startTime.getTime() });
      runs.sort((a, b) => a.start - b.start);
      // The joiner's onboarding; for a leaver, the leave run only (their onboarding is as scenario-v1's).
      const run = name === 'joiner' ? runs[0]! : runs[runs.length - 1]!;
      await add(workflowId, run.runId, 'personOnboarding', name === 'joiner' ? 'sync joiner' : `${name} (leave)`);
    }
    const secrets = await harness.secrets();
    const text = JSON.stringify(recorded);
    const decoded = historyText(text);
    for (const secret of secrets) expect(decoded).not.toContain(secret);
    expect(syncRuns.length).toBeGreaterThan(1);
    await writeFile(join(PROJECT_ROOT, 'test', 'histories', 'sync-v1.json'), `${text}\n`);
  });
});
