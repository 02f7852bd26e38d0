/**
 * The routing step of the sign-in check on its own: pattern match types, priority order, the
 * default rule, zones, and an IdP that cannot be reached. The IdP points at a closed loopback
 * port, so every routed sign-in stops at the authorization request.
 */
import { idpBody, ruleBody, useSimulator } from './support';

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
    idpId = (await t.okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Closed port', 'http://127.0.0.1:9/app'))).id;
    const [policy] = await t.okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
    rulesPath = `/api/v1/policies/${policy!.id}/rules`;
  });
  afterEach(async () => {
    for (const rule of await t.okta.ok<{ id: string; system: boolean }[]>('GET', rulesPath)) if (!rule.system) await t.okta.call('DELETE', `${rulesPath}/${rule.id}`);
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
    expect(route.detail).toMatch(matches ? /^rule "Pattern" \(priority 1\) matches/ : /routes them to Okta, not to an IdP/);
  });

  it('takes the first matching active rule in priority order, and stops at an unreachable IdP with the cause', async () => {
    await t.okta.ok('POST', rulesPath, identifierRule('Domain', 'SUFFIX', 'example.org'));
    await t.okta.ok('POST', rulesPath, identifierRule('Exact', 'EQUALS', 'pat@example.org', { priority: 1 }));
    const result = await t.okta.ok<SignIn>('POST', '/_sim/sign-in', { email: 'pat@example.org' });
    expect(result.steps[0]!.detail).toBe(`rule "Exact" (priority 1) matches pat@example.org and routes to IdP ${idpId}`);
    expect(result.reason).toMatch(/^authorize: GET http:\/\/127\.0\.0\.1:9\/app\/authorize\?.* failed: ECONNREFUSED$/);
    expect((await routeOf('kim@example.org')).detail).toMatch(/^rule "Domain" \(priority 2\) matches/);
  });

  it('says when the deciding rule routes to Okta, and when a zone rule cannot match', async () => {
    await t.okta.ok('POST', rulesPath, { ...identifierRule('To Okta', 'SUFFIX', 'okta.example'), actions: { idp: { providers: [{ type: 'OKTA' }] } } });
    expect((await routeOf('pat@okta.example')).detail).toBe('rule "To Okta" (priority 1) matches pat@okta.example and routes to OKTA, not to an IdP');
    await t.okta.ok('POST', rulesPath, identifierRule('Zoned', 'SUFFIX', 'zone.example', { conditions: { network: { connection: 'ZONE', include: ['nzo1'] }, userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'SUFFIX', value: 'zone.example' }] } } }));
    expect((await routeOf('pat@zone.example')).detail).toContain('rule "Zoned" needs a network zone, which the simulator does not model, so it never matches');
  });

  it('fails at the IdP step when the rule names an IdP that has since been deleted', async () => {
    const doomed = await t.okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Doomed', 'http://127.0.0.1:9/app'));
    await t.okta.ok('POST', rulesPath, { ...identifierRule('Doomed', 'SUFFIX', 'doomed.example'), actions: { idp: { providers: [{ type: 'OIDC', id: doomed.id }] } } });
    expect((await t.okta.call('DELETE', `/api/v1/idps/${doomed.id}`)).status).toBe(204);
    const result = await t.okta.ok<SignIn>('POST', '/_sim/sign-in', { email: 'pat@doomed.example' });
    expect(result.reason).toBe(`idp: the routing rule names IdP ${doomed.id}, which does not exist`);
  });
});
