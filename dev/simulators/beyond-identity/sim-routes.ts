/**
 * Test and demo affordances on the management listener, outside the API (never fault-injected):
 * `GET /_sim/state` (everything, secrets masked), `GET|DELETE /_sim/outbox` (the "sent" binding
 * emails, `?email=` to pick one person's), `GET /_sim/identities` (status at a glance, `?email=` or
 * `?username=` across realms, so a test that knows only a person's email can see them suspended),
 * `POST /_sim/binding-jobs/{id}/expire`.
 */
import type { FastifyInstance } from 'fastify';
import { expireJobNow } from './binding';
import type { Params, Query, SimContext } from './context';
import type { OutboxMessage } from './model';

const MASK = '<masked>';

function maskLink(link: string): string {
  return link.replace(/([?&]token=)[^&]*/, `$1${MASK}`);
}

export function registerSimRoutes(app: FastifyInstance, context: SimContext): void {
  const { store, settings } = context;

  app.get('/_sim/state', async () => ({
    urls: context.urls,
    settings: { ...settings, apiTokens: settings.apiTokens.map(() => MASK) },
    admin: {
      realm_id: store.adminRealmId,
      management_application_id: store.managementAppId,
      management_resource_server_id: store.managementResourceServerId,
    },
    tenant: store.tenant,
    realms: [...store.realms.values()],
    identities: [...store.identities.values()].map((identity) => store.presentIdentity(identity)),
    authenticator_configs: [...store.authenticatorConfigs.values()],
    applications: [...store.applications.values()].map((application) => {
      const shown = store.presentApplication(application);
      const secret = shown.protocol_config.client_secret === undefined ? {} : { client_secret: MASK };
      return { ...shown, protocol_config: { ...shown.protocol_config, ...secret } };
    }),
    credential_binding_jobs: [...store.jobs.values()].map((job) => store.presentJob(job)),
    credentials: [...store.credentials.values()],
    outbox: store.outbox.map((message) => ({ ...message, link: maskLink(message.link), text: maskLink(message.text) })),
    signing_key: { kid: store.signingKey.kid, private_key: MASK },
  }));

  app.get('/_sim/outbox', async (request) => {
    const email = (request.query as Query).email;
    const wanted = typeof email === 'string' && email !== '' ? email.toLowerCase() : undefined;
    const messages: OutboxMessage[] = store.outbox.filter(
      (message) => wanted === undefined || message.to.toLowerCase() === wanted,
    );
    return { messages };
  });

  app.delete('/_sim/outbox', async () => {
    const removed = store.outbox.splice(0).length;
    store.changed();
    return { removed };
  });

  app.get('/_sim/identities', async (request) => {
    const query = request.query as Query;
    const wanted = (value: unknown) => (typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined);
    const email = wanted(query.email);
    const username = wanted(query.username);
    const identities = [...store.identities.values()]
      .filter((identity) => email === undefined || identity.traits.primary_email_address?.toLowerCase() === email)
      .filter((identity) => username === undefined || identity.traits.username.toLowerCase() === username)
      .map((identity) => ({
        id: identity.id,
        realm_id: identity.realm_id,
        username: identity.traits.username,
        email: identity.traits.primary_email_address ?? null,
        status: identity.status,
        enrollment_status: store.enrollmentStatus(identity),
      }));
    return { identities };
  });

  app.post('/_sim/binding-jobs/:jobId/expire', async (request, reply) => {
    const job = store.jobs.get((request.params as Params).jobId!);
    if (!job) return reply.code(404).send({ error: 'no such credential binding job' });
    expireJobNow(context, store.refreshJob(job));
    return store.presentJob(job);
  });
}
