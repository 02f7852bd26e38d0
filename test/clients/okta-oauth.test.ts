/**
 * OktaApi under an OAuth 2.0 service app, against the Okta simulator's token endpoint and its
 * scope, role and DPoP checks (docs/contracts/okta.md §8–§10): Bearer and DPoP apps make real calls; the token
 * is renewed before it expires and once on a 401; every retry carries a new proof; a missing
 * scope is refused naming it; and no assertion, proof, token or key shows in any error or log line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RejectedUpstreamError } from '../../src/clients/http/errors';
import type { OktaApi } from '../../src/clients/okta/api';
import { startOktaSimulator, type RunningOktaSimulator } from '../../dev/simulators/okta';
import { createServiceApp, grantScope, type ServiceApp } from '../support/okta-service-app';
import { errorTexts, oktaApi, RecordingLogger, rejectionOf, Resources, secretsIn, startOkta } from './support';

const OKTA_TOKEN = 'okta-oauth-test-ssws-token-0123456789';
/** An access token left in clear after a scheme: the redactor replaces every one it knows or recognises. */
const BARE_TOKEN = /\b(Bearer|DPoP)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{20,}/;

function keySecrets(app: ServiceApp): string[] {
  const jwk = app.privateKey.export({ format: 'jwk' });
  return [app.pem, ...app.pem.split('\n').filter((line) => line.length >= 40), jwk.d ?? '', jwk.p ?? '', jwk.q ?? ''];
}

