/**
 * Keeps the README and docs/ true to the tree: the README's Layout names every `.ts` file under
 * src/ (listed from the file system at run time, so a file added without a word in the Layout
 * fails here), and no relative link or backticked repository path in README.md or docs/**.md
 * points at a file that is not there. Pure: it reads files only.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const README = join(ROOT, 'README.md');

/** The folders a backticked path is checked under (written from the repository root). */
const REPOSITORY_FOLDERS = ['src', 'dev', 'test', 'bench', 'deploy', 'docs', 'scripts', 'bin', '.ci'];
/** Copied unchanged from outside: their backticked paths name files of other repositories. */
const FOREIGN_TEXT = join('docs', 'contracts');

function filesUnder(folder: string, keep: (path: string) => boolean): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return filesUnder(path, keep);
    return keep(path) ? [path] : [];
  });
}

/** The README's Layout section: its heading's line number and the lines of its code block. */
function layoutSection(readme: string): { line: number; block: string[] } {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => line.trim() === '## Layout');
  if (start === -1) throw new Error('README.md has no "## Layout" section');
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const section = lines.slice(start + 1, end === -1 ? undefined : end);
  const open = section.findIndex((line) => line.startsWith('```'));
  const close = section.findIndex((line, index) => index > open && line.startsWith('```'));
  return { line: start + 1, block: open === -1 ? [] : section.slice(open + 1, close === -1 ? undefined : close) };
}

/**
 * The src/ tree of the Layout block, as folder (relative to src/, '' for src/ itself) → the text
 * of its entry. The tree runs from the `src/` line to the next line that is not indented; within
 * it, a line whose first word ends in `/` starts a folder's entry and other lines continue it.
 */
function layoutEntries(block: string[]): Map<string, string> {
  const entries = new Map<string, string>();
  const start = block.findIndex((line) => line.startsWith('src/'));
  if (start === -1) return entries;
  let folder = '';
  entries.set(folder, block[start]!.slice('src/'.length));
  for (const line of block.slice(start + 1)) {
    if (!/^\s/.test(line)) break;
    const first = line.trim().split(/\s+/)[0] ?? '';
    if (first.endsWith('/')) {
      folder = first.slice(0, -1);
      entries.set(folder, (entries.get(folder) ?? '') + ' ' + line.trim().slice(first.length));
    } else {
      entries.set(folder, (entries.get(folder) ?? '') + ' ' + line);
    }
  }
  return entries;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A file's base name as a word of its entry: `okta.ts` is not found in `okta-group.ts`. */
function names(entry: string, baseName: string): boolean {
  return new RegExp(`(?<![\\w.-])${escapeRegExp(baseName)}(?![\\w-])`).test(entry);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    anchors.add(
      heading!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

/** Does this repository path (from the root; `*` allowed in its last part) name something that exists? */
function exists(path: string): boolean {
  if (!path.includes('*')) return existsSync(join(ROOT, path));
  const folder = join(ROOT, dirname(path));
  if (!existsSync(folder)) return false;
  const pattern = new RegExp(`^${path.split('/').pop()!.split('*').map(escapeRegExp).join('.*')}$`);
  return readdirSync(folder).some((name) => pattern.test(name));
}

/** Every reference in one markdown file that points at nothing, as `file: reference`. */
function deadReferences(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const where = relative(ROOT, file);
  const dead: string[] = [];
  for (const [, target] of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z+.-]*:/i.test(target!)) continue; // http:, https:, mailto:
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = path === '' ? file : resolve(dirname(file), path);
    if (!existsSync(resolved)) {
      dead.push(`${where}: link ${target}`);
    } else if (
      anchor &&
      resolved.endsWith('.md') &&
      statSync(resolved).isFile() &&
      !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)
    ) {
      dead.push(`${where}: link ${target} (no such heading)`);
    }
  }
  if (!where.startsWith(FOREIGN_TEXT)) {
    const folders = REPOSITORY_FOLDERS.map(escapeRegExp).join('|');
    for (const [, path] of text.matchAll(new RegExp(`\`((?:${folders})/[^\`\\s]*)\``, 'g'))) {
      if (/[<>{}…]/.test(path!)) continue; // a template such as bench/results/<timestamp>.json
      if (!exists(path!)) dead.push(`${where}: path ${path}`);
    }
  }
  return dead;
}

describe('README and docs/', () => {
  const readme = readFileSync(README, 'utf8');

  it('is a short README whose Layout comes early', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(251); // 250 lines and the final newline
    expect(layoutSection(readme).line).toBeLessThan(150);
  });

  it("names every src file in the README's Layout, in its folder's entry", () => {
    const entries = layoutEntries(layoutSection(readme).block);
    const missing = filesUnder(join(ROOT, 'src'), (path) => path.endsWith('.ts'))
      .map((path) => relative(join(ROOT, 'src'), path))
      .filter((path) => {
        const folder = dirname(path) === '.' ? '' : dirname(path);
        const entry = entries.get(folder);
        return entry === undefined || !names(entry, path.split('/').pop()!);
      })
      .map((path) => `src/${path}`)
      .sort();
    expect(missing).toEqual([]);
  });

  it('has no link or repository path in README.md or docs/ that points at nothing', () => {
    const files = [README, ...filesUnder(join(ROOT, 'docs'), (path) => path.endsWith('.md'))];
    expect(files.flatMap(deadReferences)).toEqual([]);
  });
});
