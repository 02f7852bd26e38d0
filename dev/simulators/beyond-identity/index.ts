/**
 * The Beyond Identity simulator: the Management API on one listener and the auth host (OIDC,
 * client credentials, binding-link pages) on another, like the real service's api/auth hosts.
 * Settings come only from the caller (the stack maps BI_API_TOKEN, BI_TENANT_ID to options).
 */
import type { FastifyInstance } from 'fastify';
import { FaultInjector, type FaultConfigInput } from '../shared/faults';
import { writeBeforeEachAnswer } from '../shared/persistence';
import { createSimulatorApp, listen } from '../shared/server';
import { registerAuthHost } from './auth-host/routes';
import type { SimContext } from './context';
import { beyondIdentityFlavour } from './flavour';
import { registerManagementApi } from './management/routes';
import { registerSimRoutes } from './sim-routes';
import { Store } from './store';

const DEVELOPMENT_TENANT_ID = '0001f1f460b1ace6';
const DEVELOPMENT_API_TOKEN = 'bi-simulator-development-token';
const DEVELOPMENT_MANAGEMENT_CLIENT = {
  clientId: 'BiSimManagementApiClient',
  clientSecret: 'BiSimDevelopmentManagementClientSecretNotASecret',
};

export interface BeyondIdentitySimulatorOptions {
  host?: string;
  /** Default 8023; 0 = any free port. */
  managementPort?: number;
  /** Default 8021; 0 = any free port. */
  authPort?: number;
  tenantId?: string;
  /** Static bearer tokens the management API accepts (all scopes). */
  apiTokens?: string[];
  /** Credentials of the admin realm's "Beyond Identity Management API" app (client_credentials grant). */
  managementClient?: { clientId: string; clientSecret: string };
  /** Lifetime of client-credentials access tokens for the Management API app (default 3600). */
  accessTokenTtlSeconds?: number;
  /** Binding job expiry (default 86400); fractions allowed, for tests. */
  bindingLinkTtlSeconds?: number;
  /** Lifetime of authorization codes (default 60). */
  authorizationCodeTtlSeconds?: number;
  /** Request body limit of both listeners (default 1 MiB); larger bodies get 413. */
  bodyLimitBytes?: number;
  faults?: FaultConfigInput;
  /** JSON persistence; absent = memory only. */
  stateFile?: string;
  /** With `stateFile`: each answer goes out only once what it changed is written, so it survives a SIGKILL (default false: writes coalesced for 50 ms). */
  durableState?: boolean;
}

export interface RunningBeyondIdentitySimulator {
  managementUrl: string;
  authUrl: string;
  tenantId: string;
  apiToken: string;
  managementClient: { clientId: string; clientSecret: string; realmId: string; applicationId: string };
  usingDevelopmentDefaults: { tenantId: boolean; apiToken: boolean };
  /** One injector for both listeners; `/_sim/faults` on either configures it. */
  faults: FaultInjector;
  bannerLines(): string[];
  stop(): Promise<void>;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`Beyond Identity simulator: ${name} must be a positive number of seconds`);
  return value;
}

export async function startBeyondIdentitySimulator(
  options: BeyondIdentitySimulatorOptions = {},
): Promise<RunningBeyondIdentitySimulator> {
  const host = options.host ?? '127.0.0.1';
  const tenantId = options.tenantId ?? DEVELOPMENT_TENANT_ID;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tenantId))
    throw new Error('Beyond Identity simulator: the tenant id must be 1-64 letters, digits, - or _');
  const apiTokens =
    options.apiTokens && options.apiTokens.length > 0 ? [...options.apiTokens] : [DEVELOPMENT_API_TOKEN];
  if (apiTokens.some((token) => token.trim() === '' || /\s/.test(token)))
    throw new Error('Beyond Identity simulator: API tokens must be non-empty and contain no spaces');
  const managementClient = options.managementClient ?? DEVELOPMENT_MANAGEMENT_CLIENT;
  const accessTokenTtlSeconds = Math.ceil(positive('accessTokenTtlSeconds', options.accessTokenTtlSeconds, 3600));
  const settings = {
    tenantId,
    apiTokens,
    accessTokenTtlSeconds,
    bindingLinkTtlSeconds: positive('bindingLinkTtlSeconds', options.bindingLinkTtlSeconds, 86_400),
    authorizationCodeTtlSeconds: positive('authorizationCodeTtlSeconds', options.authorizationCodeTtlSeconds, 60),
  };

  const faults = new FaultInjector(options.faults);
  const store = await Store.open({ tenantId, managementClient, accessTokenTtlSeconds, stateFile: options.stateFile });
  const context: SimContext = { store, settings, urls: { management: '', auth: '' } };
  const appOptions = { flavour: beyondIdentityFlavour, faults, bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024 };
  const managementApp = createSimulatorApp(appOptions);
  const authApp = createSimulatorApp(appOptions);
  if (options.durableState) for (const app of [managementApp, authApp]) writeBeforeEachAnswer(app, () => store.flush());
  await registerManagementApi(managementApp, context);
  registerSimRoutes(managementApp, context);
  await registerAuthHost(authApp, context);

  const closeAll = async (apps: FastifyInstance[]) => {
    await Promise.all(apps.map((app) => app.close()));
    store.flush();
  };
  try {
    context.urls.auth = await listen(authApp, host, options.authPort ?? 8021);
    context.urls.management = await listen(managementApp, host, options.managementPort ?? 8023);
  } catch (error) {
    await closeAll([authApp, managementApp]);
    throw error;
  }

  const usingDevelopmentDefaults = {
    tenantId: options.tenantId === undefined,
    apiToken: apiTokens[0] === DEVELOPMENT_API_TOKEN,
  };
  let stopping: Promise<void> | undefined;
  return {
    managementUrl: context.urls.management,
    authUrl: context.urls.auth,
    tenantId,
    apiToken: apiTokens[0]!,
    managementClient: { ...managementClient, realmId: store.adminRealmId, applicationId: store.managementAppId },
    usingDevelopmentDefaults,
    faults,
    bannerLines: () => {
      const dev = (isDefault: boolean, variable: string) =>
        isDefault ? ` (development default; set ${variable} to change)` : '';
      const lines = [
        `Beyond Identity simulator`,
        `  management API   ${context.urls.management}/v1/tenants/${tenantId}`,
        `  auth host (OIDC) ${context.urls.auth}`,
        `  tenant id        ${tenantId}${dev(usingDevelopmentDefaults.tenantId, 'BI_TENANT_ID')}`,
      ];
      if (usingDevelopmentDefaults.apiToken)
        lines.push(`  API token        ${apiTokens[0]}${dev(true, 'BI_API_TOKEN')}`);
      const clientIsDefault = options.managementClient === undefined;
      lines.push(
        `  management app   realm ${store.adminRealmId}, application ${store.managementAppId}, client id ${managementClient.clientId}` +
          (clientIsDefault ? `, client secret ${managementClient.clientSecret} (development default)` : ''),
        `  test endpoints   ${context.urls.management}/_sim/outbox (binding emails), /_sim/state; /_sim/faults on both listeners`,
      );
      return lines;
    },
    stop: () => (stopping ??= closeAll([managementApp, authApp])),
  };
}
