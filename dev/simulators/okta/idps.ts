/**
 * OIDC identity providers (docs/contracts/okta.md §2): create, get, list with a non-exact `q` and `type`,
 * replace, activate/deactivate (200 with the IdP), delete (204). The client secret is echoed
 * back, as the spec's examples show the real service doing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { queryOf, rawSegment, type OktaContext } from './context';
import { notFound, validationFailed } from './errors';
import { idpBodySchema, idpConsistencyProblems, type IdpBody } from './idp-schema';
import { newIdpId } from './ids';
import { pageRequest, setLinkHeaders, takePage } from './links';
import { nowIso, type IdpRecord } from './state';
import { parseBody, withoutNulls } from './validation';

export const CALLBACK_PATH = '/oauth2/v1/authorize/callback';

/**
 * The callback Okta sends the IdP as redirect_uri: on the org's Okta domain (ORG_URL), on its
 * custom domain (CUSTOM_URL), or on the domain the sign-in started on (DYNAMIC).
 */
export function idpRedirectUri(
  body: Pick<IdpBody, 'issuerMode'>,
  orgUrl: string,
  customDomain: string | undefined,
  startedOn: 'org' | 'custom' = 'org',
): string {
  const custom = customDomain?.replace(/\/+$/, '');
  if (custom && (body.issuerMode === 'CUSTOM_URL' || (body.issuerMode === 'DYNAMIC' && startedOn === 'custom')))
    return `${custom}${CALLBACK_PATH}`;
  return `${orgUrl}${CALLBACK_PATH}`;
}

function renderIdp(idp: IdpRecord, orgUrl: string, customDomain?: string): Record<string, unknown> {
  const lifecycle = idp.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    id: idp.id,
    ...withoutNulls(idp.body),
    status: idp.status,
    created: idp.created,
    lastUpdated: idp.lastUpdated,
    _links: {
      authorize: {
        href:
          `${orgUrl}/oauth2/v1/authorize?idp=${idp.id}&client_id={clientId}&response_type={responseType}&response_mode={responseMode}` +
          '&scope={scopes}&redirect_uri={redirectUri}&state={state}&nonce={nonce}',
        templated: true,
        hints: { allow: ['GET'] },
      },
      clientRedirectUri: {
        href: idpRedirectUri(idp.body as IdpBody, orgUrl, customDomain),
        hints: { allow: ['POST'] },
      },
      [lifecycle]: { href: `${orgUrl}/api/v1/idps/${idp.id}/lifecycle/${lifecycle}`, hints: { allow: ['POST'] } },
    },
  };
}

export function registerIdpRoutes(app: FastifyInstance, context: OktaContext): void {
  const { store } = context;
  const idps = () => store.state.idps;

  function idpFromPath(request: FastifyRequest): IdpRecord {
    const { decoded, raw } = rawSegment(request, 3);
    const idp = idps().find((candidate) => candidate.id === decoded);
    if (!idp) throw notFound(decoded ?? raw, 'IdentityProvider');
    return idp;
  }

  /** Validates a create/replace body; `self` is the IdP being replaced, which may keep its own name. */
  function validated(body: unknown, self?: IdpRecord): IdpBody {
    const idp = parseBody(idpBodySchema, body);
    const problems = idpConsistencyProblems(idp);
    // The spec calls the name unique; whether the real service enforces it is unverified (docs/contracts/okta.md §2.1).
    const folded = idp.name.toLowerCase();
    if (idps().some((other) => other !== self && String(other.body.name).toLowerCase() === folded)) {
      problems.push({
        field: 'name',
        message: 'An identity provider with this name already exists in the current organization',
      });
    }
    // Unverified wording; Okta documents that CUSTOM_URL needs a custom domain set up for the org.
    if (idp.issuerMode === 'CUSTOM_URL' && !context.customDomain) {
      problems.push({
        field: 'issuerMode',
        message:
          'The org has no custom domain, so an issuerMode of CUSTOM_URL cannot be used (use ORG_URL or DYNAMIC).',
      });
    }
    if (problems.length > 0) throw validationFailed(problems);
    return idp;
  }

  app.get('/api/v1/idps', async (request, reply) => {
    const query = queryOf(request);
    const prefix = query.q?.toLowerCase();
    const matching = idps().filter(
      (idp) =>
        (prefix === undefined || String(idp.body.name).toLowerCase().startsWith(prefix)) &&
        (query.type === undefined || idp.body.type === query.type),
    );
    const page = takePage(matching, pageRequest(query, { defaultLimit: 20, maxLimit: 200 }));
    setLinkHeaders(reply, context.orgUrl(), request, page.nextCursor);
    return page.items.map((idp) => renderIdp(idp, context.orgUrl(), context.customDomain));
  });

  app.post('/api/v1/idps', async (request) => {
    const body = validated(request.body);
    const now = nowIso();
    // There is no status on create: new IdPs are ACTIVE (docs/contracts/okta.md §2.2).
    const idp: IdpRecord = {
      seq: store.nextSeq(),
      id: newIdpId(),
      status: 'ACTIVE',
      created: now,
      lastUpdated: now,
      body,
    };
    idps().push(idp);
    store.changed();
    return renderIdp(idp, context.orgUrl(), context.customDomain);
  });

  app.get('/api/v1/idps/:idpId', async (request) =>
    renderIdp(idpFromPath(request), context.orgUrl(), context.customDomain),
  );

  app.put('/api/v1/idps/:idpId', async (request) => {
    const idp = idpFromPath(request);
    const body = validated(request.body, idp);
    // A replace without client_secret keeps the stored one, so a client need not re-send the secret it never stored.
    const previousClient = (idp.body as IdpBody).protocol.credentials.client;
    if (body.protocol.credentials.client.client_secret === undefined && previousClient.client_secret !== undefined) {
      body.protocol.credentials.client.client_secret = previousClient.client_secret;
    }
    idp.body = body;
    idp.lastUpdated = nowIso();
    store.changed();
    return renderIdp(idp, context.orgUrl(), context.customDomain);
  });

  for (const [action, status] of [
    ['activate', 'ACTIVE'],
    ['deactivate', 'INACTIVE'],
  ] as const) {
    app.post(`/api/v1/idps/:idpId/lifecycle/${action}`, async (request) => {
      const idp = idpFromPath(request);
      if (idp.status !== status) {
        idp.status = status;
        idp.lastUpdated = nowIso();
        store.changed();
      }
      return renderIdp(idp, context.orgUrl(), context.customDomain);
    });
  }

  app.delete('/api/v1/idps/:idpId', async (request, reply) => {
    const idp = idpFromPath(request);
    store.state.idps = idps().filter((other) => other !== idp);
    store.changed();
    return reply.code(204).send();
  });
}
