/**
 * Two integrations (two Beyond Identity realms) federated to one Okta org: one shared routing
 * property, two rules with their own values, each person routed to their own realm's IdP; tearing
 * one down keeps the property while the other's rule still matches on it.
 */
import * as commands from '../../src/cli/commands';
import type { Output, Session } from '../../src/cli/session';
import { validatePeople } from '../../src/cli/people';
import { integrationConfigSchema, integrationSpecFrom, parseConfig } from '../../src/config';
import { integrationStatusQuery, type IntegrationState, type PersonState } from '../../src/workflows/definitions';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { customProfileProperties, tearDown } from '../support/workflow-checks';

const quiet: Output = { json: true, print: () => undefined, info: () => undefined };

describe('two integrations in one Okta org', () => {
  let harness: ServiceHarness;
  let second: Session;
  beforeAll(async () => {
    harness = await ServiceHarness.start();
    await harness.startWorker();
    // The second realm needs its own IdP and rule names (they are found by name) and its own priority.
    const spec = integrationSpecFrom(
      parseConfig(integrationConfigSchema, {
        BI_TENANT_ID: harness.bi.tenantId,
        OKTA_ORG_URL: harness.okta.url,
        BI_REALM_NAME: `${harness.spec.realmName} two`,
        OKTA_IDP_NAME: 'Beyond Identity (second realm)',
        OKTA_ROUTING_RULE_NAME: 'Beyond Identity passkeys (second realm)',
        OKTA_ROUTING_RULE_PRIORITY: '2',
        BINDING_POLL_INTERVAL_SECONDS: '1',
        ACTIVITY_TIMEOUT_SECONDS: '10',
      }),
    );
    second = { ...harness.session, spec };
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('routes each person to their own realm by their own value, through one property', async () => {
    const first = 'first.realm@example.com';
    const other = 'second.realm@example.com';
    expect(second.spec.routing.value).not.toBe(harness.spec.routing.value);
    expect(second.spec.routing.attribute).toBe(harness.spec.routing.attribute);
    await harness.onboard([first]);
    // The second realm is set up once the first has made the property, so that it finds it (adopts it).
    // Set up at the same moment, both may record the property as made by them (see the audit report).
    const firstReady = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'Ready',
      30_000,
    );
    expect(firstReady.routingAttribute).toEqual({ id: harness.spec.routing.attribute, adopted: false });
    await commands.onboard(second, quiet, validatePeople([{ email: other, where: '#0' }], second.spec.integrationId));
    await harness.bind(first);
    await harness.bind(other);
    const [firstDone, otherDone] = await Promise.all([
      harness.personHandle(first).result() as Promise<PersonState>,
      harness.client.workflow
        .getHandle(`${second.spec.integrationId}/person/${other}`)
        .result() as Promise<PersonState>,
    ]);
    expect([firstDone.status, otherDone.status]).toEqual(['Onboarded', 'Onboarded']);
    const secondState = await harness.client.workflow
      .getHandle(second.spec.integrationId)
      .query(integrationStatusQuery);
    expect(secondState.routingAttribute).toEqual({ id: harness.spec.routing.attribute, adopted: true });

    const okta = await harness.oktaState();
    expect(okta.idps).toHaveLength(2);
    expect(okta.rules.map((rule) => [rule.name, rule.conditions.userIdentifier?.patterns?.[0]?.value]).sort()).toEqual(
      [
        [harness.spec.routingRuleName, harness.spec.routing.value],
        [second.spec.routingRuleName, second.spec.routing.value],
      ].sort(),
    );
    expect(await customProfileProperties(harness)).toEqual([harness.spec.routing.attribute]);
    const profile = (email: string) =>
      okta.users.find((user) => user.profile.login === email)!.profile[harness.spec.routing.attribute];
    expect(profile(first)).toBe(harness.spec.routing.value);
    expect(profile(other)).toBe(second.spec.routing.value);

    // Each signs in through their own realm's IdP.
    const idpOf = async (email: string) =>
      (await harness.signIn(email)).steps.find((step) => step.name === 'route')?.detail;
    const firstRule = okta.rules.find((rule) => rule.name === harness.spec.routingRuleName)!.actions.idp?.providers?.[0]
      ?.id;
    const otherRule = okta.rules.find((rule) => rule.name === second.spec.routingRuleName)!.actions.idp?.providers?.[0]
      ?.id;
    expect(firstRule).not.toBe(otherRule);
    expect(await idpOf(first)).toContain(`routes to IdP ${firstRule}`);
    expect(await idpOf(other)).toContain(`routes to IdP ${otherRule}`);
    expect((await harness.signIn(first)).ok).toBe(true);
    expect((await harness.signIn(other)).ok).toBe(true);
  });

  it('tearing down the first, which made the property, keeps it while the second still routes by it, and says why', async () => {
    const output: Output & { data: unknown[] } = {
      json: true,
      data: [],
      print: (value) => output.data.push(value),
      info: () => undefined,
    };
    expect(await tearDown(harness, harness.session, output)).toBe(0);
    const final = output.data[0] as IntegrationState;
    expect(final.kept).toEqual([
      `Okta profile property ${harness.spec.routing.attribute} (still used by rule "${second.spec.routingRuleName}")`,
    ]);
    expect(await customProfileProperties(harness)).toEqual([harness.spec.routing.attribute]);
    expect((await harness.signIn('first.realm@example.com')).ok).toBe(false);
    expect((await harness.signIn('second.realm@example.com')).ok).toBe(true);

    // The second found the property (adopted): its teardown keeps it too, and says so.
    const done: Output & { data: unknown[] } = {
      json: true,
      data: [],
      print: (value) => done.data.push(value),
      info: () => undefined,
    };
    expect(await tearDown(harness, second, done)).toBe(0);
    expect((done.data[0] as IntegrationState).kept).toEqual([
      `Okta profile property ${harness.spec.routing.attribute} (adopted)`,
    ]);
    const okta = await harness.oktaState();
    expect([okta.rules, okta.idps, okta.users]).toEqual([[], [], []]);
  });
});
