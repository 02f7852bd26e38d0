/**
 * Each person's onboarding state as of now, for reports over any number of people: the newest run
 * per person from visibility, then, a bounded number at a time, for a running run its `status`
 * query, for a completed one its result (the person workflow returns its final state), and for
 * one that ended otherwise (cancelled while running, failed, terminated) only what its search
 * attributes last said. Closed runs are never queried: a query on a closed workflow makes a
 * worker replay its whole history, slow for thousands. Results and query answers decode through
 * the client's data converter (the payload codec).
 */
import type { Client } from '@temporalio/client';
import { personStatusQuery, type PersonState } from '../workflows/definitions';
import { mapLimit } from '../util/concurrency';
import { errorMessage } from '../util/errors';
import { listPersonRuns, type PersonRun } from './people';

/** Where a person's state came from. */
type StateSource = 'query' | 'result' | 'visibility';

export interface PersonStateRead {
  run: PersonRun;
  /** Undefined when only the search attributes (run.status, run.step) are known. */
  state?: PersonState;
  source: StateSource;
  /** Why only the search attributes are known. */
  note?: string;
}

export interface ReadProgress {
  /** Runs read from visibility so far (a person may have several). */
  listed: number;
  /** People whose state has been read, of `total` (known once the listing is done). */
  read: number;
  total?: number;
}

export interface ReadOptions {
  /** Queries and result reads in flight at once. */
  concurrency?: number;
  /** Visibility page size (the server's default, typically 1000, when absent). */
  pageSize?: number;
  /** How long one `status` query may take (a busy or absent worker answers late or never). */
  queryTimeoutMs?: number;
  /** False when no worker polls the task queue: a query would wait for nothing, so none is sent. */
  workerPolling?: boolean;
  onProgress?: (progress: ReadProgress) => void;
}

const DEFAULT_CONCURRENCY = 32;
const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

export async function readPersonStates(
  client: Client,
  integrationId: string,
  options: ReadOptions = {},
): Promise<PersonStateRead[]> {
  const progress: ReadProgress = { listed: 0, read: 0 };
  const runs = await listPersonRuns({ client }, integrationId, undefined, {
    pageSize: options.pageSize,
    onRun: (listed) => options.onProgress?.({ ...progress, listed: (progress.listed = listed) }),
  });
  progress.total = runs.length;
  options.onProgress?.({ ...progress });
  return mapLimit(runs, options.concurrency ?? DEFAULT_CONCURRENCY, async (run) => {
    const read = await readOne(client, run, options);
    progress.read += 1;
    options.onProgress?.({ ...progress });
    return read;
  });
}

async function readOne(client: Client, run: PersonRun, options: ReadOptions): Promise<PersonStateRead> {
  const handle = client.workflow.getHandle(run.workflowId, run.runId, { followRuns: false });
  if (run.execution === 'RUNNING') {
    if (options.workerPolling === false)
      return {
        run,
        source: 'visibility',
        note: 'no worker is polling the task queue to answer the status query: status and step from search attributes',
      };
    try {
      const deadline = Date.now() + (options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
      return {
        run,
        state: await client.withDeadline(deadline, () => handle.query(personStatusQuery)),
        source: 'query',
      };
    } catch (error) {
      return {
        run,
        source: 'visibility',
        note: `the status query failed (${errorMessage(error)}): status and step from search attributes`,
      };
    }
  }
  if (run.execution === 'COMPLETED') {
    try {
      return { run, state: (await handle.result()) as PersonState, source: 'result' };
    } catch (error) {
      return {
        run,
        source: 'visibility',
        note: `the workflow's result could not be read (${errorMessage(error)}): status and step from search attributes`,
      };
    }
  }
  return {
    run,
    source: 'visibility',
    note: `workflow ${run.execution}, no final state recorded: status and step from search attributes`,
  };
}
