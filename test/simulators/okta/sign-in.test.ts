/**
 * The federated sign-in check against the Beyond Identity simulator, both configured the way a
 * person following the guide with curl would: BI realm, hosted_web authenticator config, OIDC app
 * whose redirect URI is the Okta simulator's callback, identity, EMAIL binding job whose link the
 * person opens and submits; then the Okta user, the OIDC IdP with the app's credentials and
 * auth-host endpoints, and the routing rule. It succeeds for the guide's configuration and fails
 * with a precise reason for each way that configuration goes wrong.
 */
import { channel } from 'node:diagnostics_channel';
import { request } from 'undici';
import {
  startBeyondIdentitySimulator,
  type RunningBeyondIdentitySimulator,
} from '../../../dev/simulators/beyond-identity';
import type { RunningOktaSimulator } from '../../../dev/simulators/okta';
import { idpBody, OktaClient, ruleBody, startSimulator, TIMEOUTS } from './support';

interface SignIn {
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
  reason: string | null;
}
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- curl-style responses

/** One HTTP call as curl makes it: JSON or form body, optional bearer token, no redirects followed. */
async function curl(
  method: string,
  url: string,
  options: { bearer?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<{ status: number; text: string; json: Json }> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const response = await request(url, { method: method as 'GET', headers, body, ...TIMEOUTS });
  const text = await response.body.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // HTML pages
  }
  return { status: response.statusCode, text, json };
}

