/** Unit tests of the clients' pure logic: header parsing, buckets, drift, reuse rules, redaction. */
import {
  pickReusableJob,
  usernameProblem,
  applicationDrift,
  oidcEndpoints,
} from '../../src/clients/beyond-identity/ensure';
import { normalizeEmail as usernameFor } from '../../src/util/email';
import {
  RejectedUpstreamError,
  TransientUpstreamError,
  MalformedUpstreamResponseError,
} from '../../src/clients/http/errors';
import { retryAfterMs } from '../../src/clients/http/retry-after';
import { redactSecrets, registerSecret, REDACTED } from '../../src/clients/http/secrets';
import { nextLink, linkRelations } from '../../src/clients/okta/link-header';
import { oktaBucket, observeOktaHeaders } from '../../src/clients/okta/rate-limits';
import { filterLiteral } from '../../src/clients/okta/api';
import { ruleDrift, routingRuleBody, idpDrift, oidcIdpBody } from '../../src/clients/okta/ensure';
import { routingPropertyProblems } from '../../src/clients/okta/routing-property';

describe('Link headers', () => {
  const self = '<https://example.okta.com/api/v1/users?limit=2>; rel="self"';
  const next = '<https://example.okta.com/api/v1/users?after=00u1abc&limit=2>; rel="next"';
  it('parse as separate header lines', () => {
    expect(nextLink({ link: [self, next] })).toBe('https://example.okta.com/api/v1/users?after=00u1abc&limit=2');
  });
  it('parse when joined into one value with ", "', () => {
    expect(nextLink({ link: `${self}, ${next}` })).toBe('https://example.okta.com/api/v1/users?after=00u1abc&limit=2');
    expect(linkRelations({ link: `${self}, ${next}` }).get('self')).toBe(
      'https://example.okta.com/api/v1/users?limit=2',
    );
  });
  it('have no next on the last page', () => {
    expect(nextLink({ link: self })).toBeUndefined();
    expect(nextLink({})).toBeUndefined();
  });
});

describe('the wait a 429 asks for', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads Retry-After in seconds and as a date', () => {
    expect(retryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(
      retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT', date: 'Thu, 01 Jan 2026 00:00:00 GMT' }, now),
    ).toBe(5000);
  });
  it('reads X-Rate-Limit-Reset against the response Date, not our clock', () => {
    const serverNow = now + 3_600_000; // the server's clock is an hour ahead of ours
    const headers = { 'x-rate-limit-reset': String(serverNow / 1000 + 10), date: new Date(serverNow).toUTCString() };
    expect(retryAfterMs(headers, now)).toBe(11_000); // 10 s plus the 1 s the rounding margin adds
  });
  it('distrusts a duplicated reset header and falls back to nothing', () => {
    expect(retryAfterMs({ 'x-rate-limit-reset': '1767225610, 1767225610' }, now)).toBeUndefined();
  });
  it('reads RateLimit-Reset deltas', () => {
    expect(retryAfterMs({ 'ratelimit-reset': '7' }, now)).toBe(7000);
  });
});

describe('Okta rate-limit buckets', () => {
  it('follow the contract', () => {
    expect(oktaBucket('GET', '/api/v1/users')).toBe('users-collection');
    expect(oktaBucket('GET', '/api/v1/logs')).toBe('logs');
    expect(oktaBucket('POST', '/api/v1/users')).toBe('users-collection');
    expect(oktaBucket('GET', '/api/v1/users/a%40b.com')).toBe('user-by-id');
    expect(oktaBucket('DELETE', '/api/v1/users/00u1')).toBe('user-mutations');
    expect(oktaBucket('POST', '/api/v1/users/00u1/lifecycle/activate')).toBe('user-mutations');
    expect(oktaBucket('GET', '/api/v1/users/00u1/groups')).toBe('other');
    expect(oktaBucket('GET', '/api/v1/idps')).toBe('other');
    expect(oktaBucket('POST', '/api/v1/policies/00p1/rules')).toBe('other');
  });
  it('turn headers into an observation on our clock', () => {
    const received = 1_000_000;
    // The server's clock is an hour ahead of ours: its reset is 60 s after its own Date, so 60 s after we received the answer.
    const serverNow = received + 3_600_000;
    const headers = {
      'x-rate-limit-limit': '600',
      'x-rate-limit-remaining': '598',
      'x-rate-limit-reset': String(serverNow / 1000 + 60),
      date: new Date(serverNow).toUTCString(),
    };
    const observation = observeOktaHeaders(200, headers, received);
    expect(observation).toEqual({ limit: 600, remaining: 598, resetAtMs: received + 60_000 });
    expect(observeOktaHeaders(429, headers, received)).toEqual({
      limit: 600,
      remaining: 598,
      resetAtMs: received + 60_000,
      refused: true,
    });
    expect(observeOktaHeaders(200, {}, received)).toBeUndefined();
  });
});

