/** The IdP-discovery policy and its rules (docs/contracts/okta.md §3): the system policy and default rule, rule CRUD and lifecycle, priorities, validation. */
import { expectOktaError, idpBody, ruleBody, useSimulator } from './support';

type Rule = {
  id: string;
  name: string;
  status: string;
  priority: number;
  system: boolean;
  created: string | null;
  conditions: Record<string, unknown>;
  actions: { idp: { providers: { type: string; id?: string }[] } };
  _links: Record<string, { href: string; hints: { allow: string[] } }>;
};

describe('Okta simulator: IdP discovery policy and rules', () => {
  const t = useSimulator({ duplicateRuleNameCause: 'A rule with this name already exists in the policy.' });
  let policyId: string;
  let idpId: string;
  const rulesPath = () => `/api/v1/policies/${policyId}/rules`;
  const order = async () =>
    (await t.okta.ok<Rule[]>('GET', rulesPath())).map((rule) => `${rule.priority}:${rule.name}`);

  beforeAll(async () => {
    const [policy] = await t.okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
    policyId = policy!.id;
    idpId = (await t.okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Beyond Identity'))).id;
  });

  it('has exactly one system IDP_DISCOVERY policy; type is required', async () => {
    const policies = await t.okta.ok<Record<string, unknown>[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
    expect(policies).toEqual([
      {
        id: expect.stringMatching(/^00p[A-Za-z0-9]{17}$/),
        type: 'IDP_DISCOVERY',
        name: 'Idp Discovery Policy',
        status: 'ACTIVE',
        priority: 1,
        system: true,
        created: expect.any(String),
        lastUpdated: expect.any(String),
        conditions: null,
        _links: {
          self: { href: `${t.sim.url}/api/v1/policies/${policyId}`, hints: { allow: ['GET', 'PUT'] } },
          rules: { href: `${t.sim.url}/api/v1/policies/${policyId}/rules`, hints: { allow: ['POST', 'GET'] } },
        },
      },
    ]);
    expect(await t.okta.ok('GET', `/api/v1/policies/${policyId}`)).toEqual(policies[0]);
    expect(await t.okta.ok('GET', '/api/v1/policies?type=OKTA_SIGN_ON')).toEqual([]);
    const missing = expectOktaError(await t.okta.call('GET', '/api/v1/policies'), 400, 'E0000001');
    expect(missing.errorSummary).toBe('Api validation failed: type');
    expectOktaError(await t.okta.call('GET', '/api/v1/policies?type=NOPE'), 400, 'E0000001');
    expectOktaError(await t.okta.call('GET', '/api/v1/policies/00pUnknown/rules'), 404, 'E0000007');
  });

  it('starts with the undeletable, read-only system Default Rule routing to Okta', async () => {
    const [rule] = await t.okta.ok<Rule[]>('GET', rulesPath());
    expect(rule).toMatchObject({
      name: 'Default Rule',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      created: null,
      actions: { idp: { providers: [{ type: 'OKTA' }], idpSelectionType: 'SPECIFIC' } },
    });
    expect(rule!._links.self).toEqual({
      href: `${t.sim.url}${rulesPath()}/${rule!.id}`,
      hints: { allow: ['GET', 'PUT'] },
    });
    const refused = expectOktaError(await t.okta.call('DELETE', `${rulesPath()}/${rule!.id}`), 400, 'E0000001');
    expect(refused.errorCauses[0]!.errorSummary).toContain('cannot be deleted');
    expectOktaError(
      await t.okta.call('PUT', `${rulesPath()}/${rule!.id}`, {
        body: ruleBody('Default Rule', idpId, 'x@example.org'),
      }),
      400,
      'E0000001',
    );
    expectOktaError(await t.okta.call('POST', `${rulesPath()}/${rule!.id}/lifecycle/deactivate`), 400, 'E0000001');
    expect((await t.okta.call('POST', `${rulesPath()}/${rule!.id}/lifecycle/activate`)).status).toBe(204);
  });

  it('creates, gets, replaces, deactivates, activates and deletes a rule with the contract statuses', async () => {
    const created = await t.okta.ok<Rule>(
      'POST',
      `${rulesPath()}?activate=true`,
      ruleBody('BI - one@example.org', idpId, 'one@example.org', { priority: 1 }),
    );
    expect(created).toMatchObject({
      name: 'BI - one@example.org',
      status: 'ACTIVE',
      priority: 1,
      system: false,
      created: expect.any(String),
    });
    expect(created.id).toMatch(/^0pr[A-Za-z0-9]{17}$/);
    expect(created.conditions).toEqual({
      network: { connection: 'ANYWHERE' },
      userIdentifier: {
        type: 'ATTRIBUTE',
        attribute: 'email',
        patterns: [{ matchType: 'EQUALS', value: 'one@example.org' }],
      },
    });
    expect(created._links.self).toEqual({
      href: `${t.sim.url}${rulesPath()}/${created.id}`,
      hints: { allow: ['GET', 'PUT', 'DELETE'] },
    });
    expect(created._links.deactivate!.href).toBe(`${t.sim.url}${rulesPath()}/${created.id}/lifecycle/deactivate`);
    expect(await t.okta.ok('GET', `${rulesPath()}/${created.id}`)).toEqual(created);

    const replaced = await t.okta.ok<Rule>(
      'PUT',
      `${rulesPath()}/${created.id}`,
      ruleBody('BI - renamed', idpId, 'one@example.org'),
    );
    expect(replaced).toMatchObject({ id: created.id, name: 'BI - renamed', priority: 1, status: 'ACTIVE' });

    const deactivated = await t.okta.call('POST', `${rulesPath()}/${created.id}/lifecycle/deactivate`);
    expect({ status: deactivated.status, body: deactivated.body }).toEqual({ status: 204, body: undefined });
    expect((await t.okta.ok<Rule>('GET', `${rulesPath()}/${created.id}`)).status).toBe('INACTIVE');
    expect((await t.okta.call('POST', `${rulesPath()}/${created.id}/lifecycle/activate`)).status).toBe(204);
    expect((await t.okta.ok<Rule>('GET', `${rulesPath()}/${created.id}`)).status).toBe('ACTIVE');

    const inactive = await t.okta.ok<Rule>('POST', `${rulesPath()}?activate=false`, {
      ...ruleBody('BI - inactive', idpId, 'two@example.org'),
      status: 'ACTIVE',
    });
    expect(inactive.status).toBe('INACTIVE');
    expect(inactive._links.activate!.href).toBe(`${t.sim.url}${rulesPath()}/${inactive.id}/lifecycle/activate`);

    for (const rule of [created, inactive]) {
      const deleted = await t.okta.call('DELETE', `${rulesPath()}/${rule.id}`);
      expect({ status: deleted.status, body: deleted.body }).toEqual({ status: 204, body: undefined });
      expectOktaError(await t.okta.call('GET', `${rulesPath()}/${rule.id}`), 404, 'E0000007');
    }
    expect(await order()).toEqual(['1:Default Rule']);
  });

  it('keeps priorities contiguous: inserts push later rules down, deletes close the gap, the default rule stays last', async () => {
    const create = (name: string, priority?: number) =>
      t.okta.ok<Rule>(
        'POST',
        rulesPath(),
        ruleBody(name, idpId, `${name}@example.org`, priority === undefined ? {} : { priority }),
      );
    const a = await create('A', 1);
    await create('B'); // no priority: last before the default rule
    expect(await order()).toEqual(['1:A', '2:B', '3:Default Rule']);
    await create('C', 1); // a taken slot: A and B move down
    expect(await order()).toEqual(['1:C', '2:A', '3:B', '4:Default Rule']);
    await create('D', 3);
    expect(await order()).toEqual(['1:C', '2:A', '3:D', '4:B', '5:Default Rule']);
    await create('E', 99); // beyond the end: clamped before the default rule
    expect(await order()).toEqual(['1:C', '2:A', '3:D', '4:B', '5:E', '6:Default Rule']);
    expect((await create('F', 6)).priority).toBe(6); // the default rule's slot: it moves down
    expect(await order()).toEqual(['1:C', '2:A', '3:D', '4:B', '5:E', '6:F', '7:Default Rule']);

    expect((await t.okta.call('DELETE', `${rulesPath()}/${a.id}`)).status).toBe(204);
    expect(await order()).toEqual(['1:C', '2:D', '3:B', '4:E', '5:F', '6:Default Rule']);

    const b = (await t.okta.ok<Rule[]>('GET', rulesPath())).find((rule) => rule.name === 'B')!;
    await t.okta.ok('PUT', `${rulesPath()}/${b.id}`, ruleBody('B', idpId, 'B@example.org', { priority: 1 }));
    expect(await order()).toEqual(['1:B', '2:C', '3:D', '4:E', '5:F', '6:Default Rule']);

    for (const rule of await t.okta.ok<Rule[]>('GET', rulesPath()))
      if (!rule.system) await t.okta.call('DELETE', `${rulesPath()}/${rule.id}`);
    expect(await order()).toEqual(['1:Default Rule']);
  });

  it('refuses a duplicate rule name with a name cause (configurable wording)', async () => {
    await t.okta.ok('POST', rulesPath(), ruleBody('Same Name', idpId, 'same@example.org'));
    const error = expectOktaError(
      await t.okta.call('POST', rulesPath(), { body: ruleBody('same name', idpId, 'other@example.org') }),
      400,
      'E0000001',
    );
    expect(error.errorSummary).toBe('Api validation failed: name');
    expect(error.errorCauses).toEqual([{ errorSummary: 'name: A rule with this name already exists in the policy.' }]);
    expectOktaError(
      await t.okta.call('POST', rulesPath(), { body: ruleBody('Default Rule', idpId, 'x@example.org') }),
      400,
      'E0000001',
    );
  });

  const base = () => ruleBody('Validated', idpId, 'v@example.org');
  it.each([
    [
      'ATTRIBUTE without attribute',
      (body: Record<string, unknown>) => ({
        ...body,
        conditions: { userIdentifier: { type: 'ATTRIBUTE', patterns: [{ matchType: 'EQUALS', value: 'x' }] } },
      }),
      'conditions.userIdentifier.attribute: A userIdentifier of type ATTRIBUTE needs the name of the profile attribute to match.',
    ],
    [
      'unknown identifier type',
      (body: Record<string, unknown>) => ({ ...body, conditions: { userIdentifier: { type: 'EMAIL', patterns: [] } } }),
      'conditions.userIdentifier.type: Must be one of IDENTIFIER, ATTRIBUTE.',
    ],
    [
      'unknown matchType',
      (body: Record<string, unknown>) => ({
        ...body,
        conditions: { userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'ENDS_WITH', value: 'x' }] } },
      }),
      'conditions.userIdentifier.patterns.0.matchType: Must be one of EQUALS, STARTS_WITH, CONTAINS, SUFFIX, EXPRESSION.',
    ],
    [
      'bad EXPRESSION',
      (body: Record<string, unknown>) => ({
        ...body,
        conditions: { userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'EXPRESSION', value: '([a-z' }] } },
      }),
      'conditions.userIdentifier.patterns.0.value: The EXPRESSION is not a valid regular expression.',
    ],
    [
      'unknown IdP id',
      (body: Record<string, unknown>) => ({
        ...body,
        actions: { idp: { providers: [{ type: 'OIDC', id: '0oaNoSuchIdp000000000' }] } },
      }),
      'actions.idp.providers.0.id: The identity provider 0oaNoSuchIdp000000000 does not exist.',
    ],
    [
      'IdP of another type',
      (body: Record<string, unknown>) => ({ ...body, actions: { idp: { providers: [{ type: 'SAML2', id: idpId }] } } }),
      'actions.idp.providers.0.type: The identity provider {idp} is of type OIDC, not SAML2.',
    ],
    [
      'provider without id',
      (body: Record<string, unknown>) => ({ ...body, actions: { idp: { providers: [{ type: 'OIDC' }] } } }),
      'actions.idp.providers.0.id: A provider of type OIDC needs the id of an identity provider.',
    ],
    [
      'no providers',
      (body: Record<string, unknown>) => ({ ...body, actions: { idp: { providers: [] } } }),
      'actions.idp.providers: At least one provider is required.',
    ],
    [
      'more than 10 providers',
      (body: Record<string, unknown>) => ({
        ...body,
        actions: { idp: { providers: Array.from({ length: 11 }, () => ({ type: 'OIDC', id: idpId })) } },
      }),
      'actions.idp.providers: At most 10 providers are allowed.',
    ],
    [
      'wrong rule type',
      (body: Record<string, unknown>) => ({ ...body, type: 'SIGN_ON' }),
      'type: Must be one of IDP_DISCOVERY.',
    ],
    ['missing name', (body: Record<string, unknown>) => ({ ...body, name: undefined }), 'name: The field is required.'],
    [
      'ZONE without zones',
      (body: Record<string, unknown>) => ({ ...body, conditions: { network: { connection: 'ZONE' } } }),
      'conditions.network: A ZONE connection needs zone ids in include or exclude.',
    ],
  ])('refuses an invalid rule: %s', async (_label, mutate, cause) => {
    const before = await order();
    const error = expectOktaError(await t.okta.call('POST', rulesPath(), { body: mutate(base()) }), 400, 'E0000001');
    expect(error.errorCauses.map((entry) => entry.errorSummary)).toContain(cause.replace('{idp}', idpId));
    expect(await order()).toEqual(before);
  });

  it('accepts providers that need no id, and up to 10 providers', async () => {
    const okta10 = await t.okta.ok<Rule>('POST', rulesPath(), {
      ...ruleBody('Ten', idpId, 'ten@example.org'),
      actions: {
        idp: { providers: [{ type: 'OKTA' }, ...Array.from({ length: 9 }, () => ({ type: 'OIDC', id: idpId }))] },
      },
    });
    expect(okta10.actions.idp.providers).toHaveLength(10);
  });
});
