/**
 * The Okta client over real HTTP against the simulator: every OktaApi and OktaSetup operation with
 * what the simulator then holds, drift correction of the IdP and the routing rule, paging over
 * three or more pages by `Link` headers, and logins with `+`, `%`, `/`, unicode and upper case.
 */
import type { OktaApi } from '../../src/clients/okta/api';
import { OktaSetup, oidcIdpBody, routingRuleBody, type DesiredOidcIdp } from '../../src/clients/okta/ensure';
import type { RunningOktaSimulator } from '../../dev/simulators/okta';
import { mapLimit } from '../../src/util/concurrency';
import { oktaApi, oktaRaw, Resources, startOkta } from './support';

const BI_APP = 'http://127.0.0.1:9/v1/tenants/T/realms/R/applications/A';

function desiredIdp(name: string, overrides: Partial<DesiredOidcIdp> = {}): DesiredOidcIdp {
  return {
    name,
    clientId: 'biClientId0123456789abcd',
    clientSecret: 'biClientSecretForTheOktaIdpTests0123456789abcdef',
    issuer: BI_APP,
    authorizationUrl: `${BI_APP}/authorize`,
    tokenUrl: `${BI_APP}/token`,
    jwksUrl: `${BI_APP}/.well-known/jwks.json`,
    ...overrides,
  };
}

const person = (login: string) => ({ login, email: login, firstName: 'Test', lastName: 'Person' });

