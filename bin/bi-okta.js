#!/usr/bin/env node
// The operator CLI as a package bin: the compiled JavaScript of `npm run build` (dist/), run by
// plain Node with production dependencies only. From a checkout, `npm run cli` runs the sources.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'client.js');
if (!existsSync(entry)) {
  process.stderr.write(
    `bi-okta: ${entry} is missing. Run \`npm run build\` first (or \`npm run cli -- ...\` in a checkout).\n`,
  );
  process.exit(1);
}
void require(entry).runCli(process.argv);
