/**
 * An Okta org with a custom domain: the IdP's issuer mode decides on which domain Okta builds the
 * redirect URI it sends Beyond Identity, and the Beyond Identity application must list exactly
 * that one. With CUSTOM_URL the person signs in; an IdP switched behind our back to ORG_URL fails
 * the sign-in at the authorization request, with the reason, until `retry` puts it back.
 */
import { request } from 'undici';
import * as commands from '../../src/cli/commands';
import type { Output } from '../../src/cli/session';
import type { PersonState } from '../../src/workflows/definitions';
import { ServiceHarness } from '../support/service';
import { waitFor } from '../support/wait';

const CUSTOM_DOMAIN = 'https://login.example.test';
const quiet: Output = { json: true, print: () => undefined, info: () => undefined };

describe('an Okta org with a custom domain', () => {
  let harness: ServiceHarness;
  const email = 'custom.domain@example.com';

  beforeAll(async () => {
    harness = await ServiceHarness.start({
      okta: { customDomain: CUSTOM_DOMAIN },
      integrationEnv: { OKTA_CUSTOM_DOMAIN: CUSTOM_DOMAIN },
    });
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  async function oktaApi(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await request(`${harness.okta.url}${path}`, {
      method,
      headers: { authorization: `SSWS ${harness.okta.apiToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.body.json()) as Record<string, unknown>;
    if (response.statusCode >= 400)
      throw new Error(`Okta ${method} ${path}: ${response.statusCode} ${JSON.stringify(json)}`);
    return json;
  }

  it('defaults to CUSTOM_URL: the IdP builds the redirect URI on the custom domain, the application lists it, and the person signs in', async () => {
    expect(harness.spec.oktaIssuerMode).toBe('CUSTOM_URL');
    await harness.onboard([email]);
    await harness.bind(email);
    expect(((await harness.personHandle(email).result()) as PersonState).status).toBe('Onboarded');

    const okta = await harness.oktaState();
    expect(okta.idps.map((idp) => (idp.body as { issuerMode?: string }).issuerMode)).toEqual(['CUSTOM_URL']);
    const integration = await commands.integrationState(harness.session);
    const app = (await harness.biApi(
      'GET',
      `/realms/${integration.realm!.id}/applications/${integration.application!.id}`,
    )) as { protocol_config: { redirect_uris: string[] } };
    expect(app.protocol_config.redirect_uris).toEqual([`${CUSTOM_DOMAIN}/oauth2/v1/authorize/callback`]);

    const signIn = await harness.signIn(email);
    expect(signIn.steps.find((step) => step.name === 'idp')?.detail).toContain(
      `issuer mode CUSTOM_URL: redirect URI ${CUSTOM_DOMAIN}/oauth2/v1/authorize/callback`,
    );
    expect(signIn.ok).toBe(true);
  });

  it('an IdP switched to ORG_URL behind our back fails the sign-in at the authorization request; retry puts the issuer mode back', async () => {
    const idpId = (await commands.integrationState(harness.session)).idp!.id;
    const idp = await oktaApi('GET', `/api/v1/idps/${idpId}`);
    const { id: _id, status: _status, created: _created, lastUpdated: _updated, _links: _ignored, ...body } = idp;
    await oktaApi('PUT', `/api/v1/idps/${idpId}`, { ...body, issuerMode: 'ORG_URL' });

    const broken = await harness.signIn(email);
    expect(broken.ok).toBe(false);
    const authorize = broken.steps.find((step) => step.name === 'authorize');
    expect(authorize?.ok).toBe(false);
    expect(authorize?.detail).toMatch(/redirect_uri is missing or is not one of the redirect URIs registered/);

    expect(await commands.retry(harness.session, quiet, undefined)).toBe(0);
    await waitFor(
      async () => (await oktaApi('GET', `/api/v1/idps/${idpId}`)).issuerMode,
      (mode) => mode === 'CUSTOM_URL',
      60_000,
    );
    expect((await harness.signIn(email)).ok).toBe(true);
  });
});
