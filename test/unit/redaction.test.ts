/**
 * The one redaction point (pure logic): the secrets a configuration holds, known values and
 * credential shapes replaced in messages and fields, and the logger that applies it.
 */
import { redactSecrets, redactValue, registerSecret, REDACTED } from '../../src/clients/http/secrets';
import { knownSecrets, registerKnownSecrets } from '../../src/observability/known-secrets';
import { WorkerLogger } from '../../src/observability/logger';

describe('redaction', () => {
  it('knows every secret of the configuration, the codec keys whole and each key', () => {
    const env = {
      BI_API_TOKEN: 'bi-token-123456',
      OKTA_API_TOKEN: 'okta-token-123456',
      BI_CLIENT_SECRET: 'client-secret-123456',
      OKTA_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
      OKTA_CLIENT_ID: 'not-a-secret-either',
      TEMPORAL_CODEC_KEYS: 'k1:AAAAbase64keyone=, k2:BBBBbase64keytwo=',
      CODEC_AUTH_TOKEN: 'codec-auth-token-0123456789abcdefghij',
      BI_TENANT_ID: 'not-a-secret',
    };
    expect(knownSecrets(env)).toEqual(
      expect.arrayContaining([
        'bi-token-123456',
        'okta-token-123456',
        'client-secret-123456',
        env.OKTA_PRIVATE_KEY,
        env.TEMPORAL_CODEC_KEYS,
        'AAAAbase64keyone=',
        'BBBBbase64keytwo=',
        'codec-auth-token-0123456789abcdefghij',
      ]),
    );
    expect(knownSecrets(env)).not.toContain('not-a-secret');
    expect(knownSecrets(env)).not.toContain('not-a-secret-either');
  });

  it('replaces known secrets and credential shapes in text, nested fields, keys and errors', () => {
    registerKnownSecrets({ OKTA_API_TOKEN: 'okta-secret-abcdef', TEMPORAL_CODEC_KEYS: 'k1:c29tZWNvZGVja2V5' });
    registerSecret('short'); // too short to redact safely
    expect(redactSecrets('token okta-secret-abcdef in text')).toBe(`token ${REDACTED} in text`);
    expect(redactSecrets('Authorization: SSWS 00abcdefghij and Bearer eyJ.hdr.sig')).toBe(
      `Authorization: SSWS ${REDACTED} and Bearer ${REDACTED}`,
    );
    expect(redactSecrets('short stays')).toBe('short stays');
    const error = new Error('failed with key c29tZWNvZGVja2V5');
    const redacted = redactValue({
      nested: { list: ['okta-secret-abcdef'], n: 3 },
      'okta-secret-abcdef': true,
      error,
      big: 10n,
    }) as Record<string, unknown>;
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('okta-secret-abcdef');
    expect(text).not.toContain('c29tZWNvZGVja2V5');
    expect(redacted).toMatchObject({
      nested: { list: [REDACTED], n: 3 },
      [REDACTED]: true,
      error: { name: 'Error', message: `failed with key ${REDACTED}` },
      big: '10',
    });
  });

  it('the logger writes redacted JSON lines, or readable ones when pretty', () => {
    registerSecret('logged-secret-xyz');
    const lines: string[] = [];
    const destination = { write: (line: string) => lines.push(line) };
    new WorkerLogger({ level: 'INFO', format: 'json', destination }).warn('saw logged-secret-xyz', {
      header: 'Bearer logged-secret-xyz',
      workflowId: 'wf-1',
    });
    new WorkerLogger({ level: 'INFO', format: 'json', destination }).debug('below the level');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'warn',
      msg: `saw ${REDACTED}`,
      header: `Bearer ${REDACTED}`,
      workflowId: 'wf-1',
    });
    expect(typeof record.time).toBe('string');
    new WorkerLogger({ level: 'INFO', format: 'pretty', destination }).info('hello logged-secret-xyz', {
      workflowId: 'wf-2',
    });
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[INFO\] hello \[redacted\] \{ workflowId: 'wf-2' \}\n$/);
    new WorkerLogger({ level: 'INFO', format: 'pretty', destination }).warn('Activity failed', {
      error: new TypeError('bad logged-secret-xyz'),
    });
    expect(lines[2]).toMatch(/\[WARN\] Activity failed \{ error: 'TypeError: bad \[redacted\]' \}\n$/);
  });
});
