/**
 * `onboard --okta-group` as an operator runs it (the real CLI process), against the run's Temporal
 * server, a worker and both simulators, with the group and its members made through the Okta
 * simulator's API: 25 ACTIVE members and a SUSPENDED one, read 10 a page; unknown and ambiguous
 * names start nobody (exit 2); --dry-run starts nobody; the 25 are onboarded by name, their
 * existing Okta users adopted, and after teardown every member's Okta user is still there.
 */
import { integrationStatusQuery, onboardedByKey, TASK_PRIORITY, type PersonState } from '../src/workflows/definitions';
import { CliRunner, type CliRun } from './support/cli';
import { recordRequests } from './support/requests';
import { ServiceHarness } from './support/service';
import { waitFor } from './support/wait';
import { oktaApi, tearDown, waitForPerson } from './support/workflow-checks';

const GROUP = 'Engineering';
const MEMBERS = Array.from({ length: 25 }, (_, index) => `eng${String(index + 1).padStart(2, '0')}@example.com`);
const SUSPENDED = 'eng.suspended@example.com';
const silent = { json: true, print: () => undefined, info: () => undefined };

describe('onboard --okta-group', () => {
  let harness: ServiceHarness;
  let groupId: string;
  let runner: CliRunner;
  const cli = (args: string[]) => runner.run(args);

  /** Nobody of this integration has been started: no integration workflow, no person workflow. */
  async function expectNobodyStarted(): Promise<void> {
    await expect(harness.integrationHandle().describe()).rejects.toThrow(/not found/i);
    const started: string[] = [];
    for await (const info of harness.client.workflow.list({ query: `Integration = '${harness.spec.integrationId}'` }))
      started.push(info.workflowId);
    expect(started).toEqual([]);
  }

  async function oktaUser(login: string): Promise<{ id: string; status: string }> {
    return (await oktaApi(harness, 'GET', `/api/v1/users/${encodeURIComponent(login)}`)) as {
      id: string;
      status: string;
    };
  }

  beforeAll(async () => {
    harness = await ServiceHarness.start();
    await harness.startWorker();
    runner = new CliRunner((env) => harness.env(env));
    // The group and its people exist in Okta before the service hears of them (an administrator's).
    groupId = (
      (await oktaApi(harness, 'POST', '/api/v1/groups', {
        profile: { name: GROUP, description: 'the group to move to passkeys' },
      })) as { id: string }
    ).id;
    for (const login of [...MEMBERS, SUSPENDED]) {
      const user = (await oktaApi(harness, 'POST', '/api/v1/users?activate=true', {
        profile: { login, email: login, firstName: 'Eng', lastName: login.split('@')[0] },
        credentials: { password: { value: 'Correct-Horse-9' } },
      })) as { id: string };
      await oktaApi(harness, 'PUT', `/api/v1/groups/${groupId}/users/${user.id}`);
    }
    await oktaApi(harness, 'POST', `/api/v1/users/${(await oktaUser(SUSPENDED)).id}/lifecycle/suspend`);
    // "Support" is ambiguous: an OKTA_GROUP and an imported APP_GROUP share the name.
    await oktaApi(harness, 'POST', '/api/v1/groups', { profile: { name: 'Support' } });
    await oktaApi(harness, 'POST', '/_sim/groups', { profile: { name: 'Support' } });
  });
  afterAll(async () => {
    await runner?.stopAll();
    await harness?.stop();
  });

  it('refuses an unknown group (a name, in another case, or an id) with exit 2, naming what was searched and similar groups, and starts nobody', async () => {
    const unknown = await cli(['onboard', '--okta-group', 'Enginering']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('No Okta group named exactly "Enginering"');
    expect(unknown.output).toContain('Nobody was started');

    // Okta's q matches "engineering" as a prefix of "Engineering"; the exact, case-sensitive name does not.
    const otherCase = await cli(['onboard', '--okta-group', 'engineering']);
    expect(otherCase.code).toBe(2);
    expect(otherCase.output).toContain(`Groups whose names start with it: "${GROUP}" (${groupId})`);

    const prefix = await cli(['--json', 'onboard', '--okta-group', 'Eng']);
    expect(prefix.code).toBe(2);
    expect(JSON.parse(prefix.stdout)).toEqual({
      outcome: 'notFound',
      searchedBy: 'name',
      searched: 'Eng',
      similar: [{ id: groupId, name: GROUP, type: 'OKTA_GROUP' }],
    });

    const unknownId = await cli(['onboard', '--okta-group', '00gNoSuchGroup0000000']);
    expect(unknownId.code).toBe(2);
    expect(unknownId.output).toContain('No Okta group with id 00gNoSuchGroup0000000');
    await expectNobodyStarted();
  });

  it('refuses an ambiguous name with exit 2, listing the ids to choose from, and starts nobody', async () => {
    const run = await cli(['onboard', '--okta-group', 'Support']);
    expect(run.code).toBe(2);
    expect(run.output).toMatch(
      /2 Okta groups are named "Support": "Support" \(00g\w+\), "Support" \(00g\w+, APP_GROUP\)\. Pass the id/,
    );
    await expectNobodyStarted();
  });

  it('refuses emails or --file beside --okta-group (exit 2)', async () => {
    const run = await cli(['onboard', 'someone@example.com', '--okta-group', GROUP]);
    expect(run.code).toBe(2);
    expect(run.output).toContain('Give either --okta-group or emails/--file, not both');
    await expectNobodyStarted();
  });

  it('--dry-run (by id) prints who would be onboarded and who is skipped and why, and starts nobody', async () => {
    const run = await cli(['--json', 'onboard', '--okta-group', groupId, '--dry-run', '--page-size', '10']);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as {
      dryRun: boolean;
      group: { id: string; name: string };
      pages: number;
      wouldOnboard: { email: string }[];
      skipped: { email: string; status: string; reason: string }[];
    };
    expect(answer.group).toEqual({ id: groupId, name: GROUP, type: 'OKTA_GROUP' });
    expect(answer.pages).toBe(3);
    expect(answer.wouldOnboard.map((person) => person.email)).toEqual(MEMBERS);
    expect(answer.skipped).toEqual([
      expect.objectContaining({
        email: SUSPENDED,
        status: 'SUSPENDED',
        reason: expect.stringContaining('unsuspend the user'),
      }),
    ]);
    await expectNobodyStarted();
  });

  it('onboards the 25 ACTIVE members by name, reading the members 10 a page (3 pages), and skips the SUSPENDED one', async () => {
    const requests = recordRequests(harness.okta);
    let run: CliRun;
    try {
      run = await cli(['--json', 'onboard', '--okta-group', GROUP, '--page-size', '10']);
    } finally {
      requests.stop();
    }
    expect(run.code).toBe(0);
    expect(requests.count('GET', new RegExp(`^/api/v1/groups/${groupId}/users$`))).toBe(3);
    const answer = JSON.parse(run.stdout) as {
      group: { id: string };
      people: { email: string; outcome: string }[];
      skipped: { email: string; reason: string }[];
    };
    expect(answer.group.id).toBe(groupId);
    expect(answer.people.map((person) => [person.email, person.outcome])).toEqual(
      MEMBERS.map((email) => [email, 'started']),
    );
    expect(answer.skipped.map((member) => member.email)).toEqual([SUSPENDED]);
    // A group's starts queue behind one person's onboard or rebind; a one-time migration is by hand.
    const runs = await Promise.all(MEMBERS.map((email) => harness.personHandle(email).describe()));
    expect(new Set(runs.map((run) => run.raw.workflowExecutionInfo?.priority?.priorityKey))).toEqual(
      new Set([TASK_PRIORITY.bulk]),
    );
    expect(new Set(runs.map((run) => run.typedSearchAttributes.get(onboardedByKey)))).toEqual(new Set(['hand']));

    await Promise.all(MEMBERS.map((email) => harness.bind(email)));
    const done = await Promise.all(
      MEMBERS.map((email) => harness.personHandle(email).result() as Promise<PersonState>),
    );
    expect(done.map((state) => [state.email, state.status, state.routed, state.oktaUser?.adopted])).toEqual(
      MEMBERS.map((email) => [email, 'Onboarded', true, true]),
    );
    // The skipped member was never started, and no Okta user was made: all 26 were there already.
    await expect(harness.personHandle(SUSPENDED).describe()).rejects.toThrow(/not found/i);
    expect((await harness.oktaState()).users).toHaveLength(MEMBERS.length + 1);
    expect((await harness.signIn(MEMBERS[0]!)).ok).toBe(true);
  });

  it("keeps every member's Okta user through cancel and teardown, with the status it had", async () => {
    const before = await harness.oktaState();
    // cancel: out of routing, and the adopted Okta user kept.
    const cancelled = MEMBERS[24]!;
    expect((await cli(['cancel', cancelled])).code).toBe(0);
    await waitForPerson(harness, cancelled, (state) => state.status === 'Cancelled' && state.step === 'Undone', 30_000);
    const kept = (await oktaApi(harness, 'GET', `/api/v1/users/${encodeURIComponent(cancelled)}`)) as {
      status: string;
      profile: Record<string, unknown>;
    };
    expect([kept.status, kept.profile[harness.spec.routing.attribute] ?? null]).toEqual(['ACTIVE', null]);

    await tearDown(harness, harness.session, silent, 60_000);
    expect((await harness.integrationHandle().query(integrationStatusQuery)).status).toBe('TornDown');
    const after = await harness.oktaState();
    const statuses = (state: typeof after) =>
      state.users.map((user) => [user.id, user.profile.login, user.status]).sort();
    expect(statuses(after)).toEqual(statuses(before));
    for (const login of MEMBERS) expect((await oktaUser(login)).status).toBe('ACTIVE');
    expect((await oktaUser(SUSPENDED)).status).toBe('SUSPENDED');
    const members = (await oktaApi(harness, 'GET', `/api/v1/groups/${groupId}/users`)) as unknown[];
    expect(members).toHaveLength(MEMBERS.length + 1);
    await waitFor(
      () => harness.signIn(MEMBERS[0]!),
      (result) => !result.ok,
      5_000,
    );
  });
});
