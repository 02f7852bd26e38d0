/**
 * User lifecycle operations (docs/contracts/okta.md §12; spec `UserLifecycle`): each allowed only from
 * the statuses the spec names, each writing its System Log event. Wrong state: suspend and
 * unsuspend answer 400 E0000001 (the spec lists only a 400 for them, and Okta's error catalog
 * names "suspending a user who is not active" as E0000001); activate of an ACTIVE user 403
 * E0000016; anything else the catalog's 403 E0000038 (the spec lists only a 403 for them).
 * `POST /_sim/users/{id}/lifecycle/{op}` does the same as the console would (or the directory,
 * for a sourced user): no auth, the administrator as actor.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { queryBoolean, queryOf, type OktaContext } from './context';
import { OktaApiError, validationFailed } from './errors';
import { randomToken } from './ids';
import { refuseSourcedLifecycle } from './sourced-users';
import { nowIso, type UserRecord } from './state';
import { userTarget, writeLogEvent, type LogEventType } from './system-log';

const LIFECYCLE_OPERATIONS = ['activate', 'deactivate', 'suspend', 'unsuspend', 'reactivate'] as const;
type LifecycleOperation = (typeof LIFECYCLE_OPERATIONS)[number];

/** Providers whose users sign in elsewhere, so activation needs no password (docs/contracts/okta.md §1.2). */
const EXTERNAL_PROVIDERS = new Set(['FEDERATION', 'SOCIAL']);

export function setStatus(user: UserRecord, status: UserRecord['status']): void {
  if (user.status === status) return;
  const now = nowIso();
  user.status = status;
  user.statusChanged = now;
  user.lastUpdated = now;
  if (status === 'ACTIVE') user.activated = now;
}

/** The status activation leads to: ACTIVE with a password or an external provider, else PROVISIONED (the person must finish activation). */
export function activatedStatus(user: UserRecord): UserRecord['status'] {
  return user.hasPassword || EXTERNAL_PROVIDERS.has(user.provider.type) ? 'ACTIVE' : 'PROVISIONED';
}

function notAllowedNow(): OktaApiError {
  return new OktaApiError(403, 'E0000038', "This operation is not allowed in the user's current status.");
}

/** What a lifecycle call answers: a JSON body, or 200 with no body. */
type LifecycleAnswer = { body: Record<string, unknown> } | { empty: true };

function activationAnswer(context: OktaContext, sendEmail: boolean): LifecycleAnswer {
  if (sendEmail) return { body: {} };
  const token = randomToken(20);
  return { body: { activationUrl: `${context.orgUrl()}/welcome/${token}`, activationToken: token } };
}

/** Checks and applies one operation; `asSource`: the caller stands for the user's profile source (the `/_sim` console). */
function apply(
  context: OktaContext,
  request: FastifyRequest,
  user: UserRecord,
  operation: LifecycleOperation,
  asSource: boolean,
): LifecycleAnswer {
  const query = queryOf(request);
  const guardSource = () => {
    if (!asSource) refuseSourcedLifecycle(user);
  };
  let answer: LifecycleAnswer;
  switch (operation) {
    case 'activate':
      if (user.status === 'ACTIVE')
        throw new OktaApiError(403, 'E0000016', 'Activation failed because the user is already active');
      if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED') throw notAllowedNow();
      setStatus(user, activatedStatus(user));
      answer = activationAnswer(context, queryBoolean(query.sendEmail, true));
      break;
    case 'deactivate':
      guardSource();
      if (user.status === 'DEPROVISIONED') throw notAllowedNow();
      setStatus(user, 'DEPROVISIONED');
      answer = { body: {} };
      break;
    case 'suspend':
      guardSource();
      if (user.status !== 'ACTIVE')
        throw validationFailed([
          { field: 'status', message: `Only an ACTIVE user can be suspended; this one is ${user.status}.` },
        ]);
      setStatus(user, 'SUSPENDED');
      answer = { empty: true };
      break;
    case 'unsuspend':
      guardSource();
      if (user.status !== 'SUSPENDED')
        throw validationFailed([
          { field: 'status', message: `Only a SUSPENDED user can be unsuspended; this one is ${user.status}.` },
        ]);
      setStatus(user, 'ACTIVE');
      answer = { empty: true };
      break;
    case 'reactivate':
      if (user.status !== 'PROVISIONED' && user.status !== 'RECOVERY') throw notAllowedNow();
      // Restarts the unfinished activation: the user waits in PROVISIONED for the person to finish it.
      setStatus(user, 'PROVISIONED');
      answer = activationAnswer(context, queryBoolean(query.sendEmail, false));
      break;
  }
  writeLogEvent(context, request, `user.lifecycle.${operation}` satisfies LogEventType, [userTarget(user)]);
  return answer;
}

function send(reply: FastifyReply, answer: LifecycleAnswer): FastifyReply {
  return 'body' in answer ? reply.code(200).send(answer.body) : reply.code(200).send();
}

function operationFrom(request: FastifyRequest): LifecycleOperation | undefined {
  const { operation } = request.params as { operation?: string };
  return LIFECYCLE_OPERATIONS.find((candidate) => candidate === operation);
}

export function registerLifecycleRoutes(
  app: FastifyInstance,
  context: OktaContext,
  userFromPath: (request: FastifyRequest, segment?: number) => UserRecord,
): void {
  for (const operation of LIFECYCLE_OPERATIONS) {
    app.post(`/api/v1/users/:id/lifecycle/${operation}`, async (request, reply) =>
      send(reply, apply(context, request, userFromPath(request), operation, false)),
    );
  }

  // Test affordance: the change an administrator makes in the Admin Console (or the directory, for its users).
  app.post('/_sim/users/:id/lifecycle/:operation', async (request, reply) => {
    const operation = operationFrom(request);
    if (!operation)
      throw validationFailed([{ field: 'operation', message: `One of ${LIFECYCLE_OPERATIONS.join(', ')}.` }]);
    return send(reply, apply(context, request, userFromPath(request, 2), operation, true));
  });
}
