/**
 * The service under an OAuth 2.0 service app instead of an API token: an app made in the Okta
 * simulator through its Apps API (key pair made here, DPoP-bound), lacking the grant of
 * `okta.policies.manage`. preflight names the scope before anything is written; the integration
 * stops in NeedsAttention naming it and the fix; granted through the API and retried, it is Ready
 * and a person is onboarded, with no key, assertion, proof or token in any history.
 */
import * as commands from '../../src/cli/commands';
import type { PreflightCheck } from '../../src/activities/preflight';
import { integrationStatusQuery, type PersonState } from '../../src/workflows/definitions';
import { createServiceApp, grantScope, type ServiceApp } from '../support/okta-service-app';
import { captureOutput as capture } from '../support/output';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import { expectNoSecretsInHistories, routedByOkta, waitForPerson } from '../support/workflow-checks';
import { JWT_PATTERN } from '../clients/support';

describe('the worker authenticated by an OAuth service app', () => {
  let harness: ServiceHarness;
  let app: ServiceApp;
  beforeAll(async () => {
    harness = await ServiceHarness.start();
    app = await createServiceApp(harness.okta.url, harness.okta.apiToken, {
      dpop: true,
      grants: ['okta.users.manage', 'okta.groups.read', 'okta.schemas.manage', 'okta.idps.manage'],
    });
    // No API token: the service app only (an empty variable is an unset one).
    await harness.startWorker({ OKTA_API_TOKEN: '', ...app.env });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('preflight names the scope the app lacks, before anything is written', async () => {
    const out = capture();
    expect(await commands.preflight(harness.session, out)).toBe(1);
    const { checks } = out.data[0] as { checks: PreflightCheck[] };
    const scopes = checks.find((check) => check.name === 'Okta scopes');
    expect(scopes).toMatchObject({ ok: false, detail: expect.stringContaining('lacks okta.policies.manage') });
    expect(scopes?.fix).toContain(
      `grant okta.policies.manage to the Okta service app ${app.clientId} — Admin Console: Applications → the app → Okta API Scopes → Grant`,
    );
    expect(checks.find((check) => check.name === 'Okta token')?.ok).toBe(true);
    expect((await harness.oktaState()).idps).toEqual([]);
  });

  it('a missing grant is NeedsAttention naming the scope and the fix; granted and retried, the integration is Ready and a person onboarded', async () => {
    const email = 'oauth.person@example.com';
    await harness.onboard([email]);
    const stuck = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'NeedsAttention',
      30_000,
    );
    expect(stuck.attention).toMatchObject({
      type: 'RejectedUpstreamError',
      service: 'okta',
      status: 403,
      upstreamCode: 'insufficient_scope',
    });
    expect(stuck.attention?.message).toContain(
      `grant okta.policies.manage to the Okta service app ${app.clientId} — Admin Console: Applications → the app → Okta API Scopes → Grant, or run \`bi-okta okta-service-app\` again — then \`bi-okta retry\``,
    );
    const shown = capture();
    expect(await commands.status(harness.session, shown, undefined)).toBe(1);
    expect(shown.text[0]).toContain('okta.policies.manage');

    await grantScope(harness.okta.url, harness.okta.apiToken, app.appId, 'okta.policies.manage');
    expect(await commands.retry(harness.session, capture(), undefined)).toBe(0);
    const ready = await waitFor(
      () => harness.integrationHandle().query(integrationStatusQuery),
      (state) => state.status === 'Ready',
      30_000,
    );
    expect(ready.attention).toBeUndefined();

    await waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding', 30_000);
    await harness.bind(email);
    expect((await harness.personHandle(email).result()) as PersonState).toMatchObject({
      status: 'Onboarded',
      routed: true,
    });
    expect(await routedByOkta(harness)).toEqual([email]);
    expect((await harness.signIn(email)).ok).toBe(true);
    expect(harness.okta.oauthFigures().resourceCalls.DPoP).toBeGreaterThan(0);
  });

  it('no key, assertion, proof or token in any history', async () => {
    const jwk = app.privateKey.export({ format: 'jwk' });
    const keyParts = [app.pem, ...app.pem.split('\n').filter((line) => line.length >= 40), jwk.d!, jwk.p!, jwk.q!];
    expect(await expectNoSecretsInHistories(harness, [...(await harness.secrets()), ...keyParts])).toBeGreaterThan(0);
    for (const { workflowId, json } of await harness.histories())
      expect({ workflowId, jwt: JWT_PATTERN.exec(json)?.[0] }).toEqual({ workflowId, jwt: undefined });
  });
});

describe('access tokens that expire while people are onboarding', () => {
  const LIFETIME_SECONDS = 2;
  let harness: ServiceHarness;
  beforeAll(async () => {
    harness = await ServiceHarness.start({ okta: { accessTokenLifetimeSeconds: LIFETIME_SECONDS } });
    const app = await createServiceApp(harness.okta.url, harness.okta.apiToken, { dpop: true });
    await harness.startWorker({ OKTA_API_TOKEN: '', ...app.env });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('are renewed before they expire: no call refused for an expired token, no failed activity, everyone onboarded', async () => {
    const people = ['renew.one@example.com', 'renew.two@example.com', 'renew.three@example.com'];
    for (const email of people) {
      await harness.onboard([email]);
      await waitForPerson(harness, email, (state) => state.status === 'WaitingForBinding', 30_000);
      // What this waits for is the worker's token outliving its life (time itself), so that the
      // routing write below is made after it: a clock wait is the state meant here.
      await new Promise((resolve) => setTimeout(resolve, (LIFETIME_SECONDS + 0.5) * 1000));
      await harness.bind(email);
      expect((await harness.personHandle(email).result()) as PersonState).toMatchObject({
        status: 'Onboarded',
        routed: true,
      });
    }
    const figures = harness.okta.oauthFigures();
    // One token for the set-up and at least one renewal for each person's routing.
    expect(figures.tokensIssued.DPoP).toBeGreaterThanOrEqual(1 + people.length);
    expect(figures.refusals['resource.invalid_token']).toBe(0);
    const retried: string[] = [];
    for (const { workflowId, json } of await harness.histories()) {
      const events = (
        JSON.parse(json) as {
          events: { eventType?: string; activityTaskStartedEventAttributes?: { attempt?: number } }[];
        }
      ).events;
      const failed = events.filter(
        (event) =>
          event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_FAILED' ||
          (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1,
      );
      if (failed.length > 0) retried.push(workflowId);
    }
    expect(retried).toEqual([]);
    expect(await routedByOkta(harness)).toEqual([...people].sort());
  });
});
