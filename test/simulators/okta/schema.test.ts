/**
 * The user profile schema (docs/contracts/okta.md §7.1) and what it governs: the schema's shape, partial
 * updates of custom properties and base permissions, name/type/clash validation, user profiles
 * checked against it on create and update, partial (POST) and full (PUT) profile updates
 * (§7.2), ATTRIBUTE routing rules tied to its property names (§7.3), and persistence.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clockPast,
  expectOktaError,
  idpBody,
  OktaClient,
  rawStatus,
  ruleBody,
  startSimulator,
  userBody,
  useSimulator,
} from './support';

type Attribute = Record<string, unknown> & { title: string; type: string };
interface Schema {
  id: string;
  created: string;
  lastUpdated: string;
  definitions: {
    base: { id: string; type: string; properties: Record<string, Attribute>; required: string[] };
    custom: { id: string; type: string; properties: Record<string, Attribute>; required: string[] };
  };
  [key: string]: unknown;
}
type User = { id: string; lastUpdated: string; profile: Record<string, unknown> };

const SCHEMA = '/api/v1/meta/schemas/user/default';
const ROUTING = {
  title: 'Beyond Identity routing',
  description: 'Set once the passkey is bound.',
  type: 'string',
  maxLength: 256,
};
const custom = (properties: Record<string, unknown>) => ({
  definitions: { custom: { id: '#custom', type: 'object', properties } },
});

describe('Okta simulator: user profile schema', () => {
  const t = useSimulator();
  const schema = () => t.okta.ok<Schema>('GET', SCHEMA);
  const addProperties = (properties: Record<string, unknown>) => t.okta.ok<Schema>('POST', SCHEMA, custom(properties));

  /** Each test starts from a schema without custom properties (and no rules referencing them). */
  afterEach(async () => {
    const [policy] = await t.okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
    const rules = `/api/v1/policies/${policy!.id}/rules`;
    for (const rule of await t.okta.ok<{ id: string; system: boolean }[]>('GET', rules))
      if (!rule.system) await t.okta.call('DELETE', `${rules}/${rule.id}`);
    const names = Object.keys((await schema()).definitions.custom.properties);
    if (names.length > 0) await addProperties(Object.fromEntries(names.map((name) => [name, null])));
  });

  it("answers the default schema with Okta's shape: base properties, no custom ones, the profile as custom + base", async () => {
    const exchange = await t.okta.call('GET', SCHEMA);
    expect(exchange.status).toBe(200);
    expect(exchange.headers['x-rate-limit-limit']).toBe('1200'); // the `other` bucket
    const body = exchange.body as Schema;
    const id = /^osc[A-Za-z0-9]{17}$/;
    expect(body).toEqual({
      id: expect.stringMatching(new RegExp(`^${t.sim.url}/meta/schemas/user/osc[A-Za-z0-9]{17}$`)),
      $schema: 'http://json-schema.org/draft-04/schema#',
      name: 'user',
      title: 'User',
      created: expect.any(String),
      lastUpdated: expect.any(String),
      definitions: {
        custom: { id: '#custom', type: 'object', properties: {}, required: [] },
        base: {
          id: '#base',
          type: 'object',
          properties: expect.any(Object),
          required: ['login', 'firstName', 'lastName', 'email'],
        },
      },
      type: 'object',
      properties: { profile: { allOf: [{ $ref: '#/definitions/custom' }, { $ref: '#/definitions/base' }] } },
      _links: {
        self: { href: expect.stringMatching(new RegExp(`^${t.sim.url}/api/v1/meta/schemas/user/osc`)), method: 'GET' },
      },
    });
    const base = body.definitions.base.properties;
    for (const name of [
      'login',
      'firstName',
      'lastName',
      'email',
      'secondEmail',
      'mobilePhone',
      'displayName',
      'nickName',
      'city',
      'countryCode',
      'department',
      'managerId',
    ]) {
      expect(base[name]).toMatchObject({
        title: expect.any(String),
        type: 'string',
        permissions: [{ principal: 'SELF', action: 'READ_WRITE' }],
      });
    }
    expect(Object.keys(base)).toHaveLength(31);
    expect(base.login).toMatchObject({ title: 'Username', required: true, minLength: 5, maxLength: 100 });
    expect(base.email).toMatchObject({ title: 'Primary email', required: true, format: 'email' });

    // The schema's own id names it too; anything else is 404.
    const ownId = body.id.split('/').pop()!;
    expect(ownId).toMatch(id);
    expect(await t.okta.ok('GET', `/api/v1/meta/schemas/user/${ownId}`)).toEqual(body);
    const missing = expectOktaError(
      await t.okta.call('GET', '/api/v1/meta/schemas/user/oscNoSuchSchema000000'),
      404,
      'E0000007',
    );
    expect(missing.errorSummary).toBe('Not found: Resource not found: oscNoSuchSchema000000 (UserSchema)');
    expectOktaError(
      await t.okta.call('POST', '/api/v1/meta/schemas/user/other', { body: custom({ x: ROUTING }) }),
      404,
      'E0000007',
    );
  });

  it('adds, replaces and removes custom properties as a partial update, leaving the others', async () => {
    const before = await schema();
    await clockPast(before.lastUpdated);
    const added = await addProperties({
      beyondIdentityIntegration: ROUTING,
      costCode: { title: 'Cost code', type: 'integer', enum: [1, 2, 3] },
    });
    expect(added.definitions.custom.properties).toEqual({
      beyondIdentityIntegration: {
        ...ROUTING,
        required: false,
        mutability: 'READ_WRITE',
        scope: 'NONE',
        permissions: [{ principal: 'SELF', action: 'READ_ONLY' }],
        master: { type: 'PROFILE_MASTER' },
      },
      costCode: expect.objectContaining({ title: 'Cost code', type: 'integer', enum: [1, 2, 3] }),
    });
    expect(added.definitions.base).toEqual(before.definitions.base);
    expect(added.lastUpdated > before.lastUpdated).toBe(true);
    expect(await schema()).toEqual(added);

    // Replacing takes the new definition as a whole; unnamed properties stay.
    const replaced = await addProperties({
      beyondIdentityIntegration: {
        title: 'Routing',
        type: 'string',
        permissions: [{ principal: 'SELF', action: 'HIDE' }],
        unique: true,
        externalName: 'bi',
      },
    });
    expect(replaced.definitions.custom.properties.beyondIdentityIntegration).toEqual({
      title: 'Routing',
      type: 'string',
      unique: true,
      externalName: 'bi',
      required: false,
      mutability: 'READ_WRITE',
      scope: 'NONE',
      permissions: [{ principal: 'SELF', action: 'HIDE' }],
      master: { type: 'PROFILE_MASTER' },
    });
    expect(replaced.definitions.custom.properties.costCode).toEqual(added.definitions.custom.properties.costCode);

    // A user holds values; removing a property removes them from every profile.
    const user = await t.okta.ok<User>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('holder@schema.example', { beyondIdentityIntegration: 'v1', costCode: 2 }),
    );
    expect(user.profile).toMatchObject({ beyondIdentityIntegration: 'v1', costCode: 2 });
    const removed = await addProperties({ beyondIdentityIntegration: null });
    expect(Object.keys(removed.definitions.custom.properties)).toEqual(['costCode']);
    const after = await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`);
    expect(after.profile).not.toHaveProperty('beyondIdentityIntegration');
    expect(after.profile.costCode).toBe(2);
    // Removing what is not there is a no-op (a retried removal succeeds).
    expect(
      Object.keys((await addProperties({ beyondIdentityIntegration: null })).definitions.custom.properties),
    ).toEqual(['costCode']);
    // A required custom property is listed in definitions.custom.required.
    expect(
      (await addProperties({ badge: { title: 'Badge', type: 'string', required: true } })).definitions.custom.required,
    ).toEqual(['badge']);
    await t.okta.call('DELETE', `/api/v1/users/${user.id}`);
    await t.okta.call('DELETE', `/api/v1/users/${user.id}`);
  });

  const P = 'definitions.custom.properties';
  it.each([
    [
      'a name with a dash',
      { 'bad-name': ROUTING },
      `${P}.bad-name: Property names start with a letter and hold only letters, digits and _ (at most 60 characters).`,
    ],
    [
      'a name starting with a digit',
      { '1st': ROUTING },
      `${P}.1st: Property names start with a letter and hold only letters, digits and _ (at most 60 characters).`,
    ],
    [
      'a name of 61 characters',
      { ['a'.repeat(61)]: ROUTING },
      `${P}.${'a'.repeat(61)}: Property names start with a letter and hold only letters, digits and _ (at most 60 characters).`,
    ],
    [
      'a base name in another case',
      { FirstName: ROUTING },
      `${P}.FirstName: "FirstName" clashes with the base property "firstName" (names are compared case-insensitively).`,
    ],
    [
      'a base name',
      { email: ROUTING },
      `${P}.email: "email" clashes with the base property "email" (names are compared case-insensitively).`,
    ],
    ['a reserved name', { Status: ROUTING }, `${P}.Status: "Status" is a reserved name.`],
    [
      'two names differing in case',
      { abc: ROUTING, ABC: ROUTING },
      `${P}.abc: "abc" clashes with the custom property "ABC" (names are compared case-insensitively).`,
    ],
    ['no type', { x: { title: 'X' } }, `${P}.x.type: The field is required.`],
    [
      'type object',
      { x: { title: 'X', type: 'object' } },
      `${P}.x.type: Must be one of string, boolean, integer, number, array.`,
    ],
    ['no title', { x: { type: 'string' } }, `${P}.x.title: The field is required.`],
    ['a blank title', { x: { title: ' ', type: 'string' } }, `${P}.x.title: The title cannot be blank.`],
    [
      'minLength on a boolean',
      { x: { title: 'X', type: 'boolean', minLength: 1 } },
      `${P}.x.minLength: Only string properties take this.`,
    ],
    [
      'minLength over maxLength',
      { x: { title: 'X', type: 'string', minLength: 5, maxLength: 2 } },
      `${P}.x.minLength: minLength cannot be greater than maxLength.`,
    ],
    [
      'an enum of another type',
      { x: { title: 'X', type: 'integer', enum: ['a'] } },
      `${P}.x.enum: Every enum value must be of type integer.`,
    ],
    [
      'a bad permission',
      { x: { title: 'X', type: 'string', permissions: [{ principal: 'SELF', action: 'WRITE' }] } },
      `${P}.x.permissions.0.action: Must be one of READ_ONLY, READ_WRITE, HIDE.`,
    ],
    ['removing a base property', { login: null }, `${P}.login: Base properties cannot be removed.`],
    [
      'one good and one bad property (nothing is added)',
      { fine: ROUTING, 'bad name': ROUTING },
      `${P}.bad name: Property names start with a letter and hold only letters, digits and _ (at most 60 characters).`,
    ],
  ])('refuses %s with 400 E0000001 naming the field', async (_label, properties, cause) => {
    const before = await schema();
    const error = expectOktaError(await t.okta.call('POST', SCHEMA, { body: custom(properties) }), 400, 'E0000001');
    expect(error.errorSummary).toBe(`Api validation failed: ${cause.split(':')[0]}`);
    expect(error.errorCauses.map((entry) => entry.errorSummary)).toContain(cause);
    expect(await schema()).toEqual(before);
  });

  it('refuses a name that clashes in case with an existing custom property', async () => {
    await addProperties({ beyondIdentityIntegration: ROUTING });
    const error = expectOktaError(
      await t.okta.call('POST', SCHEMA, { body: custom({ BeyondIdentityIntegration: ROUTING }) }),
      400,
      'E0000001',
    );
    expect(error.errorCauses).toEqual([
      {
        errorSummary: `${P}.BeyondIdentityIntegration: "BeyondIdentityIntegration" clashes with the custom property "beyondIdentityIntegration" (names are compared case-insensitively).`,
      },
    ]);
  });

  it('changes only the permissions of base properties, and takes its own schema back unchanged', async () => {
    const changed = await t.okta.ok<Schema>('POST', SCHEMA, {
      definitions: {
        base: { properties: { mobilePhone: { permissions: [{ principal: 'SELF', action: 'READ_ONLY' }] } } },
      },
    });
    expect(changed.definitions.base.properties.mobilePhone!.permissions).toEqual([
      { principal: 'SELF', action: 'READ_ONLY' },
    ]);
    const title = expectOktaError(
      await t.okta.call('POST', SCHEMA, {
        body: { definitions: { base: { properties: { firstName: { title: 'Given name' } } } } },
      }),
      400,
      'E0000001',
    );
    expect(title.errorCauses).toEqual([
      {
        errorSummary:
          'definitions.base.properties.firstName.title: Only the permissions of a base property can be changed.',
      },
    ]);
    const added = expectOktaError(
      await t.okta.call('POST', SCHEMA, { body: { definitions: { base: { properties: { shoeSize: ROUTING } } } } }),
      400,
      'E0000001',
    );
    expect(added.errorCauses[0]!.errorSummary).toBe(
      'definitions.base.properties.shoeSize: "shoeSize" is not a base property; add custom properties under definitions.custom.',
    );
    expectOktaError(
      await t.okta.call('POST', SCHEMA, { body: { definitions: { base: { properties: { login: null } } } } }),
      400,
      'E0000001',
    );

    // A read-modify-write round trip: the whole schema sent back, plus one custom property.
    const current = await schema();
    current.definitions.custom.properties.roundTrip = { title: 'Round trip', type: 'boolean' };
    const written = await t.okta.ok<Schema>('POST', SCHEMA, current);
    expect(written.definitions.base).toEqual(current.definitions.base);
    expect(written.definitions.custom.properties.roundTrip).toMatchObject({ title: 'Round trip', type: 'boolean' });
    await t.okta.ok('POST', SCHEMA, {
      definitions: {
        base: { properties: { mobilePhone: { permissions: [{ principal: 'SELF', action: 'READ_WRITE' }] } } },
      },
    });
  });

  it('checks user profiles against the schema on create: unknown properties and wrong types are 400', async () => {
    const unknown = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', {
        body: userBody('unknown@schema.example', { beyondIdentityIntegration: 'v1' }),
      }),
      400,
      'E0000001',
    );
    expect(unknown.errorSummary).toBe('Api validation failed: beyondIdentityIntegration');
    expect(unknown.errorCauses).toEqual([
      {
        errorSummary:
          "beyondIdentityIntegration: Property name 'beyondIdentityIntegration' is not defined in profile schema",
      },
    ]);
    // Names are exact: a base property in another case is not defined either.
    expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { body: userBody('case@schema.example', { MobilePhone: '+1' }) }),
      400,
      'E0000001',
    );

    await addProperties({
      beyondIdentityIntegration: ROUTING,
      level: { title: 'Level', type: 'integer' },
      tags: { title: 'Tags', type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
    });
    const wrongType = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', {
        body: userBody('type@schema.example', { beyondIdentityIntegration: 7, level: 1.5, tags: ['c'] }),
      }),
      400,
      'E0000001',
    );
    expect(wrongType.errorCauses.map((entry) => entry.errorSummary)).toEqual([
      'beyondIdentityIntegration: Must be a string',
      'level: Must be an integer',
      'tags: Every item must be one of a, b',
    ]);
    const tooLong = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', {
        body: userBody('long@schema.example', { beyondIdentityIntegration: 'x'.repeat(257) }),
      }),
      400,
      'E0000001',
    );
    expect(tooLong.errorCauses).toEqual([
      { errorSummary: 'beyondIdentityIntegration: Must be at most 256 characters long' },
    ]);
    const baseType = expectOktaError(
      await t.okta.call('POST', '/api/v1/users', { body: userBody('base@schema.example', { displayName: 42 }) }),
      400,
      'E0000001',
    );
    expect(baseType.errorCauses).toEqual([{ errorSummary: 'displayName: Must be a string' }]);

    const user = await t.okta.ok<User>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('typed@schema.example', {
        beyondIdentityIntegration: 'v1',
        level: 3,
        tags: ['a'],
        mobilePhone: '+1 555',
        secondEmail: 'second@schema.example',
        displayName: null,
      }),
    );
    expect(user.profile).toMatchObject({
      beyondIdentityIntegration: 'v1',
      level: 3,
      tags: ['a'],
      mobilePhone: '+1 555',
      secondEmail: 'second@schema.example',
      displayName: null,
    });
  });

  it('updates a profile partially with POST: sets and clears a property, leaves the others, bumps lastUpdated', async () => {
    await addProperties({ beyondIdentityIntegration: ROUTING, level: { title: 'Level', type: 'integer' } });
    const user = await t.okta.ok<User>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('partial@schema.example', { level: 2, nickName: 'Pat' }),
    );
    expect(user.profile).not.toHaveProperty('beyondIdentityIntegration');
    await clockPast(user.lastUpdated);
    const exchange = await t.okta.call('POST', `/api/v1/users/${user.id}`, {
      body: { profile: { beyondIdentityIntegration: 'v1' } },
    });
    expect(exchange.status).toBe(200);
    expect(exchange.headers['x-rate-limit-limit']).toBe('600'); // userMutations
    const set = exchange.body as User & Record<string, unknown>;
    expect(set).toMatchObject({
      id: user.id,
      status: 'STAGED',
      _links: { self: { href: `${t.sim.url}/api/v1/users/${user.id}` } },
    });
    expect(set.profile).toEqual({ ...user.profile, beyondIdentityIntegration: 'v1' });
    expect(set.lastUpdated > user.lastUpdated).toBe(true);
    expect(await t.okta.ok('GET', `/api/v1/users/${user.id}`)).toEqual(set);

    // By login too; null clears a custom property, which then reads back as null.
    const cleared = await t.okta.ok<User>('POST', '/api/v1/users/partial%40schema.example', {
      profile: { beyondIdentityIntegration: null, nickName: null },
    });
    expect(cleared.profile).toEqual({ ...user.profile, beyondIdentityIntegration: null, nickName: null });
    expect(cleared.profile.level).toBe(2);

    for (const field of ['login', 'email', 'firstName', 'lastName']) {
      for (const value of [null, '', ' ']) {
        const blank = expectOktaError(
          await t.okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { [field]: value } } }),
          400,
          'E0000001',
        );
        expect(blank.errorCauses).toEqual([{ errorSummary: `${field}: The field cannot be left blank` }]);
      }
    }
    const unknown = expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { shoeSize: 44 } } }),
      400,
      'E0000001',
    );
    expect(unknown.errorCauses).toEqual([
      { errorSummary: "shoeSize: Property name 'shoeSize' is not defined in profile schema" },
    ]);
    const wrongType = expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { beyondIdentityIntegration: true } } }),
      400,
      'E0000001',
    );
    expect(wrongType.errorCauses).toEqual([{ errorSummary: 'beyondIdentityIntegration: Must be a string' }]);
    await t.okta.ok('POST', '/api/v1/users?activate=false', userBody('taken@schema.example'));
    const taken = expectOktaError(
      await t.okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { login: 'TAKEN@schema.example' } } }),
      400,
      'E0000001',
    );
    expect(taken.errorCauses).toEqual([
      { errorSummary: 'login: An object with this field already exists in the current organization' },
    ]);
    expect((await t.okta.ok<User>('GET', `/api/v1/users/${user.id}`)).profile).toEqual(cleared.profile);

    const missing = expectOktaError(
      await t.okta.call('POST', '/api/v1/users/nobody%40schema.example', { body: { profile: { nickName: 'x' } } }),
      404,
      'E0000007',
    );
    expect(missing.errorSummary).toBe('Not found: Resource not found: nobody@schema.example (User)');
    expect(
      await rawStatus(
        t.sim.url,
        `POST /api/v1/users/${user.id} HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS ${t.sim.apiToken}\r\n\r\n`,
      ),
    ).toBe(411);
  });

  it('replaces the whole profile with PUT: unnamed properties go, the required ones must be there', async () => {
    await addProperties({ beyondIdentityIntegration: ROUTING });
    const user = await t.okta.ok<User>(
      'POST',
      '/api/v1/users?activate=false',
      userBody('put@schema.example', { beyondIdentityIntegration: 'v1', nickName: 'Pat' }),
    );
    const replaced = await t.okta.ok<User>('PUT', `/api/v1/users/${user.id}`, {
      profile: { login: 'put@schema.example', email: 'put@schema.example', firstName: 'New', lastName: 'Name' },
    });
    expect(replaced.profile).toEqual({
      login: 'put@schema.example',
      email: 'put@schema.example',
      firstName: 'New',
      lastName: 'Name',
      mobilePhone: null,
      secondEmail: null,
    });
    const partial = expectOktaError(
      await t.okta.call('PUT', `/api/v1/users/${user.id}`, { body: { profile: { beyondIdentityIntegration: 'v2' } } }),
      400,
      'E0000001',
    );
    expect(partial.errorCauses.map((entry) => entry.errorSummary)).toEqual([
      'login: The field cannot be left blank',
      'firstName: The field cannot be left blank',
      'lastName: The field cannot be left blank',
      'email: The field cannot be left blank',
    ]);
    const noProfile = expectOktaError(
      await t.okta.call('PUT', `/api/v1/users/${user.id}`, { body: {} }),
      400,
      'E0000001',
    );
    expect(noProfile.errorCauses).toEqual([{ errorSummary: 'profile: The field is required.' }]);
    expectOktaError(
      await t.okta.call('PUT', '/api/v1/users/00uNoSuchUser000000000', { body: userBody('x@schema.example') }),
      404,
      'E0000007',
    );
  });

  describe('IdP-discovery rules on a profile attribute', () => {
    let rulesPath: string;
    let idpId: string;
    beforeAll(async () => {
      const [policy] = await t.okta.ok<{ id: string }[]>('GET', '/api/v1/policies?type=IDP_DISCOVERY');
      rulesPath = `/api/v1/policies/${policy!.id}/rules`;
      idpId = (await t.okta.ok<{ id: string }>('POST', '/api/v1/idps', idpBody('Schema rules'))).id;
    });
    const attributeRule = (name: string, attribute: string, patterns: unknown[]) => ({
      ...ruleBody(name, idpId, ''),
      conditions: { network: { connection: 'ANYWHERE' }, userIdentifier: { type: 'ATTRIBUTE', attribute, patterns } },
    });
    const one = [{ matchType: 'EQUALS', value: 'v1' }];

    it.each([
      [
        'no pattern',
        'email',
        [],
        'conditions.userIdentifier.patterns: Attribute matching takes exactly one pattern, not 0.',
      ],
      [
        'two patterns',
        'email',
        [...one, { matchType: 'EQUALS', value: 'v2' }],
        'conditions.userIdentifier.patterns: Attribute matching takes exactly one pattern, not 2.',
      ],
      [
        'an attribute not in the schema',
        'beyondIdentityIntegration',
        one,
        'conditions.userIdentifier.attribute: "beyondIdentityIntegration" is not a property of the user profile schema.',
      ],
      [
        'a base attribute in another case',
        'Email',
        one,
        'conditions.userIdentifier.attribute: "Email" is not a property of the user profile schema.',
      ],
    ])('refuses an ATTRIBUTE rule with %s, on POST and on PUT', async (_label, attribute, patterns, cause) => {
      const error = expectOktaError(
        await t.okta.call('POST', rulesPath, { body: attributeRule('Bad', attribute, patterns) }),
        400,
        'E0000001',
      );
      expect(error.errorCauses.map((entry) => entry.errorSummary)).toContain(cause);
      const good = await t.okta.ok<{ id: string }>('POST', rulesPath, attributeRule('Good', 'email', one));
      const put = expectOktaError(
        await t.okta.call('PUT', `${rulesPath}/${good.id}`, { body: attributeRule('Good', attribute, patterns) }),
        400,
        'E0000001',
      );
      expect(put.errorCauses.map((entry) => entry.errorSummary)).toContain(cause);
    });

    it('accepts an ATTRIBUTE rule on a custom property once the schema has it; IDENTIFIER rules still take several patterns', async () => {
      await addProperties({ beyondIdentityIntegration: ROUTING });
      const rule = await t.okta.ok<{ conditions: unknown }>(
        'POST',
        rulesPath,
        attributeRule('Custom', 'beyondIdentityIntegration', one),
      );
      expect(rule.conditions).toEqual({
        network: { connection: 'ANYWHERE' },
        userIdentifier: { type: 'ATTRIBUTE', attribute: 'beyondIdentityIntegration', patterns: one },
      });
      await t.okta.ok('POST', rulesPath, {
        ...ruleBody('Identifiers', idpId, ''),
        conditions: {
          userIdentifier: {
            type: 'IDENTIFIER',
            patterns: [
              { matchType: 'SUFFIX', value: 'a.example' },
              { matchType: 'SUFFIX', value: 'b.example' },
            ],
          },
        },
      });
    });

    it('refuses to remove a property that a rule (active or not) references, until the rule is gone', async () => {
      await addProperties({ beyondIdentityIntegration: ROUTING });
      const rule = await t.okta.ok<{ id: string }>(
        'POST',
        `${rulesPath}?activate=false`,
        attributeRule('Uses it', 'beyondIdentityIntegration', one),
      );
      const error = expectOktaError(
        await t.okta.call('POST', SCHEMA, { body: custom({ beyondIdentityIntegration: null }) }),
        400,
        'E0000001',
      );
      expect(error.errorCauses).toEqual([
        {
          errorSummary: `${P}.beyondIdentityIntegration: Property is referenced by an IdP discovery rule ("Uses it"); change or delete the rule first.`,
        },
      ]);
      expect((await schema()).definitions.custom.properties).toHaveProperty('beyondIdentityIntegration');
      expect((await t.okta.call('DELETE', `${rulesPath}/${rule.id}`)).status).toBe(204);
      expect((await addProperties({ beyondIdentityIntegration: null })).definitions.custom.properties).toEqual({});
    });
  });

  it('shows the custom properties in /_sim/state', async () => {
    await addProperties({ beyondIdentityIntegration: ROUTING });
    const state = await t.okta.ok<{ userSchema: { custom: Record<string, unknown> } }>('GET', '/_sim/state');
    expect(Object.keys(state.userSchema.custom)).toEqual(['beyondIdentityIntegration']);
  });
});

describe('Okta simulator: user schema persistence', () => {
  it('keeps custom properties and base permissions across a restart, and loads a state file written before the schema existed', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'okta-schema-'));
    const stateFile = join(directory, 'okta.json');
    try {
      const first = await startSimulator({ stateFile });
      const okta = new OktaClient(first);
      await okta.ok('POST', SCHEMA, {
        definitions: {
          custom: { properties: { beyondIdentityIntegration: ROUTING } },
          base: { properties: { nickName: { permissions: [{ principal: 'SELF', action: 'HIDE' }] } } },
        },
      });
      await okta.ok(
        'POST',
        '/api/v1/users?activate=false',
        userBody('kept@schema.example', { beyondIdentityIntegration: 'v1' }),
      );
      const before = await okta.ok<Schema>('GET', SCHEMA);
      await first.stop();

      const second = await startSimulator({ stateFile });
      try {
        const again = new OktaClient(second);
        const after = await again.ok<Schema>('GET', SCHEMA);
        expect(after.definitions).toEqual(before.definitions);
        expect(after.id.split('/').pop()).toBe(before.id.split('/').pop());
        expect(
          (await again.ok<User>('GET', '/api/v1/users/kept%40schema.example')).profile.beyondIdentityIntegration,
        ).toBe('v1');
      } finally {
        await second.stop();
      }

      // A version 1 file from before the schema existed: no custom properties, everything else kept.
      const old = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown> & {
        users: { profile: Record<string, unknown> }[];
      };
      delete old.userSchema;
      for (const user of old.users) delete user.profile.beyondIdentityIntegration;
      writeFileSync(stateFile, JSON.stringify(old));
      const third = await startSimulator({ stateFile });
      try {
        const again = new OktaClient(third);
        expect((await again.ok<Schema>('GET', SCHEMA)).definitions.custom.properties).toEqual({});
        expect((await again.ok<User>('GET', '/api/v1/users/kept%40schema.example')).profile.login).toBe(
          'kept@schema.example',
        );
      } finally {
        await third.stop();
      }
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).userSchema.custom).toEqual({});
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
