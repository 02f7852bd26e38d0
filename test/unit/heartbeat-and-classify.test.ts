/**
 * An activity wrapped by `heartbeatAndClassify` (src/activities/context.ts), run in @temporalio/testing's
 * MockActivityEnvironment: it heartbeats while it runs, carrying what it recorded (a create
 * started), and stops heartbeating when it ends; cancelled, it stops at once and fails as a
 * cancellation, not as a failure the retry policy would retry. Pure: no server, no network.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeatAndClassify, markCreateStarted } from '../../src/activities/context';

describe('heartbeatAndClassify activities in MockActivityEnvironment', () => {
  it('heartbeat while running (every third of the heartbeat timeout, 500 ms at least), with what they recorded, and stop when done', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 1_500 });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const activity = heartbeatAndClassify(async () => {
      await sleep(700);
      markCreateStarted();
      await sleep(700);
      return 'made';
    });
    await expect(env.run(activity)).resolves.toBe('made');
    const seen = beats.length;
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(beats[0]).toEqual({});
    expect(beats.at(-1)).toEqual({ createStarted: true });
    await sleep(600);
    expect(beats).toHaveLength(seen);
  });

  it('do not heartbeat when the workflow set no heartbeat timeout', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: undefined });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    await env.run(heartbeatAndClassify(() => sleep(700)));
    expect(beats).toEqual([]);
  });

  it('stop at once when cancelled, failing as a cancellation', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 1_500 });
    let stoppedAt: number | undefined;
    const activity = heartbeatAndClassify(async () => {
      // Waits as the watch does, until its cancellation signal aborts. (Not node:timers/promises here: its
      // AbortError comes from Node's own realm, which is not jest's, and fails `instanceof Error` in tests only.)
      const { cancellationSignal } = Context.current();
      try {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 60_000);
          cancellationSignal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(cancellationSignal.reason);
          });
        });
      } finally {
        stoppedAt = Date.now();
      }
    });
    const running = env.run(activity);
    await sleep(100);
    const cancelledAt = Date.now();
    env.cancel('CANCELLED');
    const failure = await running.then(
      () => undefined,
      (error: unknown) => error,
    );
    // The worker reports a CancelledFailure thrown after a cancel as the activity's cancellation; an
    // ApplicationFailure would be reported as a failure, and retried.
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
    expect(stoppedAt! - cancelledAt).toBeLessThan(1_000);
  });

  it('classify what the activity throws: an unforeseen error is retried', async () => {
    const env = new MockActivityEnvironment();
    const failure = await env.run(heartbeatAndClassify(() => Promise.reject(new TypeError('boom')))).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'TypeError', message: 'boom', nonRetryable: false });
  });
});
