/**
 * The default user profile schema (docs/contracts/okta.md §7.1): `GET /api/v1/meta/schemas/user/{schemaId}`
 * answers the whole schema (`definitions.base` and `definitions.custom`); `POST` is a partial
 * update of the custom properties (a property given as an object is added or replaced, `null`
 * removes it and its values from every profile, unnamed ones stay) and of base permissions.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BASE_PROPERTIES, BASE_REQUIRED, RESERVED_NAMES, type SchemaAttribute } from './base-profile';
import { rawSegment, type OktaContext } from './context';
import { notFound, validationFailed, type FieldProblem } from './errors';
import { nowIso, type OktaState } from './state';
import { parseBody, parsePart } from './validation';

const NAME_SHAPE = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_NAME_LENGTH = 60;
const CUSTOM = 'definitions.custom.properties';
const BASE = 'definitions.base.properties';

const permission = z.object({ principal: z.string().min(1), action: z.enum(['READ_ONLY', 'READ_WRITE', 'HIDE']) });
const enumValues = z.array(z.union([z.string(), z.number()]));
const oneOfEntries = z.array(z.object({ const: z.string(), title: z.string() }));

/** What a custom property may say; other fields are dropped. */
const customAttributeSchema = z.object({
  title: z.string().trim().min(1, 'The title cannot be blank.'),
  type: z.enum(['string', 'boolean', 'integer', 'number', 'array']),
  description: z.string().optional(),
  required: z.boolean().nullable().optional(),
  minLength: z.number().int().min(0).nullable().optional(),
  maxLength: z.number().int().min(1).nullable().optional(),
  enum: enumValues.nullable().optional(),
  oneOf: oneOfEntries.nullable().optional(),
  pattern: z.string().min(1).optional(),
  items: z
    .object({
      type: z.enum(['string', 'boolean', 'integer', 'number']),
      enum: enumValues.optional(),
      oneOf: oneOfEntries.optional(),
    })
    .optional(),
  mutability: z.enum(['IMMUTABLE', 'READ_ONLY', 'READ_WRITE', 'WRITE_ONLY']).optional(),
  scope: z.enum(['NONE', 'SELF']).optional(),
  unique: z.boolean().nullable().optional(),
  externalName: z.string().optional(),
  externalNamespace: z.string().optional(),
  master: z
    .object({
      type: z.enum(['OKTA', 'OVERRIDE', 'PROFILE_MASTER']),
      priority: z.array(z.object({ type: z.string().optional(), value: z.string().optional() })).optional(),
    })
    .nullable()
    .optional(),
  permissions: z.array(permission).nullable().optional(),
});

const updateBody = z.object({
  definitions: z
    .object({
      custom: z.object({ properties: z.record(z.string(), z.unknown()).optional() }).optional(),
      base: z.object({ properties: z.record(z.string(), z.unknown()).optional() }).optional(),
    })
    .optional(),
});

/** Every property a profile may hold, base (with the org's permissions) and custom, by exact name. */
export function profileProperties(state: OktaState): Record<string, SchemaAttribute> {
  const result: Record<string, SchemaAttribute> = {};
  for (const [name, attribute] of Object.entries(BASE_PROPERTIES)) {
    const permissions = state.userSchema.basePermissions[name];
    result[name] = permissions ? { ...attribute, permissions } : attribute;
  }
  for (const [name, attribute] of Object.entries(state.userSchema.custom))
    result[name] = attribute as unknown as SchemaAttribute;
  return result;
}

function renderUserSchema(state: OktaState, orgUrl: string): Record<string, unknown> {
  const schema = state.userSchema;
  const all = profileProperties(state);
  const custom = Object.fromEntries(Object.keys(schema.custom).map((name) => [name, all[name]]));
  const base = Object.fromEntries(Object.keys(BASE_PROPERTIES).map((name) => [name, all[name]]));
  return {
    id: `${orgUrl}/meta/schemas/user/${schema.id}`,
    $schema: 'http://json-schema.org/draft-04/schema#',
    name: 'user',
    title: 'User',
    created: schema.created,
    lastUpdated: schema.lastUpdated,
    definitions: {
      custom: {
        id: '#custom',
        type: 'object',
        properties: custom,
        required: Object.keys(custom).filter((name) => all[name]?.required === true),
      },
      base: { id: '#base', type: 'object', properties: base, required: [...BASE_REQUIRED] },
    },
    type: 'object',
    properties: { profile: { allOf: [{ $ref: '#/definitions/custom' }, { $ref: '#/definitions/base' }] } },
    _links: { self: { href: `${orgUrl}/api/v1/meta/schemas/user/${schema.id}`, method: 'GET' } },
  };
}

