/**
 * One person onboarded by a worker with a codec key, on the real Temporal server: every payload
 * of every workflow the integration ran is encrypted as stored (read back with a client that has
 * no codec), no email is in any payload in clear, the CLI's status and the codec server show it
 * decoded, and the search attributes stay readable (they are not payloads). A failure's message
 * and stack (a person in NeedsAttention, named in it by email) are encrypted too, and decode
 * through the codec server for a caller with its credential.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { request } from 'undici';
import * as commands from '../../src/cli/commands';
import type { Output } from '../../src/cli/session';
import { AesGcmPayloadCodec, NoKeyPayloadCodec } from '../../src/codec/aes-gcm-codec';
import { startCodecServer, type RunningCodecServer } from '../../src/codec/codec-server';
import { parseCodecKeys } from '../../src/codec/keys';
import { fromRemote, toRemote, type RemoteCodecBody } from '../../src/codec/remote-codec';
import type { PersonState } from '../../src/workflows/definitions';
import { ServiceHarness } from '../support/service';
import { testTemporal } from '../support/temporal';
import { oktaApi, waitForPerson } from '../support/workflow-checks';

const execFileAsync = promisify(execFile);

interface FoundPayload {
  path: string;
  payload: Payload;
}

/** Every Payload in a fetched history (objects with `data` bytes and a `metadata` map), with where it sits. */
function payloadsIn(value: unknown, path = ''): FoundPayload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => payloadsIn(item, `${path}[${index}]`));
  const record = value as Record<string, unknown>;
  if (
    record.metadata &&
    typeof record.metadata === 'object' &&
    (record.data === undefined || record.data === null || record.data instanceof Uint8Array)
  ) {
    const metadata = record.metadata as Record<string, unknown>;
    if (Object.values(metadata).every((entry) => entry instanceof Uint8Array))
      return [{ path, payload: record as Payload }];
  }
  return Object.entries(record).flatMap(([key, item]) => payloadsIn(item, path ? `${path}.${key}` : key));
}

