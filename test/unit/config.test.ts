/** Unit tests of configuration parsing: every problem listed at once, no secret value echoed. */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OKTA_SCOPES } from '../../src/clients/okta/credentials';
import {
  ConfigError,
  integrationConfigSchema,
  integrationId,
  integrationSpecFrom,
  parseConfig,
  syncConfigSchema,
  upstreamConfigSchema,
  usesEmbeddedUpstreams,
} from '../../src/config';

describe('the worker configuration', () => {
  it('lists everything that is missing in one error', () => {
    expect(() => parseConfig(upstreamConfigSchema, {})).toThrow(ConfigError);
    const message = (() => {
      try {
        parseConfig(upstreamConfigSchema, {});
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('BI_TENANT_ID: required');
    expect(message).toContain('OKTA_ORG_URL: required');
    expect(message).toContain('OKTA_API_TOKEN: required: an Okta API token (SSWS), or an OAuth service app');
    expect(message).toContain('BI_API_TOKEN: required');
    expect(message).toContain('BI_REGION: required');
  });

  it('never echoes a secret value, even when it is set wrongly', () => {
    const env = {
      BI_TENANT_ID: 't',
      BI_API_TOKEN: 'super-secret-token-value-1',
      BI_CLIENT_ID: 'client',
      BI_CLIENT_SECRET: 'super-secret-client-secret-2',
      BI_REGION: 'mars',
      OKTA_ORG_URL: 'not a url',
      OKTA_API_TOKEN: 'super-secret-okta-token-3',
    };
    let message = '';
    try {
      parseConfig(upstreamConfigSchema, env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/BI_REGION/);
    expect(message).toMatch(/OKTA_ORG_URL/);
    expect(message).toMatch(/not both/);
    expect(message).toMatch(/all three of BI_CLIENT_ID, BI_CLIENT_SECRET and BI_TOKEN_URL/);
    for (const secret of [env.BI_API_TOKEN, env.BI_CLIENT_SECRET, env.OKTA_API_TOKEN])
      expect(message).not.toContain(secret);
  });

  it('accepts a region with a token, or explicit hosts with client credentials', () => {
    expect(
      parseConfig(upstreamConfigSchema, {
        BI_TENANT_ID: 't',
        BI_API_TOKEN: 'x',
        BI_REGION: 'eu',
        OKTA_ORG_URL: 'https://o.example',
        OKTA_API_TOKEN: 'y',
      }).BI_REGION,
    ).toBe('eu');
    const explicit = parseConfig(upstreamConfigSchema, {
      BI_TENANT_ID: 't',
      BI_CLIENT_ID: 'c',
      BI_CLIENT_SECRET: 's',
      BI_TOKEN_URL: 'https://auth.example/v1/tenants/t/realms/r/applications/a/token',
      BI_MANAGEMENT_URL: 'http://127.0.0.1:1',
      BI_AUTH_URL: 'http://127.0.0.1:2',
      OKTA_ORG_URL: 'http://127.0.0.1:3',
      OKTA_API_TOKEN: 'y',
    });
    expect(explicit.UPSTREAM_TIMEOUT_SECONDS).toBe(30);
  });

  it('is the embedded default only when no upstream address is set', () => {
    expect(usesEmbeddedUpstreams({})).toBe(true);
    expect(usesEmbeddedUpstreams({ BI_API_TOKEN: 'x', OKTA_API_TOKEN: 'y' })).toBe(true);
    expect(usesEmbeddedUpstreams({ OKTA_ORG_URL: 'https://o.example' })).toBe(false);
    expect(usesEmbeddedUpstreams({ BI_REGION: 'us' })).toBe(false);
  });
});

describe('the integration', () => {
  it('has one id per tenant + realm and Okta org, whatever the spelling of the realm', () => {
    expect(integrationId('0001', 'Okta Federation!', 'https://acme.okta.com/')).toBe(
      'bi-okta/0001/okta-federation/acme.okta.com',
    );
    expect(integrationId('0001', 'okta   federation', 'https://acme.okta.com')).toBe(
      'bi-okta/0001/okta-federation/acme.okta.com',
    );
  });
  it('defaults to the embedded stack, so npm start and the CLI agree with no configuration', () => {
    const spec = integrationSpecFrom(parseConfig(integrationConfigSchema, {}));
    expect(spec.oktaOrgUrl).toBe('http://127.0.0.1:8025');
    expect(spec.biTenantId).toBe('0001f1f460b1ace6');
    expect(spec.binding).toEqual({ pollIntervalMs: 30_000, maxResends: 3, deadlineMs: 7 * 24 * 3600 * 1000 });
    expect(spec.tokenExpirySeconds).toBe(604_800);
  });
});

describe('the Okta credentials: an API token or an OAuth service app', () => {
  const { privateKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { privateKey: ec } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const base = { BI_TENANT_ID: 't', BI_API_TOKEN: 'x', BI_REGION: 'eu', OKTA_ORG_URL: 'https://o.example' };
  const pkcs8 = rsa.export({ type: 'pkcs8', format: 'pem' }) as string;
  const pkcs1 = rsa.export({ type: 'pkcs1', format: 'pem' }) as string;
  const sec1 = ec.export({ type: 'sec1', format: 'pem' }) as string;
  const ecJwk = ec.export({ format: 'jwk' });
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'okta-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function problemsOf(env: Record<string, string>): string {
    try {
      parseConfig(upstreamConfigSchema, { ...base, ...env });
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }

  it('an API token alone is SSWS', () => {
    expect(parseConfig(upstreamConfigSchema, { ...base, OKTA_API_TOKEN: 'y' }).OKTA_CREDENTIALS).toEqual({
      kind: 'api-token',
      token: 'y',
    });
  });

  it('reads PKCS#8, PKCS#1 and SEC1 PEMs and private JWKs, RSA and EC, with the default least scopes', () => {
    const oauth = (env: Record<string, string>) => {
      const credentials = parseConfig(upstreamConfigSchema, {
        ...base,
        OKTA_CLIENT_ID: '0oaclient',
        OKTA_KEY_ID: 'kid-1',
        ...env,
      }).OKTA_CREDENTIALS;
      if (credentials.kind !== 'oauth') throw new Error('not oauth');
      return credentials;
    };
    expect(oauth({ OKTA_PRIVATE_KEY: pkcs8 })).toMatchObject({
      kind: 'oauth',
      clientId: '0oaclient',
      keyId: 'kid-1',
      alg: 'RS256',
      scopes: [...DEFAULT_OKTA_SCOPES],
    });
    expect(oauth({ OKTA_PRIVATE_KEY: pkcs1 }).alg).toBe('RS256');
    // The key's text is not kept beside the credentials.
    expect(
      JSON.stringify(
        parseConfig(upstreamConfigSchema, { ...base, OKTA_CLIENT_ID: 'c', OKTA_KEY_ID: 'k', OKTA_PRIVATE_KEY: pkcs8 }),
      ),
    ).not.toContain('PRIVATE KEY');
    expect(oauth({ OKTA_PRIVATE_KEY: sec1 }).alg).toBe('ES256');
    // Newlines escaped as `\n`, the way an env file often carries a PEM.
    expect(oauth({ OKTA_PRIVATE_KEY: pkcs8.replace(/\n/g, '\\n') }).alg).toBe('RS256');
    const fromJwk = parseConfig(upstreamConfigSchema, {
      ...base,
      OKTA_CLIENT_ID: 'c',
      OKTA_PRIVATE_KEY: JSON.stringify({ ...ecJwk, kid: 'jwk-kid' }),
      OKTA_SCOPES: ' okta.users.read  okta.idps.manage ',
    }).OKTA_CREDENTIALS;
    expect(fromJwk).toMatchObject({
      kind: 'oauth',
      keyId: 'jwk-kid',
      alg: 'ES256',
      scopes: ['okta.users.read', 'okta.idps.manage'],
    });
    const rsaJwk = { ...rsa.export({ format: 'jwk' }), alg: 'RS384' };
    expect(oauth({ OKTA_PRIVATE_KEY: JSON.stringify(rsaJwk) }).alg).toBe('RS384');
  });

  it('reads the key from OKTA_PRIVATE_KEY_FILE', async () => {
    const file = join(dir, 'key.pem');
    await writeFile(file, sec1);
    const credentials = parseConfig(upstreamConfigSchema, {
      ...base,
      OKTA_CLIENT_ID: 'c',
      OKTA_KEY_ID: 'k',
      OKTA_PRIVATE_KEY_FILE: file,
    }).OKTA_CREDENTIALS;
    expect(credentials).toMatchObject({ kind: 'oauth', alg: 'ES256' });
  });

  it('names each mistake clearly and never echoes a key or a token', async () => {
    const token = 'super-secret-okta-token-4';
    expect(problemsOf({ OKTA_API_TOKEN: token, OKTA_CLIENT_ID: 'c', OKTA_PRIVATE_KEY: pkcs8 })).toMatch(
      /OKTA_API_TOKEN: set either .* not both/,
    );
    expect(problemsOf({})).toMatch(/OKTA_API_TOKEN: required: an Okta API token \(SSWS\), or an OAuth service app/);
    expect(problemsOf({ OKTA_CLIENT_ID: 'c' })).toMatch(/OKTA_PRIVATE_KEY: required with OKTA_CLIENT_ID/);
    expect(problemsOf({ OKTA_PRIVATE_KEY: pkcs8, OKTA_KEY_ID: 'k' })).toMatch(
      /OKTA_CLIENT_ID: required with a private key/,
    );
    expect(
      problemsOf({ OKTA_CLIENT_ID: 'c', OKTA_KEY_ID: 'k', OKTA_PRIVATE_KEY: pkcs8, OKTA_PRIVATE_KEY_FILE: '/x' }),
    ).toMatch(/OKTA_PRIVATE_KEY: set either .* not both/);
    expect(
      problemsOf({ OKTA_CLIENT_ID: 'c', OKTA_KEY_ID: 'k', OKTA_PRIVATE_KEY_FILE: join(dir, 'missing.pem') }),
    ).toMatch(/OKTA_PRIVATE_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)/);
    const publicPem = createPublicKey(rsa).export({ type: 'spki', format: 'pem' }) as string;
    const publicOnly = problemsOf({ OKTA_CLIENT_ID: 'c', OKTA_KEY_ID: 'k', OKTA_PRIVATE_KEY: publicPem });
    expect(publicOnly).toMatch(/OKTA_PRIVATE_KEY: not a private RSA or EC key/);
    const { d: _d, ...publicJwk } = ecJwk;
    expect(problemsOf({ OKTA_CLIENT_ID: 'c', OKTA_KEY_ID: 'k', OKTA_PRIVATE_KEY: JSON.stringify(publicJwk) })).toMatch(
      /not a private RSA or EC key/,
    );
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const edProblems = problemsOf({ OKTA_CLIENT_ID: 'c', OKTA_KEY_ID: 'k', OKTA_PRIVATE_KEY: ed });
    expect(edProblems).toMatch(/not a private RSA or EC key/);
    expect(problemsOf({ OKTA_CLIENT_ID: 'c', OKTA_PRIVATE_KEY: pkcs8 })).toMatch(/OKTA_KEY_ID: required: the kid/);
    expect(
      problemsOf({
        OKTA_CLIENT_ID: 'c',
        OKTA_KEY_ID: 'other',
        OKTA_PRIVATE_KEY: JSON.stringify({ ...ecJwk, kid: 'jwk-kid' }),
      }),
    ).toMatch(/OKTA_KEY_ID: differs from the JWK's own kid/);
    expect(
      problemsOf({
        OKTA_CLIENT_ID: 'c',
        OKTA_KEY_ID: 'k',
        OKTA_PRIVATE_KEY: pkcs8,
        OKTA_SCOPES: 'okta.users.manage users:write',
      }),
    ).toMatch(/OKTA_SCOPES: not an Okta API scope: "users:write"/);
    const all = [
      problemsOf({ OKTA_API_TOKEN: token, OKTA_CLIENT_ID: 'c', OKTA_PRIVATE_KEY: pkcs8 }),
      publicOnly,
      edProblems,
    ].join('\n');
    for (const secret of [
      token,
      pkcs8,
      publicPem,
      ed,
      ...pkcs8.split('\n').filter((line) => line.length > 20),
      ...ed.split('\n').filter((line) => line.length > 20),
    ])
      expect(all).not.toContain(secret);
  });
});

describe('the Okta group sync settings', () => {
  it('defaults: nobody excluded, a 30-day grace period, the System Log read every 30 s', () => {
    expect(parseConfig(syncConfigSchema, {})).toEqual({
      SYNC_EXCLUDE: { logins: [], groups: [] },
      SYNC_DELETE_AFTER: 30 * 86_400_000,
      SYNC_POLL_INTERVAL: 30_000,
    });
  });

  it('SYNC_EXCLUDE: logins (lower-cased, de-duplicated) and group:<name or id> entries (as written), blanks ignored', () => {
    const config = parseConfig(syncConfigSchema, {
      SYNC_EXCLUDE:
        ' Admin@Example.com, group:Okta Admins ,,admin@example.com, GROUP:00g1abc, break.glass@example.com ',
    });
    expect(config.SYNC_EXCLUDE).toEqual({
      logins: ['admin@example.com', 'break.glass@example.com'],
      groups: ['Okta Admins', '00g1abc'],
    });
  });

  it('durations like 7d, 12h or 1d12h; out of range or malformed values are named with the expected form', () => {
    expect(parseConfig(syncConfigSchema, { SYNC_DELETE_AFTER: '1d12h', SYNC_POLL_INTERVAL: '10s' })).toMatchObject({
      SYNC_DELETE_AFTER: 36 * 3_600_000,
      SYNC_POLL_INTERVAL: 10_000,
    });
    const message = (() => {
      try {
        parseConfig(syncConfigSchema, {
          SYNC_DELETE_AFTER: '30 days',
          SYNC_POLL_INTERVAL: '1s',
          SYNC_EXCLUDE: 'a@example.com,group:',
        });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('SYNC_DELETE_AFTER: a duration like 30d, 12h or 1d12h (from 1m to 365d)');
    expect(message).toContain('SYNC_POLL_INTERVAL: a duration like 30s, 1m or 2m30s (from 5s to 1h)');
    expect(message).toContain('SYNC_EXCLUDE: group: needs an Okta group name or id (group:Admins)');
  });
});
