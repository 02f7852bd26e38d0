'use strict';
/**
 * Runs one command and ties its life to the process that started this one. That parent talks to
 * us over an IPC channel; the kernel closes the channel when the parent ends, however it ends
 * (SIGKILL and crashes included), and then we stop the command: SIGTERM, then SIGKILL after the
 * grace period. Used for programs we cannot teach to watch their parent (the Temporal CLI's dev
 * server); see dev/stack/supervised.ts.
 *
 * Usage (from spawnSupervised only): node supervisor.cjs <grace-ms>[:<stop signal>] <command> [args...]
 * Messages to the parent: { type: 'spawned', pid } once the command runs, { type: 'exited', code, signal }.
 * Plain JavaScript, so it starts in milliseconds without a TypeScript loader.
 */
const { spawn } = require('node:child_process');

const [graceArg, command, ...args] = process.argv.slice(2);
const [graceText, stopSignal = 'SIGTERM'] = String(graceArg).split(':');
const graceMs = Number(graceText);
if (!command || !Number.isFinite(graceMs)) {
  process.stderr.write('usage: supervisor.cjs <grace-ms> <command> [args...]\n');
  process.exit(2);
}

/** Sends to the parent if it is still there; `then` runs once the message is out (or at once). */
function tell(message, then = () => undefined) {
  if (!process.connected) return then();
  process.send(message, () => then());
}

// The command's output goes straight to the pipes (or files) our parent gave us.
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;

function stop() {
  if (stopping) return;
  stopping = true;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(stopSignal);
  setTimeout(() => child.kill('SIGKILL'), graceMs);
}

child.once('spawn', () => tell({ type: 'spawned', pid: child.pid }));
child.once('error', (error) =>
  tell({ type: 'exited', code: 127, signal: null, error: error.message }, () => process.exit(127)),
);
child.once('exit', (code, signal) => tell({ type: 'exited', code, signal }, () => process.exit(code ?? 1)));

process.on('disconnect', stop);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop);
