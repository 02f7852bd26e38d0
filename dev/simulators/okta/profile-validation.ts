/**
 * A user profile checked against the user schema (docs/contracts/okta.md §1.2, §7.1): the required base
 * properties, Okta's login and email wording, and for every property given: that the schema
 * defines it (exact name), and its type, enum, length and pattern. `null` clears any property
 * that is not required.
 */
import { BASE_REQUIRED, type SchemaAttribute } from './base-profile';
import type { FieldProblem } from './errors';

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
/** Checked with their own wording below, not by the generic length rules. */
const OWN_RULES = new Set(['login', 'email']);

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function typeProblem(attribute: SchemaAttribute, value: unknown): string | undefined {
  switch (attribute.type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'Must be a string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'Must be a boolean';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'Must be an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'Must be a number';
    case 'array': {
      if (!Array.isArray(value)) return 'Must be an array';
      const items = attribute.items ?? { type: 'string' as const };
      const bad = value.find(
        (item) =>
          typeProblem({ title: '', type: items.type }, item) !== undefined ||
          (items.enum !== undefined && !items.enum.includes(item as string)),
      );
      return bad === undefined
        ? undefined
        : `Every item must be ${items.enum ? `one of ${items.enum.join(', ')}` : `a ${items.type}`}`;
    }
  }
}

/** Type, enum, length and pattern of one non-null value. */
function valueProblem(name: string, attribute: SchemaAttribute, value: unknown): string | undefined {
  const wrongType = typeProblem(attribute, value);
  if (wrongType) return wrongType;
  if (attribute.enum && !attribute.enum.includes(value as string | number))
    return `Must be one of ${attribute.enum.join(', ')}`;
  if (typeof value !== 'string' || OWN_RULES.has(name)) return undefined;
  if (attribute.minLength != null && value.length < attribute.minLength)
    return `Must be at least ${attribute.minLength} characters long`;
  if (attribute.maxLength != null && value.length > attribute.maxLength)
    return `Must be at most ${attribute.maxLength} characters long`;
  if (attribute.pattern !== undefined && !new RegExp(`^(?:${attribute.pattern})$`).test(value))
    return 'Does not match required pattern';
  return undefined;
}

/**
 * Problems of `profile` (the whole profile after the change) where `given` holds the properties
 * this request sets: only those are checked against the schema, so a value stored under an older
 * definition does not block an unrelated change.
 */
export function profileProblems(
  profile: Record<string, unknown>,
  given: Record<string, unknown>,
  properties: Record<string, SchemaAttribute>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const required = [
    ...BASE_REQUIRED,
    ...Object.keys(properties).filter(
      (name) => !(BASE_REQUIRED as readonly string[]).includes(name) && properties[name]!.required === true,
    ),
  ];
  for (const field of required)
    if (blank(profile[field])) problems.push({ field, message: 'The field cannot be left blank' });
  const { login, email } = profile;
  if (typeof login === 'string' && login.trim() !== '' && (login.length < 5 || login.length > 100)) {
    problems.push({ field: 'login', message: 'The login must be between 5 and 100 characters long' });
  }
  if (typeof email === 'string' && email.trim() !== '' && (!EMAIL_SHAPE.test(email) || email.length > 100)) {
    problems.push({ field: 'email', message: 'Does not match required pattern' });
  }
  const flagged = new Set(problems.map((problem) => problem.field));
  for (const [name, value] of Object.entries(given)) {
    if (flagged.has(name)) continue;
    const attribute = properties[name];
    if (!attribute) {
      problems.push({ field: name, message: `Property name '${name}' is not defined in profile schema` });
      continue;
    }
    const problem = value === null ? undefined : valueProblem(name, attribute, value);
    if (problem) problems.push({ field: name, message: problem });
  }
  return problems;
}