/** Why `name` cannot be a custom property, if it cannot: shape, reserved words, and case-insensitive clashes. */
function nameProblem(name: string, existing: string[], batch: string[]): string | undefined {
  if (!NAME_SHAPE.test(name) || name.length > MAX_NAME_LENGTH) {
    return `Property names start with a letter and hold only letters, digits and _ (at most ${MAX_NAME_LENGTH} characters).`;
  }
  const folded = name.toLowerCase();
  if (RESERVED_NAMES.has(folded)) return `"${name}" is a reserved name.`;
  const base = Object.keys(BASE_PROPERTIES).find((other) => other.toLowerCase() === folded);
  if (base) return `"${name}" clashes with the base property "${base}" (names are compared case-insensitively).`;
  const custom = [...existing, ...batch].find((other) => other !== name && other.toLowerCase() === folded);
  if (custom) return `"${name}" clashes with the custom property "${custom}" (names are compared case-insensitively).`;
  return undefined;
}

function typeFits(type: string, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number';
  return typeof value === 'boolean';
}

/** Checks across the fields of one custom property; the stored form gets Okta's defaults. */
function customAttribute(value: unknown, field: string): { attribute?: SchemaAttribute; problems: FieldProblem[] } {
  const parsed = parsePart(customAttributeSchema, value, field);
  if ('problems' in parsed) return { problems: parsed.problems };
  const attribute = parsed.data;
  const problems: FieldProblem[] = [];
  const stringOnly = (['minLength', 'maxLength', 'pattern'] as const).filter(
    (key) => attribute[key] !== undefined && attribute[key] !== null,
  );
  if (attribute.type !== 'string')
    for (const key of stringOnly)
      problems.push({ field: `${field}.${key}`, message: 'Only string properties take this.' });
  if (attribute.minLength != null && attribute.maxLength != null && attribute.minLength > attribute.maxLength) {
    problems.push({ field: `${field}.minLength`, message: 'minLength cannot be greater than maxLength.' });
  }
  if (attribute.pattern !== undefined) {
    try {
      new RegExp(attribute.pattern);
    } catch {
      problems.push({ field: `${field}.pattern`, message: 'The pattern is not a valid regular expression.' });
    }
  }
  if (attribute.items && attribute.type !== 'array')
    problems.push({ field: `${field}.items`, message: 'Only array properties take items.' });
  const enumType = attribute.type === 'array' ? (attribute.items?.type ?? 'string') : attribute.type;
  const values = attribute.type === 'array' ? attribute.items?.enum : attribute.enum;
  if (attribute.type === 'array' && attribute.enum)
    problems.push({ field: `${field}.enum`, message: 'An array property lists its values in items.enum.' });
  if (values?.some((entry) => !typeFits(enumType, entry)))
    problems.push({ field: `${field}.enum`, message: `Every enum value must be of type ${enumType}.` });
  const oneOf = attribute.type === 'array' ? attribute.items?.oneOf : attribute.oneOf;
  if (
    oneOf &&
    !isDeepStrictEqual(
      oneOf.map((entry) => entry.const),
      (values ?? []).map(String),
    )
  ) {
    problems.push({ field: `${field}.oneOf`, message: 'oneOf must list the enum values, in the same order.' });
  }
  if (problems.length > 0) return { problems };
  // What Okta fills in for a new custom property (inferred; see README).
  const stored: SchemaAttribute = {
    ...attribute,
    required: attribute.required ?? false,
    mutability: attribute.mutability ?? 'READ_WRITE',
    scope: attribute.scope ?? 'NONE',
    permissions: attribute.permissions ?? [{ principal: 'SELF', action: 'READ_ONLY' }],
    master: attribute.master ?? { type: 'PROFILE_MASTER' },
  };
  if (attribute.type === 'array') stored.items = attribute.items ?? { type: 'string' };
  return { attribute: stored, problems: [] };
}

