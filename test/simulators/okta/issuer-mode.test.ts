/** The IdP's issuer mode and the org's custom domain: which callback Okta gives as the IdP's redirect URI. */
import { expectOktaError, idpBody, useSimulator } from './support';

type Idp = { id: string; issuerMode: string; _links: Record<string, { href: string }> };
const CUSTOM = 'https://login.example.test';

describe('Okta simulator: issuer mode without a custom domain', () => {
  const t = useSimulator();

  it('refuses CUSTOM_URL, naming issuerMode, and takes ORG_URL and DYNAMIC (both on the org domain)', async () => {
    const refused = await t.okta.call('POST', '/api/v1/idps', {
      body: idpBody('Custom', undefined, { issuerMode: 'CUSTOM_URL' }),
    });
    expect(
      expectOktaError(refused, 400, 'E0000001')
        .errorCauses.map((cause) => cause.errorSummary)
        .join(' '),
    ).toContain('issuerMode');
    for (const issuerMode of ['ORG_URL', 'DYNAMIC']) {
      const idp = await t.okta.ok<Idp>(
        'POST',
        '/api/v1/idps',
        idpBody(`Mode ${issuerMode}`, undefined, { issuerMode }),
      );
      expect([issuerMode, idp._links.clientRedirectUri!.href]).toEqual([
        issuerMode,
        `${t.sim.url}/oauth2/v1/authorize/callback`,
      ]);
    }
  });
});

describe('Okta simulator: issuer mode with a custom domain', () => {
  const t = useSimulator({ customDomain: `${CUSTOM}/` });

  it('gives the custom-domain callback for CUSTOM_URL and the org one for ORG_URL', async () => {
    const custom = await t.okta.ok<Idp>(
      'POST',
      '/api/v1/idps',
      idpBody('Custom', undefined, { issuerMode: 'CUSTOM_URL' }),
    );
    expect(custom._links.clientRedirectUri!.href).toBe(`${CUSTOM}/oauth2/v1/authorize/callback`);
    const org = await t.okta.ok<Idp>('POST', '/api/v1/idps', idpBody('Org', undefined, { issuerMode: 'ORG_URL' }));
    expect(org._links.clientRedirectUri!.href).toBe(`${t.sim.url}/oauth2/v1/authorize/callback`);
  });
});
