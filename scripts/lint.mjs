// `npm run lint`: every `lint:*` script of package.json, in the order written there (ESLint, the
// Prettier format check, madge's import-cycle check, knip's unused-code check), each under its own
// heading and closed by a line saying whether it passed. All of them run, so one run shows every
// failing check; the exit code is 1 when any failed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const checks = Object.keys(scripts).filter((name) => name.startsWith('lint:'));

const failed = [];
for (const name of checks) {
  process.stdout.write(`\n-- ${name}: ${scripts[name]}\n`);
  const started = Date.now();
  const { status } = spawnSync('npm', ['run', '--silent', name], { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (status === 0) {
    process.stdout.write(`${name}: passed (${seconds} s)\n`);
  } else {
    process.stdout.write(`${name}: FAILED (${seconds} s)\n`);
    failed.push(name);
  }
}
process.stdout.write(
  failed.length === 0
    ? `\nlint: all ${checks.length} checks passed\n`
    : `\nlint: ${failed.length} of ${checks.length} checks failed: ${failed.join(', ')}\n`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
