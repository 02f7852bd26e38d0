/**
 * The lifecycle of a real Temporal server for development and tests: `temporal server start-dev`
 * on loopback with SQLite persistence, Workflow Updates enabled and the project's search
 * attributes registered; or a server already answering at an address, reused as it is.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { isPortFree, isPortOpen } from '../net/ports';
import { spawnSupervised } from '../stack/supervised';
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { temporal } from '@temporalio/proto';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** Dynamic config of every dev server we start: the APIs the SDK's own test server turns on, and settings for one process under load. */
export const DYNAMIC_CONFIG = [
  'frontend.enableUpdateWorkflowExecution=true',
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
  'frontend.enableExecuteMultiOperation=true',
  // Unset, the CLI turns the search-attribute cache off: every start, upsert and visibility write
  // then reads the attribute list from SQLite again. One process saves and reads the list, and a
  // save flushes the cache, so a newly registered attribute is still seen at once.
  'system.forceSearchAttributesCacheRefreshOnRead=false',
  // One server process: the default 4 partitions per task queue only split the pollers, and tasks
  // landing in a partition with no poller waited up to 20 s under a 500-person start.
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
  // Task-queue priority (priorityKey): an operator's one-person onboard ahead of a group's bulk starts.
  'matching.useNewMatcher=true',
];

/** How `--search-attribute` and the operator service spell each type. */
const TYPE_NAMES: Record<SearchAttributeType, { cli: string; indexed: temporal.api.enums.v1.IndexedValueType }> = {
  TEXT: { cli: 'Text', indexed: IndexedValueType.INDEXED_VALUE_TYPE_TEXT },
  KEYWORD: { cli: 'Keyword', indexed: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
  INT: { cli: 'Int', indexed: IndexedValueType.INDEXED_VALUE_TYPE_INT },
  DOUBLE: { cli: 'Double', indexed: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE },
  BOOL: { cli: 'Bool', indexed: IndexedValueType.INDEXED_VALUE_TYPE_BOOL },
  DATETIME: { cli: 'Datetime', indexed: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME },
  KEYWORD_LIST: { cli: 'KeywordList', indexed: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST },
};

export interface DevServerOptions {
  cliPath: string;
  ip?: string;
  port: number;
  /** Omit for a headless server (no Web UI). */
  uiPort?: number;
  /** SQLite file; omit to keep everything in memory. */
  dbFilename?: string;
  namespace?: string;
  searchAttributes: readonly SearchAttributeKey<SearchAttributeType>[];
  /** Where the server's own output goes; omit to discard it. */
  logFile?: string;
  /** The Web UI calls this to decode payloads (a codec server). */
  uiCodecEndpoint?: string;
  readyTimeoutMs?: number;
  /** Called with the server's pid as soon as it runs (before it is ready). */
  onSpawn?: (pid: number) => void;
  /** Aborting it cuts the start short: the server is stopped and the start fails. */
  signal?: AbortSignal;
  /** More `key=value` dynamic config beside DYNAMIC_CONFIG (a test's lower continue-as-new limit, say). */
  dynamicConfig?: readonly string[];
}

export interface TemporalServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** Undefined when the server was already running and is only reused. */
  pid?: number;
  /** Stops the server if this process started it; a reused server is left alone. */
  stop(): Promise<void>;
}

class DevServerStartError extends Error {
  override name = 'DevServerStartError';
}

