/** The CLI's output, both ways: what `--json` prints (`data`) and what a person reads (`text`). */
import type { Output } from '../../src/cli/session';

export function captureOutput(): Output & { data: unknown[]; text: string[] } {
  const data: unknown[] = [];
  const text: string[] = [];
  return {
    json: false,
    data,
    text,
    print: (value, describe) => {
      data.push(value);
      text.push(describe());
    },
    info: (line) => text.push(line),
  };
}
