/**
 * What every CLI command shares: the Temporal connection (with an error that names the fix when
 * it cannot be reached), the integration the command works on, output as text or JSON, and exit
 * codes that scripts can rely on.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { codecSetupFromEnv } from '../codec/data-converter';
import { integrationConfigSchema, integrationSpecFrom, parseConfig } from '../config';
import { DEFAULT_TASK_QUEUE, temporalTarget } from '../temporal/connection';
import { errorMessage } from '../util/errors';
import type { IntegrationSpec } from '../workflows/definitions';

/** Exit codes: 0 done; 1 the operation failed or the answer is "no"; 2 bad usage or input; 3 Temporal unreachable; 4 not found. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, notFound: 4 } as const;

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface Session {
  client: Client;
  spec: IntegrationSpec;
  taskQueue: string;
  address: string;
  namespace: string;
  uiUrl: string;
  close(): Promise<void>;
}

export async function openSession(env: NodeJS.ProcessEnv = process.env): Promise<Session> {
  const spec = integrationSpecFrom(parseConfig(integrationConfigSchema, env));
  const target = temporalTarget(env);
  // Keys as the worker has them; with none, also the embedded stack's local key (src/codec/keys.ts).
  const { dataConverter } = codecSetupFromEnv(env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: 5_000 });
    await connection.workflowService.getSystemInfo({});
  } catch (error) {
    throw new CliError(
      `Temporal is not reachable at ${target.address} (namespace ${target.namespace}): ${errorMessage(error)}\n` +
        'Start the embedded stack with `npm start`, or set TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (and TEMPORAL_API_KEY or TLS settings) for your cluster.',
      EXIT.unreachable,
    );
  }
  return {
    client: new Client({ connection, namespace: target.namespace, dataConverter }),
    spec,
    taskQueue: env.TASK_QUEUE || DEFAULT_TASK_QUEUE,
    address: target.address,
    namespace: target.namespace,
    uiUrl: (env.TEMPORAL_UI_URL || `http://127.0.0.1:${env.TEMPORAL_UI_PORT || 8233}`).replace(/\/+$/, ''),
    close: () => connection.close(),
  };
}

/** A link into Temporal UI for one workflow. */
export function workflowLink(session: Session, workflowId: string): string {
  return `${session.uiUrl}/namespaces/${encodeURIComponent(session.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Warns when no worker polls the task queue: work would be queued, and nothing would happen. */
export async function workerWarning(session: Session): Promise<string | undefined> {
  try {
    const description = await session.client.workflowService.describeTaskQueue({
      namespace: session.namespace,
      taskQueue: { name: session.taskQueue },
    });
    if ((description.pollers ?? []).length > 0) return undefined;
  } catch {
    return undefined; // cannot tell; say nothing rather than something wrong
  }
  return (
    `No worker is polling task queue "${session.taskQueue}" right now: the work is queued and will start when one does. ` +
    'Start one with `npm start` (embedded) or `npm run worker`.'
  );
}

/**
 * A command that runs a workflow on the worker (preflight, verify) and waits for it: a timeout
 * means no worker took it (exit 3, with how to start one); anything else is a failure of the run.
 */
export function workerRunError(session: Session, error: unknown, command: string, timeout: string): CliError {
  const timedOut = /timed? ?out/i.test(
    error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause)}` : '',
  );
  return new CliError(
    timedOut
      ? `No worker finished ${command} within ${timeout}: start one on task queue "${session.taskQueue}" (npm start, or npm run worker), then run ${command} again.`
      : `${command} could not run: ${errorMessage(error)}`,
    timedOut ? EXIT.unreachable : EXIT.failed,
  );
}

export function isNotFound(error: unknown): boolean {
  return (
    error instanceof WorkflowNotFoundError ||
    (error as { code?: number }).code === 5 ||
    /not found/i.test((error as Error)?.message ?? '')
  );
}

export interface Output {
  json: boolean;
  /** Prints `data` as JSON, or `text()` for people. */
  print(data: unknown, text: () => string): void;
  info(line: string): void;
}

export function output(json: boolean): Output {
  return {
    json,
    print(data, text) {
      process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
    },
    info(line) {
      // Commentary goes to stderr in JSON mode, so stdout stays parseable.
      (json ? process.stderr : process.stdout).write(`${line}\n`);
    },
  };
}
