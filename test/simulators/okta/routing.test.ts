/**
 * The routing step of the sign-in check on its own: pattern match types, priority order, the
 * default rule, zones, rules on a custom profile property, and an IdP that cannot be reached. The IdP points at a closed loopback
 * port, so every routed sign-in stops at the authorization request.
 */
import { idpBody, ruleBody, userBody, useSimulator } from './support';

interface SignIn {
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
  reason: string | null;
}

describe('Okta simulator: IdP discovery routing in the sign-in check', () => {
  const t = useSimulator();
  let idpId: string;
  let rulesPath: string;

  beforeAll(async () => {
    idpId = (await t.okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Closed port', 'http://127.0.0.1:9/app')))
      .id;
    const [policy] = await t.okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
    rulesPath = `/api/v1/policies/${policy!.id}/rules`;
  });
  afterEach(async () => {
    for (const rule of await t.okta.ok<{ id: string; system: boolean }[]>('GET', rulesPath))
      if (!rule.system) await t.okta.call('DELETE', `${rulesPath}/${rule.id}`);
  });

  const identifierRule = (name: string, matchType: string, value: string, extra: Record<string, unknown> = {}) => ({
    ...ruleBody(name, idpId, ''),
    conditions: { userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType, value }] } },
    ...extra,
  });
  const routeOf = async (email: string) => (await t.okta.ok<SignIn>('POST', '/_sim/sign-in', { email })).steps[0]!;

  it.each([
    ['EQUALS', 'Pat@Example.org', 'pat@example.org', true],
    ['EQUALS', 'pat@example.org', 'pat@example.org.evil', false],
    ['STARTS_WITH', 'pat', 'Patricia@example.org', true],
    ['CONTAINS', 'example', 'pat@sub.example.org', true],
    ['SUFFIX', 'example.org', 'pat@EXAMPLE.ORG', true],
    ['SUFFIX', 'example.org', 'pat@example.com', false],
    ['EXPRESSION', '[a-z]+@example\\.org', 'pat@example.org', true],
    ['EXPRESSION', '[a-z]+@example\\.org', 'pat@example.org.evil', false],
  ])('%s "%s" against %s: matches = %s', async (matchType, value, email, matches) => {
    await t.okta.ok('POST', rulesPath, identifierRule('Pattern', matchType, value));
    const route = await routeOf(email);
    expect(route.ok).toBe(matches);
    expect(route.detail).toMatch(
      matches ? /^rule "Pattern" \(priority 1\) matches/ : /routes them to Okta, not to an IdP/,
    );
  });

  it('takes the first matching active rule in priority order, and stops at an unreachable IdP with the cause', async () => {
    await t.okta.ok('POST', rulesPath, identifierRule('Domain', 'SUFFIX', 'example.org'));
    await t.okta.ok('POST', rulesPath, identifierRule('Exact', 'EQUALS', 'pat@example.org', { priority: 1 }));
    // Ahead of both and matching too, but inactive: it must be passed over.
    await t.okta.ok('POST', `${rulesPath}?activate=false`, {
      ...identifierRule('Dormant', 'EQUALS', 'pat@example.org'),
      actions: { idp: { providers: [{ type: 'OKTA' }] } },
      priority: 1,
    });
    const result = await t.okta.ok<SignIn>('POST', '/_sim/sign-in', { email: 'pat@example.org' });
    expect(result.steps[0]!.detail).toBe(
      `rule "Exact" (priority 2) matches pat@example.org and routes to IdP ${idpId} (rule "Dormant" (priority 1) would match but is INACTIVE)`,
    );
    expect(result.reason).toMatch(/^authorize: GET http:\/\/127\.0\.0\.1:9\/app\/authorize\?.* failed: ECONNREFUSED$/);
    expect((await routeOf('kim@example.org')).detail).toMatch(/^rule "Domain" \(priority 3\) matches/);
  });

  it('says when the deciding rule routes to Okta, and when a zone rule cannot match', async () => {
    await t.okta.ok('POST', rulesPath, {
      ...identifierRule('To Okta', 'SUFFIX', 'okta.example'),
      actions: { idp: { providers: [{ type: 'OKTA' }] } },
    });
    expect((await routeOf('pat@okta.example')).detail).toBe(
      'rule "To Okta" (priority 1) matches pat@okta.example and routes to OKTA, not to an IdP',
    );
    await t.okta.ok(
      'POST',
      rulesPath,
      identifierRule('Zoned', 'SUFFIX', 'zone.example', {
        conditions: {
          network: { connection: 'ZONE', include: ['nzo1'] },
          userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'SUFFIX', value: 'zone.example' }] },
        },
      }),
    );
    expect((await routeOf('pat@zone.example')).detail).toContain(
      'rule "Zoned" needs a network zone, which the simulator does not model, so it never matches',
    );
  });

  it('fails at the IdP step when the rule names an IdP that has since been deleted', async () => {
    const doomed = await t.okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Doomed', 'http://127.0.0.1:9/app'));
    await t.okta.ok('POST', rulesPath, {
      ...identifierRule('Doomed', 'SUFFIX', 'doomed.example'),
      actions: { idp: { providers: [{ type: 'OIDC', id: doomed.id }] } },
    });
    expect((await t.okta.call('DELETE', `/api/v1/idps/${doomed.id}`)).status).toBe(204);
    const result = await t.okta.ok<SignIn>('POST', '/_sim/sign-in', { email: 'pat@doomed.example' });
    expect(result.reason).toBe(`idp: the routing rule names IdP ${doomed.id}, which does not exist`);
  });
  describe('ATTRIBUTE rules on a custom profile property', () => {
    const attribute = 'beyondIdentityIntegration';
    let otherIdpId: string;
    const attributeRule = (name: string, value: string, idp: string, matchType = 'EQUALS') => ({
      ...ruleBody(name, idp, ''),
      conditions: {
        network: { connection: 'ANYWHERE' },
        userIdentifier: { type: 'ATTRIBUTE', attribute, patterns: [{ matchType, value }] },
      },
    });
    const user = (login: string, value?: unknown) =>
      t.okta.ok<{ id: string }>(
        'POST',
        '/api/v1/users?activate=false',
        userBody(login, value === undefined ? {} : { [attribute]: value }),
      );

    beforeAll(async () => {
      await t.okta.ok('POST', '/api/v1/meta/schemas/user/default', {
        definitions: { custom: { properties: { [attribute]: { title: 'Routing', type: 'string' } } } },
      });
      otherIdpId = (
        await t.okta.ok<{ id: string }>(
          'POST',
          '/api/v1/idps',
          idpBody('Other closed port', 'http://127.0.0.1:9/other'),
        )
      ).id;
      await user('v1@attr.example', 'v1');
      await user('v2@attr.example', 'v2');
      await user('upper@attr.example', 'V1');
      await user('unset@attr.example');
      await user('other@attr.example', 'v3');
      const cleared = await user('cleared@attr.example', 'v1');
      await t.okta.ok('POST', `/api/v1/users/${cleared.id}`, { profile: { [attribute]: null } });
    });
    beforeEach(async () => {
      await t.okta.ok('POST', rulesPath, attributeRule('Integration v1', 'v1', idpId));
      await t.okta.ok('POST', rulesPath, attributeRule('Integration v2', 'v2', otherIdpId));
    });

    it('routes a person whose property has the value, each value to its own IdP', async () => {
      expect(await routeOf('v1@attr.example')).toEqual({
        name: 'route',
        ok: true,
        detail: `rule "Integration v1" (priority 1) matches v1@attr.example and routes to IdP ${idpId}`,
      });
      expect(await routeOf('v2@attr.example')).toEqual({
        name: 'route',
        ok: true,
        detail: `rule "Integration v2" (priority 2) matches v2@attr.example and routes to IdP ${otherIdpId}`,
      });
      // The user is found by the login typed, in any case; the value compares case-insensitively (as IDENTIFIER patterns do).
      expect((await routeOf('V1@ATTR.example')).ok).toBe(true);
      expect((await routeOf('upper@attr.example')).detail).toMatch(/^rule "Integration v1" \(priority 1\) matches/);
    });

    it.each([
      ['unset', 'unset@attr.example', '(unset)'],
      ['cleared to null', 'cleared@attr.example', '(unset)'],
      ['different', 'other@attr.example', '"v3"'],
    ])('does not route a person whose property is %s, and says why', async (_label, login, has) => {
      const route = await routeOf(login);
      expect(route.ok).toBe(false);
      expect(route.detail).toBe(
        `no routing rule matches ${login}: the "Default Rule" routes them to Okta, not to an IdP; ` +
          `rule "Integration v1" matches on profile attribute ${attribute} = "v1"; user ${login} has ${has}; ` +
          `rule "Integration v2" matches on profile attribute ${attribute} = "v2"; user ${login} has ${has}`,
      );
      const result = await t.okta.ok<SignIn>('POST', '/_sim/sign-in', { email: login });
      expect(result.reason).toBe(`route: ${route.detail}`);
    });

    it('does not route a person with no Okta user, nor by login shortname', async () => {
      expect((await routeOf('nobody@attr.example')).detail).toBe(
        'no routing rule matches nobody@attr.example: the "Default Rule" routes them to Okta, not to an IdP (rules on a profile attribute did not apply: no Okta user has the login nobody@attr.example)',
      );
      // upper@attr.example is routed by its login, but Okta looks attribute rules up by the exact login.
      expect((await routeOf('upper')).ok).toBe(false);
    });

    it('lets a person the attribute rules do not match fall through to later rules', async () => {
      await t.okta.ok('POST', rulesPath, identifierRule('Domain', 'SUFFIX', 'attr.example'));
      expect((await routeOf('unset@attr.example')).detail).toBe(
        `rule "Domain" (priority 3) matches unset@attr.example and routes to IdP ${idpId}`,
      );
      expect((await routeOf('v2@attr.example')).detail).toMatch(/^rule "Integration v2" \(priority 2\)/);
    });

    it('names the first three rules that did not match, and counts the rest', async () => {
      for (const value of ['v3x', 'v4', 'v5'])
        await t.okta.ok('POST', rulesPath, attributeRule(`Integration ${value}`, value, idpId));
      const detail = (await routeOf('unset@attr.example')).detail;
      expect(detail).toContain(
        'rule "Integration v3x" matches on profile attribute beyondIdentityIntegration = "v3x"; user unset@attr.example has (unset); and 2 more rules on profile attributes did not match',
      );
      expect(detail).not.toContain('"Integration v4"');
    });

    it('describes other match types by name', async () => {
      await t.okta.ok('POST', rulesPath, attributeRule('Prefix', 'w', idpId, 'STARTS_WITH'));
      expect((await routeOf('v1@attr.example')).ok).toBe(true);
      await t.okta.call(
        'DELETE',
        `${rulesPath}/${(await t.okta.ok<{ id: string; name: string }[]>('GET', rulesPath)).find((rule) => rule.name === 'Integration v1')!.id}`,
      );
      expect((await routeOf('v1@attr.example')).detail).toContain(
        'rule "Prefix" matches on profile attribute beyondIdentityIntegration STARTS_WITH "w"; user v1@attr.example has "v1"',
      );
    });
  });
});
