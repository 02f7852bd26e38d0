// Second half of `npm run build`: the workflow code of dist/ bundled once, as Temporal's
// production sample does, so a worker starts without running webpack (dist/worker.js loads
// dist/workflow-bundle.js when it is there).
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { bundleWorkflowCode } = require('@temporalio/worker');

const quiet = {
  trace() {},
  debug() {},
  info() {},
  log() {},
  warn: (m) => process.stderr.write(`${m}\n`),
  error: (m) => process.stderr.write(`${m}\n`),
};
const { code } = await bundleWorkflowCode({
  workflowsPath: join(root, 'dist', 'workflows', 'index.js'),
  // Failures raised in workflow code encode their message and stack, as the worker's own (src/codec/failure-converter.ts).
  failureConverterPath: join(root, 'dist', 'codec', 'failure-converter.js'),
  logger: quiet,
});
await writeFile(join(root, 'dist', 'workflow-bundle.js'), code);
process.stdout.write(`dist/workflow-bundle.js: ${(code.length / 1024).toFixed(0)} KiB\n`);