describe('Okta simulator: federated sign-in check against the Beyond Identity simulator', () => {
  let bi: RunningBeyondIdentitySimulator;
  let sim: RunningOktaSimulator;
  let okta: OktaClient;
  let realmUrl: string;
  let configId: string;
  let application: Json;
  let issuer: string;
  let idpId: string;
  let policyId: string;

  const bm = async (method: string, path: string, json?: unknown): Promise<Json> => {
    const answer = await curl(method, `${realmUrl}${path}`, { bearer: bi.apiToken, json });
    if (answer.status !== 200) throw new Error(`BI ${method} ${path} answered ${answer.status}: ${answer.text}`);
    return answer.json;
  };
  const signIn = (email: string) => okta.ok<SignIn>('POST', '/_sim/sign-in', { email });
  /** The guide's IdP body for the BI application (client_secret_post, idpuser.externalId, USERNAME). */
  const guideIdp = (name = 'Beyond Identity', overrides: Record<string, unknown> = {}) => {
    const body = idpBody(name, issuer, overrides) as Json;
    body.protocol.credentials.client = {
      client_id: application.protocol_config.client_id,
      client_secret: application.protocol_config.client_secret,
    };
    return body;
  };

  /** A BI identity for `email`, optionally with its passkey bound through the emailed link, as the person does it. */
  async function person(email: string, bind: boolean): Promise<void> {
    const identity = await bm('POST', '/identities', {
      identity: {
        display_name: email.split('@')[0],
        traits: { type: 'traits_v0', username: email, primary_email_address: email },
      },
    });
    await bm('POST', `/identities/${identity.id}/credential-binding-jobs`, {
      job: { delivery_method: 'EMAIL', authenticator_config_id: configId },
    });
    if (!bind) return;
    const outbox = await curl('GET', `${bi.managementUrl}/_sim/outbox?email=${encodeURIComponent(email)}`);
    const link = String(outbox.json.messages.at(-1).link);
    const page = await curl('GET', link);
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]+)"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const token = /name="token" value="([^"]+)"/.exec(page.text)![1]!;
    expect((await curl('POST', new URL(action, link).toString(), { form: { token } })).status).toBe(200);
  }

  async function oktaUser(login: string, email = login): Promise<void> {
    await okta.ok('POST', '/api/v1/users?activate=true&provider=true', {
      profile: { firstName: 'Bi', lastName: 'Tester', email, login },
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
  }

  async function route(
    name: string,
    email: string,
    identifier: 'ATTRIBUTE' | 'IDENTIFIER' = 'ATTRIBUTE',
  ): Promise<void> {
    const body = ruleBody(name, idpId, email, { priority: 1 }) as Json;
    if (identifier === 'IDENTIFIER')
      body.conditions.userIdentifier = { type: 'IDENTIFIER', patterns: [{ matchType: 'EQUALS', value: email }] };
    await okta.ok('POST', `/api/v1/policies/${policyId}/rules?activate=true`, body);
  }

  /** Runs `check` with the guide's IdP replaced by `body`, then puts the guide's IdP back. */
  async function withIdp(body: Json, check: () => Promise<void>): Promise<void> {
    await okta.ok('PUT', `/api/v1/idps/${idpId}`, body);
    try {
      await check();
    } finally {
      await okta.ok('PUT', `/api/v1/idps/${idpId}`, guideIdp());
    }
  }

  function expectFailure(result: SignIn, step: string, reason: RegExp): void {
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(new RegExp(`^${step}: `));
    expect(result.reason).toMatch(reason);
    const failed = result.steps.filter((entry) => !entry.ok);
    expect(failed.map((entry) => entry.name)).toEqual([step]);
    expect(result.steps.at(-1)!.name).toBe(step);
    expect(JSON.stringify(result)).not.toContain(application.protocol_config.client_secret);
  }

  beforeAll(async () => {
    bi = await startBeyondIdentitySimulator({ managementPort: 0, authPort: 0 });
    sim = await startSimulator();
    okta = new OktaClient(sim);
    const callback = `${sim.url}/oauth2/v1/authorize/callback`;

    // Beyond Identity, guide steps 1-5.
    const realm = await curl('POST', `${bi.managementUrl}/v1/tenants/${bi.tenantId}/realms`, {
      bearer: bi.apiToken,
      json: { realm: { display_name: 'Okta Delegate IdP', classification: 'SECURE_CUSTOMER' } },
    });
    realmUrl = `${bi.managementUrl}/v1/tenants/${bi.tenantId}/realms/${realm.json.id}`;
    configId = (
      await bm('POST', '/authenticator-configs', {
        authenticator_config: { display_name: 'Okta hosted web', config: { type: 'hosted_web' } },
      })
    ).id;
    application = await bm('POST', '/applications', {
      application: {
        display_name: 'Okta',
        authenticator_config_id: configId,
        protocol_config: {
          type: 'oidc',
          allowed_scopes: [],
          confidentiality: 'confidential',
          token_endpoint_auth_method: 'client_secret_post',
          grant_type: ['authorization_code'],
          redirect_uris: [callback],
          token_configuration: { expires_after: 604800, subject_field: 'email', token_signing_algorithm: 'RS256' },
          pkce: 'disabled',
          token_format: 'self_contained',
        },
      },
    });
    issuer = `${bi.authUrl}/v1/tenants/${bi.tenantId}/realms/${realm.json.id}/applications/${application.id}`;
    await person('alice@example.org', true);

    // Okta, guide steps 6-8.
    await oktaUser('alice@example.org');
    const idp = await okta.ok<Json>('POST', '/api/v1/idps', guideIdp());
    expect(idp._links.clientRedirectUri.href).toBe(callback);
    idpId = idp.id;
    policyId = (await okta.ok<Json[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY'))[0]!.id;
    await route('Beyond Identity - alice@example.org', 'alice@example.org');
  });
  afterAll(async () => {
    await Promise.all([sim?.stop(), bi?.stop()]);
  });

  it('signs in the guide configuration end to end, step by step', async () => {
    const result = await signIn('alice@example.org');
    expect(result).toEqual({ ok: true, reason: null, steps: expect.any(Array) });
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([
      ['route', true],
      ['idp', true],
      ['authorize', true],
      ['token', true],
      ['id_token', true],
      ['username', true],
      ['user', true],
    ]);
    expect(result.steps[0]!.detail).toBe(
      `rule "Beyond Identity - alice@example.org" (priority 1) matches alice@example.org and routes to IdP ${idpId}`,
    );
    expect(result.steps[5]!.detail).toBe('"idpuser.externalId" gives the username "alice@example.org"');
    expect(result.steps[6]!.detail).toMatch(/^Okta user alice@example\.org \(00u\w+\) is ACTIVE and signed in$/);
    expect(JSON.stringify(result)).not.toContain(application.protocol_config.client_secret);
    expect((await okta.ok<Json>('GET', '/api/v1/users/alice%40example.org')).lastLogin).toEqual(expect.any(String));
  });

  it('also signs in with client_secret_basic', async () => {
    const body = guideIdp();
    body.protocol.credentials.client.token_endpoint_auth_method = 'client_secret_basic';
    // The Beyond Identity simulator takes either method, so the token request itself is looked at, on the wire.
    const tokenRequests: { authorization?: string; body: string }[] = [];
    const created = channel('undici:request:create');
    const onCreate = (message: unknown) => {
      const { request: sent } = message as {
        request: { method: string; path: string; headers: string[] | string; body?: unknown };
      };
      if (sent.method !== 'POST' || !sent.path.startsWith(new URL(issuer).pathname) || !sent.path.endsWith('/token'))
        return;
      const lines = Array.isArray(sent.headers)
        ? sent.headers
        : sent.headers.split('\r\n').flatMap((line) => line.split(/:\s*/, 2));
      const at = lines.findIndex((name, index) => index % 2 === 0 && name.toLowerCase() === 'authorization');
      tokenRequests.push({ authorization: at === -1 ? undefined : lines[at + 1], body: String(sent.body ?? '') });
    };
    created.subscribe(onCreate);
    try {
      await withIdp(body, async () => {
        const result = await signIn('alice@example.org');
        expect(result.reason).toBeNull();
        expect(result.steps[3]!.detail).toBe(
          'the token endpoint (client_secret_basic) exchanged the code for an id_token',
        );
      });
    } finally {
      created.unsubscribe(onCreate);
    }
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.authorization?.split(' ')[0]).toBe('Basic');
    const expected = `Basic ${Buffer.from(`${application.protocol_config.client_id}:${application.protocol_config.client_secret}`).toString('base64')}`;
    expect(tokenRequests[0]!.authorization === expected).toBe(true); // compared, not printed: it holds the secret
    expect(new URLSearchParams(tokenRequests[0]!.body).has('client_secret')).toBe(false);
  });

  it('fails at the token exchange with a wrong client secret, never showing a secret', async () => {
    const body = guideIdp();
    body.protocol.credentials.client.client_secret = 'WrongSecretWrongSecretWrongSecret';
    await withIdp(body, async () => {
      const result = await signIn('alice@example.org');
      expectFailure(
        result,
        'token',
        /\/token \(client_secret_post\) answered 401: invalid_client: client authentication failed$/,
      );
      expect(JSON.stringify(result)).not.toContain('WrongSecret');
    });
  });

  it('fails at the IdP when its scopes lack openid', async () => {
    const body = guideIdp();
    body.protocol.scopes = ['profile', 'email'];
    await withIdp(body, async () => {
      expectFailure(
        await signIn('alice@example.org'),
        'idp',
        /requests the scopes \[profile, email\] without "openid"/,
      );
    });
  });

  it('fails at the username with a template the id_token cannot fill (idpuser.email: BI puts the email in sub only)', async () => {
    const body = guideIdp();
    body.policy.subject.userNameTemplate.template = 'idpuser.email';
    await withIdp(body, async () => {
      expectFailure(
        await signIn('alice@example.org'),
        'username',
        /the username template "idpuser\.email" needs the id_token claim "email", which it does not have \(its claims: .*\bsub\b/,
      );
    });
  });

  it('fails at routing when no rule matches the email (the default rule sends them to Okta)', async () => {
    await person('bob@example.org', true);
    await oktaUser('bob@example.org');
    expectFailure(
      await signIn('bob@example.org'),
      'route',
      /^route: no routing rule matches bob@example\.org: the "Default Rule" routes them to Okta, not to an IdP/,
    );
    // A rule on the email attribute needs the Okta user: without one it cannot apply.
    await person('frank@example.org', true);
    await route('Beyond Identity - frank@example.org', 'frank@example.org');
    expectFailure(
      await signIn('frank@example.org'),
      'route',
      /routes them to Okta, not to an IdP \(rules on a profile attribute did not apply: no Okta user has the login frank@example\.org\)$/,
    );
  });

  it('routes by a custom profile property only once the user has the value, and names the property when it does not', async () => {
    const attribute = 'beyondIdentityIntegration';
    await okta.ok('POST', '/api/v1/meta/schemas/user/default', {
      definitions: { custom: { properties: { [attribute]: { title: 'Beyond Identity routing', type: 'string' } } } },
    });
    const body = ruleBody('Beyond Identity - integration', idpId, '', { priority: 1 }) as Json;
    body.conditions.userIdentifier = {
      type: 'ATTRIBUTE',
      attribute,
      patterns: [{ matchType: 'EQUALS', value: 'bi-integration-1' }],
    };
    const rule = await okta.ok<Json>('POST', `/api/v1/policies/${policyId}/rules?activate=true`, body);
    try {
      await person('gina@example.org', true);
      await oktaUser('gina@example.org');
      const notYet =
        /^route: no routing rule matches gina@example\.org: the "Default Rule" routes them to Okta, not to an IdP; rule "Beyond Identity - integration" matches on profile attribute beyondIdentityIntegration = "bi-integration-1"; user gina@example\.org has \(unset\)/;
      expectFailure(await signIn('gina@example.org'), 'route', notYet);

      const user = await okta.ok<Json>('GET', '/api/v1/users/gina%40example.org');
      await okta.ok('POST', `/api/v1/users/${user.id}`, { profile: { [attribute]: 'bi-integration-1' } });
      const routed = await signIn('gina@example.org');
      expect(routed.reason).toBeNull();
      expect(routed.steps[0]!.detail).toBe(
        `rule "Beyond Identity - integration" (priority 1) matches gina@example.org and routes to IdP ${idpId}`,
      );

      await okta.ok('POST', `/api/v1/users/${user.id}`, { profile: { [attribute]: null } });
      expectFailure(await signIn('gina@example.org'), 'route', notYet);
    } finally {
      await okta.call('DELETE', `/api/v1/policies/${policyId}/rules/${rule.id}`);
    }
  });

  it('fails at the authorization request when the person has not bound a passkey', async () => {
    await person('carol@example.org', false);
    await oktaUser('carol@example.org');
    await route('Beyond Identity - carol@example.org', 'carol@example.org');
    expectFailure(
      await signIn('carol@example.org'),
      'authorize',
      /the IdP refused the authorization request: access_denied: identity 'carol@example\.org' \(\w+\) has no active passkey/,
    );
  });

  it("fails at the user match when the Okta user's login is not the IdP username", async () => {
    await person('dave@example.org', true);
    await oktaUser('dave.smith@example.org', 'dave@example.org');
    await route('Beyond Identity - dave@example.org', 'dave@example.org', 'IDENTIFIER');
    expectFailure(
      await signIn('dave@example.org'),
      'user',
      /no Okta user has the login "dave@example\.org" \(matchType USERNAME\); the person who typed dave@example\.org is Okta user dave\.smith@example\.org, which does not match/,
    );
    // With matchType EMAIL the same configuration signs in.
    const body = guideIdp();
    body.policy.subject.matchType = 'EMAIL';
    await withIdp(body, async () => {
      expect((await signIn('dave@example.org')).ok).toBe(true);
    });
  });

  it('fails at the user when the matching Okta user is not ACTIVE', async () => {
    await person('erin@example.org', true);
    await okta.ok('POST', '/api/v1/users?activate=false', {
      profile: { firstName: 'E', lastName: 'Rin', email: 'erin@example.org', login: 'erin@example.org' },
    });
    await route('Beyond Identity - erin@example.org', 'erin@example.org');
    expectFailure(
      await signIn('erin@example.org'),
      'user',
      /Okta user erin@example\.org \(00u\w+\) matches but is STAGED, not ACTIVE/,
    );
  });

  it('fails at the IdP when it is INACTIVE, and routes past an INACTIVE rule saying so', async () => {
    await okta.ok('POST', `/api/v1/idps/${idpId}/lifecycle/deactivate`);
    try {
      expectFailure(await signIn('alice@example.org'), 'idp', /IdP "Beyond Identity" \(0oa\w+\) is INACTIVE/);
    } finally {
      await okta.ok('POST', `/api/v1/idps/${idpId}/lifecycle/activate`);
    }
    const rules = await okta.ok<Json[]>('GET', `/api/v1/policies/${policyId}/rules`);
    const alice = rules.find((rule) => rule.name === 'Beyond Identity - alice@example.org')!;
    await okta.call('POST', `/api/v1/policies/${policyId}/rules/${alice.id}/lifecycle/deactivate`);
    try {
      expectFailure(
        await signIn('alice@example.org'),
        'route',
        /Default Rule.*\(rule "Beyond Identity - alice@example\.org" \(priority \d+\) would match but is INACTIVE\)/,
      );
    } finally {
      await okta.call('POST', `/api/v1/policies/${policyId}/rules/${alice.id}/lifecycle/activate`);
    }
  });

  it('refuses to call an IdP endpoint that is not on loopback', async () => {
    await withIdp(guideIdp('Beyond Identity', {}), async () => {
      const body = guideIdp();
      body.protocol.endpoints.authorization.url =
        'https://auth-us.beyondidentity.com/v1/tenants/T/realms/R/applications/A/authorize';
      await okta.ok('PUT', `/api/v1/idps/${idpId}`, body);
      expectFailure(
        await signIn('alice@example.org'),
        'authorize',
        /is not on a loopback host \(127\.0\.0\.0\/8, ::1 or localhost\)/,
      );
    });
  });

  it("fails at the id_token when the IdP's issuer is not the application URL", async () => {
    const body = guideIdp();
    body.protocol.issuer.url = `${bi.authUrl}/v1/tenants/${bi.tenantId}`;
    await withIdp(body, async () => {
      expectFailure(
        await signIn('alice@example.org'),
        'id_token',
        /the id_token's iss is "http:\/\/[^"]+\/applications\/[\w-]+", but the IdP's issuer is configured as "http:\/\/[^"]+\/v1\/tenants\/\w+"$/,
      );
    });
  });

  it('answers 400 to a sign-in request without an email', async () => {
    const answer = await okta.call('POST', '/_sim/sign-in', { body: { mail: 'x' } });
    expect(answer.status).toBe(400);
    expect((await okta.call('POST', '/_sim/sign-in', { raw: '{' })).status).toBe(400);
  });
});
