/**
 * What Okta's SCIM-like expressions share (users' and groups' `filter`/`search`, the System Log's
 * `filter`): quoted strings, words, parentheses, and conditions joined with `and`/`or` (`and`
 * binding tighter). Each list parses its own conditions (`leaf`) and words its own errors (`fail`).
 */
export type Token =
  | { kind: 'open'; at: number }
  | { kind: 'close'; at: number }
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number };

type Fail = (detail: string) => Error;

export function tokenize(text: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'open' : 'close', at: i });
      i += 1;
    } else if (char === '"') {
      const at = i;
      let value = '';
      i += 1;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i += 1;
        value += text[i];
        i += 1;
      }
      if (i >= text.length) throw fail('An opening quote has no closing quote.');
      i += 1;
      tokens.push({ kind: 'string', text: value, at });
    } else {
      const match = /^[A-Za-z0-9_.$-]+/.exec(text.slice(i));
      if (!match) throw fail(`Unexpected character '${char}' at position ${i + 1}.`);
      tokens.push({ kind: 'word', text: match[0], at: i });
      i += match[0].length;
    }
  }
  return tokens;
}

export function describeToken(token: Token | undefined): string {
  if (!token) return 'the end of the expression';
  if (token.kind === 'open') return "'('";
  if (token.kind === 'close') return "')'";
  if (token.kind === 'string') return `"${token.text}"`;
  return `'${token.text}'`;
}

/** The tokens still to read, for a list's `leaf`. */
export class TokenCursor {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  /** The next token, consumed. */
  take(): Token | undefined {
    const token = this.tokens[this.position];
    if (token) this.position += 1;
    return token;
  }

  /** Consumes the keyword if it comes next (any case). */
  keyword(word: 'and' | 'or'): boolean {
    const token = this.peek();
    if (token?.kind !== 'word' || token.text.toLowerCase() !== word) return false;
    this.position += 1;
    return true;
  }
}

type Predicate<R> = (record: R) => boolean;

export function parseBoolean<R>(
  tokens: Token[],
  leaf: (cursor: TokenCursor) => Predicate<R>,
  fail: Fail,
): Predicate<R> {
  const cursor = new TokenCursor(tokens);
  const primary = (): Predicate<R> => {
    if (cursor.peek()?.kind !== 'open') return leaf(cursor);
    cursor.take();
    const inner = or();
    if (cursor.take()?.kind !== 'close') throw fail('A parenthesis is not closed.');
    return inner;
  };
  const and = (): Predicate<R> => {
    const parts = [primary()];
    while (cursor.keyword('and')) parts.push(primary());
    return parts.length === 1 ? parts[0]! : (record) => parts.every((part) => part(record));
  };
  function or(): Predicate<R> {
    const parts = [and()];
    while (cursor.keyword('or')) parts.push(and());
    return parts.length === 1 ? parts[0]! : (record) => parts.some((part) => part(record));
  }
  const predicate = or();
  const extra = cursor.peek();
  if (extra) throw fail(`Unexpected ${describeToken(extra)} after a complete expression.`);
  return predicate;
}
