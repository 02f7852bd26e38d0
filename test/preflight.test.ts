/**
 * `preflight` as an operator runs it: the CLI asks the worker (which holds the credentials) for
 * read-only checks of both upstreams. Against the simulators every check passes; with a wrong
 * Okta token the Okta token is named as the cause, with the fix, and no secret is printed.
 */
import type { PreflightCheck } from '../src/activities/preflight';
import { PREFLIGHT_CHECKS } from '../src/activities/preflight';
import * as commands from '../src/cli/commands';
import type { Output } from '../src/cli/session';
import { startCommand } from './support/processes';
import { ServiceHarness } from './support/service';
import { heldByUpstreams } from './support/workflow-checks';

function recording(): Output & { data: unknown[] } {
  const out: Output & { data: unknown[] } = {
    json: true,
    data: [],
    print: (value) => out.data.push(value),
    info: () => undefined,
  };
  return out;
}

describe('preflight', () => {
  let healthy: ServiceHarness;
  let wrongOkta: ServiceHarness;
  const wrongToken = 'okta-token-that-the-org-never-issued';

  beforeAll(async () => {
    healthy = await ServiceHarness.start();
    await healthy.startWorker();
    wrongOkta = await ServiceHarness.start();
    await wrongOkta.startWorker({ OKTA_API_TOKEN: wrongToken });
  });
  afterAll(async () => {
    await healthy?.stop();
    await wrongOkta?.stop();
  });

  it('`npm run cli -- preflight` against the simulators: every check passes, exit 0, and nothing is written', async () => {
    const before = await heldByUpstreams(healthy);
    const run = startCommand(process.execPath, ['--import', 'tsx', 'src/client.ts', 'preflight'], healthy.env());
    const exit = await run.exited;
    const text = run.output();
    expect([exit.code, text]).toEqual([0, expect.stringContaining('All checks passed: nothing was written.')]);
    for (const name of PREFLIGHT_CHECKS) expect(text).toContain(`ok   ${name}: `);
    expect(text).not.toContain('FAIL');
    expect(text).toContain(`realm "${healthy.spec.realmName}" does not exist yet: it will be created`);
    expect(text).toMatch(/users \(one create per person\): \d+ of \d+ left in this window/);
    expect(await heldByUpstreams(healthy)).toEqual(before);
  });

  it('with a wrong Okta token: exit 1, the Okta token named as the cause with its fix, no secret in the output', async () => {
    const out = recording();
    expect(await commands.preflight(wrongOkta.session, out)).toBe(1);
    const { ok, checks } = out.data[0] as { ok: boolean; checks: PreflightCheck[] };
    expect(ok).toBe(false);
    const byName = Object.fromEntries(checks.map((check) => [check.name, check]));
    expect(byName['Okta token']).toMatchObject({
      ok: false,
      fix: expect.stringContaining('Okta refused OKTA_API_TOKEN'),
    });
    expect(byName['Okta token']!.detail).toMatch(/HTTP 401/);
    expect(byName['Beyond Identity token']!.ok).toBe(true);
    expect(byName['Okta IdP routing']).toMatchObject({ ok: false, detail: 'not checked: the Okta token check failed' });
    const printed = JSON.stringify(out.data);
    for (const secret of [wrongToken, wrongOkta.okta.apiToken, wrongOkta.bi.apiToken, ...(await wrongOkta.secrets())])
      expect(printed).not.toContain(secret);
  });
});
