/** Unit tests of configuration parsing: every problem listed at once, no secret value echoed. */
import { ConfigError, integrationConfigSchema, integrationId, integrationSpecFrom, parseConfig, upstreamConfigSchema, usesEmbeddedUpstreams } from '../src/config';

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
    expect(message).toContain('OKTA_API_TOKEN: required');
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
    for (const secret of [env.BI_API_TOKEN, env.BI_CLIENT_SECRET, env.OKTA_API_TOKEN]) expect(message).not.toContain(secret);
  });

  it('accepts a region with a token, or explicit hosts with client credentials', () => {
    expect(parseConfig(upstreamConfigSchema, { BI_TENANT_ID: 't', BI_API_TOKEN: 'x', BI_REGION: 'eu', OKTA_ORG_URL: 'https://o.example', OKTA_API_TOKEN: 'y' }).BI_REGION).toBe('eu');
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
    expect(integrationId('0001', 'Okta Federation!', 'https://acme.okta.com/')).toBe('bi-okta/0001/okta-federation/acme.okta.com');
    expect(integrationId('0001', 'okta   federation', 'https://acme.okta.com')).toBe('bi-okta/0001/okta-federation/acme.okta.com');
  });
  it('defaults to the embedded stack, so npm start and the CLI agree with no configuration', () => {
    const spec = integrationSpecFrom(parseConfig(integrationConfigSchema, {}));
    expect(spec.oktaOrgUrl).toBe('http://127.0.0.1:8025');
    expect(spec.biTenantId).toBe('0001f1f460b1ace6');
    expect(spec.binding).toEqual({ pollIntervalMs: 30_000, maxResends: 3, deadlineMs: 7 * 24 * 3600 * 1000 });
    expect(spec.tokenExpirySeconds).toBe(604_800);
  });
});
