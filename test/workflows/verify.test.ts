/**
 * Federation health: `verify` (the CLI, a real process) runs the check on the worker against
 * both simulators; drift made through the upstreams' own APIs is put back or reported; the
 * integration's Temporal Schedule is listed by the Temporal CLI, changed, paused and removed with
 * the integration; `rebind` gives a person who lost their passkey one new email.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ScheduleNotFoundError } from '@temporalio/client';
import {
  integrationStatusQuery,
  personStatusQuery,
  verifyScheduleId,
  type PersonState,
  type VerifyReport,
} from '../../src/workflows/definitions';
import { useHarnessWithCli, type CliRun } from '../support/cli';
import { ServiceHarness } from '../support/service';
import { testTemporal } from '../support/temporal';
import { waitFor } from '../support/wait';
import {
  completedAt,
  expectNoSecretsInHistories,
  historyEvents,
  oktaApi,
  routedByOkta,
  tearDown,
} from '../support/workflow-checks';

const execFileAsync = promisify(execFile);

describe('verify, its schedule, and rebind', () => {
  const service = useHarnessWithCli();
  let harness: ServiceHarness;
  const email = 'alice.verify@example.com';

  beforeAll(() => {
    harness = service.harness;
  });

  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => service.runner.run(args, env);
  const scheduleId = () => verifyScheduleId(harness.spec.integrationId);

  /** The Temporal CLI of the project (.tools), as an operator would run it. */
  async function temporal(args: string[]): Promise<string> {
    const { stdout } = await execFileAsync(
      testTemporal().cliPath,
      [...args, '--address', harness.temporalAddress, '--namespace', harness.client.options.namespace],
      { timeout: 30_000 },
    );
    return stdout;
  }

  async function verifyJson(): Promise<{ code: number | null; report: VerifyReport }> {
    const run = await cli(['--json', 'verify']);
    return { code: run.code, report: JSON.parse(run.stdout) as VerifyReport };
  }

  it('refuses an integration that has not been started (exit 4)', async () => {
    const run = await cli(['verify'], { BI_REALM_NAME: 'Never started' });
    expect(run.code).toBe(4);
    expect(run.output).toMatch(/has not been started/);
  });

  it('passes on a healthy integration with an onboarded person (exit 0)', async () => {
    await harness.onboard([email]);
    await harness.bind(email);
    expect(((await harness.personHandle(email).result()) as PersonState).status).toBe('Onboarded');
    await waitFor(
      () => harness.client.schedule.getHandle(scheduleId()).describe(),
      () => true,
      30_000,
    );

    const run = await cli(['verify']);
    expect(run.code).toBe(0);
    for (const object of [
      'realm',
      'authenticator config',
      'application',
      'Okta identity provider',
      'Okta profile property',
      'routing rule',
      'people',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^ok +${object}: `, 'm'));
    }
    expect(run.stdout).toMatch(/1 routed person checked: 1 ok, 0 put back, 0 need attention/);
    expect(run.stdout).toMatch(/nothing needs attention/);
  });

  it('puts back a deactivated rule, changed IdP scopes and a cleared routing property, says what it changed (exit 0), and the sign-in works again', async () => {
    const okta = await harness.oktaState();
    const rule = okta.rules.find((candidate) => candidate.name === harness.spec.routingRuleName)!;
    const [policy] = (await oktaApi(harness, 'GET', '/api/v1/policies?type=IDP_DISCOVERY')) as { id: string }[];
    await oktaApi(harness, 'POST', `/api/v1/policies/${policy!.id}/rules/${rule.id}/lifecycle/deactivate`);
    const idpId = okta.idps[0]!.id;
    const idp = (await oktaApi(harness, 'GET', `/api/v1/idps/${idpId}`)) as { protocol: { scopes: string[] } };
    await oktaApi(harness, 'PUT', `/api/v1/idps/${idpId}`, {
      ...idp,
      protocol: { ...idp.protocol, scopes: ['openid', 'profile', 'email'] },
    });
    const user = okta.users.find((candidate) => candidate.profile.login === email)!;
    await oktaApi(harness, 'POST', `/api/v1/users/${user.id}`, { profile: { [harness.spec.routing.attribute]: null } });
    expect((await harness.signIn(email)).ok).toBe(false);

    const run = await cli(['verify']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^FIXED +Okta identity provider: .*protocol\.scopes.*; put back/m);
    expect(run.stdout).toMatch(/^FIXED +routing rule: .*status.*; put back/m);
    expect(run.stdout).toMatch(
      new RegExp(`Put back:\\n  ${email.replace(/\./g, '\\.')}: "${harness.spec.routing.attribute}" had been cleared`),
    );
    expect(run.stdout).toMatch(/nothing needs attention \(3 put back\)/);
    // The integration keeps the counts and what was put back.
    const kept = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.lastVerify?.counts.corrected === 3,
      30_000,
    );
    expect(kept.lastVerify?.findings.map((finding) => [finding.outcome, finding.object, finding.email])).toEqual([
      ['corrected', 'Okta identity provider', undefined],
      ['corrected', 'routing rule', undefined],
      ['corrected', 'people', email],
    ]);

    const after = await harness.oktaState();
    expect(after.rules.find((candidate) => candidate.id === rule.id)?.status).toBe('ACTIVE');
    expect(after.idps[0]!.body.protocol.scopes).toEqual(['openid']);
    expect(await routedByOkta(harness)).toEqual([email]);
    expect((await harness.signIn(email)).ok).toBe(true);

    // Put back once: the next verify finds nothing to change.
    const again = await verifyJson();
    expect(again.code).toBe(0);
    expect(again.report.checks.every((check) => check.outcome === 'ok')).toBe(true);
  });

  it("shows the latest verify in the integration's status", async () => {
    const run = await cli(['status']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `Last verify +\\S+: passed; checks 7 ok, 0 corrected, 0 need attention; 1 routed people checked \\(${harness.spec.integrationId.replace(/[./]/g, '\\$&')}/verify/now-\\d+\\)`,
      ),
    );
    const state = await harness.integrationHandle().query(integrationStatusQuery);
    expect(state.lastVerify).toMatchObject({
      ok: true,
      peopleChecked: 1,
      counts: { ok: 7, corrected: 0, needsAttention: 0 },
      corrected: [],
      needsAttention: [],
      findings: [],
    });
  });

  it('runs as a Temporal Schedule: listed by the Temporal CLI, its scheduled runs report to the integration, --schedule changes and pauses it', async () => {
    const listed = await temporal(['schedule', 'list']);
    expect(listed).toContain(scheduleId());
    const handle = harness.client.schedule.getHandle(scheduleId());
    const before = await handle.describe();
    expect(before.spec.intervals?.map((interval) => interval.every)).toEqual([86_400_000]);
    expect(before.policies.overlap).toBe('SKIP');
    expect(before.memo).toMatchObject({ integration: harness.spec.integrationId });

    // A scheduled run (triggered now) checks the same way, under an id of its own, and reports to the integration.
    await handle.trigger();
    const reported = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => Boolean(state.lastVerify?.workflowId.startsWith(`${scheduleId()}/scheduled`)),
      30_000,
    );
    expect(reported.lastVerify?.ok).toBe(true);

    const sixHours = await cli(['verify', '--schedule', '6h']);
    expect(sixHours.code).toBe(0);
    expect(sixHours.stdout).toMatch(/every 6h\.\nNext runs: \d{4}-/);
    const described = await temporal(['schedule', 'describe', '--schedule-id', scheduleId(), '--output', 'json']);
    const shown = JSON.parse(described) as {
      schedule: { spec: { interval: { interval: string }[] }; state: { paused?: boolean } };
    };
    expect(shown.schedule.spec.interval.map((interval) => interval.interval)).toEqual(['21600s']);
    expect(shown.schedule.state.paused ?? false).toBe(false);

    // `retry` runs set-up and the Ready step again: the schedule is asked for again, nothing is created twice, the operator's interval stays.
    const completions = async () =>
      completedAt(
        historyEvents(JSON.stringify(await harness.integrationHandle().fetchHistory())),
        'ensureVerifySchedule',
      ).length;
    const made = await completions();
    expect(made).toBeGreaterThanOrEqual(1);
    expect((await cli(['retry'])).code).toBe(0);
    await waitFor(completions, (count) => count === made + 1, 30_000);
    expect((await handle.describe()).spec.intervals?.map((interval) => interval.every)).toEqual([21_600_000]);
    expect((await temporal(['schedule', 'list'])).split(scheduleId()).length - 1).toBe(1);

    const off = await cli(['verify', '--schedule', 'off']);
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(
      /paused\.\nNo scheduled verify runs until it is resumed: `verify --schedule <interval>`/,
    );
    expect((await handle.describe()).state.paused).toBe(true);
    const resumed = await cli(['--json', 'verify', '--schedule', '1d']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ paused: false, every: '1d' });

    const bad = await cli(['verify', '--schedule', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/an interval like 30m, 6h, 1d/);
  });

  it('names a routed person whose passkey was revoked in Beyond Identity and the fix (exit 1), leaves their routing; rebind sends one email; once bound, verify passes', async () => {
    const person = await harness.personHandle(email).query(personStatusQuery);
    const realmId = person.context!.realmId;
    const credentialsPath = `/realms/${realmId}/identities/${person.identity!.id}/credentials`;
    const { credentials } = (await harness.biApi('GET', credentialsPath)) as {
      credentials: { id: string; state: string }[];
    };
    expect(credentials.filter((credential) => credential.state === 'ACTIVE')).toHaveLength(1);
    for (const credential of credentials) await harness.biApi('POST', `${credentialsPath}/${credential.id}:revoke`);
    expect((await harness.signIn(email)).ok).toBe(false);

    const run = await cli(['verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ATTENTION people: 1 routed person checked: 0 ok, 0 put back, 1 need attention/m);
    expect(run.stdout).toContain(
      `${email}: no active passkey in Beyond Identity (revoked or deleted); still routed to Beyond Identity, so they cannot sign in\n    fix: bi-okta rebind ${email}`,
    );
    // Not taken out of routing behind the operator's back: a federated user has no other way in.
    expect(await routedByOkta(harness)).toEqual([email]);
    const status = await cli(['status']);
    expect(status.stdout).toMatch(
      /Last verify +\S+: needs attention: people; checks 6 ok, 0 corrected, 1 need attention; 1 routed people checked/,
    );
    expect(status.stdout).toContain(
      `    ATTENTION people: ${email}: no active passkey in Beyond Identity (revoked or deleted); still routed to Beyond Identity, so they cannot sign in (fix: bi-okta rebind ${email})`,
    );

    const before = (await harness.outbox(email)).length;
    const rebound = await cli(['rebind', email]);
    expect(rebound.code).toBe(0);
    expect(rebound.stdout).toMatch(
      new RegExp(
        `A new binding email is out to ${email.replace(/\./g, '\\.')} \\(binding job \\S+\\); they stay routed`,
      ),
    );
    expect((await harness.outbox(email)).length).toBe(before + 1);
    const rebinding = await harness.personHandle(email).query(personStatusQuery);
    expect(rebinding).toMatchObject({ status: 'Rebinding', routed: true, bound: false });
    expect(await routedByOkta(harness)).toEqual([email]);

    // A second rebind while the link is live sends nothing; verify says a rebind is under way.
    const twice = await cli(['--json', 'rebind', email]);
    expect(JSON.parse(twice.stdout)).toMatchObject({ outcome: 'alreadyRebinding' });
    const during = await verifyJson();
    expect(during.code).toBe(1);
    expect(during.report.people.needsAttention).toEqual([
      expect.objectContaining({ email, problem: expect.stringMatching(/a rebind is under way/) }),
    ]);
    expect((await harness.outbox(email)).length).toBe(before + 1);

    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done).toMatchObject({ status: 'Onboarded', routed: true, bound: true, emailsSent: person.emailsSent + 1 });
    expect((await harness.outbox(email)).length).toBe(before + 1);
    const after = await verifyJson();
    expect(after.code).toBe(0);
    expect(after.report.people).toMatchObject({ checked: 1, ok: 1, needsAttentionCount: 0 });
    expect((await harness.signIn(email)).ok).toBe(true);

    // Verify reads the client secret to compare the IdP's: no secret reaches any history, the verify runs' included.
    const histories = await harness.histories();
    expect(histories.filter((history) => history.workflowId.includes('/verify/')).length).toBeGreaterThanOrEqual(5);
    await expectNoSecretsInHistories(harness, await harness.secrets());
  });

  it('is removed with the integration at teardown', async () => {
    expect(
      await tearDown(harness, harness.session, { json: true, print: () => undefined, info: () => undefined }),
    ).toBe(0);
    await expect(harness.client.schedule.getHandle(scheduleId()).describe()).rejects.toThrow(ScheduleNotFoundError);
    expect(await temporal(['schedule', 'list'])).not.toContain(scheduleId());
    const run = await cli(['verify']);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/is TornDown \(step Done\), not Ready/);
  });
});
