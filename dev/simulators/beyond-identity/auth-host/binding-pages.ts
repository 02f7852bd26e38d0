/**
 * The page behind a binding link: GET shows a "Bind passkey" button (and marks the job
 * LINK_OPENED); the button is a plain HTML form POST, so a browser without JavaScript or a test
 * with plain HTTP completes the binding the same way.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindingLinkPath, completeBinding, openBindingLink, type LinkOutcome } from '../binding';
import type { Params, Query, SimContext } from '../context';
import { escapeHtml, htmlPage } from '../html';
import { splitAction } from '../management/common';
import { isObject } from '../validation';

const LINK_ROUTE = '/v1/tenants/:tenantId/realms/:realmId/identities/:identityId/credential-binding-jobs/:jobRef';

function send(reply: FastifyReply, status: number, title: string, bodyHtml: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(htmlPage(title, bodyHtml));
}

function refusalPage(reply: FastifyReply, outcome: LinkOutcome): FastifyReply | undefined {
  switch (outcome.kind) {
    case 'unknown':
      return send(
        reply,
        404,
        'Link not valid',
        '<p>This passkey link is not valid. Ask your administrator for a new one.</p>',
      );
    case 'expired':
      return send(
        reply,
        410,
        'Link expired',
        '<p>This passkey link has expired and can no longer be used. Ask your administrator for a new one.</p>',
      );
    case 'revoked':
      return send(
        reply,
        410,
        'Link revoked',
        '<p>This passkey link was revoked. Ask your administrator for a new one.</p>',
      );
    case 'suspended':
      return send(
        reply,
        403,
        'Account suspended',
        '<p>Your account is suspended, so no passkey can be bound to it. Ask your administrator.</p>',
      );
    case 'unavailable':
      return send(reply, 409, 'Link not usable', '<p>This passkey link can no longer be used.</p>');
    default:
      return undefined;
  }
}

export function registerBindingPages(app: FastifyInstance, context: SimContext): void {
  /** The job id and token a request names, when the path is a job's `:invokeAuthenticator` link. */
  function linkOf(request: FastifyRequest): { jobId: string; token: string } | undefined {
    const params = request.params as Params;
    const { id, action } = splitAction(params.jobRef ?? '');
    const job = context.store.jobs.get(id);
    const query = request.query as Query;
    const form = isObject(request.body) ? request.body : {};
    const token = typeof form.token === 'string' ? form.token : query.token;
    const sameJob =
      job &&
      job.tenant_id === params.tenantId &&
      job.realm_id === params.realmId &&
      job.identity_id === params.identityId;
    return action === 'invokeAuthenticator' && sameJob && typeof token === 'string' ? { jobId: id, token } : undefined;
  }

  app.get(LINK_ROUTE, async (request, reply) => {
    const link = linkOf(request);
    const outcome: LinkOutcome = link ? openBindingLink(context, link.jobId, link.token) : { kind: 'unknown' };
    const refused = refusalPage(reply, outcome);
    if (refused) return refused;
    if (outcome.kind === 'bound')
      return send(reply, 200, 'Passkey already bound', '<p>A passkey is already bound with this link.</p>');
    if (outcome.kind !== 'ready' || !link) return refusalPage(reply, { kind: 'unknown' });
    const { identity, job } = outcome;
    const action = `${bindingLinkPath(job)}?token=${encodeURIComponent(link.token)}`;
    return send(
      reply,
      200,
      'Bind a passkey',
      `<p>Bind a passkey to <strong>${escapeHtml(identity.display_name)}</strong> (${escapeHtml(identity.traits.username)}).</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(link.token)}">
<button type="submit">Bind passkey</button>
</form>
<p class="note">This link expires at ${escapeHtml(job.expire_time)}.</p>`,
    );
  });

  app.post(LINK_ROUTE, async (request, reply) => {
    const link = linkOf(request);
    const outcome: LinkOutcome = link ? completeBinding(context, link.jobId, link.token) : { kind: 'unknown' };
    const refused = refusalPage(reply, outcome);
    if (refused) return refused;
    if (outcome.kind !== 'bound') return refusalPage(reply, { kind: 'unknown' });
    const redirect = outcome.job.post_binding_redirect_uri;
    if (redirect !== undefined) return reply.code(303).header('location', redirect).send();
    return send(
      reply,
      200,
      'Passkey bound',
      `<p>Your passkey is bound to ${escapeHtml(outcome.identity.traits.username)}. You can close this window.</p>`,
    );
  });
}
