/**
 * `--okta-auth`: how the run's workers and the baseline's script authenticate to Okta. `oauth`
 * (the default, as `npm start` does it): a service app made with `bi-okta okta-service-app`, run
 * as a process the way an operator runs it, with the simulator's SSWS token, its key file in the
 * run's own directory; the workers then hold the app's settings and no API token. `ssws`: the API
 * token itself.
 */
import { makeServiceApp } from '../dev/stack/okta-service-app';
import { oktaCredentialsFromEnv } from '../src/clients/okta/credentials-env';
import type { OktaCredentials } from '../src/clients/okta/credentials';
import type { OktaAuth } from './options';

export interface OktaCredentialSettings {
  /** The Okta variables of a worker's environment (exactly one credential). */
  env: Record<string, string>;
  /** What the run prints about it (no secret). */
  line: string;
}

export async function oktaCredentialSettings(
  kind: OktaAuth,
  sim: { url: string; apiToken: string },
  keyDir: string,
  say: (line: string) => void,
): Promise<OktaCredentialSettings> {
  if (kind === 'ssws') return { env: { OKTA_API_TOKEN: sim.apiToken }, line: 'API token (SSWS)' };
  const made = await makeServiceApp(sim, keyDir, { PATH: process.env.PATH, HOME: process.env.HOME }, say);
  return {
    env: made.env,
    line: made.line.replace(/^Okta credential\s+/, '').replace('; OKTA_AUTH=ssws for one)', ')'),
  };
}

/** The same settings as the client configuration a script in this process uses. */
export function credentialsOf(settings: OktaCredentialSettings): OktaCredentials {
  const { credentials, problems } = oktaCredentialsFromEnv(settings.env);
  if (!credentials)
    throw new Error(
      `the Okta credential settings do not parse: ${problems.map((problem) => `${problem.variable}: ${problem.message}`).join('; ')}`,
    );
  return credentials;
}
