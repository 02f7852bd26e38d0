/**
 * `bi-okta okta-service-app`: with an Okta Super Administrator's API token, once, gives the worker
 * an OAuth 2.0 service app (client credentials, private_key_jwt, DPoP), so the worker itself never
 * holds an all-powerful SSWS token. Checks the input, runs the idempotent setup, turns Okta's
 * refusals into what to do about them, and prints the worker's settings (or JSON with --json).
 */
import { resolve } from 'node:path';
import { RejectedUpstreamError, TransientUpstreamError, UpstreamError } from '../clients/http/errors';
import { OktaServiceApps } from '../clients/okta/service-apps';
import { KeyFileError, type KeyType } from './service-app-key';
import { ensureServiceApp, type ServiceAppResult } from './service-app-setup';
import { progressLine, resultText } from './service-app-text';
import { CliError, EXIT, type Output } from './session';

export const DEFAULT_APP_NAME = 'bi-okta-federation';
export const DEFAULT_KEY_FILE = './okta-service-app.pem';
/** Standard roles a client can be given (docs/contracts/okta.md §9.3). */
export const CLIENT_ROLES = [
  'ORG_ADMIN',
  'SUPER_ADMIN',
  'APP_ADMIN',
  'USER_ADMIN',
  'HELP_DESK_ADMIN',
  'GROUP_MEMBERSHIP_ADMIN',
  'READ_ONLY_ADMIN',
  'REPORT_ADMIN',
  'API_ACCESS_MANAGEMENT_ADMIN',
] as const;
/**
 * The smallest standard role that manages users, the profile schema (Profile Editor), identity
 * providers and IdP routing rules; an org admin cannot manage apps or other admins.
 */
export const DEFAULT_CLIENT_ROLE = 'ORG_ADMIN';

export interface ServiceAppOptions {
  orgUrl?: string;
  name: string;
  keyFile: string;
  keyType: KeyType;
  dpop: boolean;
  scopes: string;
  role: string;
}

export async function oktaServiceApp(
  out: Output,
  options: ServiceAppOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const orgUrl = checkOrgUrl(options.orgUrl ?? env.OKTA_ORG_URL);
  const apiToken = env.OKTA_API_TOKEN?.trim();
  if (!apiToken) {
    throw new CliError(
      "OKTA_API_TOKEN: required: an API token of a Super Administrator of the org (Admin Console: Security → API → Tokens), used for this command only; the worker won't need it.",
      EXIT.usage,
    );
  }
  const scopes = parseScopes(options.scopes);
  const api = new OktaServiceApps({ orgUrl, apiToken });
  let result: ServiceAppResult;
  try {
    result = await ensureServiceApp(
      api,
      {
        name: options.name,
        keyFile: resolve(options.keyFile),
        keyType: options.keyType,
        dpop: options.dpop,
        scopes,
        role: options.role,
      },
      (event) => out.info(progressLine(event)),
    );
  } catch (error) {
    throw asCliError(error, orgUrl);
  } finally {
    await api.close();
  }
  out.print(result, () => resultText(result));
  return EXIT.ok;
}

/** An https org URL (http only on loopback, for the simulator), without a path. */
function checkOrgUrl(value: string | undefined): string {
  if (!value)
    throw new CliError(
      'The Okta org URL is required: set OKTA_ORG_URL or pass --org-url https://{yourOktaDomain}.',
      EXIT.usage,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`"${value}" is not a URL; the Okta org URL looks like https://example.okta.com.`, EXIT.usage);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new CliError(`The Okta org URL must be https: ${value}.`, EXIT.usage);
  if (url.pathname.replace(/\/+$/, '') !== '' || url.search)
    throw new CliError(`The Okta org URL has no path: ${url.origin}, not ${value}.`, EXIT.usage);
  if (/-admin\./i.test(url.hostname)) {
    throw new CliError(
      `${url.origin} is the Admin Console's address; the API is at the org URL, without "-admin" (${url.origin.replace(/-admin\./i, '.')}).`,
      EXIT.usage,
    );
  }
  return url.origin;
}

/** Space- or comma-separated Okta API scopes, each once. */
function parseScopes(value: string): string[] {
  const scopes = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  const bad = scopes.filter((scope) => !/^okta\.[A-Za-z]+(\.[A-Za-z]+)*$/.test(scope));
  if (scopes.length === 0 || bad.length > 0) {
    throw new CliError(
      `--scopes takes Okta API scopes such as okta.users.manage${bad.length > 0 ? `; not: ${bad.join(', ')}` : ''}.`,
      EXIT.usage,
    );
  }
  return scopes;
}

/** Okta's refusals and an unreachable org, in words that say what to do; anything else as it is. */
function asCliError(error: unknown, orgUrl: string): unknown {
  if (error instanceof KeyFileError) return new CliError(error.message, EXIT.usage);
  if (!(error instanceof UpstreamError)) return error;
  const answer = `HTTP ${error.status}${error.upstreamCode ? ` ${error.upstreamCode}` : ''}${error.requestId ? `, request id ${error.requestId}` : ''}`;
  if (error instanceof RejectedUpstreamError && error.kind === 'authentication') {
    return new CliError(
      `Okta at ${orgUrl} refused the API token (${answer}). OKTA_API_TOKEN must be an active API token of this org, ` +
        "made by a Super Administrator (Admin Console: Security → API → Tokens); check it was not revoked and belongs to this org's URL.",
      EXIT.failed,
    );
  }
  if (error instanceof RejectedUpstreamError && error.kind === 'permission') {
    return new CliError(
      `Okta refused to ${error.operation} (${answer}): only a Super Administrator may create the service app, grant it Okta API scopes ` +
        "and assign it an admin role. Run this again with a Super Administrator's API token in OKTA_API_TOKEN; what is done already is kept and reused.",
      EXIT.failed,
    );
  }
  if (error instanceof TransientUpstreamError && (error.kind === 'network' || error.kind === 'timeout')) {
    return new CliError(
      `${error.message}: is ${orgUrl} the org URL (OKTA_ORG_URL or --org-url), and is it reachable from here?`,
      EXIT.unreachable,
    );
  }
  return new CliError(error.message, EXIT.failed);
}
