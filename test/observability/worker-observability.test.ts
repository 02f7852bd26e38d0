/**
 * The worker as an OS process, observed from outside: its Prometheus endpoint serves the SDK's
 * `temporal_…` series and our `bi_okta_…` ones, and every line it writes is a JSON record with
 * the SDK's context and no secret, including the HTTP client's retry line after a 429. An Okta
 * group sync's counters and its event-lag histogram (seconds buckets) are there after a fast-path run.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { findFreePort } from '../../dev/net/ports';
import { CliRunner } from '../support/cli';
import type { RunningCommand } from '../support/processes';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';
import type { PersonState } from '../../src/workflows/definitions';
import { METRIC_NAMES, SDK_METRIC_NAMES } from '../../src/observability/metric-names';
import { addMember, oktaGroup, oktaUsers, startSync, syncHandle, syncSpec, waitForSync } from '../sync/support';

/** The sum of a series' samples whose labels include all of `labels`. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const text = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => text.includes(`${key}="${value}"`))) total += Number(match[3]);
  }
  return total;
}

describe('worker observability', () => {
  let harness: ServiceHarness;
  let worker: RunningCommand;
  let metricsAddress: string;
  const codecKey = randomBytes(32).toString('base64');
  const email = 'obs.person@example.com';

  const metrics = async (): Promise<string> => (await request(`http://${metricsAddress}/metrics`)).body.text();

  beforeAll(async () => {
    harness = await ServiceHarness.start({ codecKeys: `k1:${codecKey}` });
    // The first Okta calls are refused once each (429, retry at once): the client retries and says so.
    harness.okta.faults.configure({ rules: [{ path: '^/api/v1/', burst429: { count: 2, retryAfterSeconds: 0 } }] });
    metricsAddress = `127.0.0.1:${await findFreePort()}`;
    worker = await harness.spawnWorker({ METRICS_ADDRESS: metricsAddress, LOG_LEVEL: 'DEBUG' });
    await harness.onboard([email]);
    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('serves temporal_ and bi_okta_ series on one /metrics', async () => {
    const text = await waitFor(
      metrics,
      (body) => sample(body, 'bi_okta_person_transitions_total', { status: 'Onboarded' }) >= 1,
      30_000,
    );
    expect(text).toMatch(/^temporal_\w+/m);
    expect(sample(text, 'bi_okta_person_transitions_total', { status: 'WaitingForBinding' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'bi_okta_upstream_requests_total', { system: 'okta', outcome: 'ok' })).toBeGreaterThan(0);
    expect(
      sample(text, 'bi_okta_upstream_requests_total', { system: 'beyond_identity', bucket: 'all', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(sample(text, 'bi_okta_upstream_rate_limited_total', { system: 'okta' })).toBe(2);
    expect(sample(text, 'bi_okta_upstream_errors_total', { system: 'okta', kind: 'rate-limited' })).toBe(2);
    expect(text).toMatch(
      /^bi_okta_upstream_requests_total\{[^}]*bucket="(users-collection|user-by-id|user-mutations|other)"/m,
    );
    // The SDK's series the dashboard and the alert rules read, under the names and labels they use (a
    // healthy run has no failed activity or workflow, so those two counters are not there yet).
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { activityExecutionFailed, workflowFailed, workflowTaskExecutionFailed, ...served } = SDK_METRIC_NAMES;
    const types = Object.fromEntries(
      Object.values(served).map((name) => [name, new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1]]),
    );
    expect(types).toEqual({
      [served.workflowTaskScheduleToStart]: 'histogram',
      [served.activityScheduleToStart]: 'histogram',
      [served.activityExecutionLatency]: 'histogram',
      [served.workflowCompleted]: 'counter',
      [served.taskSlotsAvailable]: 'gauge',
    });
    expect(text).toMatch(
      new RegExp(`^${served.workflowTaskScheduleToStart}_bucket\\{[^}]*task_queue="[^"]+"[^}]*le="5000"\\}`, 'm'),
    );
  });

  it("serves the latest verify's result and a count of runs by result", async () => {
    const cli = new CliRunner((env) => harness.env(env));
    const run = await cli.run(['verify']);
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });
    const text = await waitFor(metrics, (body) => sample(body, METRIC_NAMES.verifyRuns) >= 1, 30_000);
    expect(sample(text, METRIC_NAMES.verifyRuns, { result: 'ok', workflowType: 'verify' })).toBe(1);
    expect(text).toMatch(new RegExp(`^${METRIC_NAMES.verifyOk}\\{[^}]*workflowType="verify"[^}]*\\} 1$`, 'm'));
  });

  it("serves a sync's counters and its event lag in seconds buckets after a fast-path run", async () => {
    const [first, joiner] = ['obs.sync.first@example.com', 'obs.sync.joiner@example.com'];
    const ids = await oktaUsers(harness, [first, joiner]);
    const spec = syncSpec(harness, { id: await oktaGroup(harness, 'Observed', [ids[first]!]), name: 'Observed' });
    try {
      await startSync(harness, spec);
      await waitForSync(harness, spec, (state) => state.status === 'Watching' && state.totals.joined === 1, 60_000);
      await addMember(harness, spec.group.id, ids[joiner]!);
      await waitForSync(harness, spec, (state) => state.totals.joined === 2 && state.totals.eventsApplied >= 1);
    } finally {
      await syncHandle(harness, spec)
        .terminate('test over')
        .catch(() => undefined);
    }
    const lag = METRIC_NAMES.syncEventLag;
    const text = await waitFor(metrics, (body) => sample(body, `${lag}_count`) >= 1, 30_000);
    expect(sample(text, METRIC_NAMES.syncJoiners, { workflowType: 'oktaGroupSync' })).toBe(2);
    expect(text).toMatch(
      new RegExp(`^${METRIC_NAMES.syncLeavers}\\{[^}]*workflowType="oktaGroupSync"[^}]*\\} 0$`, 'm'),
    );
    expect(text).toMatch(new RegExp(`^# TYPE ${lag} histogram$`, 'm'));
    // The buckets runtime.ts sets, in seconds around the 30 s poll (the core's defaults are for milliseconds).
    const bounds = [
      ...new Set(
        text
          .split('\n')
          .filter((line) => line.startsWith(`${lag}_bucket{`))
          .map((line) => /le="([^"]+)"/.exec(line)![1]),
      ),
    ];
    expect(bounds).toEqual(['1', '5', '10', '20', '30', '40', '60', '120', '300', '900', '+Inf']);
    expect(sample(text, `${lag}_bucket`, { le: '+Inf' })).toBe(sample(text, `${lag}_count`));
    // A lag read in a second or so, not in milliseconds: well under the 900 s bucket.
    expect(sample(text, `${lag}_bucket`, { le: '900' })).toBe(sample(text, `${lag}_count`));
  });

  it('refuses a metrics port in use, naming the variable', async () => {
    await expect(harness.spawnWorker({ METRICS_ADDRESS: metricsAddress })).rejects.toThrow(
      /METRICS_ADDRESS: cannot serve metrics on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/,
    );
  });

  it('writes human lines with LOG_FORMAT=pretty', async () => {
    // At WARN too: the readiness line is written whatever LOG_LEVEL says (the stack waits for it).
    const pretty = await harness.spawnWorker({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'WARN' });
    const first = pretty
      .output()
      .split('\n')
      .find((line) => /Worker polling task queue/.test(line));
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[INFO\] Worker polling task queue "/);
    expect(() => JSON.parse(first!)).toThrow();
  });
  it('writes only JSON lines, with the workflow context and without secrets, through its shutdown', async () => {
    // Stopped first, so the shutdown's lines (the SDK core's own among them) are read too.
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    const records = lines.map((line) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(record).toEqual(
        expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }),
      );
      return record;
    });
    expect(records.some((record) => /Worker polling task queue/.test(String(record.msg)))).toBe(true);
    const retry = records.filter((record) => /^retrying "/.test(String(record.msg)));
    expect(retry.length).toBeGreaterThanOrEqual(1);
    expect(retry[0]).toEqual(
      expect.objectContaining({
        level: 'warn',
        service: 'okta',
        kind: 'rate-limited',
        workflowId: expect.any(String),
        activityType: expect.any(String),
      }),
    );
    // The SDK's own lines about workflow and activity tasks carry their context.
    const aboutWorkflows = records.filter((record) => /^Workflow (started|completed)$/.test(String(record.msg)));
    expect(aboutWorkflows.length).toBeGreaterThan(0);
    expect(
      aboutWorkflows.every((record) => typeof record.workflowId === 'string' && typeof record.runId === 'string'),
    ).toBe(true);
    const aboutActivities = records.filter((record) => /^Activity (started|completed)$/.test(String(record.msg)));
    expect(aboutActivities.length).toBeGreaterThan(0);
    expect(
      aboutActivities.every(
        (record) => typeof record.workflowId === 'string' && typeof record.activityType === 'string',
      ),
    ).toBe(true);
    const output = worker.output();
    for (const secret of [...(await harness.secrets()), codecKey]) expect(output).not.toContain(secret);
  });
});
