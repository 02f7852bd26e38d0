/**
 * Every kind of response the simulator gives, validated against the published Okta spec
 * (../shared/specs/okta-management.openapi.yaml). Statuses the spec does not list for an
 * operation (401, 411, 413, 415, 5xx, 404 of an unknown path) are checked against that
 * operation's error schema. Two known differences between the spec and the real service are
 * allowed, each named below.
 */
import type { RunningOktaSimulator } from '../../../dev/simulators/okta';
import { describeWithSpec, OpenApiValidator } from '../../support/openapi';
import { idpBody, OktaClient, rawStatus, ruleBody, startSimulator, userBody, type Exchange } from './support';

/** The spec's provider `type` enum lacks OKTA, yet its own example of the default rule (docs/contracts/okta.md §3.2) routes to `{type: "OKTA"}`. */
function allowOktaProvider(exchange: Exchange, errors: string[]): string[] {
  if (!(JSON.stringify(exchange.body) ?? '').includes('"type":"OKTA"')) return errors;
  return errors.filter(
    (error) =>
      !/providers\/\d+\/type must be equal to one of the allowed values/.test(error) &&
      !/must match "(then|else)" schema/.test(error),
  );
}

/** The spec declares no body for user deactivation; the contract (§1.3) says Okta answers 200 with an empty object. */
function allowDeactivateBody(exchange: Exchange, errors: string[]): string[] {
  const isDeactivate =
    /^\/api\/v1\/users\/[^/]+\/lifecycle\/deactivate$/.test(exchange.path) && exchange.status === 200;
  return isDeactivate && JSON.stringify(exchange.body) === '{}'
    ? errors.filter((error) => !error.includes('declares no JSON body'))
    : errors;
}

