/**
 * `verify`'s check of the routed people: each person whose newest onboarding left them routed
 * must still have an active passkey in Beyond Identity and the routing property on their Okta
 * user. A cleared property of a person with a passkey is put back (routing is the service's); a
 * person without a passkey is reported with the fix, and their routing is left alone. People are
 * read from visibility (every page) and checked a few at a time through the worker's clients,
 * whose pacer keeps Okta's rate limits.
 */
import { Context } from '@temporalio/activity';
import type { BeyondIdentitySetup } from '../clients/beyond-identity/ensure';
import { RejectedUpstreamError, TransientUpstreamError } from '../clients/http/errors';
import type { OktaSetup } from '../clients/okta/ensure';
import { listPersonRuns, type PersonRun, type TaskQueueClient } from '../temporal/people';
import type { PersonState, PersonStatus, RoutingKey, VerifyPeople } from '../workflows/definitions';
import { personNames } from '../workflows/person-state';
import { errorMessage } from '../util/errors';
import { mapLimit } from '../util/concurrency';
import { noPeople, personVerdict, tallyPerson, type PersonOutcome } from '../workflows/verify-state';
import { heartbeatAndClassify } from './context';

/** Newest runs that may have left a person routed: onboarded, rebinding, or a rebind that ended without a passkey. */
const MAY_BE_ROUTED: readonly PersonStatus[] = ['Onboarded', 'Rebinding', 'BindingExpired', 'DeadlinePassed'];
/** People checked at once: each costs two or three upstream reads, and the pacer spaces Okta's. */
const PARALLEL_PEOPLE = 8;

export function createVerifyPeopleActivities(
  beyondIdentity: BeyondIdentitySetup,
  okta: OktaSetup,
  temporal: TaskQueueClient,
) {
  async function activePasskey(state: PersonState, signal: AbortSignal): Promise<boolean | undefined> {
    try {
      const credentials = await beyondIdentity.api.listCredentials(state.context!.realmId, state.identity!.id, signal);
      return credentials.some((credential) => credential.state === 'ACTIVE');
    } catch (error) {
      if (error instanceof RejectedUpstreamError && error.status === 404) return undefined;
      throw error;
    }
  }

  async function checkPerson(
    run: PersonRun,
    routing: RoutingKey,
    signal: AbortSignal,
  ): Promise<PersonOutcome | undefined> {
    const { email } = run;
    if (run.status === 'Rebinding') {
      return {
        kind: 'problem',
        problem: 'a rebind is under way: a new binding email was sent, and they are still routed',
        fix: `the person binds a passkey from the new email (bi-okta status ${email})`,
      };
    }
    // A running run with an ended status is an offboarding on its way: not ours to check.
    if (run.execution === 'RUNNING') return undefined;
    const state = (await temporal.client.workflow.getHandle(run.workflowId, run.runId).result()) as PersonState;
    if (!state.routed || !state.context || !state.identity) return undefined;
    const passkey = await activePasskey(state, signal);
    const user = state.oktaUser
      ? await okta.api.getUser(state.oktaUser.id, signal)
      : await okta.api.findUserByLogin(email, signal);
    const verdict = personVerdict({
      email,
      activePasskey: passkey,
      oktaUser: user ? { status: user.status, routingValue: user.profile[routing.attribute] } : undefined,
      routingValue: routing.value,
    });
    if (verdict.kind !== 'corrected') return verdict;
    await okta.ensureRoutedUser({ login: email, email, ...personNames(email) }, routing, state.startedAt, { signal });
    return {
      kind: 'corrected',
      detail: `"${routing.attribute}" had been cleared on their Okta user; set back (they have an active passkey)`,
    };
  }

  return {
    verifyPeople: heartbeatAndClassify(
      async (input: { integrationId: string; routing: RoutingKey }): Promise<VerifyPeople> => {
        const { cancellationSignal } = Context.current();
        const people = noPeople();
        const runs = (await listPersonRuns(temporal, input.integrationId)).filter((run) =>
          (MAY_BE_ROUTED as readonly string[]).includes(run.status),
        );
        await mapLimit(runs, PARALLEL_PEOPLE, async (run) => {
          let outcome: PersonOutcome | undefined;
          try {
            outcome = await checkPerson(run, input.routing, cancellationSignal);
          } catch (error) {
            // A transient failure is tried again with the whole check; anything else is this person's finding.
            if (error instanceof TransientUpstreamError || cancellationSignal.aborted) throw error;
            outcome = {
              kind: 'problem',
              problem: `could not be checked: ${errorMessage(error)}`,
              fix: 'fix what the message names, then verify again',
            };
          }
          if (outcome) tallyPerson(people, run.email, outcome);
        });
        people.needsAttention.sort((a, b) => a.email.localeCompare(b.email));
        people.corrections.sort((a, b) => a.email.localeCompare(b.email));
        return people;
      },
    ),
  };
}
