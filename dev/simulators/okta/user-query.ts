/**
 * The `filter` and `search` expressions of GET /api/v1/users (docs/contracts/okta.md §1.1), parsed into a
 * predicate (the grammar is shared with the groups list's `search`: `parseQuery`). `filter`: `eq` on status, lastUpdated, id, profile.login/email/firstName/lastName
 * (plus gt/ge/lt/le on lastUpdated), values case-sensitive. `search`: any profile.* or top-level
 * property with eq, ne, sw, co, pr, gt, ge, lt, le, values case-insensitive. Both: quoted string
 * values, `and`, `or`, parentheses. Anything else is refused with 400 E0000031.
 */
import { invalidSearch } from './errors';
import { describeToken, parseBoolean, tokenize, type TokenCursor } from './expression';
import type { UserRecord } from './state';

export type QueryMode = 'filter' | 'search';
type Operator = 'eq' | 'ne' | 'sw' | 'co' | 'pr' | 'gt' | 'ge' | 'lt' | 'le';
type Predicate<T = UserRecord> = (record: T) => boolean;

const FILTER_ATTRIBUTES = new Set([
  'status',
  'lastUpdated',
  'id',
  'profile.login',
  'profile.email',
  'profile.firstName',
  'profile.lastName',
]);
const SEARCH_TOP_LEVEL = new Set([
  'id',
  'status',
  'created',
  'activated',
  'statusChanged',
  'lastLogin',
  'lastUpdated',
  'passwordChanged',
  'type.id',
]);
const OPERATORS = new Set<Operator>(['eq', 'ne', 'sw', 'co', 'pr', 'gt', 'ge', 'lt', 'le']);
const MAX_EXPRESSION_LENGTH = 2000;

function userAttributeValue(user: UserRecord, attribute: string): unknown {
  if (attribute.startsWith('profile.')) return user.profile[attribute.slice('profile.'.length)];
  if (attribute === 'type.id') return 'oty1defaultusertype0';
  return (user as unknown as Record<string, unknown>)[attribute];
}

function compare(operator: Operator, actual: unknown, expected: string, caseInsensitive: boolean): boolean {
  if (operator === 'pr') return actual !== undefined && actual !== null && actual !== '';
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') return operator === 'ne';
  const fold = (value: string) => (caseInsensitive ? value.toLowerCase() : value);
  const left = fold(String(actual));
  const right = fold(expected);
  switch (operator) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'sw':
      return left.startsWith(right);
    case 'co':
      return left.includes(right);
    // ISO-8601 timestamps in one format compare correctly as strings.
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}

/** What a list's expressions may name: each attribute's value on a record, and which attribute/operator pairs are refused (by throwing). */
export interface QueryAttributes<T> {
  valueOf(record: T, attribute: string): unknown;
  checkAllowed(attribute: string, operator: Operator, mode: QueryMode): void;
  /** Whether values compare ignoring case in this mode. */
  caseInsensitive(mode: QueryMode): boolean;
}

/** One condition: `attribute operator "value"` or `attribute pr`. */
function condition<T>(cursor: TokenCursor, mode: QueryMode, attributes: QueryAttributes<T>): Predicate<T> {
  const token = cursor.take();
  if (token?.kind !== 'word') throw invalidSearch(`Expected an attribute name, found ${describeToken(token)}.`);
  const attribute = token.text;
  const operatorToken = cursor.take();
  const operator = (operatorToken?.kind === 'word' ? operatorToken.text.toLowerCase() : '') as Operator;
  if (!OPERATORS.has(operator))
    throw invalidSearch(`Expected an operator after ${attribute}, found ${describeToken(operatorToken)}.`);
  attributes.checkAllowed(attribute, operator, mode);
  const valueOf = attributes.valueOf;
  if (operator === 'pr') return (record) => compare('pr', valueOf(record, attribute), '', false);
  const valueToken = cursor.take();
  if (valueToken?.kind !== 'string')
    throw invalidSearch(`Expected a quoted value after ${attribute} ${operator}, found ${describeToken(valueToken)}.`);
  const caseInsensitive = attributes.caseInsensitive(mode);
  return (record) => compare(operator, valueOf(record, attribute), valueToken.text, caseInsensitive);
}

const USER_ATTRIBUTES: QueryAttributes<UserRecord> = {
  valueOf: userAttributeValue,
  caseInsensitive: (mode) => mode === 'search',
  checkAllowed(attribute, operator, mode) {
    if (mode === 'filter') {
      if (!FILTER_ATTRIBUTES.has(attribute))
        throw invalidSearch(`filter does not support the attribute ${attribute}; use search.`);
      const dateOperator = attribute === 'lastUpdated' && ['gt', 'ge', 'lt', 'le'].includes(operator);
      if (operator !== 'eq' && !dateOperator)
        throw invalidSearch(`filter supports only eq on ${attribute}; use search for ${operator}.`);
      return;
    }
    if (!attribute.startsWith('profile.') && !SEARCH_TOP_LEVEL.has(attribute))
      throw invalidSearch(`search does not support the attribute ${attribute}.`);
  },
};

export function parseQuery<T>(expression: string, mode: QueryMode, attributes: QueryAttributes<T>): Predicate<T> {
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw invalidSearch(`The expression is longer than ${MAX_EXPRESSION_LENGTH} characters.`);
  const tokens = tokenize(expression, invalidSearch);
  if (tokens.length === 0) throw invalidSearch('The expression is empty.');
  return parseBoolean(tokens, (cursor) => condition(cursor, mode, attributes), invalidSearch);
}

export function parseUserQuery(expression: string, mode: QueryMode): Predicate {
  return parseQuery(expression, mode, USER_ATTRIBUTES);
}
