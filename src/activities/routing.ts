/**
 * A person's route to Beyond Identity, as activities: poll Beyond Identity until the passkey is
 * bound, then (in the same attempt, so the evidence and the write are never apart) make the Okta
 * user carry the routing property and read it back; and, to offboard, clear it and read it back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { BeyondIdentitySetup } from '../clients/beyond-identity/ensure';
import type { OktaSetup } from '../clients/okta/ensure';
import type { TaskQueueClient } from '../temporal/people';
import type { ObjectRecord, RoutingKey } from '../workflows/definitions';
import type { BindingCheck } from '../workflows/person-state';
import { DEAD_JOB_STATES } from '../workflows/person-state';
import { heartbeatAndClassify, markCreateStarted, wasAdopted } from './context';
import { asStep } from './failures';
import { ownRun, untilNoneRunning } from './temporal';

export interface RouteWhenBoundInput {
  realmId: string;
  identityId: string;
  jobId?: string;
  person: { email: string; firstName: string; lastName: string };
  routing: RoutingKey;
  /** When the onboarding began: an Okta user created since, with our value, is our own. */
  since: string;
  /** 0: check once, now (the operator's signal); more: poll for up to that long. */
  waitUpToMs: number;
  pollIntervalMs: number;
}

/** Thrown by `mayWrite`: this check does not write (another does, or the workflow has moved on). Never leaves the activity. */
class WriteNotWanted extends Error {
  override name = 'WriteNotWanted';
}

/**
 * Asked just before each Okta write goes out, after any wait for the rate limit, so that the
 * moment of the decision is as close to the write as it can be: a check the workflow has moved on
 * from (it completed, or this run was replaced) must not write; nor does the poll when an
 * immediate check (the operator's signal) is on the person already: two checks writing at once
 * would both create the Okta user, and Okta refuses the second at the cost of its users budget.
 */
async function mayWrite(temporal: TaskQueueClient, polling: boolean): Promise<void> {
  const run = await ownRun(temporal, 'routeWhenBound');
  if (!run.running || (polling && run.othersPending > 0))
    throw new WriteNotWanted('another check routes this person, or the workflow has moved on');
}

async function mayGoOn(temporal: TaskQueueClient): Promise<boolean> {
  try {
    await mayWrite(temporal, true);
    return true;
  } catch (error) {
    if (error instanceof WriteNotWanted) return false;
    throw error;
  }
}

export function createRoutingActivities(
  beyondIdentity: BeyondIdentitySetup,
  okta: OktaSetup,
  temporal: TaskQueueClient,
) {
  return {
    /**
     * Checks the binding every poll interval for up to `waitUpToMs`: once Beyond Identity shows
     * the passkey, routes the person and answers `routed`; a dead link answers `link-dead`; the
     * time up, `waiting`. Only people with a passkey are ever routed.
     */
    routeWhenBound: heartbeatAndClassify(async (input: RouteWhenBoundInput): Promise<BindingCheck> => {
      const { cancellationSignal } = Context.current();
      const until = Date.now() + input.waitUpToMs;
      for (;;) {
        const progress = await beyondIdentity.bindingProgress(
          input.realmId,
          input.identityId,
          input.jobId,
          cancellationSignal,
        );
        if (progress.activeCredential || progress.jobState === 'COMPLETE') {
          const { person } = input;
          // The poll first asks whether to go on at all (before any Okta call), and again just before it writes.
          if (input.waitUpToMs > 0 && !(await mayGoOn(temporal)))
            return { outcome: 'waiting', jobState: progress.jobState };
          // Not aborted by a cancellation: a write cut off mid-flight may still land after the undo has
          // read the user. Finished, its outcome is known; the undo waits for this activity, then finds the user.
          const user = await asStep('RouteOktaUser', async () => {
            try {
              return await okta.ensureRoutedUser(
                { login: person.email, email: person.email, firstName: person.firstName, lastName: person.lastName },
                input.routing,
                input.since,
                {
                  beforeCreate: markCreateStarted,
                  beforeWrite: () => mayWrite(temporal, input.waitUpToMs > 0),
                },
              );
            } catch (error) {
              if (error instanceof WriteNotWanted) return undefined;
              throw error;
            }
          });
          if (!user) return { outcome: 'waiting', jobState: progress.jobState };
          return {
            outcome: 'routed',
            oktaUser: { id: user.value.id, adopted: wasAdopted(user.outcome) },
            jobState: progress.jobState,
            routedAt: new Date().toISOString(),
          };
        }
        if (progress.jobState && DEAD_JOB_STATES.includes(progress.jobState))
          return { outcome: 'link-dead', jobState: progress.jobState };
        const wait = Math.min(input.pollIntervalMs, until - Date.now());
        if (wait <= 0) return { outcome: 'waiting', jobState: progress.jobState };
        await sleep(wait, undefined, { signal: cancellationSignal });
      }
    }),

    /**
     * Clears the routing property (only our value) and reads it back. When the workflow knew of no
     * Okta user, the user found by login is reported: created by us if it appeared after the
     * onboarding began carrying our value, adopted otherwise.
     */
    clearOktaRouting: heartbeatAndClassify(
      async (input: {
        userId?: string;
        login: string;
        routing: RoutingKey;
        since: string;
      }): Promise<{ cleared: boolean; user?: ObjectRecord }> => {
        const { cancellationSignal } = Context.current();
        // A check of this run that was cancelled may still be routing the person: wait until it has stopped.
        await untilNoneRunning(temporal, 'routeWhenBound', cancellationSignal);
        const found = input.userId ? undefined : await okta.api.findUserByLogin(input.login, cancellationSignal);
        const ours =
          found !== undefined &&
          found.profile[input.routing.attribute] === input.routing.value &&
          Boolean(found.created) &&
          Date.parse(found.created!) >= Date.parse(input.since);
        const result = await okta.clearRouting(
          { userId: input.userId ?? found?.id, login: input.login },
          input.routing,
          cancellationSignal,
        );
        return { cleared: result.cleared, ...(found ? { user: { id: found.id, adopted: !ours } } : {}) };
      },
    ),
  };
}
