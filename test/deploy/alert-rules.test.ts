/**
 * The alert rules with Prometheus's own tools: `promtool check rules` on deploy/prometheus/alerts.yml and
 * `promtool test rules` on alerts.test.yml (each rule firing and not firing). promtool is the project's
 * copy in `.tools/promtool/` (`npm run provision -- --promtool`, which CI runs first; built here otherwise).
 * A rule changed so that its test no longer holds fails here: checked on a copy with one threshold moved.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensurePromtool } from '../../dev/temporal/promtool-provision';
import { PROJECT_ROOT } from '../support/processes';

const execFileAsync = promisify(execFile);
const RULES_DIR = join(PROJECT_ROOT, 'deploy', 'prometheus');

interface Outcome {
  code: number;
  output: string;
}

describe('Prometheus alert rules (promtool)', () => {
  let promtool: string;
  const run = async (args: string[], cwd: string): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await execFileAsync(promtool, args, { cwd, timeout: 60_000 });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout}${failed.stderr}` };
    }
  };

  beforeAll(async () => {
    // A build from the Go module proxy when the project has no copy yet: minutes.
    promtool = (await ensurePromtool({ log: (line) => process.stderr.write(`${line}\n`) })).path;
  }, 20 * 60_000);

  it('checks the rules file', async () => {
    const result = await run(['check', 'rules', 'alerts.yml'], RULES_DIR);
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toMatch(/SUCCESS: 7 rules found/);
  });

  it("passes the rules' unit tests", async () => {
    const result = await run(['test', 'rules', 'alerts.test.yml'], RULES_DIR);
    if (result.code !== 0) throw new Error(`promtool test rules failed:\n${result.output}`);
    expect(result.output).toMatch(/SUCCESS/);
  });

  it('fails the unit tests of a rule whose threshold moved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alert-rules-'));
    try {
      const rules = await readFile(join(RULES_DIR, 'alerts.yml'), 'utf8');
      const moved = rules.replace('> 0.05', '> 0.5');
      expect(moved).not.toBe(rules);
      await writeFile(join(dir, 'alerts.yml'), moved);
      await copyFile(join(RULES_DIR, 'alerts.test.yml'), join(dir, 'alerts.test.yml'));
      const result = await run(['test', 'rules', 'alerts.test.yml'], dir);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/alertname: BiOktaUpstreamRateLimited/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