describe('Beyond Identity usernames', () => {
  it('are the lower-cased email, so two spellings are one person', () => {
    expect(usernameFor(' Alice@Example.COM ')).toBe('alice@example.com');
  });
  it('explain the characters Beyond Identity refuses', () => {
    expect(usernameProblem('a+b@example.com')).toBeUndefined();
    expect(usernameProblem('a/b@example.com')).toMatch(/does not accept "\/"/);
    expect(usernameProblem('100%@example.com')).toMatch(/"%"/);
    expect(usernameProblem(`${'x'.repeat(60)}@example.com`)).toMatch(/1 to 64 characters/);
  });
  it('build OIDC endpoints on the auth host, ids encoded', () => {
    expect(oidcEndpoints('https://auth-us.beyondidentity.com/', 't1', 'r1', 'a/1')).toEqual({
      issuer: 'https://auth-us.beyondidentity.com/v1/tenants/t1/realms/r1/applications/a%2F1',
      authorization: 'https://auth-us.beyondidentity.com/v1/tenants/t1/realms/r1/applications/a%2F1/authorize',
      token: 'https://auth-us.beyondidentity.com/v1/tenants/t1/realms/r1/applications/a%2F1/token',
      jwks: 'https://auth-us.beyondidentity.com/v1/tenants/t1/realms/r1/applications/a%2F1/.well-known/jwks.json',
      discovery:
        'https://auth-us.beyondidentity.com/v1/tenants/t1/realms/r1/applications/a%2F1/.well-known/openid-configuration',
    });
  });
});

describe('binding job reuse', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const job = (id: string, state: string | undefined, expire: string, created = '2025-12-31T00:00:00Z') => ({
    id,
    state,
    expire_time: expire,
    create_time: created,
  });
  it('reuses a live link, never an expired or revoked one', () => {
    expect(
      pickReusableJob([job('a', 'EXPIRED', '2026-01-02T00:00:00Z'), job('b', 'LINK_SENT', '2026-01-02T00:00:00Z')], now)
        ?.id,
    ).toBe('b');
    expect(pickReusableJob([job('a', 'LINK_SENT', '2025-12-31T12:00:00Z')], now)).toBeUndefined(); // past its expire_time
    expect(
      pickReusableJob(
        [job('a', 'REVOKED', '2026-01-02T00:00:00Z'), job('b', 'FAILED_TO_SEND', '2026-01-02T00:00:00Z')],
        now,
      ),
    ).toBeUndefined();
    expect(
      pickReusableJob(
        [job('a', undefined, '2026-01-02T00:00:00Z'), job('b', 'SOMETHING_NEW', '2026-01-02T00:00:00Z')],
        now,
      ),
    ).toBeUndefined();
  });
  it('prefers a completed job, then the newest live one', () => {
    const jobs = [
      job('old', 'LINK_OPENED', '2026-01-02T00:00:00Z', '2025-12-30T00:00:00Z'),
      job('new', 'LINK_SENT', '2026-01-02T00:00:00Z', '2025-12-31T00:00:00Z'),
    ];
    expect(pickReusableJob(jobs, now)?.id).toBe('new');
    expect(pickReusableJob([...jobs, job('done', 'COMPLETE', '2025-01-01T00:00:00Z')], now)?.id).toBe('done');
  });
});

