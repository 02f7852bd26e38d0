/**
 * Real enterprise orgs: people whose profile a directory masters, and the routing property that
 * must be Okta-mastered (or Okta refuses to set it on them: 403 E0000023) and read-only to people.
 * Against the real Temporal dev server and both simulators; users made through the Okta
 * simulator's `/_sim/users` as an Active Directory import would bring them.
 */
import { request } from 'undici';
import * as commands from '../../src/cli/commands';
import type { Output } from '../../src/cli/session';
import { PREFLIGHT_CHECKS } from '../../src/activities/preflight';
import { integrationStatusQuery, type PersonState } from '../../src/workflows/definitions';
import { useHarnessWithCli } from '../support/cli';
import type { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import {
  expectNoSecretsInHistories,
  heldByUpstreams,
  oktaApi,
  routedByOkta,
  tearDown,
  waitForPerson,
} from '../support/workflow-checks';

const silent: Output = { json: true, print: () => undefined, info: () => undefined };
const SOURCE = { type: 'ACTIVE_DIRECTORY', name: 'corp.example.com' };
const SCHEMA = '/api/v1/meta/schemas/user/default';
const PROFILE_EDITOR =
  'Directory → Profile Editor → the default user profile (User (default)) → "beyondIdentityIntegration" → Source priority "Inherit from Okta" and User permission "Read Only"';

type OktaUser = {
  id: string;
  status: string;
  profile: Record<string, unknown>;
  credentials: { provider: { type: string; name: string } };
};
type Property = {
  title: string;
  type: string;
  master?: { type: string };
  permissions?: { principal: string; action: string }[];
};

/** A user as a directory import brings them: ACTIVE, AD-sourced, with a profile of the directory's. */
async function directoryUser(harness: ServiceHarness, email: string): Promise<OktaUser> {
  const response = await request(`${harness.okta.url}/_sim/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      profile: { login: email, email, firstName: 'Dir', lastName: 'Ectory', title: 'Engineer', department: 'R&D' },
      source: SOURCE,
    }),
  });
  expect(response.statusCode).toBe(200);
  return (await response.body.json()) as OktaUser;
}

async function routingProperty(harness: ServiceHarness): Promise<Property | undefined> {
  const schema = (await oktaApi(harness, 'GET', SCHEMA)) as {
    definitions: { custom: { properties: Record<string, Property> } };
  };
  return schema.definitions.custom.properties[harness.spec.routing.attribute];
}

/** An administrator's change of the property through the schema API (a partial update; the definition is replaced whole). */
async function setRoutingProperty(harness: ServiceHarness, definition: Property): Promise<void> {
  await oktaApi(harness, 'POST', SCHEMA, {
    definitions: {
      custom: { id: '#custom', type: 'object', properties: { [harness.spec.routing.attribute]: definition } },
    },
  });
}

describe('directory-sourced people and the service-made routing property', () => {
  const service = useHarnessWithCli();
  let harness: ServiceHarness;
  const alice = 'alice.directory@example.com';
  const bob = 'bob.directory@example.com';

  beforeAll(() => {
    harness = service.harness;
  });

  it('routes an adopted AD-sourced user after binding through an OKTA-mastered, SELF READ_ONLY property; cancel takes them out and keeps the user as the directory has it', async () => {
    const before = await directoryUser(harness, alice);
    await harness.onboard([alice]);
    await waitForPerson(harness, alice, (state) => state.status === 'WaitingForBinding', 30_000);
    expect(await routedByOkta(harness)).toEqual([]);

    const property = await routingProperty(harness);
    expect(property).toMatchObject({
      type: 'string',
      master: { type: 'OKTA' },
      permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
    });
    expect((await harness.integrationHandle().query(integrationStatusQuery)).routingAttribute).toEqual({
      id: harness.spec.routing.attribute,
      adopted: false,
    });

    await harness.bind(alice);
    const done = (await harness.personHandle(alice).result()) as PersonState;
    expect(done).toMatchObject({ status: 'Onboarded', routed: true, oktaUser: { id: before.id, adopted: true } });
    expect(await routedByOkta(harness)).toEqual([alice]);
    const signIn = await harness.signIn(alice);
    expect(signIn.reason ?? null).toBeNull();

    await commands.cancel(harness.session, silent, alice);
    await waitForPerson(harness, alice, (state) => state.status === 'Cancelled' && state.step === 'Undone', 30_000);
    expect(await routedByOkta(harness)).toEqual([]);
    const after = (await oktaApi(harness, 'GET', `/api/v1/users/${before.id}`)) as OktaUser;
    expect(after.status).toBe('ACTIVE');
    expect(after.credentials.provider).toEqual(SOURCE);
    // Only our attribute changed (cleared: Okta shows a cleared custom property as null).
    expect(after.profile).toEqual({ ...before.profile, [harness.spec.routing.attribute]: null });
    expect((await harness.signIn(alice)).ok).toBe(false);
  });

  it('verify puts back a User permission changed by hand to READ_WRITE', async () => {
    const property = (await routingProperty(harness))!;
    await setRoutingProperty(harness, { ...property, permissions: [{ principal: 'SELF', action: 'READ_WRITE' }] });
    const run = await service.runner.run(['verify']);
    expect(run.stdout).toMatch(
      /^FIXED +Okta profile property: profile property "beyondIdentityIntegration" differed in permissions; put back/m,
    );
    expect(await routingProperty(harness)).toMatchObject({
      master: { type: 'OKTA' },
      permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
    });
  });

  it('a property changed by hand to PROFILE_MASTER: an AD-sourced person is NeedsAttention naming E0000023 and the fix; verify puts it back; retry routes them', async () => {
    const user = await directoryUser(harness, bob);
    const property = (await routingProperty(harness))!;
    await setRoutingProperty(harness, { ...property, master: { type: 'PROFILE_MASTER' } });

    await harness.onboard([bob]);
    await harness.bind(bob);
    const stuck = await waitForPerson(harness, bob, (state) => state.status === 'NeedsAttention', 30_000);
    expect(stuck.attention).toMatchObject({
      step: 'RouteOktaUser',
      type: 'RoutingAttributeMasteredError',
      service: 'okta',
      status: 403,
      upstreamCode: 'E0000023',
    });
    const message = stuck.attention!.message;
    expect(message).toContain(
      `Okta refused to set "beyondIdentityIntegration" on ${bob} (${user.id}): 403 E0000023 "Operation failed because user profile is mastered under another system"`,
    );
    expect(message).toContain('(master PROFILE_MASTER)');
    expect(message).toContain(
      'Fix: bi-okta verify (puts back a property the service made), or in the Okta Admin Console: ' + PROFILE_EDITOR,
    );
    expect(message).toContain(`then bi-okta retry ${bob}`);
    expect(await routedByOkta(harness)).toEqual([]);
    // Nothing else of the user was sent, so nothing else changed.
    expect(((await oktaApi(harness, 'GET', `/api/v1/users/${user.id}`)) as OktaUser).profile).toEqual(user.profile);

    const run = await service.runner.run(['verify']);
    expect(run.stdout).toMatch(
      /^FIXED +Okta profile property: profile property "beyondIdentityIntegration" differed in master; put back/m,
    );
    expect(await routingProperty(harness)).toMatchObject({ master: { type: 'OKTA' } });

    expect(await commands.retry(harness.session, silent, bob)).toBe(0);
    const done = (await harness.personHandle(bob).result()) as PersonState;
    expect(done).toMatchObject({ status: 'Onboarded', routed: true, oktaUser: { id: user.id, adopted: true } });
    expect(await routedByOkta(harness)).toEqual([bob]);
    expect((await harness.signIn(bob)).reason ?? null).toBeNull();
  });

  it('keeps every token and client secret out of every workflow history', async () => {
    await expectNoSecretsInHistories(harness, await harness.secrets());
  });
});

describe('a routing property made by hand with master PROFILE_MASTER', () => {
  const service = useHarnessWithCli();
  let harness: ServiceHarness;

  beforeAll(async () => {
    harness = service.harness;
    await setRoutingProperty(harness, {
      title: 'BI routing (by hand)',
      type: 'string',
      master: { type: 'PROFILE_MASTER' },
      permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
    });
  });

  it('preflight names it, with E0000023 and the fix, before anything is written (exit 1)', async () => {
    const before = await heldByUpstreams(harness);
    const run = await service.runner.run(['preflight']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'FAIL Okta routing property: the profile property "beyondIdentityIntegration" is not mastered by Okta (master PROFILE_MASTER): Okta refuses to set it on a directory-sourced user with 403 E0000023',
    );
    expect(run.stdout).toContain(
      `fix: in the Okta Admin Console: ${PROFILE_EDITOR}, then Save; or through the API: POST /api/v1/meta/schemas/user/default `,
    );
    expect(run.stdout).toContain(
      '"beyondIdentityIntegration":{"title":"BI routing (by hand)","type":"string","master":{"type":"OKTA"},"permissions":[{"principal":"SELF","action":"READ_ONLY"}]}',
    );
    expect(run.stdout).toContain(`1 of ${PREFLIGHT_CHECKS.length} checks failed: nothing was written.`);
    expect(await heldByUpstreams(harness)).toEqual(before);
  });

  it('the integration does not route through it (NeedsAttention at CreateRoutingAttribute with the fix, no rule); fixed and retried it is adopted, and verify only reports it when it drifts', async () => {
    await harness.onboard(['carol.directory@example.com']);
    const stuck = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'NeedsAttention',
      30_000,
    );
    expect(stuck.attention).toMatchObject({ step: 'CreateRoutingAttribute', type: 'RoutingPropertyUnsafeError' });
    expect(stuck.attention!.message).toContain(
      'is not mastered by Okta (master PROFILE_MASTER): Okta refuses to set it on a directory-sourced user with 403 E0000023',
    );
    expect(stuck.attention!.message).toContain(
      `Nobody is routed through it until it is fixed: in the Okta Admin Console: ${PROFILE_EDITOR}`,
    );
    expect((await harness.oktaState()).rules).toEqual([]);

    // Fixed by hand as the message says, then retry: the integration adopts it and is Ready.
    const property = (await routingProperty(harness))!;
    await setRoutingProperty(harness, { ...property, master: { type: 'OKTA' } });
    expect(await commands.retry(harness.session, silent, undefined)).toBe(0);
    const ready = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'Ready',
      30_000,
    );
    expect(ready.routingAttribute).toEqual({ id: harness.spec.routing.attribute, adopted: true });

    // Adopted and then made writable by people: verify names it with the fix and changes nothing.
    const adopted = (await routingProperty(harness))!;
    await setRoutingProperty(harness, { ...adopted, permissions: [{ principal: 'SELF', action: 'READ_WRITE' }] });
    const run = await service.runner.run(['verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'ATTENTION Okta profile property: "beyondIdentityIntegration" (adopted, not changed): people may change "beyondIdentityIntegration" on their own profile (User permission READ_WRITE): a person could clear it and sign in with a password again\n' +
        `          fix: in the Okta Admin Console: ${PROFILE_EDITOR}, then Save`,
    );
    expect((await routingProperty(harness))!.permissions).toEqual([{ principal: 'SELF', action: 'READ_WRITE' }]);
    expect(await tearDown(harness, harness.session, silent)).toBe(0);
    // Adopted: kept at teardown.
    expect(await routingProperty(harness)).toMatchObject({ title: 'BI routing (by hand)' });
  });
});
