/** The auth listener: per-application OIDC endpoints and the binding-link pages. */
import type { FastifyInstance } from 'fastify';
import type { SimContext } from '../context';
import { renderBiErrors } from '../flavour';
import { AuthorizationCodes } from './authorization-codes';
import { registerAuthorizeRoutes } from './authorize';
import { registerBindingPages } from './binding-pages';
import { registerMetadataRoutes } from './metadata';
import { registerTokenRoute } from './token';

export async function registerAuthHost(app: FastifyInstance, context: SimContext): Promise<void> {
  const codes = new AuthorizationCodes();
  await app.register(async (scope) => {
    renderBiErrors(scope);
    registerMetadataRoutes(scope, context);
    registerAuthorizeRoutes(scope, context, codes);
    registerTokenRoute(scope, context, codes);
    registerBindingPages(scope, context);
  });
}