describe('Okta client against the simulator', () => {
  const resources = new Resources();
  let sim: RunningOktaSimulator;
  let api: OktaApi;
  let setup: OktaSetup;
  let okta: ReturnType<typeof oktaRaw>;

  beforeAll(async () => {
    // Roomy limits: the paging test creates hundreds of IdPs through the raw API.
    sim = resources.add(await startOkta({ rateLimits: { other: 100_000, usersCollection: 100_000 } }));
    api = resources.add(oktaApi(sim));
    setup = new OktaSetup(api);
    okta = oktaRaw(sim);
  });
  afterAll(() => resources.release());

  const requestsSeen = () => sim.faults.describe().stats.requests;

  describe('users', () => {
    it('ensureUser creates an ACTIVE federated user once, then adopts it under any case of its login', async () => {
      const first = await setup.ensureUser(person('Dana.Smith@Example.com'));
      expect(first).toEqual({
        outcome: 'created',
        value: { id: expect.stringMatching(/^00u/), login: 'Dana.Smith@Example.com', status: 'ACTIVE' },
      });
      expect(await setup.ensureUser(person('Dana.Smith@Example.com'))).toEqual({
        outcome: 'adopted',
        value: first.value,
      });
      expect(await setup.ensureUser(person('dana.smith@example.com'))).toEqual({
        outcome: 'adopted',
        value: first.value,
      });
      const stored = (await okta.state()).users.filter(
        (user) => user.profile.login.toLowerCase() === 'dana.smith@example.com',
      );
      expect(stored.map((user) => [user.id, user.status])).toEqual([[first.value.id, 'ACTIVE']]);
      const raw = await okta.ok<{ credentials: { provider: { type: string } } }>(
        'GET',
        `/api/v1/users/${first.value.id}`,
      );
      expect(raw.credentials).toEqual({ provider: { type: 'FEDERATION', name: 'FEDERATION' } });
    });

    it('a login lookup of a+b@example.com finds that user (made behind the client’s back), not a look-alike', async () => {
      const made = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=false', {
        profile: { ...person('a+b@example.com') },
      });
      // Look-alikes: "+" read as a space (form encoding), or dropped.
      await okta.ok('POST', '/api/v1/users?activate=false', {
        profile: { ...person('ab@example.com'), login: 'a b@example.com' },
      });
      await okta.ok('POST', '/api/v1/users?activate=false', { profile: { ...person('ab@example.com') } });
      expect((await api.findUserByLogin('a+b@example.com'))?.id).toBe(made.id);
      expect((await api.findUserByLogin('A+B@EXAMPLE.COM'))?.id).toBe(made.id);
      expect(await setup.ensureUser(person('a+b@example.com'))).toEqual({
        outcome: 'adopted',
        value: { id: made.id, login: 'a+b@example.com', status: 'STAGED' },
      });
    });

    it('logins with %, / and unicode are created once and found again', async () => {
      for (const login of [
        '100%@example.com',
        'zoë.åberg@exämple.org',
        'dept/jo@example.com',
        'Dept/A+B@Example.com',
      ]) {
        const created = await setup.ensureUser(person(login));
        expect(created).toMatchObject({ outcome: 'created', value: { login } });
        expect((await api.findUserByLogin(login))?.id).toBe(created.value.id);
        expect(await setup.ensureUser(person(login))).toEqual({ outcome: 'adopted', value: created.value });
      }
      const logins = (await okta.state()).users.map((user) => user.profile.login);
      for (const login of ['100%@example.com', 'zoë.åberg@exämple.org', 'dept/jo@example.com', 'Dept/A+B@Example.com'])
        expect(logins.filter((other) => other === login)).toHaveLength(1);
    });

    it('a login that is only another user’s short name is not that user', async () => {
      const jo = await setup.ensureUser(person('jo@example.com'));
      // GET /users/jo answers with jo@example.com (Okta's short-name lookup); the client must not take it.
      expect((await okta.ok<{ id: string }>('GET', '/api/v1/users/jo')).id).toBe(jo.value.id);
      expect(await api.findUserByLogin('jo')).toBeUndefined();
    });

    it('getUser and deleteUser (deactivate, then delete); a missing user is undefined / false', async () => {
      const user = await api.createFederatedUser(person('leaver@example.com'));
      expect(user).toMatchObject({
        status: 'ACTIVE',
        profile: { login: 'leaver@example.com', email: 'leaver@example.com', firstName: 'Test', lastName: 'Person' },
      });
      expect((await api.getUser(user.id))?.id).toBe(user.id);
      expect(await api.deleteUser(user.id)).toBe(true);
      expect(await api.getUser(user.id)).toBeUndefined();
      expect((await okta.state()).users.map((other) => other.id)).not.toContain(user.id);
      expect(await api.deleteUser(user.id)).toBe(false);
    });
  });

  describe('identity providers', () => {
    it('ensureOidcIdp creates an ACTIVE IdP once and adopts it by exact name, not a name that merely starts the same', async () => {
      const lookalike = await api.createIdp(oidcIdpBody(desiredIdp('Beyond Identity (old)')));
      const first = await setup.ensureOidcIdp(desiredIdp('Beyond Identity'));
      expect(first).toEqual({
        outcome: 'created',
        value: { id: expect.stringMatching(/^0oa/), name: 'Beyond Identity', status: 'ACTIVE' },
      });
      expect(first.value.id).not.toBe(lookalike.id);
      expect(await setup.ensureOidcIdp(desiredIdp('Beyond Identity'))).toEqual({
        outcome: 'adopted',
        value: first.value,
      });

      const stored = (await okta.state()).idps.filter((idp) => idp.body.name === 'Beyond Identity');
      expect(stored).toEqual([expect.objectContaining({ id: first.value.id, status: 'ACTIVE' })]);
      const idp = await api.getIdp(first.value.id);
      expect(idp).toMatchObject({
        type: 'OIDC',
        protocol: {
          scopes: ['openid'],
          endpoints: {
            authorization: { url: `${BI_APP}/authorize` },
            token: { url: `${BI_APP}/token` },
            jwks: { url: `${BI_APP}/.well-known/jwks.json` },
          },
          issuer: { url: BI_APP },
          credentials: {
            client: { client_id: 'biClientId0123456789abcd', client_secret: desiredIdp('x').clientSecret },
          },
        },
        policy: { subject: { userNameTemplate: { template: 'idpuser.externalId' }, matchType: 'USERNAME' } },
      });
      expect((await api.listOidcIdps('Beyond Identity')).map((other) => other.name).sort()).toEqual([
        'Beyond Identity',
        'Beyond Identity (old)',
      ]);
    });

    it('corrects drift (scopes, secret) with a replace and says which settings differed, never their values', async () => {
      const stale = oidcIdpBody(desiredIdp('Drifted IdP', { clientSecret: 'an-old-client-secret-value' }));
      const made = await okta.ok<{ id: string }>('POST', '/api/v1/idps', {
        ...stale,
        protocol: { ...stale.protocol, scopes: ['openid', 'email', 'profile'] },
      });

      const result = await setup.ensureOidcIdp(desiredIdp('Drifted IdP'));
      expect(result).toEqual({
        outcome: 'updated',
        value: { id: made.id, name: 'Drifted IdP', status: 'ACTIVE' },
        drift: ['protocol.scopes', 'protocol.credentials.client.client_secret'],
      });
      expect(JSON.stringify(result)).not.toContain('an-old-client-secret-value');
      const idp = await api.getIdp(made.id);
      expect(idp?.protocol.scopes).toEqual(['openid']);
      expect(idp?.protocol.credentials?.client?.client_secret).toBe(desiredIdp('x').clientSecret);
      expect(await setup.ensureOidcIdp(desiredIdp('Drifted IdP'))).toEqual({
        outcome: 'adopted',
        value: { id: made.id, name: 'Drifted IdP', status: 'ACTIVE' },
      });
    });

    it('activates an inactive IdP and reports it as drift', async () => {
      const made = await api.createIdp(oidcIdpBody(desiredIdp('Sleeping IdP')));
      expect(await api.setIdpActive(made.id, false)).toMatchObject({ id: made.id, status: 'INACTIVE' });
      expect(await setup.ensureOidcIdp(desiredIdp('Sleeping IdP'))).toEqual({
        outcome: 'updated',
        value: { id: made.id, name: 'Sleeping IdP', status: 'ACTIVE' },
        drift: ['status'],
      });
      expect((await okta.state()).idps.find((idp) => idp.id === made.id)?.status).toBe('ACTIVE');
    });

    it('replaceIdp, setIdpActive and deleteIdp; a missing IdP is undefined / false', async () => {
      const made = await api.createIdp(oidcIdpBody(desiredIdp('Short-lived IdP')));
      const replaced = await api.replaceIdp(
        made.id,
        oidcIdpBody(desiredIdp('Short-lived IdP', { clientId: 'anotherClientId' })),
      );
      expect(replaced.protocol.credentials?.client?.client_id).toBe('anotherClientId');
      expect(await api.setIdpActive(made.id, true)).toMatchObject({ status: 'ACTIVE' });
      expect(await api.deleteIdp(made.id)).toBe(true);
      expect(await api.getIdp(made.id)).toBeUndefined();
      expect(await api.deleteIdp(made.id)).toBe(false);
    });
  });

  describe('routing rules', () => {
    let idpId: string;
    beforeAll(async () => {
      idpId = (await setup.ensureOidcIdp(desiredIdp('Routing target'))).value.id;
    });
    // Each rule below needs the property in the schema; the first test makes it.
    const rulesNow = async () => {
      const policyId = await api.idpDiscoveryPolicyId();
      return { policyId, rules: await api.listRules(policyId) };
    };

    it('finds the IdP discovery policy; its default rule comes last', async () => {
      const { policyId, rules } = await rulesNow();
      expect(policyId).toMatch(/^00p/);
      expect(rules.at(-1)).toMatchObject({ system: true, status: 'ACTIVE' });
    });

    const ATTRIBUTE = 'beyondIdentityIntegration';
    const key = { attribute: ATTRIBUTE, value: 'tenant/realm-a' };

    it('ensureRoutingAttribute adds a custom string property once, then adopts it; a base or non-string property is refused', async () => {
      expect(await setup.ensureRoutingAttribute(ATTRIBUTE)).toEqual({ outcome: 'created', value: { name: ATTRIBUTE } });
      expect(await setup.ensureRoutingAttribute(ATTRIBUTE)).toEqual({ outcome: 'adopted', value: { name: ATTRIBUTE } });
      const schema = await api.getUserSchema();
      expect(schema.definitions.custom?.properties?.[ATTRIBUTE]).toMatchObject({ type: 'string' });
      await expect(setup.ensureRoutingAttribute('email')).rejects.toMatchObject({
        name: 'RoutingAttributeUnusableError',
      });
      await api.updateCustomProperties({ numericOne: { title: 'n', type: 'integer' } as never });
      await expect(setup.ensureRoutingAttribute('numericOne')).rejects.toMatchObject({
        name: 'RoutingAttributeUnusableError',
        message: expect.stringMatching(/type integer/),
      });
    });

    it('ensureRoutingAttribute creates it Okta-mastered and read-only to people; refuses an adopted one that is not, and puts back one of ours', async () => {
      expect((await api.getUserSchema()).definitions.custom?.properties?.[ATTRIBUTE]).toMatchObject({
        master: { type: 'OKTA' },
        permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
      });
      await api.updateCustomProperties({
        inheritedRouting: {
          title: 'i',
          type: 'string',
          master: { type: 'PROFILE_MASTER' },
          permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
        },
      });
      await expect(setup.ensureRoutingAttribute('inheritedRouting')).rejects.toMatchObject({
        name: 'RoutingPropertyUnsafeError',
        message: expect.stringMatching(/master PROFILE_MASTER\).*403 E0000023.*Profile Editor/),
      });
      await api.updateCustomProperties({
        writableRouting: {
          title: 'w',
          type: 'string',
          master: { type: 'OKTA' },
          permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
        },
      });
      await expect(setup.ensureRoutingAttribute('writableRouting')).rejects.toMatchObject({
        name: 'RoutingPropertyUnsafeError',
        message: expect.stringMatching(/User permission READ_WRITE/),
      });
      expect(await setup.ensureRoutingAttribute('inheritedRouting', { ours: true })).toEqual({
        outcome: 'updated',
        value: { name: 'inheritedRouting' },
        drift: ['master'],
      });
      expect((await api.getUserSchema()).definitions.custom?.properties?.inheritedRouting).toMatchObject({
        master: { type: 'OKTA' },
        permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
      });
      expect(await setup.ensureRoutingAttribute('inheritedRouting', { ours: true })).toEqual({
        outcome: 'adopted',
        value: { name: 'inheritedRouting' },
      });
    });

    it('ensureRoutingRule creates one ATTRIBUTE rule at the given priority, then adopts it unchanged', async () => {
      const desired = { name: 'BI passkeys', idpId, priority: 1, ...key };
      const first = await setup.ensureRoutingRule(desired);
      expect(first).toEqual({
        outcome: 'created',
        value: {
          id: expect.stringMatching(/^0pr/),
          name: 'BI passkeys',
          policyId: await api.idpDiscoveryPolicyId(),
          priority: 1,
          status: 'ACTIVE',
        },
      });
      const before = (await okta.state()).rules.filter((rule) => rule.name === 'BI passkeys');
      expect(await setup.ensureRoutingRule(desired)).toEqual({ outcome: 'adopted', value: first.value });
      const after = (await okta.state()).rules.filter((rule) => rule.name === 'BI passkeys');
      expect(after).toEqual(before);
      expect(after[0]?.conditions.userIdentifier).toEqual({
        type: 'ATTRIBUTE',
        attribute: ATTRIBUTE,
        patterns: [{ matchType: 'EQUALS', value: key.value }],
      });
    });

    it('corrects a rule of another shape, priority and status, and says so', async () => {
      const { policyId } = await rulesNow();
      const other = { name: 'Someone else first', idpId, priority: 1, attribute: ATTRIBUTE, value: 'someone/else' };
      await api.createRule(policyId, routingRuleBody(other));
      const identifierBody = {
        ...routingRuleBody({ ...other, name: 'Drifted rule' }),
        priority: 5,
        conditions: {
          userIdentifier: { type: 'IDENTIFIER', patterns: [{ matchType: 'EQUALS', value: 'old@example.com' }] },
        },
      };
      const stale = await okta.ok<{ id: string; priority: number }>(
        'POST',
        `/api/v1/policies/${policyId}/rules?activate=false`,
        identifierBody,
      );
      expect(stale.priority).toBeGreaterThan(1);

      const result = await setup.ensureRoutingRule({ name: 'Drifted rule', idpId, priority: 1, ...key });
      expect(result).toEqual({
        outcome: 'updated',
        value: { id: stale.id, name: 'Drifted rule', policyId, priority: 1, status: 'ACTIVE' },
        drift: [
          'conditions.userIdentifier.type',
          'conditions.userIdentifier.attribute',
          'conditions.userIdentifier.patterns',
          'priority',
          'status',
        ],
      });
      const { rules } = await rulesNow();
      expect(rules[0]).toMatchObject({
        id: stale.id,
        priority: 1,
        status: 'ACTIVE',
        conditions: {
          userIdentifier: {
            type: 'ATTRIBUTE',
            attribute: ATTRIBUTE,
            patterns: [{ matchType: 'EQUALS', value: key.value }],
          },
        },
      });
      expect(rules.filter((rule) => rule.name === 'Drifted rule')).toHaveLength(1);
      expect((await setup.rulesUsingAttribute(ATTRIBUTE, stale.id)).map((rule) => rule.name)).toEqual(
        expect.arrayContaining(['Someone else first']),
      );
      expect((await setup.deactivateRoutingRule('Drifted rule'))?.status).toBe('INACTIVE');
      expect(await setup.deactivateRoutingRule('Never made')).toBeUndefined();
    });

    it('ensureRoutedUser creates a user carrying the value, adopts an existing one by a partial update, and clearRouting takes only our value away', async () => {
      const since = new Date(Date.now() - 1_000).toISOString();
      const created = await setup.ensureRoutedUser(person('routed.new@example.com'), key, since);
      expect(created).toMatchObject({
        outcome: 'created',
        value: { login: 'routed.new@example.com', status: 'ACTIVE', changed: true },
      });
      const stored = () =>
        okta
          .state()
          .then(
            (state) =>
              state.users.find((user) => user.profile.login === 'routed.new@example.com')?.profile as Record<
                string,
                unknown
              >,
          );
      expect((await stored())[ATTRIBUTE]).toBe(key.value);
      // Again: found, already routed; it was created after `since` carrying our value, so it is ours.
      expect(await setup.ensureRoutedUser(person('routed.new@example.com'), key, since)).toMatchObject({
        outcome: 'created',
        value: { changed: false },
      });
      // Before the onboarding began, the same user counts as adopted.
      expect(
        await setup.ensureRoutedUser(
          person('routed.new@example.com'),
          key,
          new Date(Date.now() + 60_000).toISOString(),
        ),
      ).toMatchObject({ outcome: 'adopted' });

      const admin = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=true', {
        profile: { ...person('routed.old@example.com'), displayName: 'kept' },
        credentials: { password: { value: 'Adm1n-Made-Passw0rd' } },
      });
      const adopted = await setup.ensureRoutedUser(person('routed.old@example.com'), key, since);
      expect(adopted).toMatchObject({ outcome: 'adopted', value: { id: admin.id, changed: true } });
      const profile = (await api.getUser(admin.id))!.profile;
      expect(profile).toMatchObject({ [ATTRIBUTE]: key.value, displayName: 'kept', firstName: 'Test' });

      expect(
        await setup.clearRouting({ login: 'routed.old@example.com' }, { ...key, value: 'another/integration' }),
      ).toEqual({ found: true, userId: admin.id, cleared: false });
      expect((await api.getUser(admin.id))!.profile[ATTRIBUTE]).toBe(key.value);
      expect(await setup.clearRouting({ userId: admin.id, login: 'routed.old@example.com' }, key)).toEqual({
        found: true,
        userId: admin.id,
        cleared: true,
      });
      expect((await api.getUser(admin.id))!.profile[ATTRIBUTE] ?? null).toBeNull();
      expect(await setup.clearRouting({ login: 'nobody.here@example.com' }, key)).toEqual({
        found: false,
        cleared: false,
      });
    });

    it('ensureRoutedUser writes nothing to a user that is not ACTIVE', async () => {
      const staged = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=false', {
        profile: person('routed.staged@example.com'),
      });
      await expect(
        setup.ensureRoutedUser(person('routed.staged@example.com'), key, new Date().toISOString()),
      ).rejects.toMatchObject({ name: 'OktaUserNotActiveError', message: expect.stringMatching(/STAGED/) });
      expect((await api.getUser(staged.id))!.profile[ATTRIBUTE] ?? null).toBeNull();
    });

    it('ensureRoutedUser asks beforeWrite just before each write, after the rate-limit wait: refused, nothing is written', async () => {
      class StandDown extends Error {}
      let asked = 0;
      const refuse = async () => {
        asked += 1;
        throw new StandDown('another look routes this person');
      };
      // A new user: the create is refused before it is sent (the lookup went out, the create did not).
      let before = requestsSeen();
      await expect(
        setup.ensureRoutedUser(person('stood.down@example.com'), key, new Date().toISOString(), {
          beforeWrite: refuse,
        }),
      ).rejects.toBeInstanceOf(StandDown);
      expect([asked, requestsSeen() - before]).toEqual([1, 1]);
      expect((await okta.state()).users.some((user) => user.profile.login === 'stood.down@example.com')).toBe(false);
      // An existing user without the value: the profile update is refused the same way.
      const existing = await api.createFederatedUser(person('stood.down.adopted@example.com'));
      before = requestsSeen();
      await expect(
        setup.ensureRoutedUser(person('stood.down.adopted@example.com'), key, new Date().toISOString(), {
          beforeWrite: refuse,
        }),
      ).rejects.toBeInstanceOf(StandDown);
      expect([asked, requestsSeen() - before]).toEqual([2, 1]);
      expect((await api.getUser(existing.id))!.profile[ATTRIBUTE] ?? null).toBeNull();
      // Allowed, the same call routes them.
      const routed = await setup.ensureRoutedUser(
        person('stood.down.adopted@example.com'),
        key,
        new Date().toISOString(),
        { beforeWrite: async () => undefined },
      );
      expect(routed.value.id).toBe(existing.id);
    });

    it('createRule, replaceRule, setRuleActive and deleteRule', async () => {
      const { policyId } = await rulesNow();
      const rule = await api.createRule(policyId, routingRuleBody({ name: 'CRUD rule', idpId, priority: 1, ...key }));
      expect(rule).toMatchObject({ name: 'CRUD rule', status: 'ACTIVE', priority: 1 });
      const replaced = await api.replaceRule(
        policyId,
        rule.id,
        routingRuleBody({ name: 'CRUD rule', idpId, priority: 2, ...key, value: 'g/realm' }),
      );
      expect(replaced).toMatchObject({
        id: rule.id,
        priority: 2,
        conditions: { userIdentifier: { patterns: [{ value: 'g/realm' }] } },
      });
      await api.setRuleActive(policyId, rule.id, false);
      expect((await okta.state()).rules.find((other) => other.id === rule.id)?.status).toBe('INACTIVE');
      await api.setRuleActive(policyId, rule.id, true);
      expect((await okta.state()).rules.find((other) => other.id === rule.id)?.status).toBe('ACTIVE');
      expect(await api.deleteRule(policyId, rule.id)).toBe(true);
      expect(await api.deleteRule(policyId, rule.id)).toBe(false);
      expect((await api.listRules(policyId)).map((other) => other.id)).not.toContain(rule.id);
    });
  });

  describe('paging', () => {
    it('follows Link rel="next" over three pages of IdPs and finds the exact name on the last', async () => {
      await mapLimit([...Array(410).keys()], 16, (index) =>
        okta.ok('POST', '/api/v1/idps', oidcIdpBody(desiredIdp(`Paged IdP ${String(index).padStart(3, '0')}`))),
      );
      const last = await api.createIdp(oidcIdpBody(desiredIdp('Paged IdP')));

      const before = requestsSeen();
      const listed = await api.listOidcIdps('Paged IdP');
      expect(requestsSeen() - before).toBe(3);
      expect(listed).toHaveLength(411);
      expect(new Set(listed.map((idp) => idp.id)).size).toBe(411);
      expect(listed.at(-1)?.id).toBe(last.id);
      expect(await setup.ensureOidcIdp(desiredIdp('Paged IdP'))).toEqual({
        outcome: 'adopted',
        value: { id: last.id, name: 'Paged IdP', status: 'ACTIVE' },
      });
    });

    it('a login with / is looked up by filter (one page: logins are unique); a miss is undefined', async () => {
      // Okta cannot fetch a login with / by path (it answers 404), so only the filter finds this one.
      const made = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=false', {
        profile: person('filter/only@example.com'),
      });
      let before = requestsSeen();
      expect((await api.findUserByLogin('filter/only@example.com'))?.id).toBe(made.id);
      expect(requestsSeen() - before).toBe(1);
      before = requestsSeen();
      expect(await api.findUserByLogin('nobody/here@example.com')).toBeUndefined();
      // A miss by filter (case-sensitive on values) is looked for once more by search (which is not).
      expect(requestsSeen() - before).toBe(2);
    });

    it('a login with / in another case is found by search after the filter misses it', async () => {
      const made = await okta.ok<{ id: string }>('POST', '/api/v1/users?activate=false', {
        profile: person('Other.Case/Pat@Example.com'),
      });
      const before = requestsSeen();
      expect((await api.findUserByLogin('other.case/pat@example.com'))?.id).toBe(made.id);
      expect(requestsSeen() - before).toBe(2);
    });
  });
});