describe('drift', () => {
  const desiredApp = {
    displayName: 'Okta',
    authenticatorConfigId: 'ac1',
    redirectUris: ['https://o.example/oauth2/v1/authorize/callback'],
    expiresAfterSeconds: 604800,
  };
  const app = {
    id: 'a1',
    display_name: 'Okta',
    authenticator_config_id: 'ac1',
    protocol_config: {
      type: 'oidc',
      confidentiality: 'confidential',
      grant_type: ['authorization_code'],
      redirect_uris: ['https://o.example/oauth2/v1/authorize/callback'],
      allowed_scopes: [],
      token_endpoint_auth_method: 'client_secret_basic',
      token_configuration: { expires_after: 604800, subject_field: 'email', token_signing_algorithm: 'RS256' },
    },
  };
  it('finds none in the guide application, whatever auth method the server reports', () => {
    expect(applicationDrift(app, desiredApp)).toEqual([]);
  });
  it('names each differing application setting', () => {
    const changed = {
      ...app,
      protocol_config: {
        ...app.protocol_config,
        redirect_uris: ['https://other/cb'],
        token_configuration: { expires_after: 60, subject_field: 'id' },
      },
    };
    expect(applicationDrift(changed, desiredApp)).toEqual([
      'protocol_config.redirect_uris',
      'protocol_config.token_configuration.expires_after',
      'protocol_config.token_configuration.subject_field',
    ]);
  });

  const desiredIdp = {
    name: 'BI',
    clientId: 'cid',
    clientSecret: 'very-secret-value',
    issuer: 'https://auth/i',
    authorizationUrl: 'https://auth/i/authorize',
    tokenUrl: 'https://auth/i/token',
    jwksUrl: 'https://auth/i/jwks',
  };
  const idpFromBody = (body: ReturnType<typeof oidcIdpBody>) => ({ ...body, id: '0oa1', status: 'ACTIVE' });
  it('finds none in an IdP made from the desired body, and names a changed secret without its value', () => {
    const idp = idpFromBody(oidcIdpBody(desiredIdp));
    expect(idpDrift(idp, desiredIdp)).toEqual([]);
    const drift = idpDrift(
      {
        ...idp,
        protocol: {
          ...idp.protocol,
          scopes: ['openid', 'email'],
          credentials: { client: { client_id: 'cid', client_secret: 'old' } },
        },
      },
      desiredIdp,
    );
    expect(drift).toEqual(['protocol.scopes', 'protocol.credentials.client.client_secret']);
    expect(JSON.stringify(drift)).not.toContain('very-secret-value');
  });

  const desiredRule = {
    name: 'BI routing',
    idpId: '0oa1',
    attribute: 'beyondIdentityIntegration',
    value: 'tenant/realm',
    priority: 1,
  };
  it('builds one ATTRIBUTE rule with exactly one EQUALS pattern, whoever is routed', () => {
    const body = routingRuleBody(desiredRule);
    expect(body.conditions.userIdentifier).toEqual({
      type: 'ATTRIBUTE',
      attribute: 'beyondIdentityIntegration',
      patterns: [{ matchType: 'EQUALS', value: 'tenant/realm' }],
    });
    expect(body.actions.idp.providers).toEqual([{ type: 'OIDC', id: '0oa1' }]);
  });
  it('names every drift of a rule from the ATTRIBUTE shape', () => {
    const rule = { ...routingRuleBody(desiredRule), id: '0pr1', status: 'ACTIVE' };
    expect(ruleDrift(rule, desiredRule)).toEqual([]);
    expect(ruleDrift({ ...rule, priority: 3 }, desiredRule)).toEqual(['priority']);
    const asIdentifier = {
      ...rule,
      conditions: {
        ...rule.conditions,
        userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'EQUALS', value: 'a@example.com' }] },
      },
    };
    expect(ruleDrift(asIdentifier, desiredRule)).toEqual([
      'conditions.userIdentifier.type',
      'conditions.userIdentifier.attribute',
      'conditions.userIdentifier.patterns',
    ]);
    const twoPatterns = {
      ...rule,
      conditions: {
        ...rule.conditions,
        userIdentifier: {
          ...rule.conditions.userIdentifier,
          patterns: [...rule.conditions.userIdentifier.patterns, { matchType: 'EQUALS', value: 'x' }],
        },
      },
    };
    expect(ruleDrift(twoPatterns, desiredRule)).toEqual(['conditions.userIdentifier.patterns']);
    // The value is compared exactly: another integration's value is drift, not ours.
    expect(ruleDrift(rule, { ...desiredRule, value: 'Tenant/Realm' })).toEqual(['conditions.userIdentifier.patterns']);
    expect(ruleDrift(rule, { ...desiredRule, idpId: '0oa2' })).toEqual(['actions.idp.providers']);
  });
});

