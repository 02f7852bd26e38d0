/** Provisioning of Temporal's time-skipping test server (dev/temporal/test-server-provision.ts). */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalTestServer, TemporalTestServerUnavailableError } from '../../dev/temporal/test-server-provision';

describe('test server provisioning', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-test-server-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reuses the project's copy without Java or Maven once it is installed", async () => {
    const installed = await ensureTemporalTestServer();
    await expect(ensureTemporalTestServer({ env: { PATH: '' } })).resolves.toEqual({
      path: installed.path,
      source: 'project',
    });
  }, 180_000);

  it('without Java and Maven, says what is missing and how to provide it, and leaves nothing half-made', async () => {
    const toolsDir = join(dir, 'tools');
    const attempt = ensureTemporalTestServer({ env: { PATH: '' }, toolsDir });
    await expect(attempt).rejects.toThrow(TemporalTestServerUnavailableError);
    await expect(attempt).rejects.toThrow(
      /Java 17\+ and Maven[\s\S]*- java:[\s\S]*- mvn:[\s\S]*TEMPORAL_TEST_SERVER_PATH/,
    );
    await expect(readdir(toolsDir)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a TEMPORAL_TEST_SERVER_PATH that is not an executable, naming the variable', async () => {
    const notExecutable = join(dir, 'not-executable');
    await writeFile(notExecutable, 'not a program');
    await expect(ensureTemporalTestServer({ env: { TEMPORAL_TEST_SERVER_PATH: notExecutable } })).rejects.toThrow(
      /TEMPORAL_TEST_SERVER_PATH is set to ".*not-executable", but that is not an executable file/,
    );
  });
});
