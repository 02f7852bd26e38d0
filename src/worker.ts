/**
 * The worker process: polls the onboarding task queue of the configured Temporal cluster and runs
 * the workflows (src/workflows) and activities (src/activities). Stops gracefully on SIGINT/SIGTERM
 * (the SDK's Runtime handles them), letting running activities finish within the grace time.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE, temporalTarget } from './temporal/connection';

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const target = temporalTarget(env);
  const taskQueue = env.TASK_QUEUE || DEFAULT_TASK_QUEUE;
  const connection = await NativeConnection.connect(target.connectionOptions);
  try {
    const worker = await Worker.create({
      connection,
      namespace: target.namespace,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities: {},
      shutdownGraceTime: '10 seconds',
    });
    process.stdout.write(`Worker polling task queue "${taskQueue}" on ${target.address} (namespace ${target.namespace}).\n`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    process.stderr.write(`Worker stopped: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
