/**
 * API calls with OAuth access tokens (docs/contracts/okta.md §8.4, §10): Bearer and DPoP (proof with ath, htu
 * on the decoded path, single-use jti), the scope check (403, empty body, WWW-Authenticate in the
 * contract's form), the admin-role check (403 E0000006), a revoked grant, scheme mismatches,
 * expiry with a short token lifetime, and the counters.
 */
import {
  acrossRestart,
  callWith,
  dpopProof,
  makeKey,
  obtainToken,
  setUpServiceApp,
  type ClientKey,
  type Token,
} from './oauth-support';
import { expectOktaError, OktaClient, sleep, startSimulator, userBody, useSimulator, type Exchange } from './support';

const ALGS = 'RS256 RS384 RS512 ES256 ES384 ES512';

function challenge(exchange: Exchange): string | undefined {
  return exchange.headers['www-authenticate'] as string | undefined;
}

describe('Okta simulator: API calls with OAuth access tokens', () => {
  const t = useSimulator();
  let key: ClientKey;
  let proofKey: ClientKey;
  beforeAll(async () => {
    [key, proofKey] = await Promise.all([makeKey('RS256', 'svc-1'), makeKey('ES256', 'proof-1')]);
  });

  it('lets a Bearer token call within its scopes and roles; a missing scope is 403 with no body and the Bearer challenge', async () => {
    const app = await setUpServiceApp(t.okta, 'bearer caller', [key], {
      scopes: ['okta.users.read', 'okta.groups.manage'],
      roles: ['USER_ADMIN'],
    });
    const token = await obtainToken(t.sim, app, key, 'okta.users.read okta.groups.manage');
    expect(token.scheme).toBe('Bearer');
    const list = await callWith(t.okta, token, 'GET', '/api/v1/users');
    expect(list.status).toBe(200);
    expect(list.headers['x-rate-limit-limit']).toBe('600');
    // manage includes read
    expect((await callWith(t.okta, token, 'GET', '/api/v1/groups')).status).toBe(200);
    expect(
      (await callWith(t.okta, token, 'POST', '/api/v1/groups', { body: { profile: { name: 'By OAuth' } } })).status,
    ).toBe(200);

    const denied = await callWith(t.okta, token, 'POST', '/api/v1/users?activate=false', {
      body: userBody('no.scope@example.org'),
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toBeUndefined();
    expect(challenge(denied)).toBe(
      `Bearer authorization_uri="${t.sim.url}/oauth2/v1/authorize", realm="${t.sim.url}", scope="okta.users.manage", error="insufficient_scope", ` +
        `error_description="The access token provided does not contain the required scopes.", resource="/api/v1/users"`,
    );
    expect(challenge(await callWith(t.okta, token, 'GET', '/api/v1/idps'))).toContain('scope="okta.idps.read"');
    // Nothing was created.
    expectOktaError(await t.okta.call('GET', '/api/v1/users/no.scope%40example.org'), 404, 'E0000007');
  });

  it("refuses what the client's admin roles do not allow with 403 E0000006, after the scope check", async () => {
    const scopes = ['okta.users.manage', 'okta.apps.read', 'okta.idps.manage', 'okta.roles.read'];
    const none = await setUpServiceApp(t.okta, 'no role', [key], { scopes });
    const org = await setUpServiceApp(t.okta, 'org admin', [key], { scopes, roles: ['ORG_ADMIN'] });
    const readOnly = await setUpServiceApp(t.okta, 'read only', [key], { scopes, roles: ['READ_ONLY_ADMIN'] });
    const tokens = {
      none: await obtainToken(t.sim, none, key, scopes.join(' ')),
      org: await obtainToken(t.sim, org, key, scopes.join(' ')),
      readOnly: await obtainToken(t.sim, readOnly, key, scopes.join(' ')),
    };
    expectOktaError(await callWith(t.okta, tokens.none, 'GET', '/api/v1/users'), 403, 'E0000006');
    expect((await callWith(t.okta, tokens.org, 'GET', '/api/v1/users')).status).toBe(200);
    expect((await callWith(t.okta, tokens.org, 'GET', '/api/v1/idps')).status).toBe(200);
    // Org admins cannot manage applications or admin roles.
    expectOktaError(await callWith(t.okta, tokens.org, 'GET', '/api/v1/apps'), 403, 'E0000006');
    expectOktaError(
      await callWith(t.okta, tokens.org, 'GET', `/oauth2/v1/clients/${org.clientId}/roles`),
      403,
      'E0000006',
    );
    expect((await callWith(t.okta, tokens.readOnly, 'GET', '/api/v1/apps')).status).toBe(200);
    expectOktaError(
      await callWith(t.okta, tokens.readOnly, 'POST', '/api/v1/users?activate=false', {
        body: userBody('read.only@example.org'),
      }),
      403,
      'E0000006',
    );
    // The scope check comes first: a missing scope is the empty 403 even without a role.
    const unscoped = await callWith(t.okta, tokens.none, 'GET', '/api/v1/groups');
    expect([unscoped.status, unscoped.body, challenge(unscoped)]).toEqual([
      403,
      undefined,
      expect.stringContaining('scope="okta.groups.read"'),
    ]);
  });

  it('takes a revoked grant away from tokens already issued', async () => {
    const app = await setUpServiceApp(t.okta, 'revoked', [key], {
      scopes: ['okta.users.read'],
      roles: ['SUPER_ADMIN'],
    });
    const token = await obtainToken(t.sim, app, key, 'okta.users.read');
    expect((await callWith(t.okta, token, 'GET', '/api/v1/users')).status).toBe(200);
    const [grant] = await t.okta.ok<{ id: string }[]>('GET', `/api/v1/apps/${app.id}/grants`);
    expect((await t.okta.call('DELETE', `/api/v1/apps/${app.id}/grants/${grant!.id}`)).status).toBe(204);
    const denied = await callWith(t.okta, token, 'GET', '/api/v1/users');
    expect([denied.status, challenge(denied)]).toEqual([403, expect.stringContaining('error="insufficient_scope"')]);
  });

  describe('DPoP-bound tokens', () => {
    let token: Token;
    beforeAll(async () => {
      const app = await setUpServiceApp(t.okta, 'dpop caller', [key], {
        scopes: ['okta.users.manage'],
        roles: ['USER_ADMIN'],
        dpop: true,
      });
      token = await obtainToken(t.sim, app, key, 'okta.users.manage', proofKey);
      expect(token.scheme).toBe('DPoP');
    });

    it('calls with DPoP and a fresh proof carrying ath; htu is the origin plus the percent-decoded path, without the query', async () => {
      const created = await callWith(t.okta, token, 'POST', '/api/v1/users?activate=false', {
        proofKey,
        body: userBody('dpop.user@example.org'),
      });
      expect(created.status).toBe(200);
      expect((await callWith(t.okta, token, 'GET', '/api/v1/users/dpop.user%40example.org', { proofKey })).status).toBe(
        200,
      );
      // A proof whose htu keeps %40 does not match (docs/contracts/okta.md §8.4: Okta compares the decoded path).
      const encodedHtu = await dpopProof(proofKey, 'GET', `${t.sim.url}/api/v1/users/dpop.user%40example.org`, {
        accessToken: token.value,
      });
      const refused = await callWith(t.okta, token, 'GET', '/api/v1/users/dpop.user%40example.org', {
        proof: encodedHtu,
      });
      expect([refused.status, challenge(refused)]).toEqual([
        400,
        expect.stringContaining(
          `error="invalid_dpop_proof", error_description="'htu' claim in the DPoP proof JWT is invalid."`,
        ),
      ]);
    });

    it('refuses a replayed proof with 400 and the DPoP challenge the contract quotes', async () => {
      const proof = await dpopProof(proofKey, 'GET', `${t.sim.url}/api/v1/users`, { accessToken: token.value });
      expect((await callWith(t.okta, token, 'GET', '/api/v1/users', { proof })).status).toBe(200);
      const replay = await callWith(t.okta, token, 'GET', '/api/v1/users', { proof });
      expect(replay.status).toBe(400);
      expect(replay.body).toBeUndefined();
      expect(challenge(replay)).toBe(
        `DPoP algs="${ALGS}", authorization_uri="${t.sim.url}/oauth2/v1/authorize", realm="${t.sim.url}", scope="okta.users.read", error="invalid_dpop_proof", ` +
          `error_description="The DPoP proof JWT has already been used.", resource="/api/v1/users"`,
      );
    });

    it('refuses proofs without ath or with the wrong one, for another method, by another key, or missing', async () => {
      const htu = `${t.sim.url}/api/v1/users`;
      const cases: [string, string | undefined, RegExp][] = [
        ['no ath', await dpopProof(proofKey, 'GET', htu), /'ath'/],
        ['wrong ath', await dpopProof(proofKey, 'GET', htu, { accessToken: 'another-token' }), /'ath'/],
        ['wrong htm', await dpopProof(proofKey, 'POST', htu, { accessToken: token.value }), /'htm'/],
        [
          'another key',
          await dpopProof(await makeKey('ES256', 'stranger'), 'GET', htu, { accessToken: token.value }),
          /key/,
        ],
        [
          'htu with the query',
          await dpopProof(proofKey, 'GET', `${htu}?limit=1`, { accessToken: token.value }),
          /'htu'/,
        ],
      ];
      for (const [name, proof, description] of cases) {
        const answer = await callWith(
          t.okta,
          token,
          'GET',
          name === 'htu with the query' ? '/api/v1/users?limit=1' : '/api/v1/users',
          { proof },
        );
        expect([name, answer.status]).toEqual([name, 400]);
        expect([name, challenge(answer)]).toEqual([name, expect.stringMatching(description)]);
      }
      const missing = await t.okta.call('GET', '/api/v1/users', { authorization: `DPoP ${token.value}` });
      expect([missing.status, challenge(missing)]).toEqual([
        400,
        expect.stringContaining('The DPoP proof JWT header is missing.'),
      ]);
    });

    it('gives a missing scope the DPoP form of the challenge', async () => {
      const denied = await callWith(t.okta, token, 'GET', '/api/v1/groups', { proofKey });
      expect([denied.status, denied.body]).toEqual([403, undefined]);
      expect(challenge(denied)).toBe(
        `DPoP algs="${ALGS}", authorization_uri="${t.sim.url}/oauth2/v1/authorize", realm="${t.sim.url}", scope="okta.groups.read", error="insufficient_scope", ` +
          `error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups"`,
      );
    });

    it('refuses a DPoP token presented as Bearer, and a Bearer token presented as DPoP (401 invalid_token)', async () => {
      const asBearer = await t.okta.call('GET', '/api/v1/users', { authorization: `Bearer ${token.value}` });
      expectOktaError(asBearer, 401, 'E0000011');
      expect(challenge(asBearer)).toMatch(/^DPoP algs=.*error="invalid_token"/);
      const app = await setUpServiceApp(t.okta, 'bearer for dpop', [key], {
        scopes: ['okta.users.read'],
        roles: ['USER_ADMIN'],
      });
      const bearer = await obtainToken(t.sim, app, key, 'okta.users.read');
      const asDpop = await callWith(t.okta, { ...bearer, scheme: 'DPoP' }, 'GET', '/api/v1/users', { proofKey });
      expectOktaError(asDpop, 401, 'E0000011');
      expect(challenge(asDpop)).toMatch(/^Bearer .*error="invalid_token"/);
    });
  });

  it('refuses unknown tokens with 401 E0000011 and an invalid_token challenge; API tokens stay unrestricted', async () => {
    const unknown = await t.okta.call('GET', '/api/v1/users', { authorization: 'Bearer not-a-token-it-issued' });
    expectOktaError(unknown, 401, 'E0000011');
    expect(challenge(unknown)).toMatch(/^Bearer .*error="invalid_token"/);
    // What okta-sdk-nodejs sends after caching a token-endpoint error as its token (docs/contracts/okta.md §8.5).
    expectOktaError(await t.okta.call('GET', '/api/v1/users', { authorization: 'Bearer undefined' }), 401, 'E0000011');
    expect((await t.okta.call('GET', '/api/v1/apps')).status).toBe(200);
    expect((await t.okta.call('GET', '/api/v1/users', { authorization: `Bearer ${t.sim.apiToken}` })).status).toBe(200);
  });

  it('stops accepting a token once its lifetime (accessTokenLifetimeSeconds) is over', async () => {
    const sim = await startSimulator({ accessTokenLifetimeSeconds: 1 });
    try {
      const okta = new OktaClient(sim);
      const app = await setUpServiceApp(okta, 'short lived', [key], {
        scopes: ['okta.users.read'],
        roles: ['USER_ADMIN'],
      });
      const token = await obtainToken(sim, app, key, 'okta.users.read');
      const started = Date.now();
      expect((await callWith(okta, token, 'GET', '/api/v1/users')).status).toBe(200);
      let answer = await callWith(okta, token, 'GET', '/api/v1/users');
      while (answer.status === 200 && Date.now() - started < 5_000) {
        await sleep(100);
        answer = await callWith(okta, token, 'GET', '/api/v1/users');
      }
      expectOktaError(answer, 401, 'E0000011');
      expect(challenge(answer)).toContain('error="invalid_token"');
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      // A new token works again (what a client does on the 401).
      expect(
        (await callWith(okta, await obtainToken(sim, app, key, 'okta.users.read'), 'GET', '/api/v1/users')).status,
      ).toBe(200);
    } finally {
      await sim.stop();
    }
  });

  it('forgets issued tokens on a restart (they live in memory only): the old one gets 401, a new one works', async () => {
    await acrossRestart(
      async (sim) => {
        const app = await setUpServiceApp(new OktaClient(sim), 'restarted', [key], {
          scopes: ['okta.users.read'],
          roles: ['USER_ADMIN'],
        });
        return { app, token: await obtainToken(sim, app, key, 'okta.users.read') };
      },
      async (sim, { app, token }) => {
        const okta = new OktaClient(sim);
        expectOktaError(await callWith(okta, token, 'GET', '/api/v1/users'), 401, 'E0000011');
        expect(
          (await callWith(okta, await obtainToken(sim, app, key, 'okta.users.read'), 'GET', '/api/v1/users')).status,
        ).toBe(200);
      },
    );
  });

  it('counts resource calls and refusals by reason, and never shows tokens in /_sim/state', async () => {
    const before = t.sim.oauthFigures();
    const app = await setUpServiceApp(t.okta, 'counted caller', [key], { scopes: ['okta.users.read'] });
    const token = await obtainToken(t.sim, app, key, 'okta.users.read');
    await callWith(t.okta, token, 'GET', '/api/v1/users'); // no role
    await t.okta.ok('POST', `/oauth2/v1/clients/${app.clientId}/roles`, { type: 'HELP_DESK_ADMIN' });
    await callWith(t.okta, token, 'GET', '/api/v1/users');
    await callWith(t.okta, token, 'GET', '/api/v1/groups'); // no scope
    const after = t.sim.oauthFigures();
    expect(after.resourceCalls.Bearer - before.resourceCalls.Bearer).toBe(1);
    expect(after.refusals['resource.missing_role'] - before.refusals['resource.missing_role']).toBe(1);
    expect(after.refusals['resource.insufficient_scope'] - before.refusals['resource.insufficient_scope']).toBe(1);
    const state = await t.okta.call('GET', '/_sim/state');
    expect((state.body as { oauth: unknown }).oauth).toEqual(after);
    expect(JSON.stringify(state.body)).not.toContain(token.value);
  });
});
