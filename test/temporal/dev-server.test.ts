import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { findFreePort, isPortFree } from '../../dev/net/ports';
import { isFrontendAnswering, reuseServer, startDevServer } from '../../dev/temporal/dev-server';
import { emailKey, integrationKey, SEARCH_ATTRIBUTE_KEYS } from '../../src/workflows/definitions';
import { testTemporal } from '../support/temporal';

describe('the shared dev server', () => {
  it('lists every search attribute of the project, with its type, from the server itself', async () => {
    const { address, namespace } = testTemporal();
    const connection = await Connection.connect({ address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      for (const key of SEARCH_ATTRIBUTE_KEYS) {
        expect(customAttributes?.[key.name]).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      }
      expect(SEARCH_ATTRIBUTE_KEYS.every((key) => key.type === SearchAttributeType.KEYWORD)).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('accepts Workflow Updates (dynamic config is applied)', async () => {
    const { address, namespace } = testTemporal();
    const connection = await Connection.connect({ address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.capabilities?.sdkMetadata).toBe(true);
      // An update to a workflow that does not exist is refused as NotFound, not as "disabled".
      const client = new Client({ connection, namespace });
      await expect(client.workflow.getHandle('no-such-workflow').executeUpdate('anything')).rejects.toThrow(
        /not found/i,
      );
    } finally {
      await connection.close();
    }
    // Today's servers accept updates by default, so the answer above cannot tell whether the dynamic
    // config was given: a stand-in CLI records what startDevServer asks of the server.
    const dir = await mkdtemp(join(tmpdir(), 'bi-okta-args-'));
    try {
      const argsFile = join(dir, 'args');
      const recorder = join(dir, 'temporal');
      await writeFile(recorder, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nexit 3\n`);
      await chmod(recorder, 0o755);
      await expect(
        startDevServer({ cliPath: recorder, port: await findFreePort(), searchAttributes: SEARCH_ATTRIBUTE_KEYS }),
      ).rejects.toThrow(/did not start/);
      const args = (await readFile(argsFile, 'utf8')).split('\n');
      const dynamicConfig = args.flatMap((arg, index) => (arg === '--dynamic-config-value' ? [args[index + 1]] : []));
      expect(dynamicConfig).toEqual(
        expect.arrayContaining([
          'frontend.enableUpdateWorkflowExecution=true',
          'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
        ]),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is reused, not restarted, by reuseServer', async () => {
    const { address, namespace } = testTemporal();
    const reused = await reuseServer(address, namespace, SEARCH_ATTRIBUTE_KEYS);
    expect(reused?.pid).toBeUndefined();
    await reused?.stop(); // must leave the shared server running
    expect(await isFrontendAnswering(address, namespace)).toBe(true);
    expect(await reuseServer(`127.0.0.1:${await findFreePort()}`, namespace, SEARCH_ATTRIBUTE_KEYS)).toBeUndefined();
  });
});

describe('a dev server on SQLite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bi-okta-sqlite-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a workflow and its search attributes across a stop and restart on the same file', async () => {
    const { cliPath } = testTemporal();
    const dbFilename = join(dir, 'temporal.db');
    const port = await findFreePort();
    const options = {
      cliPath,
      port,
      dbFilename,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      logFile: join(dir, 'server.log'),
    };

    const first = await startDevServer(options);
    const workflowId = `persisted-${Date.now()}`;
    try {
      const connection = await Connection.connect({ address: first.address });
      const client = new Client({ connection });
      // No worker polls this queue: the execution simply waits, which is all we need to persist.
      await client.workflow.start('notRegisteredAnywhere', {
        taskQueue: 'nobody-polls-this',
        workflowId,
        typedSearchAttributes: [
          { key: integrationKey, value: 'persistence-check' },
          { key: emailKey, value: 'alice@example.com' },
        ],
      });
      await connection.close();
    } finally {
      await first.stop();
    }
    expect(await isPortFree(port)).toBe(true);

    const second = await startDevServer(options);
    try {
      const connection = await Connection.connect({ address: second.address });
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      expect(description.typedSearchAttributes.get(integrationKey)).toBe('persistence-check');
      expect(description.typedSearchAttributes.get(emailKey)).toBe('alice@example.com');
      await client.workflow.getHandle(workflowId).terminate('test done');
      await connection.close();
    } finally {
      await second.stop();
    }
    expect(await isPortFree(port)).toBe(true);
  });

  it('refuses a port that is taken instead of mistaking the other server for its own', async () => {
    const { cliPath, address } = testTemporal();
    const port = Number(address.split(':')[1]);
    await expect(startDevServer({ cliPath, port, searchAttributes: [] })).rejects.toThrow(
      `Temporal dev server cannot start on 127.0.0.1:${port}: the port is already in use.`,
    );
    expect(await isFrontendAnswering(address, 'default')).toBe(true);
  });

  it('explains a server that exits during start, with the end of its log', async () => {
    const logFile = join(dir, 'bad.log');
    const brokenCli = join(dir, 'broken-temporal');
    await writeFile(brokenCli, '#!/bin/sh\necho "sqlite: unable to open database file" >&2\nexit 3\n');
    await chmod(brokenCli, 0o755);
    const bad = startDevServer({ cliPath: brokenCli, port: await findFreePort(), searchAttributes: [], logFile });
    await expect(bad).rejects.toThrow(
      /did not start: the server exited \(3\)\.\nLast lines of .*bad\.log:\nsqlite: unable to open database file/,
    );
  });
});