describe('OktaApi with an OAuth service app', () => {
  const resources = new Resources();
  const logger = new RecordingLogger();
  const errors: Error[] = [];
  const apps: ServiceApp[] = [];
  let sim: RunningOktaSimulator;

  async function service(
    options: Parameters<typeof createServiceApp>[2] = {},
    on: RunningOktaSimulator = sim,
  ): Promise<{ app: ServiceApp; api: OktaApi }> {
    const app = await createServiceApp(on.url, OKTA_TOKEN, options);
    apps.push(app);
    return { app, api: resources.add(oktaApi(on, { credentials: app.credentials, logger })) };
  }

  async function failure(promise: Promise<unknown>): Promise<Error> {
    const error = await rejectionOf(promise);
    errors.push(error);
    return error;
  }

  beforeAll(async () => {
    sim = resources.add(await startOkta({ apiTokens: [OKTA_TOKEN] }));
  });
  afterAll(async () => {
    await resources.release();
  });

  it('a Bearer app (RSA key) makes real calls with one token', async () => {
    const before = sim.oauthFigures();
    const { api } = await service({ keyType: 'rsa' });
    await api.getUserSchema();
    const user = await api.createFederatedUser({
      login: 'bearer.person@example.com',
      email: 'bearer.person@example.com',
      firstName: 'Bearer',
      lastName: 'Person',
    });
    expect((await api.findUserByLogin('bearer.person@example.com'))?.id).toBe(user.id);
    expect(await api.grantedScopes()).toEqual(expect.arrayContaining(['okta.users.manage', 'okta.policies.manage']));
    const after = sim.oauthFigures();
    expect(after.tokensIssued.Bearer - before.tokensIssued.Bearer).toBe(1);
    expect(after.tokensIssued.DPoP - before.tokensIssued.DPoP).toBe(0);
    // The proof sent with the token request is ignored for an app without DPoP: no nonce dance.
    expect(after.nonceChallenges - before.nonceChallenges).toBe(0);
    expect(after.resourceCalls.Bearer - before.resourceCalls.Bearer).toBeGreaterThanOrEqual(3);
  });

  it('a DPoP app (EC key) answers the nonce challenge once and sends a proof with every call, %40 in the path included', async () => {
    const before = sim.oauthFigures();
    const { api } = await service({ dpop: true, keyType: 'ec' });
    const user = await api.createFederatedUser({
      login: 'dpop.person@example.com',
      email: 'dpop.person@example.com',
      firstName: 'Dpop',
      lastName: 'Person',
    });
    // GET /api/v1/users/dpop.person%40example.com: htu carries the decoded path.
    expect((await api.findUserByLogin('dpop.person@example.com'))?.id).toBe(user.id);
    expect(await api.idpDiscoveryPolicyId()).toMatch(/^00p/);
    const after = sim.oauthFigures();
    expect(after.tokensIssued.DPoP - before.tokensIssued.DPoP).toBe(1);
    expect(after.nonceChallenges - before.nonceChallenges).toBe(1);
    expect(after.resourceCalls.DPoP - before.resourceCalls.DPoP).toBeGreaterThanOrEqual(3);
    expect(Object.values(after.refusals).reduce((a, b) => a + b, 0)).toBe(
      Object.values(before.refusals).reduce((a, b) => a + b, 0),
    );
  });

  it('a request refused with 429 after its proof was seen is retried with a new proof, and accepted', async () => {
    const limited = resources.add(
      await startOkta({ apiTokens: [OKTA_TOKEN], rateLimits: { userById: 2, windowSeconds: 2 } }),
    );
    const { api } = await service({ dpop: true }, limited);
    const user = await api.createFederatedUser({
      login: 'retry.person@example.com',
      email: 'retry.person@example.com',
      firstName: 'Retry',
      lastName: 'Person',
    });
    // Use the window up behind the client's back: its next read is authenticated (the proof's jti
    // recorded), then refused 429 by the rate limit, then retried after the reset.
    const budget = limited.rateLimitTotals();
    for (let i = 0; i < 3; i++)
      await fetch(`${limited.url}/api/v1/users/${user.id}`, { headers: { authorization: `SSWS ${OKTA_TOKEN}` } });
    expect(limited.rateLimitTotals()).not.toEqual(budget);
    expect((await api.getUser(user.id))?.id).toBe(user.id);
    const figures = limited.oauthFigures();
    expect(figures.refusals['resource.dpop_proof_replayed']).toBe(0);
    expect(figures.refusals['resource.invalid_dpop_proof']).toBe(0);
    expect(logger.lines.some((line) => /retrying "get user"/.test(line))).toBe(true);
  });

  it('renews the token shortly before it expires: no request is refused', async () => {
    const shortLived = resources.add(await startOkta({ apiTokens: [OKTA_TOKEN], accessTokenLifetimeSeconds: 2 }));
    const { api } = await service({ dpop: true }, shortLived);
    const run = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await api.getUserSchema();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await run(5_000);
    const figures = shortLived.oauthFigures();
    expect(figures.tokensIssued.DPoP).toBeGreaterThanOrEqual(3);
    expect(figures.refusals['resource.invalid_token']).toBe(0);
    // Renewals reuse the nonce: one challenge in all.
    expect(figures.nonceChallenges).toBe(1);
    // Okta renews its nonce (the previous one stays good for a while): once the client's is too old, one more challenge.
    shortLived.renewDpopNonce();
    shortLived.renewDpopNonce();
    await run(2_500);
    const later = shortLived.oauthFigures();
    expect(later.nonceChallenges).toBe(2);
    expect(later.refusals['resource.invalid_token']).toBe(0);
  });

  it('renews the token once when the API answers 401 (the org forgot it: a restart), and goes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'okta-oauth-'));
    try {
      const stateFile = join(dir, 'okta.json');
      const first = await startOktaSimulator({ port: 0, apiTokens: [OKTA_TOKEN], stateFile, durableState: true });
      const port = Number(new URL(first.url).port);
      const app = await createServiceApp(first.url, OKTA_TOKEN, {});
      apps.push(app);
      const api = resources.add(oktaApi(first, { credentials: app.credentials, logger }));
      await api.getUserSchema();
      await first.stop();
      // The same org (apps, keys, grants, roles) with no memory of the tokens it issued.
      const second = resources.add(
        await startOktaSimulator({ port, apiTokens: [OKTA_TOKEN], stateFile, durableState: true }),
      );
      await api.getUserSchema();
      const figures = second.oauthFigures();
      expect(figures.refusals['resource.invalid_token']).toBe(1);
      expect(figures.tokensIssued.Bearer).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a scope not granted: the token is renewed once, then a RejectedUpstreamError names the scope and the fix', async () => {
    const grants = ['okta.users.manage', 'okta.groups.read', 'okta.schemas.manage', 'okta.idps.manage'];
    for (const dpop of [false, true]) {
      const before = sim.oauthFigures();
      const { app, api } = await service({ dpop, grants });
      const error = await failure(api.idpDiscoveryPolicyId());
      expect(error).toBeInstanceOf(RejectedUpstreamError);
      expect(error).toMatchObject({ status: 403, upstreamCode: 'insufficient_scope' });
      expect(error.message).toMatch(/lacks the scope okta\.policies\.(read|manage)/);
      expect(error.message).toContain(
        `to the Okta service app ${app.clientId} — Admin Console: Applications → the app → Okta API Scopes → Grant`,
      );
      const after = sim.oauthFigures();
      const issued = (figures: typeof after) => figures.tokensIssued.Bearer + figures.tokensIssued.DPoP;
      expect(issued(after) - issued(before)).toBe(2);
      // The token answer lacked it already: a warning names it.
      expect(
        logger.lines.some(
          (line) => line.startsWith('warn') && line.includes('okta.policies.manage') && line.includes(app.clientId),
        ),
      ).toBe(true);
      // Granted now: the same client's next call is refused once with its old token, renews, and goes through.
      await grantScope(sim.url, OKTA_TOKEN, app.appId, 'okta.policies.manage');
      expect(await api.idpDiscoveryPolicyId()).toMatch(/^00p/);
      expect(await api.grantedScopes()).toContain('okta.policies.manage');
    }
  });

  it('a scope granted after the token was issued shows in a fresh token only (what preflight reads)', async () => {
    const grants = ['okta.users.manage', 'okta.groups.read', 'okta.schemas.manage', 'okta.idps.manage'];
    const { app, api } = await service({ grants });
    expect(await api.grantedScopes()).not.toContain('okta.policies.manage');
    await grantScope(sim.url, OKTA_TOKEN, app.appId, 'okta.policies.manage');
    // The token still held was issued without it: Okta never adds a scope to a token.
    expect(await api.grantedScopes()).not.toContain('okta.policies.manage');
    expect(await api.grantedScopes(undefined, { fresh: true })).toContain('okta.policies.manage');
    // The new token is the one the calls after it use.
    expect(await api.idpDiscoveryPolicyId()).toMatch(/^00p/);
  });

  it('a scope granted but no admin role: E0000006 names the role to assign', async () => {
    const { app, api } = await service({ role: null });
    const error = await failure(api.getUserSchema());
    expect(error).toMatchObject({ status: 403, upstreamCode: 'E0000006' });
    expect(error.message).toContain(
      `assign the ORG_ADMIN role to the service app ${app.clientId} — Admin Console: Applications → the app → Admin roles`,
    );
  });

  it('a key Okta does not know: invalid_client from the token endpoint, not retried', async () => {
    const { app } = await service({});
    const other = await createServiceApp(sim.url, OKTA_TOKEN, {});
    apps.push(other);
    const api = resources.add(
      oktaApi(sim, { credentials: { ...app.credentials, privateKey: other.privateKey }, logger }),
    );
    const error = await failure(api.getUserSchema());
    expect(error).toBeInstanceOf(RejectedUpstreamError);
    expect(error).toMatchObject({
      status: 401,
      upstreamCode: 'invalid_client',
      operation: 'get an access token (OAuth client credentials)',
    });
    expect(error.message).toMatch(/check OKTA_CLIENT_ID, the private key and OKTA_KEY_ID/);
  });

  it('token endpoint refusals: invalid_scope with its description, not retried; a 429 from it is retried (transient)', async () => {
    const { app } = await service({ dpop: true });
    const unknown = resources.add(
      oktaApi(sim, { credentials: { ...app.credentials, scopes: ['okta.users.manage', 'okta.bogus.manage'] }, logger }),
    );
    const before = sim.oauthFigures();
    const error = await failure(unknown.getUserSchema());
    expect(error).toBeInstanceOf(RejectedUpstreamError);
    expect(error).toMatchObject({
      status: 400,
      upstreamCode: 'invalid_scope',
      operation: 'get an access token (OAuth client credentials)',
    });
    expect(error.message).toContain('okta.bogus.manage');
    expect(error.message).toContain('check OKTA_SCOPES');
    // One nonce challenge, then the refusal: not retried.
    expect(sim.oauthFigures().tokenRequests - before.tokenRequests).toBe(2);

    sim.faults.configure({ rules: [{ path: '^/oauth2/v1/token$', burst429: { count: 1, retryAfterSeconds: 0 } }] });
    try {
      const api = resources.add(oktaApi(sim, { credentials: app.credentials, logger }));
      await api.getUserSchema();
      expect(sim.faults.describe().stats.tooManyRequests).toBe(1);
      expect(sim.oauthFigures().refusals['token.assertion_replayed']).toBe(0);
    } finally {
      sim.faults.configure({});
    }
  });

  it('no assertion, proof, token or key in any error message or log line', () => {
    expect(errors.length).toBeGreaterThan(0);
    const texts = [...errors.flatMap(errorTexts), ...logger.lines];
    expect(secretsIn(texts, apps.flatMap(keySecrets))).toEqual([]);
    expect(texts.filter((text) => BARE_TOKEN.test(text))).toEqual([]);
  });
});
