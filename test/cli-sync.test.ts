/**
 * `sync` as an operator runs it (the real CLI process), against the run's Temporal server, a worker
 * and both simulators: usage errors (exit 2) before anything is made; a sync of a group on a Ready
 * integration makes its Schedule (interval, overlap SKIP, the tick action) and its long workflow
 * (Integration search attribute, bulk priority); `--every` changes and `off` pauses it; `--list`
 * shows it; `--dry-run` prints the plan and starts nobody; teardown deletes the schedule and closes
 * the workflow. The plan and the workflow's own runs are the engine's (src/workflows/sync.ts): the
 * tests that need them run once it is there.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { integrationStatusQuery } from '../src/workflows/definitions';
import { syncId, syncStatusQuery } from '../src/workflows/sync-definitions';
import { useHarnessWithCli } from './support/cli';
import { waitFor } from './support/wait';
import { activityOrder, oktaApi, tearDown } from './support/workflow-checks';

const GROUP = 'Sales';
const MEMBERS = ['sales1@example.com', 'sales2@example.com', 'sales3@example.com'];
const silent = { json: true, print: () => undefined, info: () => undefined };

describe('sync', () => {
  const ctx = useHarnessWithCli();
  const cli = (args: string[], env: Record<string, string> = {}) => ctx.runner.run(args, env);
  let groupId: string;
  let id: string;

  beforeAll(async () => {
    const { harness } = ctx;
    groupId = ((await oktaApi(harness, 'POST', '/api/v1/groups', { profile: { name: GROUP } })) as { id: string }).id;
    for (const login of MEMBERS) {
      const user = (await oktaApi(harness, 'POST', '/api/v1/users?activate=true', {
        profile: { login, email: login, firstName: 'Sales', lastName: login.split('@')[0] },
        credentials: { password: { value: 'Correct-Horse-9' } },
      })) as { id: string };
      await oktaApi(harness, 'PUT', `/api/v1/groups/${groupId}/users/${user.id}`);
    }
    id = syncId(harness.spec.integrationId, groupId);
  });

  it('refuses bad usage with exit 2 and makes nothing', async () => {
    const noGroup = await cli(['sync']);
    expect(noGroup.code).toBe(2);
    expect(noGroup.output).toContain('--okta-group <name or id> names the group to sync');

    const approveAlone = await cli(['sync', '--approve', '3']);
    expect(approveAlone.code).toBe(2);
    expect(approveAlone.output).toContain('--approve approves the removals of one sync');

    const badEvery = await cli(['sync', '--okta-group', GROUP, '--every', 'hourly']);
    expect(badEvery.code).toBe(2);
    expect(badEvery.output).toContain('--every takes off or an interval like 30m');

    const badCount = await cli(['sync', '--okta-group', GROUP, '--approve', '0']);
    expect(badCount.code).toBe(2);

    const listAndGroup = await cli(['sync', '--list', '--okta-group', GROUP]);
    expect(listAndGroup.code).toBe(2);

    await expect(ctx.harness.client.schedule.getHandle(id).describe()).rejects.toThrow(ScheduleNotFoundError);
  });

  it('an unknown group starts nothing, not even the integration (exit 2, as onboard does); a dry run needs no integration', async () => {
    const unknown = await cli(['sync', '--okta-group', 'Sails']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('No Okta group named exactly "Sails"');
    await expect(ctx.harness.integrationHandle().describe()).rejects.toThrow(WorkflowNotFoundError);

    const plan = await cli(['--json', 'sync', '--okta-group', GROUP, '--dry-run']);
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.stdout) as { joiners: unknown[] }).joiners).toHaveLength(MEMBERS.length);
    await expect(ctx.harness.integrationHandle().describe()).rejects.toThrow(WorkflowNotFoundError);
    await expect(ctx.harness.client.schedule.getHandle(id).describe()).rejects.toThrow(ScheduleNotFoundError);
  });

  it('starts the integration when it is not running, then makes the schedule (interval, overlap SKIP, the tick) and the long workflow', async () => {
    const made = await cli(['--json', 'sync', '--okta-group', GROUP, '--every', '2h', '--max-removals', '4'], {
      SYNC_EXCLUDE: 'sales3@example.com, group:Admins',
      SYNC_DELETE_AFTER: '7d',
    });
    expect(made.code).toBe(0);
    expect(made.output).toContain('Setting up the integration');
    expect((await ctx.harness.integrationHandle().query(integrationStatusQuery)).status).toBe('Ready');
    const answer = JSON.parse(made.stdout) as { syncId: string; created: boolean; every: string };
    expect(answer).toMatchObject({ syncId: id, created: true, every: '2h', paused: false });

    const schedule = await ctx.harness.client.schedule.getHandle(id).describe();
    expect(schedule.spec.intervals?.[0]?.every).toBe(2 * 3_600_000);
    expect(schedule.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(schedule.state.paused).toBe(false);
    expect(schedule.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'oktaGroupSyncTick',
      workflowId: `${id}/tick`,
    });
    const spec = (schedule.action as unknown as { args: [{ spec: Record<string, unknown> }] }).args[0].spec;
    expect(spec).toMatchObject({
      integrationId: ctx.harness.spec.integrationId,
      group: { id: groupId, name: GROUP },
      everyMs: 2 * 3_600_000,
      maxRemovals: 4,
      exclude: { logins: ['sales3@example.com'], groups: ['Admins'] },
      deleteAfterMs: 7 * 86_400_000,
      pollIntervalMs: 30_000,
    });

    const workflow = await ctx.harness.client.workflow.getHandle(id).describe();
    expect(workflow.type).toBe('oktaGroupSync');
    expect(workflow.status.name).toBe('RUNNING');
    expect(workflow.searchAttributes.Integration).toEqual([ctx.harness.spec.integrationId]);
  });

  it('a sync whose workflow was terminated: --list says so, and the next `sync` (here changing the interval) starts it again', async () => {
    const { client } = ctx.harness;
    await client.workflow.getHandle(id).terminate('test: the sync workflow is gone');
    const listed = await cli(['sync', '--list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`Okta group "${GROUP}" (${groupId}): every 2h`);
    expect(listed.stdout).toContain(
      `its workflow is TERMINATED (the next tick, or \`sync --okta-group ${groupId}\`, starts it again)`,
    );

    const changed = await cli(['--json', 'sync', '--okta-group', groupId, '--every', '45m']);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ created: false, every: '45m', maxRemovals: 4 });
    const schedule = await client.schedule.getHandle(id).describe();
    expect(schedule.spec.intervals?.[0]?.every).toBe(45 * 60_000);
    expect((schedule.action as unknown as { args: [{ spec: { everyMs: number } }] }).args[0].spec.everyMs).toBe(
      45 * 60_000,
    );
    expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
  });

  it('preflight, with a sync configured, checks the System Log too', async () => {
    const run = await cli(['preflight']);
    expect(run.stdout).toContain('ok   Okta System Log: readable');
    expect(run.code).toBe(0);
  });

  it('--every off pauses the schedule and the workflow; --list shows it; running it again resumes it', async () => {
    const paused = await cli(['sync', '--okta-group', GROUP, '--every', 'off']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('Paused');
    const schedule = await ctx.harness.client.schedule.getHandle(id).describe();
    expect(schedule.state.paused).toBe(true);
    // The interval is kept for when it is resumed.
    expect(schedule.spec.intervals?.[0]?.every).toBe(45 * 60_000);
    await waitFor(
      () => ctx.harness.client.workflow.getHandle(id).query(syncStatusQuery),
      (state) => state.status === 'Paused' && state.spec.everyMs === null,
      30_000,
    );

    const listed = await cli(['sync', '--list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`Okta group "${GROUP}" (${groupId}): paused; Paused`);
    const json = JSON.parse((await cli(['--json', 'sync', '--list'])).stdout) as {
      syncId: string;
      paused: boolean;
    }[];
    expect(json).toEqual([expect.objectContaining({ syncId: id, paused: true, every: '45m' })]);

    expect((await cli(['sync', '--okta-group', GROUP])).code).toBe(0);
    expect((await ctx.harness.client.schedule.getHandle(id).describe()).state.paused).toBe(false);
  });

  it('--dry-run prints the plan and starts nobody', async () => {
    const before = await personWorkflows();
    const run = await cli(['sync', '--okta-group', GROUP, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('A sync run now would:');
    expect(run.stdout).toContain('Dry run: nothing was started or changed.');
    expect(await personWorkflows()).toEqual(before);
  });

  it('a guard holds removals: --list and status name it, a wrong --approve count is refused, the right one lets them go', async () => {
    const { harness } = ctx;
    // sales3 is excluded (SYNC_EXCLUDE above): the sync onboarded the other two.
    await waitFor(
      personWorkflows,
      (ids) => ids.filter((workflowId) => /sales[12]@/.test(workflowId)).length === 2,
      30_000,
    );
    expect((await cli(['sync', '--okta-group', GROUP, '--max-removals', '0'])).code).toBe(0);
    const user = (await oktaApi(harness, 'GET', '/api/v1/users/sales1%40example.com')) as { id: string };
    await oktaApi(harness, 'DELETE', `/api/v1/groups/${groupId}/users/${user.id}`);
    expect((await cli(['sync', '--okta-group', GROUP])).code).toBe(0);
    await waitFor(
      () => harness.client.workflow.getHandle(id).query(syncStatusQuery),
      (state) => state.pendingGuard?.removals === 1,
      30_000,
    );

    const listed = await cli(['sync', '--list']);
    expect(listed.stdout).toContain(`bi-okta sync --okta-group ${groupId} --approve 1`);
    await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.syncs?.[groupId]?.pendingGuard?.removals === 1,
      30_000,
    );
    const status = await cli(['status']);
    expect(status.stdout).toContain(`Okta group sync`);
    expect(status.stdout).toContain(`"${GROUP}" (${groupId})`);
    expect(status.stdout).toContain(`bi-okta sync --okta-group ${groupId} --approve 1`);

    const wrong = await cli(['sync', '--okta-group', GROUP, '--approve', '2']);
    expect(wrong.code).toBe(1);
    expect(wrong.output).toContain('Not approved:');
    const right = await cli(['--json', 'sync', '--okta-group', groupId, '--approve', '1']);
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ syncId: id, approved: 1 });
    await waitFor(
      () => harness.client.workflow.getHandle(id).query(syncStatusQuery),
      (state) => state.pendingGuard === undefined,
      30_000,
    );
  });

  it('teardown deletes the schedule and closes the sync workflow before the people go', async () => {
    expect(await tearDown(ctx.harness, ctx.harness.session, silent, 120_000)).toBe(0);
    await expect(ctx.harness.client.schedule.getHandle(id).describe()).rejects.toThrow(ScheduleNotFoundError);
    const workflow = await ctx.harness.client.workflow.getHandle(id).describe();
    expect(workflow.status.name).not.toBe('RUNNING');
    const order = activityOrder(JSON.stringify(await ctx.harness.integrationHandle().fetchHistory()));
    expect(order.indexOf('removeSyncs')).toBeGreaterThan(-1);
    expect(order.indexOf('removeSyncs')).toBeLessThan(order.indexOf('offboardPeople'));
  });

  async function personWorkflows(): Promise<string[]> {
    const ids: string[] = [];
    for await (const info of ctx.harness.client.workflow.list({
      query: `Integration = '${ctx.harness.spec.integrationId}' AND WorkflowType = 'personOnboarding'`,
    }))
      ids.push(info.workflowId);
    return ids.sort();
  }
});
