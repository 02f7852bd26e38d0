/**
 * One person's onboarding: the Beyond Identity identity, the binding email, the durable wait for
 * the passkey, then the Okta user carrying the routing property, which is what routes them (the
 * integration's rule never changes per person). Cancelling clears the routing first, reads it
 * back, and only then removes, newest first, what this onboarding created. An `offboard` run does
 * the same for an onboarding that has already ended. A `rebind` run sends an onboarded person who
 * lost their passkey a new binding email and waits for the new passkey, their routing left as it
 * is. A `leave` run (an Okta group sync's leaver) takes a routed person out of routing (read back),
 * suspends their identity and waits, durably, for their return: back in time, they are unsuspended
 * and routed again (a new binding email only when no passkey is active); not back by `deleteAt`,
 * what this onboarding created is removed as cancelling does. The rules live in person-state.ts.
 */
import {
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  metricMeter,
  setCurrentDetails,
  setHandler,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import {
  confirmBindingUpdate,
  credentialBoundSignal,
  normalizeEmail,
  personStatusQuery,
  returnedSignal,
  type PersonContext,
  type PersonState,
  type PersonStatus,
  type PersonStep,
  type PersonWorkflowInput,
} from './definitions';
import { METRIC_NAMES } from '../observability/metric-names';
import * as rules from './person-state';
import { activities, createOperator, recordStatus, runStep } from './steps';

export async function personOnboarding(input: PersonWorkflowInput): Promise<PersonState> {
  const { person } = input;
  const email = normalizeEmail(person.email);
  const now = () => new Date().toISOString();
  const state: PersonState =
    input.resume ??
    input.offboard ??
    (input.leave ? rules.leaveState(input.leave.state, input.leave.reason, now()) : undefined) ??
    (input.rebind
      ? rules.rebindState(input.rebind, now())
      : rules.newPersonState(email, now(), input.context, input.onboardedBy));
  // Runs from before OnboardedBy was recorded carry none: the first run after them records who started it.
  if (input.onboardedBy && !state.onboardedBy) state.onboardedBy = input.onboardedBy;
  /** A leave run before its undo or the person's return: NeedsAttention clears back to Suspended. */
  let leaving = input.leave !== undefined;
  let returned = false;
  const personTransitions = metricMeter.createCounter(
    METRIC_NAMES.personTransitions,
    'transitions',
    'Person workflows entering a status',
  );
  let checkNow = false;
  let confirmedByUpdate = false;
  /** The running poll of Beyond Identity: undo waits for it to stop before it clears anything. */
  let polling: Promise<unknown> | undefined;
  /** Activity timeouts before the context (and its settings) is known. */
  const timeout = () => state.context?.activityTimeoutMs ?? 300_000;
  const act = (summary: string, startToCloseMs = timeout()) => activities(summary, startToCloseMs);

  const operator = createOperator(state, (needsAttention) =>
    setStatus(rules.statusAfterAttention(state, needsAttention, leaving), state.step),
  );

  /** `announceStep`: the search attributes show this step too (a last one), not only status changes. */
  function setStatus(status: PersonStatus, step: PersonStep, announceStep = false): void {
    // Replay-safe: the SDK records nothing while replaying, so each transition counts once.
    if (status !== state.status) personTransitions.add(1, { status });
    recordStatus(state, status, step, announceStep);
    setCurrentDetails(rules.personDetails(state));
  }

  setHandler(personStatusQuery, () => state);
  // Only a leave run waits for it; any other run has nothing to do with it.
  setHandler(returnedSignal, () => {
    returned = true;
  });
  // Trusted as a hint, verified with Beyond Identity before anything is routed: routing a person
  // without a passkey would lock them out of Okta.
  setHandler(credentialBoundSignal, () => {
    state.operatorSaidBound = true;
    checkNow = true;
  });
  setHandler(
    confirmBindingUpdate,
    async () => {
      if (state.bound) return { accepted: true, reason: 'the passkey binding was already confirmed' };
      const progress = await act(`Confirm passkey binding of ${email}`).checkBinding({
        realmId: state.context!.realmId,
        identityId: state.identity!.id,
        jobId: state.bindingJobId,
      });
      const answer = rules.confirmBindingAnswer(state, progress);
      if (answer.accepted) {
        confirmedByUpdate = true;
        checkNow = true;
      }
      return answer;
    },
    {
      validator: () => {
        const refusal = rules.confirmBindingRefusal(state);
        if (refusal) throw new Error(refusal);
      },
    },
  );

  setCurrentDetails(rules.personDetails(state));
  try {
    if (input.offboard) {
      await CancellationScope.nonCancellable(() => undo());
      return state;
    }
    if (input.leave) {
      if (!(await leave(input.leave.deleteAfterMs))) return state;
      if (state.identity && (await routedAgain(state.context!))) {
        setStatus('Onboarded', 'Done', true);
        await condition(allHandlersFinished);
        return state;
      }
      // No active passkey (or no identity left): onboarding again from what is kept, with a new email.
      rules.returnWithoutPasskeyState(state, now());
    }
    // Step 2 of the guide: the identity (username = email). The realm comes from the integration,
    // which the activity waits for when it was not Ready at onboard time.
    if (!state.identity) {
      setStatus('Running', state.context ? 'CreateIdentity' : 'WaitForIntegration');
      const made = await runStep(operator, 'CreateIdentity', () =>
        act(`Create Beyond Identity identity for ${email}`).ensureIdentity({
          integrationId: person.integrationId,
          realmId: state.context?.realmId,
          email,
          displayName: email,
        }),
      );
      state.identity = { id: made.id, adopted: made.adopted };
      state.context ??= made.context;
    }
    const context = state.context!;

    // Step 5: the binding email (a live link is reused, never sent twice; a rebind's, never the old completed one).
    if (!state.bindingJobId) await sendBindingEmail('SendBindingEmail');
    state.deadlineAt ??= new Date(Date.now() + context.binding.deadlineMs).toISOString();

    // The wait, then step 6 and the routing, in one check of Beyond Identity when it shows the passkey.
    // A rebinding person is routed already, but not bound to a passkey they still have.
    const outcome = state.routed && state.bound ? 'Onboarded' : await waitThenRoute(context);
    state.finishedAt = now();
    if (outcome !== 'Onboarded') state.note = rules.endNote(state, outcome, context.binding.maxResends);
    setStatus(outcome, outcome === 'Onboarded' ? 'Done' : 'Ended');
    await condition(allHandlersFinished);
    return state;
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(() => undo());
    throw error;
  }

  async function sendBindingEmail(step: 'SendBindingEmail' | 'ResendBindingEmail'): Promise<void> {
    const context = state.context!;
    const rebinding = rules.isRebinding(state);
    setStatus(step === 'SendBindingEmail' && !rebinding ? 'Running' : rules.waitingStatus(state), step);
    const summary =
      step === 'ResendBindingEmail'
        ? `Send a new binding email to ${email} (link ${state.bindingJobState})`
        : rebinding
          ? `Send ${email} a binding email for a new passkey (rebind)`
          : `Send passkey binding email to ${email}`;
    const job = await runStep(operator, step, () =>
      act(summary).ensureBindingEmail({
        realmId: context.realmId,
        identityId: state.identity!.id,
        authenticatorConfigId: context.authenticatorConfigId,
        // The completed job of the passkey that was lost must not pass for the new binding.
        ...(rebinding
          ? { completedSince: state.rebindStartedAt }
          : state.returnedAt
            ? { completedSince: state.returnedAt }
            : {}),
      }),
    );
    if (step === 'ResendBindingEmail') state.resends += 1;
    if (job.sent) state.emailsSent += 1;
    state.bindingJobId = job.jobId;
    state.bindingJobState = job.state;
  }

  /**
   * Beyond Identity is polled by one long activity (heartbeating, checking every poll interval),
   * which routes the person as soon as it sees the passkey. The operator's signal or update makes
   * a second, immediate check; whichever routes first ends the wait. Both are idempotent.
   */
  function routeInputFor(context: PersonContext, waitUpToMs: number, jobId: string | undefined) {
    return {
      realmId: context.realmId,
      identityId: state.identity!.id,
      jobId,
      person: { email, ...rules.personNames(email, person.firstName, person.lastName) },
      routing: context.routing,
      since: state.startedAt,
      waitUpToMs,
      pollIntervalMs: context.binding.pollIntervalMs,
    };
  }

  async function waitThenRoute(context: PersonContext): Promise<rules.WaitOutcome> {
    const deadline = Date.parse(state.deadlineAt!);
    const routeInput = (waitUpToMs: number) => routeInputFor(context, waitUpToMs, state.bindingJobId);
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'DeadlinePassed';
      setStatus(rules.waitingStatus(state), 'WaitForBinding');
      state.routingAttempted = true;
      const slice = Math.min(rules.POLL_SLICE_MS, remaining);
      let polled: rules.BindingCheck | undefined;
      const poll = activities(
        `Wait for ${email} to bind a passkey, then route them`,
        slice + timeout(),
        rules.pollHeartbeatMs(context.binding.pollIntervalMs),
      );
      polling = runStep(operator, 'WaitForBinding', () => poll.routeWhenBound(routeInput(slice))).then(
        (result) => (polled = result),
        () => undefined, // cancelled with the workflow: undo takes over
      );
      for (;;) {
        await condition(() => polled !== undefined || checkNow);
        if (polled) break;
        checkNow = false;
        const immediate = await runStep(operator, 'RouteOktaUser', () =>
          act(`Check the passkey of ${email} and route them`).routeWhenBound(routeInput(0)),
        );
        if (immediate.outcome === 'routed') return routed(immediate, confirmedByUpdate ? 'update' : 'signal');
        if (state.operatorSaidBound) rules.operatorWasEarly(state);
        setCurrentDetails(rules.personDetails(state));
      }
      state.bindingJobState = polled.jobState ?? state.bindingJobState;
      if (polled.outcome === 'routed') return routed(polled, state.operatorSaidBound ? 'signal' : 'detected');
      if (polled.outcome === 'link-dead') {
        if (rules.afterDeadLink(state, context.binding.maxResends) === 'BindingExpired') return 'BindingExpired';
        await sendBindingEmail('ResendBindingEmail');
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof personOnboarding>({ person, resume: state });
      }
    }
  }

  function routed(
    result: Extract<rules.BindingCheck, { outcome: 'routed' }>,
    via: 'signal' | 'update' | 'detected',
  ): 'Onboarded' {
    const known = state.oktaUser;
    rules.markRouted(state, result, via, now());
    // A returning leaver's Okta user no longer carries our value, so it reads as found: it is still the one we made.
    if (state.returnedAt && known?.id === state.oktaUser?.id) state.oktaUser = known;
    return 'Onboarded';
  }

  /**
   * A leave run: out of routing (read back), the identity suspended, then the wait for `returned`
   * until `deleteAt`. True when the person came back (unsuspended); false when the time ran out and
   * what this onboarding created was removed.
   */
  async function leave(deleteAfterMs: number): Promise<boolean> {
    const context = state.context!;
    setStatus('Suspended', 'ClearRouting');
    await clearRouting(context);
    state.routed = false;
    if (state.identity) {
      setStatus('Suspended', 'SuspendIdentity');
      const identityId = state.identity.id;
      if (await setIdentityStatus(context, 'suspended')) state.suspendedAt = now();
      else {
        state.identity = undefined;
        state.note = `${state.note ?? ''} Their identity ${identityId} was already gone from Beyond Identity: nothing to suspend.`;
      }
    }
    state.deleteAt = new Date(Date.now() + deleteAfterMs).toISOString();
    setStatus('Suspended', 'WaitForReturn', true);
    if (!(await condition(() => returned, deleteAfterMs))) {
      leaving = false;
      const adopted = { identity: state.identity?.adopted === true, oktaUser: state.oktaUser?.adopted === true };
      await CancellationScope.nonCancellable(() => undo());
      state.note = rules.deletedAfterLeaveNote(state, adopted.identity, adopted.oktaUser);
      setCurrentDetails(rules.personDetails(state));
      return false;
    }
    setStatus('Suspended', 'UnsuspendIdentity', true);
    if (state.identity && !(await setIdentityStatus(context, 'active'))) state.identity = undefined;
    leaving = false;
    state.deleteAt = undefined;
    return true;
  }

  /**
   * A returning leaver, checked once: with an active passkey (however long ago it was bound: the
   * check asks for the identity's passkeys, never an old binding job) they are routed again (read
   * back), and no email is sent.
   */
  async function routedAgain(context: PersonContext): Promise<boolean> {
    setStatus('Running', 'RouteOktaUser');
    state.routingAttempted = true;
    const check = await runStep(operator, 'RouteOktaUser', () =>
      act(`Check the passkey of returning ${email} and route them again`).routeWhenBound(
        routeInputFor(context, 0, undefined),
      ),
    );
    if (check.outcome !== 'routed') return false;
    state.returnedAt = now();
    routed(check, 'detected');
    state.finishedAt = now();
    state.note = `Came back at ${state.returnedAt} with an active passkey: routed again, no email sent.`;
    return true;
  }

  /** Suspends or unsuspends the person's identity; false when it is gone from Beyond Identity. */
  async function setIdentityStatus(context: PersonContext, status: 'active' | 'suspended'): Promise<boolean> {
    const identityId = state.identity!.id;
    const result = await runStep(operator, status === 'suspended' ? 'SuspendIdentity' : 'UnsuspendIdentity', () =>
      act(
        `${status === 'suspended' ? 'Suspend' : 'Unsuspend'} the Beyond Identity identity of ${email}`,
      ).setIdentityStatus({ realmId: context.realmId, identityId, status }),
    );
    return result.found;
  }

  /** Takes the person out of routing (only our value), read back. */
  function clearRouting(context: PersonContext) {
    const known = state.oktaUser;
    return runStep(operator, 'ClearRouting', () =>
      act(`Take ${email} out of Beyond Identity routing`).clearOktaRouting({
        userId: known?.id,
        login: email,
        routing: context.routing,
        since: state.startedAt,
      }),
    );
  }

  /** Out of routing first (read back), then what we created, newest first. Failures wait for `retry`. */
  async function undo(): Promise<void> {
    leaving = false;
    const context = state.context;
    state.finishedAt = undefined;
    setStatus('Cancelled', 'ClearRouting');
    // A check still running could route the person after we cleared them; clearOktaRouting waits
    // until Temporal shows none pending (a cancelled activity stops only at its next heartbeat).
    await polling;
    for (const step of rules.undoPlan(state)) {
      if (!context) break;
      setStatus('Cancelled', step);
      if (step === 'ClearRouting') {
        const known = state.oktaUser;
        const result = await clearRouting(context);
        state.routed = false;
        // A user an abandoned check created, unknown to this state until now, is ours to remove.
        if (!known && result.user) state.oktaUser = result.user;
        if (!known && result.user && !result.user.adopted) {
          const userId = result.user.id;
          setStatus('Cancelled', 'RemoveOktaUser');
          await runStep(operator, 'RemoveOktaUser', () => act(`Remove Okta user ${email}`).removeOktaUser({ userId }));
          state.oktaUser = undefined;
        }
      } else if (step === 'RemoveOktaUser') {
        const userId = state.oktaUser!.id;
        await runStep(operator, step, () => act(`Remove Okta user ${email}`).removeOktaUser({ userId }));
        state.oktaUser = undefined;
      } else {
        const identityId = state.identity!.id;
        await runStep(operator, step, () =>
          act(`Delete Beyond Identity identity ${email}`).deleteIdentity({ realmId: context.realmId, identityId }),
        );
        state.identity = undefined;
      }
    }
    state.finishedAt = now();
    setStatus('Cancelled', 'Undone', true);
  }
}
