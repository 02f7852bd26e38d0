import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/processes';

// No Docker engine runs here, so the image is checked from what builds it: the Dockerfile and the
// allow-list in .dockerignore that decides what the build can see at all.
describe('the worker image', () => {
  const read = (name: string) => readFile(join(PROJECT_ROOT, name), 'utf8');

  it('sees only the production sources: no simulators, bench, tests or local state in the build context', async () => {
    const rules = (await read('.dockerignore'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(rules[0]).toBe('*');
    const allowed = rules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1).replace(/\/$/, ''));
    expect(allowed.sort()).toEqual([
      'bin',
      'package-lock.json',
      'package.json',
      'scripts',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    // What is allowed holds no development tooling.
    for (const tooling of ['dev', 'bench', 'test', '.tools', '.data', 'node_modules'])
      expect(allowed).not.toContain(tooling);
  });

  it('runs compiled JavaScript with production dependencies only', async () => {
    const dockerfile = await read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    const runtime = stages[1]!;
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/build\/dist \.\/dist/);
    expect(runtime).toMatch(/CMD \["node", "dist\/worker\.js"\]/);
    expect(dockerfile).not.toMatch(/tsx/);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(' '));
    for (const source of copied)
      expect([
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'scripts',
        'src',
        'bin',
      ]).toContain(source);
  });
});
