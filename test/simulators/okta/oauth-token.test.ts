/**
 * The token endpoint (docs/contracts/okta.md §8.1–8.4): client credentials with a private_key_jwt assertion
 * from an RSA or EC key, requested ∩ granted scopes, every assertion refusal with the contract's
 * answer, single-use jti, the DPoP nonce dance, and the counters.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  clientAssertion,
  credentialsForm,
  dpopProof,
  JWT_BEARER,
  makeKey,
  privateJwk,
  setUpServiceApp,
  tokenRequest,
  tokenUrl,
  type ClientKey,
  type ServiceApp,
} from './oauth-support';
import { expectOktaError, OktaClient, startSimulator, useSimulator, type Exchange } from './support';

interface TokenBody {
  token_type: string;
  expires_in: number;
  access_token: string;
  scope: string;
}

function expectOAuthError(exchange: Exchange, status: number, error: string, description?: RegExp): void {
  expect({ status: exchange.status, body: exchange.body }).toEqual({
    status,
    body: { error, error_description: expect.any(String) },
  });
  if (description) expect((exchange.body as { error_description: string }).error_description).toMatch(description);
}

describe('Okta simulator: the token endpoint', () => {
  const t = useSimulator();
  let rsa: ClientKey;
  let ec: ClientKey;
  let other: ClientKey;
  let app: ServiceApp;
  beforeAll(async () => {
    [rsa, ec, other] = await Promise.all([
      makeKey('RS256', 'rsa-1'),
      makeKey('ES256', 'ec-1'),
      makeKey('RS256', 'rsa-1'),
    ]);
    app = await setUpServiceApp(t.okta, 'token app', [rsa, ec], {
      scopes: ['okta.users.read', 'okta.groups.manage'],
      roles: ['USER_ADMIN'],
    });
  });

  const request = async (
    key: ClientKey,
    scope: string,
    options: Parameters<typeof clientAssertion>[3] = {},
    headers: Record<string, string> = {},
  ) => tokenRequest(t.sim, credentialsForm(await clientAssertion(t.sim, app.clientId, key, options), scope), headers);

  it('issues a Bearer token for an assertion signed with the RSA key or the EC key; a DPoP header sent to a non-DPoP app is ignored', async () => {
    for (const key of [rsa, ec]) {
      const answer = await request(
        key,
        'okta.users.read okta.groups.manage',
        {},
        { dpop: await dpopProof(key, 'POST', tokenUrl(t.sim)) },
      );
      expect(answer.status).toBe(200);
      const body = answer.body as TokenBody;
      expect(body).toEqual({
        token_type: 'Bearer',
        expires_in: 3600,
        access_token: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
        scope: 'okta.users.read okta.groups.manage',
      });
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['x-rate-limit-limit']).toBe('600');
    }
  });

  it('drops requested scopes the app is not granted, silently; refuses when none, or no scope, is left (400 invalid_scope)', async () => {
    expect(((await request(rsa, 'okta.users.read okta.users.manage okta.apps.read')).body as TokenBody).scope).toBe(
      'okta.users.read',
    );
    expectOAuthError(await request(rsa, 'okta.apps.read'), 400, 'invalid_scope');
    expectOAuthError(await request(rsa, ''), 400, 'invalid_scope', /^No scopes were requested\.$/);
    expectOAuthError(await request(rsa, 'openid okta.users.read'), 400, 'invalid_scope', /openid/);
  });

  it('refuses bad assertions with 401 invalid_client: wrong aud, iss, unknown client, expired, too long, future iat, unknown or missing kid, bad signature', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, ClientKey, Parameters<typeof clientAssertion>[3], RegExp][] = [
      ['wrong aud', rsa, { claims: { aud: `${t.sim.url}/oauth2/default/v1/token` } }, /audience/],
      ['aud with a trailing slash', rsa, { claims: { aud: `${tokenUrl(t.sim)}/` } }, /audience/],
      ['iss is not sub', rsa, { claims: { iss: 'someone-else' } }, /iss and sub/],
      ['unknown client', rsa, { claims: { iss: '0oaNoSuchClient00000', sub: '0oaNoSuchClient00000' } }, /client_id/],
      ['expired', rsa, { claims: { iat: now - 600, exp: now - 60 } }, /expired/],
      ['no exp', rsa, { claims: { exp: undefined } }, /exp/],
      ['exp more than an hour ahead', rsa, { claims: { exp: now + 3700 } }, /future/],
      ['iat in the future', rsa, { claims: { iat: now + 120 } }, /future/],
      ['unknown kid', rsa, { header: { kid: 'rsa-2' } }, /kid is invalid/],
      ['missing kid with two keys', rsa, { header: { kid: undefined } }, /kid is invalid/],
      ['bad signature (another key, same kid)', rsa, { signWith: other }, /signature/],
      ['alg the key cannot verify', rsa, { header: { alg: 'ES256' }, signWith: ec }, /signature/],
    ];
    for (const [name, key, options, description] of cases) {
      const answer = await request(key, 'okta.users.read', options);
      expect([name, answer.status, (answer.body as { error?: string }).error]).toEqual([name, 401, 'invalid_client']);
      expect([name, (answer.body as { error_description: string }).error_description]).toEqual([
        name,
        expect.stringMatching(description),
      ]);
    }
  });

  it('accepts an assertion without kid when the app has exactly one key', async () => {
    const single = await setUpServiceApp(t.okta, 'single key app', [ec], { scopes: ['okta.users.read'] });
    const answer = await tokenRequest(
      t.sim,
      credentialsForm(
        await clientAssertion(t.sim, single.clientId, ec, { header: { kid: undefined } }),
        'okta.users.read',
      ),
    );
    expect(answer.status).toBe(200);
  });

  it('refuses a replayed assertion (same jti) and an inactive app', async () => {
    const assertion = await clientAssertion(t.sim, app.clientId, rsa, { claims: { jti: randomUUID() } });
    expect((await tokenRequest(t.sim, credentialsForm(assertion, 'okta.users.read'))).status).toBe(200);
    expectOAuthError(
      await tokenRequest(t.sim, credentialsForm(assertion, 'okta.users.read')),
      401,
      'invalid_client',
      /already been used/,
    );
    const inactive = await setUpServiceApp(t.okta, 'inactive token app', [rsa], { scopes: ['okta.users.read'] });
    await t.okta.ok('POST', `/api/v1/apps/${inactive.id}/lifecycle/deactivate`);
    expectOAuthError(
      await tokenRequest(
        t.sim,
        credentialsForm(await clientAssertion(t.sim, inactive.clientId, rsa), 'okta.users.read'),
      ),
      401,
      'invalid_client',
    );
  });

  it('answers malformed requests in OAuth shape: grant type, client credentials, content type', async () => {
    const assertion = () => clientAssertion(t.sim, app.clientId, rsa);
    const form = async (changes: Record<string, string | undefined>) => {
      const base: Record<string, string | undefined> = {
        ...credentialsForm(await assertion(), 'okta.users.read'),
        ...changes,
      };
      return Object.fromEntries(
        Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
    };
    expectOAuthError(await tokenRequest(t.sim, await form({ grant_type: undefined })), 400, 'invalid_request');
    expectOAuthError(await tokenRequest(t.sim, await form({ grant_type: 'password' })), 400, 'unsupported_grant_type');
    expectOAuthError(
      await tokenRequest(t.sim, await form({ client_assertion: undefined, client_assertion_type: undefined })),
      401,
      'invalid_client',
      /No client credentials found/,
    );
    expectOAuthError(
      await tokenRequest(t.sim, await form({ client_assertion_type: 'urn:other' })),
      400,
      'invalid_request',
      /client_assertion_type/,
    );
    expectOAuthError(
      await tokenRequest(t.sim, await form({ client_secret: 'a-secret-too' })),
      400,
      'invalid_request',
      /multiple client credentials/,
    );
    expectOAuthError(
      await tokenRequest(t.sim, await form({ client_id: '0oaSomeoneElse000000' })),
      401,
      'invalid_client',
    );
    const json = await t.okta.call('POST', '/oauth2/v1/token', {
      authorization: null,
      body: {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: await assertion(),
        scope: 'okta.users.read',
      },
    });
    expectOAuthError(json, 400, 'invalid_request', /form-encoded/);
  });

  it('makes a DPoP app go through the nonce challenge, then issues a DPoP token; refuses missing, wrong and replayed proofs', async () => {
    const dpopApp = await setUpServiceApp(t.okta, 'dpop app', [ec], { scopes: ['okta.users.read'], dpop: true });
    const proofKey = await makeKey('ES256', 'proof');
    const ask = async (proof?: string) =>
      tokenRequest(
        t.sim,
        credentialsForm(await clientAssertion(t.sim, dpopApp.clientId, ec), 'okta.users.read'),
        proof === undefined ? {} : { dpop: proof },
      );
    expectOAuthError(await ask(), 400, 'invalid_dpop_proof', /header is missing/);
    const challenge = await ask(await dpopProof(proofKey, 'POST', tokenUrl(t.sim)));
    expectOAuthError(challenge, 400, 'use_dpop_nonce', /^Authorization server requires nonce in DPoP proof\.$/);
    const nonce = challenge.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expectOAuthError(
      await ask(await dpopProof(proofKey, 'POST', tokenUrl(t.sim), { nonce: 'stale' })),
      400,
      'use_dpop_nonce',
    );
    expectOAuthError(
      await ask(await dpopProof(proofKey, 'POST', `${t.sim.url}/oauth2/v1/token/`, { nonce })),
      400,
      'invalid_dpop_proof',
      /'htu'/,
    );
    expectOAuthError(
      await ask(await dpopProof(proofKey, 'GET', tokenUrl(t.sim), { nonce })),
      400,
      'invalid_dpop_proof',
      /'htm'/,
    );
    expectOAuthError(
      await ask(
        await dpopProof(proofKey, 'POST', tokenUrl(t.sim), { nonce, iat: Math.floor(Date.now() / 1000) - 3600 }),
      ),
      400,
      'invalid_dpop_proof',
      /'iat'/,
    );
    const claims = { htm: 'POST', htu: tokenUrl(t.sim), iat: Math.floor(Date.now() / 1000), nonce };
    const withPrivateKey = await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await privateJwk(proofKey) })
      .sign(proofKey.privateKey);
    expectOAuthError(await ask(withPrivateKey), 400, 'invalid_dpop_proof', /'jwk'/);
    const plainJwt = await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ typ: 'JWT', alg: 'ES256', jwk: proofKey.publicJwk })
      .sign(proofKey.privateKey);
    expectOAuthError(await ask(plainJwt), 400, 'invalid_dpop_proof', /'typ'/);
    const proof = await dpopProof(proofKey, 'POST', tokenUrl(t.sim), { nonce });
    const issued = await ask(proof);
    expect(issued.status).toBe(200);
    expect(issued.body).toEqual({
      token_type: 'DPoP',
      expires_in: 3600,
      access_token: expect.any(String),
      scope: 'okta.users.read',
    });
    expectOAuthError(await ask(proof), 400, 'invalid_dpop_proof', /^The DPoP proof JWT has already been used\.$/);
    // After a renewal the nonce handed out changes; the one before still works.
    t.sim.renewDpopNonce();
    expect((await ask(await dpopProof(proofKey, 'POST', tokenUrl(t.sim), { nonce }))).status).toBe(200);
    expect((await ask(await dpopProof(proofKey, 'POST', tokenUrl(t.sim)))).headers['dpop-nonce']).not.toBe(nonce);
  });

  it('counts token requests, tokens issued, nonce challenges and refusals by reason', async () => {
    const before = t.sim.oauthFigures();
    const dpopApp = await setUpServiceApp(t.okta, 'counted dpop app', [rsa], {
      scopes: ['okta.users.read'],
      dpop: true,
    });
    const proofKey = await makeKey('RS256', 'proof');
    const challenge = await tokenRequest(
      t.sim,
      credentialsForm(await clientAssertion(t.sim, dpopApp.clientId, rsa), 'okta.users.read'),
      { dpop: await dpopProof(proofKey, 'POST', tokenUrl(t.sim)) },
    );
    const nonce = challenge.headers['dpop-nonce'] as string;
    await tokenRequest(t.sim, credentialsForm(await clientAssertion(t.sim, dpopApp.clientId, rsa), 'okta.users.read'), {
      dpop: await dpopProof(proofKey, 'POST', tokenUrl(t.sim), { nonce }),
    });
    await request(rsa, 'okta.users.read');
    await request(rsa, 'okta.apps.read');
    await request(rsa, 'okta.users.read', { header: { kid: 'nope' } });
    const after = t.sim.oauthFigures();
    expect(after.tokenRequests - before.tokenRequests).toBe(5);
    expect(after.tokensIssued.DPoP - before.tokensIssued.DPoP).toBe(1);
    expect(after.tokensIssued.Bearer - before.tokensIssued.Bearer).toBe(1);
    expect(after.nonceChallenges - before.nonceChallenges).toBe(1);
    expect(after.refusals['token.invalid_scope'] - before.refusals['token.invalid_scope']).toBe(1);
    expect(after.refusals['token.invalid_client'] - before.refusals['token.invalid_client']).toBe(1);
    const state = await t.okta.ok<{ oauth: unknown }>('GET', '/_sim/state');
    expect(state.oauth).toEqual(t.sim.oauthFigures());
  });

  it('counts every token request in the oauthToken bucket and refuses the one over it with 429 E0000047', async () => {
    const sim = await startSimulator({ rateLimits: { oauthToken: 2, windowSeconds: 3600 } });
    try {
      const limited = await setUpServiceApp(new OktaClient(sim), 'rate limited', [rsa], {
        scopes: ['okta.users.read'],
      });
      const ask = async () =>
        tokenRequest(sim, credentialsForm(await clientAssertion(sim, limited.clientId, rsa), 'okta.users.read'));
      const first = await ask();
      expect([first.status, first.headers['x-rate-limit-limit'], first.headers['x-rate-limit-remaining']]).toEqual([
        200,
        '2',
        '1',
      ]);
      // A refused request counts too: the client is known only once the body is read.
      expectOAuthError(await tokenRequest(sim, { grant_type: 'password' }), 400, 'unsupported_grant_type');
      const over = await ask();
      expectOktaError(over, 429, 'E0000047');
      expect(over.headers['x-rate-limit-remaining']).toBe('0');
      expect(sim.rateLimitTotals().find((total) => total.bucket === 'oauthToken')).toEqual({
        bucket: 'oauthToken',
        counted: 2,
        refused: 1,
      });
    } finally {
      await sim.stop();
    }
  });
});
