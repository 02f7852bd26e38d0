/** Request bodies checked with zod, failures worded as Okta's E0000001 causes ("field: message"). */
import { z } from 'zod';
import { validationFailed, type FieldProblem } from './errors';

/** Okta-style wording for zod's issue kinds; anything not covered keeps zod's own message. */
function message(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'The field is required.'
        : `Must be ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}.`;
    case 'invalid_value':
      // zod reports a missing enum field as a wrong value.
      if (issue.input === undefined) return 'The field is required.';
      return `Must be one of ${issue.values.map(String).join(', ')}.`;
    case 'unrecognized_keys':
      return `Unknown fields: ${issue.keys.join(', ')}.`;
    default:
      return undefined;
  }
}

function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : 'body',
    message: issue.message,
  }));
}

/** `value` parsed, or the problems with their fields under `prefix` (e.g. "definitions.custom.properties.x"). */
export function parsePart<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: string,
): { data: z.infer<T> } | { problems: FieldProblem[] } {
  const parsed = schema.safeParse(value, { error: message });
  if (parsed.success) return { data: parsed.data };
  return {
    problems: problemsOf(parsed.error).map((problem) => ({
      ...problem,
      field: problem.field === 'body' ? prefix : `${prefix}.${problem.field}`,
    })),
  };
}

/** The parsed body, or a thrown 400 E0000001 naming every invalid field. A missing body counts as `{}`. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {}, { error: message });
  if (!parsed.success) throw validationFailed(problemsOf(parsed.error));
  return parsed.data;
}

/** Drops null-valued properties, which Okta may omit (docs/contracts/okta.md §0.1) and the spec does not allow on several fields. */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) result[key] = withoutNulls(item);
  return result as T;
}
