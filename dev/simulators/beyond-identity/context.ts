/** What every route of both listeners shares: the state, the settings, and the listeners' URLs. */
import type { Application } from './model';
import type { Store } from './store';

interface SimulatorSettings {
  tenantId: string;
  apiTokens: readonly string[];
  accessTokenTtlSeconds: number;
  bindingLinkTtlSeconds: number;
  authorizationCodeTtlSeconds: number;
}

export interface SimContext {
  store: Store;
  settings: SimulatorSettings;
  /** Filled in once both listeners have their ports (0 means "any free port"). */
  urls: { management: string; auth: string };
}

/** The application's URL on the auth host: its OIDC issuer and the base of its endpoints (docs/contracts/beyond-identity.md §1.2). */
export function applicationUrl(
  context: SimContext,
  application: Pick<Application, 'tenant_id' | 'realm_id' | 'id'>,
): string {
  return `${context.urls.auth}/v1/tenants/${application.tenant_id}/realms/${application.realm_id}/applications/${application.id}`;
}

export type Params = Record<string, string>;
export type Query = Record<string, unknown>;