export async function startDevServer(options: DevServerOptions): Promise<TemporalServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const address = `${ip}:${options.port}`;
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFilename) {
    await mkdir(dirname(options.dbFilename), { recursive: true });
    args.push('--db-filename', options.dbFilename);
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const key of options.searchAttributes)
    args.push('--search-attribute', `${key.name}=${TYPE_NAMES[key.type].cli}`);
  for (const value of [...DYNAMIC_CONFIG, ...(options.dynamicConfig ?? [])]) args.push('--dynamic-config-value', value);

  // Otherwise the readiness check below would be answered by whatever already listens there.
  if (!(await isPortFree(options.port, ip))) {
    throw new DevServerStartError(`Temporal dev server cannot start on ${address}: the port is already in use.`);
  }
  if (options.uiPort !== undefined && !(await isPortFree(options.uiPort, ip))) {
    throw new DevServerStartError(
      `Temporal Web UI cannot start on ${ip}:${options.uiPort}: the port is already in use.`,
    );
  }

  let log: WriteStream | undefined;
  if (options.logFile) {
    await mkdir(dirname(options.logFile), { recursive: true });
    log = createWriteStream(options.logFile, { flags: 'a' });
  }
  // Under a supervisor, so the server stops when we end however we end (SIGKILL included); in
  // its own process group, so a Ctrl-C reaches only us and we stop it after what depends on it.
  const supervised = spawnSupervised(options.cliPath, args, { graceMs: 15_000, output: log ? 'pipe' : 'ignore' });
  if (log) {
    supervised.supervisor.stdout?.pipe(log, { end: false });
    supervised.supervisor.stderr?.pipe(log, { end: false });
  }
  const exited = supervised.exited.then((status) => status.error ?? status.code ?? status.signal ?? 'unknown');
  const pid = await supervised.pid.catch(() => undefined);
  if (pid) options.onSpawn?.(pid);

  const stop = async (): Promise<void> => {
    await supervised.stop();
    log?.end();
  };

  const giveUp = new AbortController();
  const ready = waitUntilReady(address, namespace, options.readyTimeoutMs ?? 60_000, giveUp.signal);
  const aborted = new Promise<{ aborted: true }>((resolveAbort) => {
    if (options.signal?.aborted) resolveAbort({ aborted: true });
    options.signal?.addEventListener('abort', () => resolveAbort({ aborted: true }), { once: true });
  });
  const outcome = await Promise.race([
    ready.then(
      () => 'ready' as const,
      (error: Error) => ({ exited: error.message }),
    ),
    exited.then((code) => ({ exited: code })),
    aborted,
  ]);
  if (outcome !== 'ready') {
    giveUp.abort();
    await stop();
    if ('aborted' in outcome)
      throw new DevServerStartError(`Temporal dev server on ${address}: start cut short (stopping).`);
    const why = `the server exited (${outcome.exited})`;
    const tail = options.logFile ? await tailOf(options.logFile) : '';
    throw new DevServerStartError(
      `Temporal dev server on ${address} did not start: ${why}.` +
        (tail ? `\nLast lines of ${options.logFile}:\n${tail}` : ''),
    );
  }
  return {
    address,
    namespace,
    uiUrl: options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`,
    pid,
    stop,
  };
}

/**
 * Reuses the server answering at `address` (registering any missing search attributes), or
 * returns undefined when nothing answers there.
 */
export async function reuseServer(
  address: string,
  namespace: string,
  searchAttributes: readonly SearchAttributeKey<SearchAttributeType>[],
): Promise<TemporalServer | undefined> {
  if (!(await isFrontendAnswering(address, namespace))) return undefined;
  await registerSearchAttributes(address, namespace, searchAttributes);
  return { address, namespace, stop: async () => undefined };
}

export async function isFrontendAnswering(address: string, namespace: string, timeoutMs = 2_000): Promise<boolean> {
  // A plain TCP probe first: a gRPC connection to a closed port leaves retry timers behind.
  const { host, port } = splitAddress(address);
  if (!(await isPortOpen(port, host, timeoutMs))) return false;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

export async function registerSearchAttributes(
  address: string,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[],
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = keys.filter((key) => !(key.name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, TYPE_NAMES[key.type].indexed])),
    });
  } finally {
    await connection.close();
  }
}

async function waitUntilReady(
  address: string,
  namespace: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    if (await isFrontendAnswering(address, namespace, 1_000)) return;
    await sleep(200);
  }
  throw new Error(`no answer from the frontend within ${Math.round(timeoutMs / 1000)} s`);
}

async function tailOf(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!match) return { host: address, port: 7233 };
  return { host: match[1] || '127.0.0.1', port: Number(match[2]) };
}
