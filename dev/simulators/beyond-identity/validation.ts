/**
 * Request bodies: the resource wrapped under its singular key, checked with zod, failures turned
 * into the API's FieldViolations with dotted paths (`identity.traits.username` / `empty string`).
 * A missing or non-object wrapper is "invalid request", as malformed JSON is (docs/contracts/beyond-identity.md §5).
 * Unknown fields are ignored (dropped), never rejected: the spec sets no additionalProperties
 * limit, the contract says to ignore them, and BI's own automation sends unlisted ones. A JSON
 * `null` is a field not given (proto3 JSON: null is the default value), which is how the official
 * `bi` CLI sends optional fields it was not given (`external_id`, `given_name`, `family_name`).
 */
import { z } from 'zod';
import { apiErrors, type FieldViolation } from './flavour';

/** The spec's display_name/username pattern: none of { } [ ] < > ; : ? \ / | * ^ % $ # = ~ ` ! */
const SAFE_NAME_PATTERN = /^[^{}[\]<>;:?\\/|*^%$#=~`!]*$/;
export const safeName = () => z.string().min(1).max(64).regex(SAFE_NAME_PATTERN);

export const absoluteUrl = () =>
  z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'invalid value');

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readWrapped<S extends z.ZodType>(body: unknown, key: string, schema: S): z.infer<S> {
  if (!isObject(body) || !isObject(body[key])) throw apiErrors.invalidRequest();
  const resource = withoutNulls(body[key]);
  const result = schema.safeParse(resource);
  if (!result.success) throw apiErrors.invalidParameters(fieldViolations(result.error.issues, key, resource));
  return result.data;
}

/** The object with its `null` fields left out, at every depth (array items are kept as they are). */
export function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (field === null) continue;
    kept[name] = isObject(field) ? withoutNulls(field) : field;
  }
  return kept;
}

function fieldViolations(issues: readonly z.core.$ZodIssue[], prefix: string, input: unknown): FieldViolation[] {
  const seen = new Set<string>();
  const violations: FieldViolation[] = [];
  for (const issue of issues) {
    const field = [prefix, ...issue.path.map(String)].join('.');
    if (seen.has(field)) continue;
    seen.add(field);
    violations.push({ field, description: describeIssue(issue, valueAt(input, issue.path)) });
  }
  return violations;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (value === undefined && issue.code !== 'custom') return 'missing';
  switch (issue.code) {
    case 'invalid_type':
      return 'invalid type';
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'empty string';
      return issue.origin === 'array' ? 'too few items' : 'too small';
    case 'too_big':
      return issue.origin === 'string' ? 'too long' : 'too large';
    case 'invalid_format':
      return issue.format === 'regex' ? 'invalid characters' : 'invalid format';
    case 'custom':
      return issue.message;
    default:
      return 'invalid value';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
