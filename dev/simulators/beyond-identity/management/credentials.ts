/** Credentials (passkeys) per identity (`-` for the whole realm): list, get, `:revoke`. */
import type { FastifyInstance } from 'fastify';
import type { Params, Query, SimContext } from '../context';
import { apiErrors } from '../flavour';
import { pageOf, readPageRequest, SMALL_PAGES } from '../paging';
import { requireScope } from './auth';
import { IDENTITY_PATH, listBody, splitAction } from './common';

const CREDENTIALS_PATH = `${IDENTITY_PATH}/credentials`;

export function registerCredentialRoutes(app: FastifyInstance, context: SimContext): void {
  const { store } = context;

  app.get(CREDENTIALS_PATH, { preHandler: requireScope(context, 'credentials:read') }, async (request) => {
    const params = request.params as Params;
    const credentials = store.ofIdentityOrWildcard(store.credentials, params.realmId!, params.identityId!);
    const paging = readPageRequest(
      request.query as Query,
      SMALL_PAGES,
      `credentials:${params.realmId}:${params.identityId}`,
    );
    return listBody('credentials', pageOf(credentials, paging));
  });

  app.get(
    `${CREDENTIALS_PATH}/:credentialRef`,
    { preHandler: requireScope(context, 'credentials:read') },
    async (request) => {
      const params = request.params as Params;
      return store.getCredential(params.realmId!, params.identityId!, params.credentialRef!);
    },
  );

  app.post(
    `${CREDENTIALS_PATH}/:credentialRef`,
    { preHandler: requireScope(context, 'credentials:revoke') },
    async (request) => {
      const params = request.params as Params;
      const { id, action } = splitAction(params.credentialRef!);
      if (action !== 'revoke') throw apiErrors.notFound('Credential', params.credentialRef!, 'credential');
      const credential = store.getCredential(params.realmId!, params.identityId!, id);
      if (credential.state !== 'REVOKED') {
        credential.state = 'REVOKED';
        credential.update_time = store.now();
        store.changed();
      }
      return credential;
    },
  );
}
