/**
 * Credential binding jobs: create (EMAIL → outbox, RETURN → link in the response), list per
 * identity (`-` for the whole realm), get, and `:revoke` (409 once the job has finished). A suspended
 * identity gets no new job (422).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createBindingJob } from '../binding';
import type { Params, Query, SimContext } from '../context';
import { apiErrors } from '../flavour';
import { LIVE_JOB_STATES } from '../model';
import { pageOf, readPageRequest, SMALL_PAGES } from '../paging';
import { absoluteUrl, readWrapped } from '../validation';
import { requireScope } from './auth';
import { embeddedConfig, platformConfig } from './authenticator-configs';
import { IDENTITY_PATH, listBody, splitAction } from './common';

const createJob = z
  .object({
    delivery_method: z.enum(['RETURN', 'EMAIL']),
    authenticator_config_id: z.string().min(1).optional(),
    // Inline configs may only be embedded or platform; hosted_web must be referenced by id (spec).
    authenticator_config: z
      .object({ config: z.discriminatedUnion('type', [embeddedConfig, platformConfig]) })
      .optional(),
    post_binding_redirect_uri: absoluteUrl().optional(),
  })
  .superRefine((job, issues) => {
    if (job.authenticator_config_id === undefined && job.authenticator_config === undefined) {
      issues.addIssue({ code: 'custom', path: ['authenticator_config_id'], message: 'missing' });
    }
  });

const JOBS_PATH = `${IDENTITY_PATH}/credential-binding-jobs`;

export function registerBindingJobRoutes(app: FastifyInstance, context: SimContext): void {
  const { store } = context;

  app.post(JOBS_PATH, { preHandler: requireScope(context, 'credential-binding-jobs:create') }, async (request) => {
    const input = readWrapped(request.body, 'job', createJob);
    const params = request.params as Params;
    const identity = store.getIdentity(params.realmId!, params.identityId!);
    // BI's code for this is unknown (docs/contracts/beyond-identity.md §8); 422 is the spec's own answer for an
    // identity whose state refuses a job (missing email), so a caller treats both as "fix the identity first".
    if (identity.status === 'suspended')
      throw apiErrors.unprocessable('Identity is suspended', 'Identity', identity.id);
    if (input.authenticator_config_id !== undefined)
      store.getAuthenticatorConfig(identity.realm_id, input.authenticator_config_id);
    // The email goes to the primary address; a RETURN job needs none (the caller delivers the link).
    if (input.delivery_method === 'EMAIL' && !identity.traits.primary_email_address) {
      throw apiErrors.unprocessable('Identity missing email address', 'Identity', identity.id);
    }
    const { job, link } = createBindingJob(context, identity, input);
    const body: Record<string, unknown> = { credential_binding_job: store.presentJob(job) };
    if (job.delivery_method === 'RETURN') body.credential_binding_link = link;
    return body;
  });

  app.get(JOBS_PATH, { preHandler: requireScope(context, 'credential-binding-jobs:read') }, async (request) => {
    const params = request.params as Params;
    const jobs = store.ofIdentityOrWildcard(store.jobs, params.realmId!, params.identityId!);
    const paging = readPageRequest(request.query as Query, SMALL_PAGES, `jobs:${params.realmId}:${params.identityId}`);
    const page = pageOf(jobs, paging);
    return listBody('credential_binding_jobs', { ...page, items: page.items.map((job) => store.presentJob(job)) });
  });

  // The spec's `filter` on this single-object GET (§6) is ignored.
  app.get(
    `${JOBS_PATH}/:jobRef`,
    { preHandler: requireScope(context, 'credential-binding-jobs:read') },
    async (request) => {
      const params = request.params as Params;
      return store.presentJob(store.getJob(params.realmId!, params.identityId!, params.jobRef!));
    },
  );

  app.post(
    `${JOBS_PATH}/:jobRef`,
    { preHandler: requireScope(context, 'credential-binding-jobs:revoke') },
    async (request) => {
      const params = request.params as Params;
      const { id, action } = splitAction(params.jobRef!);
      if (action !== 'revoke')
        throw apiErrors.notFound('CredentialBindingJob', params.jobRef!, 'credential binding job');
      const job = store.getJob(params.realmId!, params.identityId!, id);
      if (!LIVE_JOB_STATES.includes(job.state)) {
        throw apiErrors.conflict('credential binding job is no longer active', [
          {
            type: 'ResourceInfo',
            resource_type: 'CredentialBindingJob',
            id: job.id,
            description: `credential binding job is ${job.state}`,
          },
        ]);
      }
      job.state = 'REVOKED';
      job.update_time = store.now();
      store.changed();
      return store.presentJob(job);
    },
  );
}
