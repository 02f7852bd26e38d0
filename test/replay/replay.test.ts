/**
 * Replays the workflow histories committed under test/histories/ against today's workflow code.
 * A change that would break workflows already running in production (a different command
 * sequence for the same history) fails here, in CI, as a DeterminismViolationError. Intentional
 * changes go behind `patched()`; then record new histories (`npm run histories:record`) and keep
 * the old ones until no workflow of the old shape can still be running.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { PROJECT_ROOT } from '../support/processes';
import { testTemporal } from '../support/temporal';

const HISTORIES = join(PROJECT_ROOT, 'test', 'histories');

interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  scenario: string;
  history: unknown;
}

// Replay workers log every state change at INFO; only problems matter here.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this module registry
}

describe('committed workflow histories', () => {
  it('all replay against the current workflow code', async () => {
    const files = (await readdir(HISTORIES)).filter((name) => name.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    const recorded: RecordedHistory[] = [];
    for (const file of files)
      recorded.push(...(JSON.parse(await readFile(join(HISTORIES, file), 'utf8')) as RecordedHistory[]));
    // Every long-running workflow type, and enough of them to mean something.
    expect(new Set(recorded.map((entry) => entry.workflowType))).toEqual(
      new Set(['integration', 'personOnboarding', 'oktaGroupSync']),
    );
    // The sync's paths (sync-v1.json): a continue-as-new, and a person's leave runs.
    expect(recorded.filter((entry) => entry.workflowType === 'oktaGroupSync').length).toBeGreaterThan(1);
    expect(recorded.filter((entry) => entry.scenario.endsWith('(leave)')).length).toBeGreaterThan(1);

    const failures: string[] = [];
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: testTemporal().workflowBundlePath } },
      recorded.map((entry) => ({ workflowId: entry.workflowId, history: historyFromJSON(entry.history) })),
    );
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(recorded.length);
  });
});
