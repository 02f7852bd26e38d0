/**
 * The System Log's `filter` (docs/contracts/okta.md §13; Okta's system-log-query docs): SCIM expressions
 * `attribute operator "value"` (or `attribute pr`) joined with `and`/`or`, parentheses allowed.
 * Errors in Okta's words: a malformed expression, an unknown operator or field → 400 E0000053;
 * a known operator on a field that does not take it (any on `published`, ordering ones on
 * strings) → 400 E0000031. `target.*` matches when any target does. Values compare case-sensitively.
 */
import { OktaApiError } from './errors';
import { describeToken, parseBoolean, tokenize, type TokenCursor } from './expression';

type Operator = 'eq' | 'co' | 'sw' | 'ew' | 'pr' | 'gt' | 'ge' | 'lt' | 'le';
type Predicate = (event: Record<string, unknown>) => boolean;
const OPERATORS: readonly Operator[] = ['eq', 'co', 'sw', 'ew', 'pr', 'gt', 'ge', 'lt', 'le'];
const STRING_OPERATORS = new Set<Operator>(['eq', 'co', 'sw', 'ew', 'pr']);
const FIELDS = new Set([
  'uuid',
  'eventType',
  'legacyEventType',
  'displayMessage',
  'severity',
  'version',
  'outcome.result',
  'outcome.reason',
  'actor.id',
  'actor.type',
  'actor.alternateId',
  'actor.displayName',
  'target.id',
  'target.type',
  'target.alternateId',
  'target.displayName',
  'transaction.id',
  'transaction.type',
  'published',
]);
const MAX_EXPRESSION_LENGTH = 2000;

function invalidFilter(expression: string, detail: string): OktaApiError {
  return new OktaApiError(400, 'E0000053', `Invalid filter '${expression}': ${detail}`);
}

/** The values a field has on an event: one, or one per target for `target.*`. */
function valuesOf(event: Record<string, unknown>, field: string): unknown[] {
  const [head, tail] = field.split('.', 2) as [string, string | undefined];
  const value = event[head];
  if (tail === undefined) return [value];
  const objects = Array.isArray(value) ? value : [value];
  return objects.map((object) =>
    object !== null && typeof object === 'object' ? (object as Record<string, unknown>)[tail] : undefined,
  );
}

function compare(operator: Operator, actual: unknown, expected: string): boolean {
  if (operator === 'pr') return actual !== undefined && actual !== null && actual !== '';
  if (typeof actual !== 'string') return false;
  switch (operator) {
    case 'eq':
      return actual === expected;
    case 'co':
      return actual.includes(expected);
    case 'sw':
      return actual.startsWith(expected);
    case 'ew':
      return actual.endsWith(expected);
    default:
      return false;
  }
}

/** One condition: `field operator "value"` or `field pr`. */
function condition(expression: string, cursor: TokenCursor): Predicate {
  const fail = (detail: string) => invalidFilter(expression, detail);
  const token = cursor.take();
  if (token?.kind !== 'word') throw fail(`Expected an attribute name, found ${describeToken(token)}.`);
  const field = token.text;
  const operatorToken = cursor.take();
  const operator = (operatorToken?.kind === 'word' ? operatorToken.text.toLowerCase() : '') as Operator;
  if (!OPERATORS.includes(operator))
    throw fail(
      `Unrecognized attribute operator ${describeToken(operatorToken)} at position ${(operatorToken?.at ?? expression.length) + 1}. Expected: ${OPERATORS.join(',')}`,
    );
  if (!FIELDS.has(field)) throw new OktaApiError(400, 'E0000053', `field is not valid: ${field}`);
  if (field === 'published' || !STRING_OPERATORS.has(operator))
    throw new OktaApiError(
      400,
      'E0000031',
      `The supplied combination of operator and field is not currently supported. Operator: ${operator}, Field: ${field}`,
    );
  if (operator === 'pr') return (event) => valuesOf(event, field).some((value) => compare('pr', value, ''));
  const valueToken = cursor.take();
  if (valueToken?.kind !== 'string')
    throw fail(`Expected a quoted value after ${field} ${operator}, found ${describeToken(valueToken)}.`);
  return (event) => valuesOf(event, field).some((value) => compare(operator, value, valueToken.text));
}

export function parseLogFilter(expression: string): Predicate {
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw invalidFilter(expression.slice(0, 40), `The expression is longer than ${MAX_EXPRESSION_LENGTH} characters.`);
  const fail = (detail: string) => invalidFilter(expression, detail);
  const tokens = tokenize(expression, fail);
  if (tokens.length === 0) throw fail('The expression is empty.');
  return parseBoolean(tokens, (cursor) => condition(expression, cursor), fail);
}
