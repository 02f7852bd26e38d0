/**
 * One person end to end against the real Temporal dev server and both simulators: the guide's
 * objects exist exactly once with the guide's settings, and a federated sign-in succeeds.
 */
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import {
  customProfileProperties,
  expectNoSecretsInHistories,
  historyEvents,
  routedByOkta,
} from '../support/workflow-checks';
import type { PersonState } from '../../src/workflows/definitions';
import { personStatusQuery, integrationStatusQuery } from '../../src/workflows/definitions';

describe('one person, end to end', () => {
  let harness: ServiceHarness;
  beforeAll(async () => {
    harness = await ServiceHarness.start();
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('creates every object once with the guide settings, routes only after binding, and the sign-in succeeds', async () => {
    const email = 'Alice.Smith@Example.com';
    await harness.onboard([email]);

    // Before binding: identity and email exist, nothing routed.
    const waiting = await waitFor(
      () => harness.personHandle(email).query(personStatusQuery),
      (state: PersonState) => state.status === 'WaitingForBinding',
      30_000,
    );
    expect(waiting.identity?.adopted).toBe(false);
    // The shared routing exists before anyone binds; it routes nobody yet.
    await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'Ready',
      30_000,
    );
    expect((await harness.oktaState()).rules).toHaveLength(1);
    expect(await routedByOkta(harness)).toEqual([]);
    expect((await harness.oktaState()).users).toEqual([]);
    const unbound = await harness.signIn('alice.smith@example.com');
    expect(unbound.ok).toBe(false);
    expect(unbound.reason).toMatch(/^route:/);

    await harness.bind('alice.smith@example.com');
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');
    expect(done.bound).toBe(true);
    expect(done.routed).toBe(true);
    expect(done.emailsSent).toBe(1);

    const bi = await harness.biState();
    const realms = bi.realms.filter((realm) => realm.display_name === harness.spec.realmName);
    expect(realms).toHaveLength(1);
    const realmId = realms[0]!.id;
    expect(bi.authenticator_configs.filter((config) => config.realm_id === realmId)).toHaveLength(1);
    expect(bi.authenticator_configs.find((config) => config.realm_id === realmId)?.config.type).toBe('hosted_web');
    const apps = bi.applications.filter((app) => app.realm_id === realmId);
    expect(apps).toHaveLength(1);
    const app = apps[0]!;
    expect(app.protocol_config.confidentiality).toBe('confidential');
    expect(app.protocol_config.grant_type).toEqual(['authorization_code']);
    expect(app.protocol_config.redirect_uris).toEqual([`${harness.okta.url}/oauth2/v1/authorize/callback`]);
    expect(app.protocol_config.token_configuration).toMatchObject({
      expires_after: 604800,
      subject_field: 'email',
      token_signing_algorithm: 'RS256',
    });
    expect(app.authenticator_config_id).toBe(
      bi.authenticator_configs.find((config) => config.realm_id === realmId)?.id,
    );
    const identities = bi.identities.filter((identity) => identity.realm_id === realmId);
    expect(identities.map((identity) => identity.traits.username)).toEqual(['alice.smith@example.com']);
    expect(bi.outbox.filter((message) => message.to === 'alice.smith@example.com')).toHaveLength(1);

    const okta = await harness.oktaState();
    expect(okta.users.map((user) => [user.profile.login, user.status])).toEqual([
      ['alice.smith@example.com', 'ACTIVE'],
    ]);
    expect(okta.idps).toHaveLength(1);
    const idp = okta.idps[0]!;
    expect(idp.status).toBe('ACTIVE');
    expect(idp.body.protocol.scopes).toEqual(['openid']);
    expect(idp.body.policy.subject).toMatchObject({
      userNameTemplate: { template: 'idpuser.externalId' },
      matchType: 'USERNAME',
    });
    const issuer = `${harness.bi.authUrl}/v1/tenants/${harness.bi.tenantId}/realms/${realmId}/applications/${app.id}`;
    expect(idp.body.protocol.issuer.url).toBe(issuer);
    expect(idp.body.protocol.endpoints.authorization?.url).toBe(`${issuer}/authorize`);
    expect(idp.body.protocol.endpoints.token?.url).toBe(`${issuer}/token`);
    expect(idp.body.protocol.endpoints.jwks?.url).toBe(`${issuer}/.well-known/jwks.json`);
    expect(okta.rules).toHaveLength(1); // above the default rule, which is kept apart and last
    expect(okta.rules[0]!.status).toBe('ACTIVE');
    expect(okta.rules[0]!.conditions.userIdentifier).toEqual({
      type: 'ATTRIBUTE',
      attribute: 'beyondIdentityIntegration',
      patterns: [{ matchType: 'EQUALS', value: harness.spec.routing.value }],
    });
    expect(okta.users[0]!.profile.beyondIdentityIntegration).toBe(harness.spec.routing.value);
    expect(await routedByOkta(harness)).toEqual(['alice.smith@example.com']);
    expect(await customProfileProperties(harness)).toEqual(['beyondIdentityIntegration']);
    expect(okta.rules[0]!.actions.idp?.providers).toEqual([{ type: 'OIDC', id: idp.id }]);

    const signIn = await harness.signIn('alice.smith@example.com');
    expect(signIn.reason ?? null).toBeNull();
    expect(signIn.ok).toBe(true);

    const integrationState = await harness.integrationHandle().query(integrationStatusQuery);
    expect(integrationState.status).toBe('Ready');
    expect(integrationState.routingAttribute).toEqual({ id: 'beyondIdentityIntegration', adopted: false });
    expect(integrationState.context?.routing).toEqual(harness.spec.routing);
    // The integration took no part in the person's route: its history is the set-up alone.
    const integrationEvents = historyEvents(JSON.stringify(await harness.integrationHandle().fetchHistory()));
    expect(integrationEvents.length).toBeLessThan(80);
    const personEvents = historyEvents(JSON.stringify(await harness.personHandle(email).fetchHistory()));
    expect(personEvents.length).toBeLessThanOrEqual(30);
  });

  it('keeps every token and client secret out of every workflow history (payloads decoded)', async () => {
    const secrets = await harness.secrets();
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    expect(await expectNoSecretsInHistories(harness, secrets)).toBeGreaterThanOrEqual(2);
  });
});
