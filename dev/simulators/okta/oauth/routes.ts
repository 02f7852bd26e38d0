/** The OAuth service-app routes of the Management API (JSON bodies, Okta error shapes): apps, their keys, grants, client roles. */
import type { FastifyInstance } from 'fastify';
import type { OktaContext } from '../context';
import { registerAppKeyRoutes } from './app-keys';
import { registerAppRoutes } from './apps';
import { registerClientRoleRoutes } from './client-roles';
import { registerGrantRoutes } from './grants';

export function registerOAuthAppRoutes(app: FastifyInstance, context: OktaContext): void {
  registerAppRoutes(app, context);
  registerAppKeyRoutes(app, context);
  registerGrantRoutes(app, context);
  registerClientRoleRoutes(app, context);
}