describe('failure classes and secrets', () => {
  it('keep secrets out of messages even when the upstream echoes them', () => {
    registerSecret('sk_live_0123456789abcdef');
    const rejected = new RejectedUpstreamError({
      service: 'okta',
      operation: 'create identity provider',
      status: 400,
      upstreamCode: 'E0000001',
      upstreamMessage: 'bad client_secret sk_live_0123456789abcdef',
    });
    expect(rejected.message).not.toContain('sk_live_0123456789abcdef');
    expect(rejected.message).toContain(REDACTED);
    expect(JSON.stringify(rejected.toJSON())).not.toContain('sk_live_0123456789abcdef');
    expect(redactSecrets('token=sk_live_0123456789abcdef;')).toBe(`token=${REDACTED};`);
  });
  it('are named for what went wrong, which is what Temporal records', () => {
    expect(new TransientUpstreamError('timeout', { service: 'okta', operation: 'x' }).name).toBe(
      'TransientUpstreamError',
    );
    expect(new RejectedUpstreamError({ service: 'okta', operation: 'x', status: 401 }).kind).toBe('authentication');
    expect(new RejectedUpstreamError({ service: 'beyond-identity', operation: 'x', status: 409 }).kind).toBe(
      'conflict',
    );
    expect(
      new MalformedUpstreamResponseError({ service: 'okta', operation: 'x', problems: ['id: expected string'] })
        .message,
    ).toMatch(/id: expected string/);
  });
  it('escape Okta filter literals', () => {
    expect(filterLiteral('a"b\\c@example.com')).toBe('"a\\"b\\\\c@example.com"');
  });
});

describe('the routing property is safe only Okta-mastered and not writable by people', () => {
  const readOnly = [{ principal: 'SELF', action: 'READ_ONLY' }];
  const kinds = (property: Parameters<typeof routingPropertyProblems>[0]) =>
    routingPropertyProblems(property).map((problem) => problem.kind);
  it('takes OKTA with SELF READ_ONLY or HIDE', () => {
    expect(kinds({ type: 'string', master: { type: 'OKTA' }, permissions: readOnly })).toEqual([]);
    expect(
      kinds({ type: 'string', master: { type: 'OKTA' }, permissions: [{ principal: 'SELF', action: 'HIDE' }] }),
    ).toEqual([]);
  });
  it('refuses PROFILE_MASTER, OVERRIDE and an absent master (inherit from the profile source)', () => {
    for (const master of [{ type: 'PROFILE_MASTER' }, { type: 'OVERRIDE' }, null, undefined])
      expect(kinds({ type: 'string', master, permissions: readOnly })).toEqual(['master']);
  });
  it('refuses READ_WRITE (also beside READ_ONLY), and no SELF permission at all (the default is unverified)', () => {
    expect(kinds({ master: { type: 'OKTA' }, permissions: [{ principal: 'SELF', action: 'READ_WRITE' }] })).toEqual([
      'permission',
    ]);
    expect(
      kinds({ master: { type: 'OKTA' }, permissions: [...readOnly, { principal: 'SELF', action: 'READ_WRITE' }] }),
    ).toEqual(['permission']);
    expect(kinds({ master: { type: 'OKTA' } })).toEqual(['permission']);
    expect(kinds({ master: { type: 'OKTA' }, permissions: [] })).toEqual(['permission']);
  });
});