/** Base properties: only their permissions may change; the rest must be what the schema shows (so a read-modify-write round trip works). */
function basePermissionChanges(
  properties: Record<string, unknown>,
  state: OktaState,
  problems: FieldProblem[],
): Record<string, z.infer<typeof permission>[]> {
  const current = profileProperties(state);
  const changes: Record<string, z.infer<typeof permission>[]> = {};
  for (const [name, value] of Object.entries(properties)) {
    const field = `${BASE}.${name}`;
    if (!(name in BASE_PROPERTIES)) {
      problems.push({
        field,
        message: `"${name}" is not a base property; add custom properties under definitions.custom.`,
      });
    } else if (value === null) {
      problems.push({ field, message: 'Base properties cannot be removed.' });
    } else if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ field, message: 'Must be an object.' });
    } else {
      for (const [key, given] of Object.entries(value)) {
        if (key === 'permissions') {
          const parsed = parsePart(z.array(permission), given, `${field}.permissions`);
          if ('problems' in parsed) problems.push(...parsed.problems);
          else changes[name] = parsed.data;
        } else if (!isDeepStrictEqual(given, (current[name] as unknown as Record<string, unknown>)[key])) {
          problems.push({
            field: `${field}.${key}`,
            message: 'Only the permissions of a base property can be changed.',
          });
        }
      }
    }
  }
  return changes;
}

export function registerSchemaRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;
  const state = () => store.state;

  function checkSchemaId(request: FastifyRequest): void {
    const { decoded, raw } = rawSegment(request, 5);
    if (decoded !== 'default' && decoded !== state().userSchema.id) throw notFound(decoded ?? raw, 'UserSchema');
  }

  app.get('/api/v1/meta/schemas/user/:schemaId', async (request) => {
    checkSchemaId(request);
    return renderUserSchema(state(), context.orgUrl());
  });

  app.post('/api/v1/meta/schemas/user/:schemaId', async (request) => {
    checkSchemaId(request);
    const body = parseBody(updateBody, request.body);
    const schema = state().userSchema;
    const problems: FieldProblem[] = [];
    const given = body.definitions?.custom?.properties ?? {};
    const existing = Object.keys(schema.custom);
    const additions: Record<string, SchemaAttribute> = {};
    const removals: string[] = [];
    for (const [name, value] of Object.entries(given)) {
      const field = `${CUSTOM}.${name}`;
      if (value === null) {
        if (Object.keys(BASE_PROPERTIES).some((base) => base.toLowerCase() === name.toLowerCase()))
          problems.push({ field, message: 'Base properties cannot be removed.' });
        const referencing = state().rules.filter((rule) => {
          const identifier = (rule.conditions as { userIdentifier?: { type?: string; attribute?: string } })
            .userIdentifier;
          return identifier?.type === 'ATTRIBUTE' && identifier.attribute === name;
        });
        if (referencing.length > 0)
          problems.push({
            field,
            message: `Property is referenced by an IdP discovery rule (${referencing.map((rule) => `"${rule.name}"`).join(', ')}); change or delete the rule first.`,
          });
        // Removing a property that is not there is a no-op, so a retried removal succeeds.
        if (name in schema.custom) removals.push(name);
        continue;
      }
      const problem = nameProblem(
        name,
        existing,
        Object.keys(given).filter((other) => given[other] !== null),
      );
      if (problem) {
        problems.push({ field, message: problem });
        continue;
      }
      const { attribute, problems: attributeProblems } = customAttribute(value, field);
      problems.push(...attributeProblems);
      if (attribute) additions[name] = attribute;
    }
    const permissionChanges = basePermissionChanges(body.definitions?.base?.properties ?? {}, state(), problems);
    if (problems.length > 0) throw validationFailed(problems);

    // All or nothing: nothing changes until every property is valid.
    for (const name of removals) {
      delete schema.custom[name];
      for (const user of state().users) delete user.profile[name];
    }
    for (const [name, attribute] of Object.entries(additions))
      schema.custom[name] = attribute as unknown as Record<string, unknown>;
    Object.assign(schema.basePermissions, permissionChanges);
    schema.lastUpdated = nowIso();
    store.changed();
    return renderUserSchema(state(), context.orgUrl());
  });
}
