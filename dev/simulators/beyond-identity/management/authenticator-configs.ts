/**
 * Authenticator configs: create, list, get, delete. `hosted_web` is accepted without its
 * "required" arrays, as the older docs show the live server doing (docs/contracts/beyond-identity.md §3.3); the arrays
 * are filled with defaults so the stored object matches the published schema.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Params, Query, SimContext } from '../context';
import { apiErrors } from '../flavour';
import { newUuid } from '../ids';
import type { AuthenticatorConfig } from '../model';
import { LARGE_PAGES, pageOf, readPageRequest } from '../paging';
import { absoluteUrl, readWrapped } from '../validation';
import { requireScope } from './auth';
import { emptyOk, listBody, REALM_PATH } from './common';

const method = z.object({ type: z.enum(['webauthn_passkey', 'software_passkey', 'email_one_time_password']) });
const origins = z.array(z.string());
/** Open question §6 (the console's default methods): all three. */
const DEFAULT_METHODS = [
  { type: 'webauthn_passkey' },
  { type: 'software_passkey' },
  { type: 'email_one_time_password' },
] as const;

const hostedWeb = z.object({
  type: z.literal('hosted_web'),
  authentication_methods: z.array(method).default(() => DEFAULT_METHODS.map((entry) => ({ ...entry }))),
  trusted_origins: origins.default(() => []),
});
export const embeddedConfig = z.object({
  type: z.literal('embedded'),
  invoke_url: absoluteUrl(),
  invocation_type: z.enum(['automatic', 'manual']).default('automatic'),
  trusted_origins: origins.default(() => []),
  authentication_methods: z.array(method).optional(),
});
export const platformConfig = z.object({ type: z.literal('platform'), trusted_origins: origins.nullable().optional() });

// `console` configs (admin onboarding) are not simulated and answer "invalid value".
const createConfig = z.object({
  display_name: z.string().max(256).optional(),
  config: z.discriminatedUnion('type', [hostedWeb, embeddedConfig, platformConfig]),
});

const CONFIG_PATH = `${REALM_PATH}/authenticator-configs/:configId`;

export function registerAuthenticatorConfigRoutes(app: FastifyInstance, context: SimContext): void {
  const { store } = context;

  app.post(
    `${REALM_PATH}/authenticator-configs`,
    { preHandler: requireScope(context, 'authenticator-configs:create') },
    async (request) => {
      const input = readWrapped(request.body, 'authenticator_config', createConfig);
      const realm = store.getRealm((request.params as Params).realmId!);
      const config: AuthenticatorConfig = {
        id: newUuid(),
        realm_id: realm.id,
        tenant_id: store.tenant.id,
        config: input.config,
      };
      if (input.display_name !== undefined) config.display_name = input.display_name;
      store.authenticatorConfigs.set(config.id, config);
      store.changed();
      return config;
    },
  );

  app.get(
    `${REALM_PATH}/authenticator-configs`,
    { preHandler: requireScope(context, 'authenticator-configs:read') },
    async (request) => {
      const query = request.query as Query;
      const realm = store.getRealm((request.params as Params).realmId!);
      // The filter's attributes are undocumented (§6); refuse any rather than guess a meaning.
      if (query.filter !== undefined && query.filter !== '')
        throw apiErrors.invalidParameters([{ field: 'filter', description: 'invalid filter' }]);
      const page = pageOf(
        store.inRealm(store.authenticatorConfigs, realm.id),
        readPageRequest(query, LARGE_PAGES, `authenticator-configs:${realm.id}`),
      );
      return listBody('authenticator_configs', page);
    },
  );

  app.get(CONFIG_PATH, { preHandler: requireScope(context, 'authenticator-configs:read') }, async (request) => {
    const params = request.params as Params;
    return store.getAuthenticatorConfig(params.realmId!, params.configId!);
  });

  app.delete(
    CONFIG_PATH,
    { preHandler: requireScope(context, 'authenticator-configs:delete') },
    async (request, reply) => {
      const params = request.params as Params;
      const config = store.getAuthenticatorConfig(params.realmId!, params.configId!);
      store.authenticatorConfigs.delete(config.id);
      store.changed();
      return emptyOk(reply);
    },
  );
}
