#!/usr/bin/env node
// The operator CLI as a package bin: runs the TypeScript source through tsx's loader.
require('tsx/cjs');
void require('../src/client.ts').runCli(process.argv);