const encodingOf = (payload: Payload): string => Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString();
const clearText = (payload: Payload): string =>
  [...Object.values(payload.metadata ?? {}), payload.data ?? new Uint8Array()]
    .map((bytes) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8'))
    .join(' ');

describe('payload encryption, end to end', () => {
  const keys = `e2e-1:${randomBytes(32).toString('base64')}`;
  const email = 'carol.codec@example.com';
  const codecToken = randomBytes(32).toString('base64url');
  const authorization = `Bearer ${codecToken}`;
  let harness: ServiceHarness;
  let codecServer: RunningCodecServer;
  beforeAll(async () => {
    harness = await ServiceHarness.start({ codecKeys: keys });
    await harness.startWorker();
    codecServer = await startCodecServer({
      codec: new AesGcmPayloadCodec(parseCodecKeys(keys, 'TEMPORAL_CODEC_KEYS')),
      host: '127.0.0.1',
      port: 0,
      corsOrigins: ['http://127.0.0.1:8233'],
      auth: { token: codecToken },
    });
  });
  afterAll(async () => {
    await codecServer?.stop();
    await harness?.stop();
  });

  it('stores every payload encrypted, while the CLI, the codec server and the search attributes still read it', async () => {
    await harness.onboard([email]);
    await harness.bind(email);
    const done = (await harness.personHandle(email).result()) as PersonState;
    expect(done.status).toBe('Onboarded');

    // Read what the server stores, with no codec.
    const raw = new Client({ connection: harness.connection, namespace: harness.client.options.namespace });
    const workflows: string[] = [];
    const found: FoundPayload[] = [];
    for await (const info of raw.workflow.list({ query: `Integration = '${harness.spec.integrationId}'` })) {
      workflows.push(info.workflowId);
      const history = await raw.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      found.push(...payloadsIn(history.events, info.workflowId));
    }
    expect(workflows).toContain(`${harness.spec.integrationId}/person/${email}`);

    const searchAttributes = found.filter((entry) => /searchAttributes/.test(entry.path));
    // The SDK core writes a patch marker's data itself, past the data converter: only the patch id, in clear.
    const patchMarkers = found.filter((entry) => /markerRecordedEventAttributes\.details\.patch-data/.test(entry.path));
    const payloads = found.filter((entry) => !/searchAttributes/.test(entry.path) && !patchMarkers.includes(entry));
    expect(
      patchMarkers.map(
        (entry) => JSON.parse(Buffer.from(entry.payload.data ?? []).toString()) as { id: string; deprecated: boolean },
      ),
    ).toEqual([{ id: 'verify-schedule', deprecated: false }]);
    // Inputs, results, signals, queries' answers are not in history; markers, summaries and failures would be.
    expect(payloads.length).toBeGreaterThan(20);
    const notEncrypted = payloads
      .filter((entry) => encodingOf(entry.payload) !== 'binary/encrypted')
      .map((entry) => `${entry.path}: ${encodingOf(entry.payload)}`);
    expect(notEncrypted).toEqual([]);
    expect(payloads.filter((entry) => clearText(entry.payload).includes(email)).map((entry) => entry.path)).toEqual([]);
    expect(
      payloads.every((entry) => Buffer.from(entry.payload.metadata!['encryption-key-id']!).toString() === 'e2e-1'),
    ).toBe(true);

    // Search attributes are indexed by the server, not payloads: readable as they are.
    expect(searchAttributes.length).toBeGreaterThan(0);
    expect(
      searchAttributes.some(
        (entry) => encodingOf(entry.payload) === 'json/plain' && clearText(entry.payload).includes(email),
      ),
    ).toBe(true);

    // The CLI (whose client has the key) shows the person decoded.
    const printed: unknown[] = [];
    const output: Output = { json: true, print: (value) => void printed.push(value), info: () => undefined };
    expect(await commands.status(harness.session, output, email)).toBe(0);
    expect(JSON.stringify(printed)).toContain('"status":"Onboarded"');
    expect(JSON.stringify(printed)).toContain(email);

    // The codec server (what the UI calls) decodes what history holds.
    const sample = payloads.slice(0, 50).map((entry) => entry.payload);
    const response = await request(`${codecServer.url}/decode`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': 'default',
        origin: 'http://127.0.0.1:8233',
        authorization,
      },
      body: JSON.stringify(toRemote(sample)),
    });
    expect(response.statusCode).toBe(200);
    const decoded = fromRemote((await response.body.json()) as RemoteCodecBody);
    expect(decoded.map(encodingOf).every((encoding) => encoding !== 'binary/encrypted')).toBe(true);
    expect(decoded.map((payload) => JSON.stringify(defaultPayloadConverter.fromPayload(payload))).join('\n')).toContain(
      email,
    );

    // The Temporal CLI through the codec server, as `temporal workflow show --codec-endpoint` (the UI's path too).
    const { stdout } = await execFileAsync(
      testTemporal().cliPath,
      [
        'workflow',
        'show',
        '--address',
        harness.temporalAddress,
        '--namespace',
        harness.client.options.namespace,
        '--workflow-id',
        `${harness.spec.integrationId}/person/${email}`,
        '--codec-endpoint',
        codecServer.url,
        '--codec-auth',
        authorization,
        '--output',
        'json',
      ],
      { timeout: 30_000 },
    );
    const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
    const shown = payloadsIn(
      JSON.parse(stdout, (key, value: unknown) => {
        if (key === 'data' && typeof value === 'string') return bytes(value);
        if (key === 'metadata' && value && typeof value === 'object')
          return Object.fromEntries(Object.entries(value).map(([name, text]) => [name, bytes(String(text))]));
        return value;
      }),
    );
    const shownPayloads = shown.filter((entry) => !/searchAttributes/.test(entry.path));
    expect(shownPayloads.length).toBeGreaterThan(5);
    expect(shownPayloads.filter((entry) => encodingOf(entry.payload) === 'binary/encrypted')).toEqual([]);
    expect(shownPayloads.some((entry) => clearText(entry.payload).includes(email))).toBe(true);
  });

  it("encrypts a failure's message and stack: a person in NeedsAttention, named in it, is not in history in clear", async () => {
    const stuck = 'dora.deactivated@example.com';
    // An Okta user that exists but is deactivated: NeedsAttention at RouteOktaUser, the failure naming the login.
    await oktaApi(harness, 'POST', '/api/v1/users?activate=true&provider=true', {
      profile: { firstName: 'Dora', lastName: 'Deactivated', email: stuck, login: stuck },
      credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
    });
    const user = (await oktaApi(harness, 'GET', `/api/v1/users/${encodeURIComponent(stuck)}`)) as { id: string };
    await oktaApi(harness, 'POST', `/api/v1/users/${user.id}/lifecycle/deactivate`, {});
    await harness.onboard([stuck]);
    await harness.bind(stuck);
    await waitForPerson(harness, stuck, (state) => state.status === 'NeedsAttention', 60_000);

    // The history as stored, read with no codec: the failures are there, their words are not.
    const raw = new Client({ connection: harness.connection, namespace: harness.client.options.namespace });
    const history = await raw.workflow.getHandle(`${harness.spec.integrationId}/person/${stuck}`).fetchHistory();
    const failures = (history.events ?? [])
      .map((event) => event.activityTaskFailedEventAttributes?.failure)
      .filter((failure) => failure !== undefined && failure !== null);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.message).toBe('Encoded failure');
      expect(failure.stackTrace ?? '').toBe('');
      expect(encodingOf(failure.encodedAttributes!)).toBe('binary/encrypted');
    }
    const stored = JSON.stringify(history, (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
    );
    expect(stored).not.toContain('exists with status DEPROVISIONED');
    // The search attributes (indexed by the server, not payloads) name the person; nothing else may.
    const withoutSearchAttributes = JSON.stringify(
      payloadsIn(history.events)
        .filter((entry) => !/searchAttributes/.test(entry.path))
        .map((entry) => clearText(entry.payload)),
    );
    expect(withoutSearchAttributes).not.toContain(stuck);
    expect(
      (history.events ?? [])
        .map((event) => JSON.stringify(event.activityTaskFailedEventAttributes?.failure ?? null))
        .join('\n'),
    ).not.toContain(stuck);

    // What the UI does: the failure's encoded attributes through the codec server, with a credential.
    const attributes = failures.map((failure) => failure.encodedAttributes!);
    const refused = await request(`${codecServer.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toRemote(attributes)),
    });
    expect(refused.statusCode).toBe(401);
    expect(await refused.body.text()).not.toContain(stuck);
    const response = await request(`${codecServer.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(toRemote(attributes)),
    });
    expect(response.statusCode).toBe(200);
    const decoded = fromRemote((await response.body.json()) as RemoteCodecBody).map(
      (payload) => defaultPayloadConverter.fromPayload(payload) as { message: string; stack_trace: string },
    );
    expect(decoded.some((entry) => entry.message.includes(`Okta user ${stuck}`))).toBe(true);
    expect(decoded.every((entry) => typeof entry.stack_trace === 'string')).toBe(true);

    // The CLI (same data converter) still reads the reason in clear.
    const printed: unknown[] = [];
    const output: Output = { json: true, print: (value) => void printed.push(value), info: () => undefined };
    await commands.status(harness.session, output, stuck);
    expect(JSON.stringify(printed)).toContain('NeedsAttention');
    expect(JSON.stringify(printed)).toContain('exists with status DEPROVISIONED');
  });

  it('a CLI without the key says which key id it needs, and never shows ciphertext as data', async () => {
    const withoutKey = new Client({
      connection: harness.connection,
      namespace: harness.client.options.namespace,
      dataConverter: { payloadCodecs: [new NoKeyPayloadCodec()] },
    });
    const session = { ...harness.session, client: withoutKey };
    const printed: unknown[] = [];
    const output: Output = { json: true, print: (value) => void printed.push(value), info: () => undefined };
    await expect(commands.status(session, output, email)).rejects.toThrow(/e2e-1/);
  });
});
