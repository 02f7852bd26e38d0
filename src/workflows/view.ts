/**
 * One view of a person, an integration, a verify or an attention, rendered two ways: as markdown for
 * Temporal UI (the workflows' current details) and as text for the terminal (the CLI). Each view is
 * built once, as a list of lines, so the two never say different things. Pure, no workflow API:
 * workflows and the CLI both import it.
 */
import type { Attention, ObjectRecord, VerifyOutcome } from './definitions';

/**
 * Inline text: plain; `code` (an id, a step) is in backticks in markdown and bare in the terminal;
 * `quoted` (a value to match exactly) is in backticks in markdown and in double quotes in the terminal.
 */
export type Part = string | { code: string } | { quoted: string };
export type Phrase = string | readonly Part[];

/** A sub-item of a line or a list; `fix` says what to do about it. */
interface Item {
  text: Phrase;
  fix?: Phrase;
}

export type Line =
  /** `label  value`, with sub-items below it. */
  | { label: string; value: Phrase; items?: Phrase[] }
  /** A checklist line: the outcome's mark, what was checked, what was seen, and the fix. */
  | { mark: VerifyOutcome; label: string; value: Phrase; fix?: Phrase }
  | { paragraph: Phrase }
  | { heading: string; items: Item[] }
  /** A view inside this one (the attention of a person or an integration). */
  | { view: View };

export interface View {
  /** `subject: status (step X)`; with `since`: `subject at X since …`. */
  title?: { subject: string; status?: string; step: string; since?: string };
  lines: Line[];
}

/** How each verify outcome is marked, in both renderings. */
export const MARK: Record<VerifyOutcome, string> = { ok: 'ok', corrected: 'FIXED', needsAttention: 'ATTENTION' };

/** The one way an object the service made or found is shown. */
export function recordValue(record: ObjectRecord | undefined): Phrase {
  return record ? [{ code: record.id }, record.adopted ? ' (adopted, never deleted)' : ''] : '—';
}

export function attentionView(attention: Attention): View {
  const where = [attention.service, attention.status ? `HTTP ${attention.status}` : undefined, attention.upstreamCode]
    .filter(Boolean)
    .join(', ');
  return {
    title: { subject: 'Needs attention', step: attention.step, since: attention.since },
    lines: [
      { paragraph: `${attention.type}: ${attention.message}${where ? ` [${where}]` : ''}` },
      ...(attention.requestId ? [{ label: 'Upstream request id', value: [{ code: attention.requestId }] }] : []),
      { paragraph: 'Fix the cause (credentials, input, the object in the admin console), then `retry`.' },
    ],
  };
}

function inline(phrase: Phrase, code: (text: string) => string, quoted: (text: string) => string): string {
  if (typeof phrase === 'string') return phrase;
  return phrase
    .map((part) => (typeof part === 'string' ? part : 'code' in part ? code(part.code) : quoted(part.quoted)))
    .join('');
}

const md = (phrase: Phrase) =>
  inline(
    phrase,
    (code) => `\`${code}\``,
    (value) => `\`${value}\``,
  );
const plain = (phrase: Phrase) =>
  inline(
    phrase,
    (code) => code,
    (value) => `"${value}"`,
  );

/** Markdown for Temporal UI: paragraphs and lists apart, label/value lines as one list. */
export function markdown(view: View): string {
  const blocks: string[] = [];
  let list: string[] = [];
  const block = (chunk: string) => {
    if (list.length > 0) blocks.push(list.join('\n'));
    list = [];
    blocks.push(chunk);
  };
  if (view.title) {
    const { subject, status, step, since } = view.title;
    block(since ? `**${subject}** at step \`${step}\` since ${since}` : `**${subject}**: ${status} (step \`${step}\`)`);
  }
  for (const line of view.lines) {
    if ('view' in line) block(markdown(line.view));
    else if ('paragraph' in line) block(md(line.paragraph));
    else if ('heading' in line)
      block(
        [
          `${line.heading}:`,
          ...line.items.map((item) => `- ${md(item.text)}${item.fix ? ` (fix: ${md(item.fix)})` : ''}`),
        ].join('\n'),
      );
    else if ('mark' in line)
      list.push(
        `- ${line.mark === 'ok' ? MARK.ok : `**${MARK[line.mark]}**`} ${line.label}: ${md(line.value)}${line.fix ? ` (fix: ${md(line.fix)})` : ''}`,
      );
    else list.push(`- ${line.label}: ${md(line.value)}`, ...(line.items ?? []).map((item) => `  - ${md(item)}`));
  }
  return [...blocks, ...(list.length > 0 ? [list.join('\n')] : [])].join('\n\n');
}

/** Text for the terminal: labels in a column, a blank line before each paragraph and list (none inside a view within a view). */
export function text(view: View, nested = false): string {
  const width = Math.max(
    0,
    ...view.lines.map((line) => ('label' in line && !('mark' in line) ? line.label.length + 2 : 0)),
  );
  const out: string[] = [];
  const apart = () => (nested || out.length === 0 ? [] : ['']);
  if (view.title) {
    const { subject, status, step, since } = view.title;
    out.push(since ? `${subject} at ${step} since ${since}` : `${subject}: ${status} (step ${step})`);
  }
  for (const line of view.lines) {
    if ('view' in line) out.push(...apart(), text(line.view, true));
    else if ('paragraph' in line) out.push(...apart(), plain(line.paragraph));
    else if ('heading' in line)
      out.push(
        ...apart(),
        `${line.heading}:`,
        ...line.items.map((item) => `  ${plain(item.text)}${item.fix ? `\n    fix: ${plain(item.fix)}` : ''}`),
      );
    else if ('mark' in line)
      out.push(
        `${MARK[line.mark].padEnd(8)} ${line.label}: ${plain(line.value)}${line.fix ? `\n          fix: ${plain(line.fix)}` : ''}`,
      );
    else
      out.push(
        `  ${line.label.padEnd(width)}${plain(line.value)}`,
        ...(line.items ?? []).map((item) => `    ${plain(item)}`),
      );
  }
  return out.join('\n');
}
