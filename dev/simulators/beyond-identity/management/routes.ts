/** The management listener's API routes, in one encapsulated scope whose error handler renders BiErrors. */
import type { FastifyInstance } from 'fastify';
import type { SimContext } from '../context';
import { renderBiErrors } from '../flavour';
import { registerApplicationRoutes } from './applications';
import { registerAuthenticatorConfigRoutes } from './authenticator-configs';
import { registerBindingJobRoutes } from './binding-jobs';
import { registerCredentialRoutes } from './credentials';
import { registerIdentityRoutes } from './identities';
import { registerTenantAndRealmRoutes } from './tenants-and-realms';

export async function registerManagementApi(app: FastifyInstance, context: SimContext): Promise<void> {
  await app.register(async (scope) => {
    renderBiErrors(scope);
    registerTenantAndRealmRoutes(scope, context);
    registerIdentityRoutes(scope, context);
    registerAuthenticatorConfigRoutes(scope, context);
    registerApplicationRoutes(scope, context);
    registerBindingJobRoutes(scope, context);
    registerCredentialRoutes(scope, context);
  });
}
