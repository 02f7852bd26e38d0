/**
 * `sync` refused when the worker's OAuth service app lacks `okta.logs.read` (the System Log the
 * fast path reads): the real CLI process, the run's Temporal server, a worker authenticated by a
 * service app made in the Okta simulator with every scope the service needs but that one. The
 * command exits 1 naming the scope and how to grant it, and makes no schedule and no workflow;
 * granted, the same command makes the sync.
 */
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { REQUIRED_OKTA_SCOPES } from '../src/clients/okta/credentials';
import { integrationStatusQuery } from '../src/workflows/definitions';
import { syncId } from '../src/workflows/sync-definitions';
import { CliRunner } from './support/cli';
import { createServiceApp, grantScope, type ServiceApp } from './support/okta-service-app';
import { ServiceHarness } from './support/service';
import { waitFor } from './support/wait';
import { oktaApi } from './support/workflow-checks';

const GROUP = 'Support';

describe('sync with a service app that lacks okta.logs.read', () => {
  let harness: ServiceHarness;
  let runner: CliRunner;
  let app: ServiceApp;
  let id: string;
  let again: string;

  beforeAll(async () => {
    harness = await ServiceHarness.start();
    app = await createServiceApp(harness.okta.url, harness.okta.apiToken, { grants: REQUIRED_OKTA_SCOPES });
    // No API token: the service app only (an empty variable is an unset one).
    await harness.startWorker({ OKTA_API_TOKEN: '', ...app.env });
    runner = new CliRunner((env) => harness.env(env));
    const groupId = ((await oktaApi(harness, 'POST', '/api/v1/groups', { profile: { name: GROUP } })) as { id: string })
      .id;
    id = syncId(harness.spec.integrationId, groupId);
    again = `Once fixed, run \`bi-okta sync --okta-group ${groupId}\` again`;
    // A sync needs a Ready integration: what it refuses here is the missing scope only.
    expect((await runner.run(['onboard', 'hand@example.com'])).code).toBe(0);
    await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'Ready',
      60_000,
    );
  }, 90_000);
  afterAll(async () => {
    await harness?.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
    await harness?.client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
    await runner?.stopAll();
    await harness?.stop();
  });

  it('exits 1 naming the scope and how to grant it, and makes no schedule and no workflow', async () => {
    const refused = await runner.run(['sync', '--okta-group', GROUP]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('The sync was not made');
    expect(refused.output).toContain(`the token of the service app ${app.clientId} lacks okta.logs.read`);
    expect(refused.output).toContain(`grant okta.logs.read to the Okta service app ${app.clientId}`);
    expect(refused.output).toContain('`bi-okta okta-service-app`');
    expect(refused.output).toContain('docs/okta-credentials.md');
    expect(refused.output).toContain(again);
    // The System Log is not read with a token that cannot: its line points at the scope, not at a 403 and `retry`.
    expect(refused.output).toContain('Okta System Log: not read: the service app lacks okta.logs.read');
    expect(refused.output).not.toContain('bi-okta retry');

    await expect(harness.client.schedule.getHandle(id).describe()).rejects.toThrow(ScheduleNotFoundError);
    await expect(harness.client.workflow.getHandle(id).describe()).rejects.toThrow(WorkflowNotFoundError);
    const syncs: string[] = [];
    const query = `WorkflowType IN ('oktaGroupSync', 'oktaGroupSyncTick') AND WorkflowId STARTS_WITH '${harness.spec.integrationId}/'`;
    for await (const info of harness.client.workflow.list({ query })) syncs.push(info.workflowId);
    expect(syncs).toEqual([]);
  });

  it('makes the sync once the scope is granted', async () => {
    await grantScope(harness.okta.url, harness.okta.apiToken, app.appId, 'okta.logs.read');
    const made = await runner.run(['sync', '--okta-group', GROUP]);
    expect([made.code, made.output]).toEqual([0, expect.any(String)]);
    expect((await harness.client.schedule.getHandle(id).describe()).scheduleId).toBe(id);
  });
});