describeWithSpec('okta-management', 'Okta simulator: responses against the published spec', () => {
  let sim: RunningOktaSimulator;
  let okta: OktaClient;
  let validator: OpenApiValidator;

  beforeAll(async () => {
    validator = new OpenApiValidator('okta-management');
    sim = await startSimulator({ rateLimits: { other: 1000, windowSeconds: 3600 } });
    okta = new OktaClient(sim);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('validates every response kind', async () => {
    // Users
    const staged = await okta.ok<{ id: string }>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('spec.user@example.org'),
    );
    await okta.ok('POST', '/api/v1/users?activate=true&provider=true', {
      ...userBody('spec.fed@example.org'),
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    await okta.call('POST', '/api/v1/users', { body: userBody('spec.user@example.org') }); // 400 duplicate
    await okta.call('GET', '/api/v1/users?limit=1');
    await okta.call('GET', `/api/v1/users?filter=${encodeURIComponent('profile.login eq "spec.user@example.org"')}`);
    await okta.call('GET', `/api/v1/users/${staged.id}`);
    await okta.call('GET', '/api/v1/users/spec.user%40example.org');
    await okta.call('GET', '/api/v1/users/nobody%40example.org'); // 404
    await okta.call('POST', `/api/v1/users/${staged.id}/lifecycle/activate?sendEmail=false`);
    const fed = await okta.ok<{ id: string }>('GET', '/api/v1/users/spec.fed%40example.org');
    await okta.call('POST', `/api/v1/users/${fed.id}/lifecycle/activate`); // 403 already active
    await okta.call('POST', `/api/v1/users/${staged.id}/lifecycle/deactivate`);
    await okta.call('DELETE', `/api/v1/users/${staged.id}`);
    // Groups
    const group = await okta.ok<{ id: string }>('POST', '/api/v1/groups', {
      profile: { name: 'Spec group', description: 'For the spec test' },
    });
    await okta.call('POST', '/api/v1/groups', { body: { profile: { name: 'Spec group' } } }); // 400 duplicate
    await okta.call('GET', '/api/v1/groups?q=spec&limit=1');
    await okta.call('GET', `/api/v1/groups?search=${encodeURIComponent('profile.name eq "Spec group"')}&limit=1`);
    await okta.call('GET', `/api/v1/groups/${group.id}`);
    await okta.call('GET', '/api/v1/groups/00gMissing00000000000'); // 404
    await okta.call('PUT', `/api/v1/groups/${group.id}/users/${fed.id}`); // 204
    await okta.call('PUT', `/api/v1/groups/${group.id}/users/00uMissing00000000000`); // 404
    await okta.call('GET', `/api/v1/groups/${group.id}/users?limit=1`);
    await okta.call('GET', '/api/v1/groups/00gMissing00000000000/users'); // 404
    const suspended = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=true&provider=true', {
      ...userBody('spec.suspended@example.org'),
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    await okta.call('POST', `/api/v1/users/${suspended.id}/lifecycle/suspend`);
    await okta.call('POST', `/api/v1/users/${suspended.id}/lifecycle/suspend`); // 400 not ACTIVE

    // The user schema and profile updates
    await okta.call('GET', '/api/v1/meta/schemas/user/default');
    await okta.call('GET', '/api/v1/meta/schemas/user/oscMissing0000000000'); // 404
    const routing = { title: 'Routing', type: 'string', maxLength: 256 };
    await okta.call('POST', '/api/v1/meta/schemas/user/default', {
      body: {
        definitions: {
          custom: { properties: { beyondIdentityIntegration: routing, tags: { title: 'Tags', type: 'array' } } },
        },
      },
    });
    await okta.call('POST', '/api/v1/meta/schemas/user/default', {
      body: { definitions: { custom: { properties: { 'bad-name': routing } } } },
    }); // 400
    await okta.call('POST', '/api/v1/meta/schemas/user/default', {
      body: { definitions: { custom: { properties: { tags: null } } } },
    });
    await okta.call('POST', `/api/v1/users/${fed.id}`, { body: { profile: { beyondIdentityIntegration: 'v1' } } });
    await okta.call('POST', `/api/v1/users/${fed.id}`, { body: { profile: { beyondIdentityIntegration: null } } });
    await okta.call('POST', `/api/v1/users/${fed.id}`, { body: { profile: { shoeSize: 44 } } }); // 400
    await okta.call('POST', '/api/v1/users/nobody%40example.org', { body: { profile: { nickName: 'x' } } }); // 404
    await okta.call('PUT', `/api/v1/users/${fed.id}`, {
      body: userBody('spec.fed@example.org', { beyondIdentityIntegration: 'v1' }),
    });
    await okta.call('PUT', `/api/v1/users/${fed.id}`, { body: { profile: { nickName: 'x' } } }); // 400
    await okta.call('GET', '/api/v1/users', { authorization: 'SSWS wrong' }); // 401
    await okta.call('POST', '/api/v1/users', { raw: '{' }); // 400 malformed

    // Identity providers
    const idp = await okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Spec IdP'));
    await okta.call('POST', '/api/v1/idps', { body: { ...idpBody('Bad'), type: 'SAML2' } }); // 400
    await okta.call('GET', '/api/v1/idps?q=spec&limit=1');
    await okta.call('GET', `/api/v1/idps/${idp.id}`);
    await okta.call('GET', '/api/v1/idps/0oaMissing00000000000'); // 404
    await okta.call('PUT', `/api/v1/idps/${idp.id}`, { body: idpBody('Spec IdP renamed') });
    await okta.call('POST', `/api/v1/idps/${idp.id}/lifecycle/deactivate`);
    await okta.call('POST', `/api/v1/idps/${idp.id}/lifecycle/activate`);
    const doomed = await okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Doomed'));
    await okta.call('DELETE', `/api/v1/idps/${doomed.id}`);
    await okta.call('POST', '/api/v1/idps', { raw: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) }); // 413
    await okta.call('POST', '/api/v1/idps', { raw: 'x=1', contentType: 'text/plain' }); // 415

    // Policies and rules
    const [policy] = await okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
    await okta.call('GET', '/api/v1/policies'); // 400 type required
    await okta.call('GET', `/api/v1/policies/${policy!.id}`);
    const rules = `/api/v1/policies/${policy!.id}/rules`;
    const rule = await okta.ok<{ id: string }>(
      'POST',
      rules,
      ruleBody('Spec rule', idp.id, 'spec.user@example.org', { priority: 1 }),
    );
    await okta.call('POST', rules, { body: ruleBody('Spec rule', idp.id, 'x@example.org') }); // 400 duplicate name
    await okta.call('GET', rules);
    await okta.call('GET', `${rules}/${rule.id}`);
    await okta.call('GET', `${rules}/0prMissing00000000000`); // 404
    await okta.call('PUT', `${rules}/${rule.id}`, { body: ruleBody('Spec rule 2', idp.id, 'spec.user@example.org') });
    await okta.call('POST', `${rules}/${rule.id}/lifecycle/deactivate`);
    await okta.call('POST', `${rules}/${rule.id}/lifecycle/activate`);
    await okta.call('DELETE', `${rules}/${rule.id}`);

    // Framework failures, rate limits and faults
    await okta.call('GET', '/api/v1/idps/%E0%A4%A'); // undecodable path
    await okta.ok('POST', '/_sim/faults', {
      rules: [{ path: '^/api/v1/idps$', methods: ['GET'], errorRate: 1, errorStatuses: [500] }],
    });
    await okta.call('GET', '/api/v1/idps');
    await okta.ok('POST', '/_sim/faults', {
      rules: [{ path: '^/api/v1/idps$', methods: ['GET'], errorRate: 1, errorStatuses: [503] }],
    });
    await okta.call('GET', '/api/v1/idps');
    await okta.ok('POST', '/_sim/faults', {
      rules: [{ path: '^/api/v1/idps$', methods: ['GET'], burst429: { count: 1 } }],
    });
    await okta.call('GET', '/api/v1/idps');
    await okta.call('DELETE', '/_sim/faults');
    expect(
      await rawStatus(
        sim.url,
        `POST /api/v1/idps/${idp.id}/lifecycle/activate HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS ${sim.apiToken}\r\n\r\n`,
      ),
    ).toBe(411);

    const apiExchanges = okta.exchanges.filter((exchange) => exchange.path.startsWith('/api/v1/'));
    const statuses = new Set(apiExchanges.map((exchange) => exchange.status));
    expect([...statuses].sort()).toEqual([200, 204, 400, 401, 403, 404, 413, 415, 429, 500, 503]);

    const problems: string[] = [];
    for (const exchange of apiExchanges) {
      let check = validator.check(exchange.method, exchange.path, exchange.status, exchange.body);
      if (check.response === '(none)' && exchange.status >= 400) {
        // Not listed for this operation (or no operation): the body must still be the spec's Error.
        check = validator.check('GET', '/api/v1/idps', 429, exchange.body);
      }
      const errors = allowDeactivateBody(exchange, allowOktaProvider(exchange, check.errors));
      if (errors.length > 0)
        problems.push(
          `${exchange.method} ${exchange.path} ${exchange.status} (${check.template} ${check.response}): ${errors.join('; ')}`,
        );
    }
    expect(problems).toEqual([]);
  });
});
