/**
 * `npm run provision`: the Temporal CLI (the dev server's). `npm run provision -- --postgres`
 * also provides what the PostgreSQL-backed server needs: temporal-server and its sql tool (built
 * from the Go module proxy when the project has no copy yet) and PostgreSQL. `--test-server`:
 * also Temporal's time-skipping test server (Maven Central; the time-skipping tests install it on
 * first use otherwise). `--promtool`: also Prometheus's promtool, for the alert rules' tests (built
 * from the Go module proxy when the project has no copy yet). Prints what it found and how long it took.
 */
import { ensurePostgres } from './postgres';
import { ensurePromtool } from './promtool-provision';
import { ensureTemporalCli } from './provision';
import { ensureTemporalServer } from './server-provision';
import { ensureTemporalTestServer } from './test-server-provision';
import { errorMessage } from '../../src/util/errors';

async function main(): Promise<void> {
  const cli = await ensureTemporalCli();
  process.stdout.write(`${cli.path}\n${cli.version} (from ${cli.source})\n`);
  const flags = process.argv.slice(2);
  if (flags.includes('--test-server')) {
    const testServer = await ensureTemporalTestServer({ log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`${testServer.path} (from ${testServer.source})\n`);
  }
  if (flags.includes('--promtool')) {
    const started = Date.now();
    const promtool = await ensurePromtool({ log: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(
      `${promtool.path}\n${promtool.version} (from ${promtool.source}; ${Math.round((Date.now() - started) / 1000)} s)\n`,
    );
  }
  if (!flags.includes('--postgres')) return;
  const started = Date.now();
  const server = await ensureTemporalServer({ log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(
    `${server.serverPath}\n${server.sqlToolPath}\n${server.version} (from ${server.source}; ${Math.round((Date.now() - started) / 1000)} s)\n`,
  );
  const postgres = await ensurePostgres(process.env, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${postgres.binDir}: ${postgres.version}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
