/**
 * The `filter` and `search` expressions of GET /api/v1/users (docs/contracts/okta.md §1.1), parsed into a
 * predicate (the grammar is shared with the groups list's `search`: `parseQuery`). `filter`: `eq` on status, lastUpdated, id, profile.login/email/firstName/lastName
 * (plus gt/ge/lt/le on lastUpdated), values case-sensitive. `search`: any profile.* or top-level
 * property with eq, ne, sw, co, pr, gt, ge, lt, le, values case-insensitive. Both: quoted string
 * values, `and`, `or`, parentheses. Anything else is refused with 400 E0000031.
 */
import { invalidSearch } from './errors';
import type { UserRecord } from './state';

export type QueryMode = 'filter' | 'search';
type Operator = 'eq' | 'ne' | 'sw' | 'co' | 'pr' | 'gt' | 'ge' | 'lt' | 'le';
type Predicate<T = UserRecord> = (record: T) => boolean;
type Token = { kind: 'open' } | { kind: 'close' } | { kind: 'word'; text: string } | { kind: 'string'; text: string };

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

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === '(' || char === ')') {
      tokens.push(char === '(' ? { kind: 'open' } : { kind: 'close' });
      i += 1;
    } else if (char === '"') {
      let value = '';
      i += 1;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i += 1;
        value += text[i];
        i += 1;
      }
      if (i >= text.length) throw invalidSearch('An opening quote has no closing quote.');
      i += 1;
      tokens.push({ kind: 'string', text: value });
    } else {
      const match = /^[A-Za-z0-9_.$-]+/.exec(text.slice(i));
      if (!match) throw invalidSearch(`Unexpected character '${char}' at position ${i + 1}.`);
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

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

class Parser<T> {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly mode: QueryMode,
    private readonly attributes: QueryAttributes<T>,
  ) {}

  parse(): Predicate<T> {
    const predicate = this.orExpression();
    if (this.position < this.tokens.length)
      throw invalidSearch(`Unexpected ${describe(this.tokens[this.position])} after a complete expression.`);
    return predicate;
  }

  private keyword(word: 'and' | 'or'): boolean {
    const token = this.tokens[this.position];
    if (token?.kind === 'word' && token.text.toLowerCase() === word) {
      this.position += 1;
      return true;
    }
    return false;
  }

  private orExpression(): Predicate<T> {
    const parts = [this.andExpression()];
    while (this.keyword('or')) parts.push(this.andExpression());
    return parts.length === 1 ? parts[0]! : (record) => parts.some((part) => part(record));
  }

  private andExpression(): Predicate<T> {
    const parts = [this.primary()];
    while (this.keyword('and')) parts.push(this.primary());
    return parts.length === 1 ? parts[0]! : (record) => parts.every((part) => part(record));
  }

  private primary(): Predicate<T> {
    const token = this.tokens[this.position];
    if (token?.kind === 'open') {
      this.position += 1;
      const inner = this.orExpression();
      if (this.tokens[this.position]?.kind !== 'close') throw invalidSearch('A parenthesis is not closed.');
      this.position += 1;
      return inner;
    }
    if (token?.kind !== 'word') throw invalidSearch(`Expected an attribute name, found ${describe(token)}.`);
    const attribute = token.text;
    this.position += 1;
    const operatorToken = this.tokens[this.position];
    const operator = (operatorToken?.kind === 'word' ? operatorToken.text.toLowerCase() : '') as Operator;
    if (!OPERATORS.has(operator))
      throw invalidSearch(`Expected an operator after ${attribute}, found ${describe(operatorToken)}.`);
    this.position += 1;
    this.attributes.checkAllowed(attribute, operator, this.mode);
    const valueOf = this.attributes.valueOf;
    if (operator === 'pr') return (record) => compare('pr', valueOf(record, attribute), '', false);
    const valueToken = this.tokens[this.position];
    if (valueToken?.kind !== 'string')
      throw invalidSearch(`Expected a quoted value after ${attribute} ${operator}, found ${describe(valueToken)}.`);
    this.position += 1;
    const caseInsensitive = this.attributes.caseInsensitive(this.mode);
    return (record) => compare(operator, valueOf(record, attribute), valueToken.text, caseInsensitive);
  }
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

function describe(token: Token | undefined): string {
  if (!token) return 'the end of the expression';
  if (token.kind === 'open') return "'('";
  if (token.kind === 'close') return "')'";
  if (token.kind === 'string') return `"${token.text}"`;
  return `'${token.text}'`;
}

export function parseQuery<T>(expression: string, mode: QueryMode, attributes: QueryAttributes<T>): Predicate<T> {
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw invalidSearch(`The expression is longer than ${MAX_EXPRESSION_LENGTH} characters.`);
  const tokens = tokenize(expression);
  if (tokens.length === 0) throw invalidSearch('The expression is empty.');
  return new Parser(tokens, mode, attributes).parse();
}

export function parseUserQuery(expression: string, mode: QueryMode): Predicate {
  return parseQuery(expression, mode, USER_ATTRIBUTES);
}
