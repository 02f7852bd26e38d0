/**
 * One person's onboarding, a child of the integration: the Beyond Identity identity, the binding
 * email, the durable wait for the passkey, the Okta user, then routing (done by the integration,
 * which owns the shared rule). Cancelling it takes the person out of routing first, then undoes,
 * in reverse order, only what this workflow created.
 */
import {
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import {
  confirmBindingUpdate,
  credentialBoundSignal,
  onboardingStatusKey,
  onboardingStepKey,
  personReportSignal,
  personStatusQuery,
  retrySignal,
  routingChangedSignal,
  type ConfirmBindingResult,
  type PersonReport,
  type PersonState,
  type PersonStatus,
  type PersonWorkflowInput,
  normalizeEmail,
} from './definitions';
import { activities, attentionMarkdown, recordStatus, runStep, type AttentionHost } from './steps';

/** Job states after which the link can no longer be used: a new email is due. */
const DEAD_JOB_STATES = ['EXPIRED', 'FAILED_TO_SEND', 'REVOKED'];

export async function personOnboarding(input: PersonWorkflowInput): Promise<PersonState> {
  const { person, context } = input;
  const integrationId = person.integrationId;
  const email = normalizeEmail(person.email);
  const now = () => new Date().toISOString();
  const state: PersonState = input.resume ?? {
    email,
    status: 'Running',
    step: 'Start',
    emailsSent: 0,
    resends: 0,
    bound: false,
    routed: false,
    startedAt: now(),
  };
  const timeout = context.activityTimeoutMs;
  let retryRequested = false;
  let checkNow = false;
  let readyReported = false;
  /** The integration has told us, since we withdrew, that the rule no longer routes us. */
  let withdrawalConfirmed = false;

  const host: AttentionHost = {
    setAttention(attention) {
      state.attention = attention;
      setStatus(attention ? 'NeedsAttention' : state.bound ? 'Running' : state.bindingJobId ? 'WaitingForBinding' : 'Running', state.step);
      // The integration's roster follows every status: waiting, needs attention, running again.
      void report();
    },
    retryRequested: () => retryRequested,
    consumeRetry: () => {
      retryRequested = false;
    },
  };

  function setStatus(status: PersonStatus, step: string): void {
    recordStatus(state, status, step);
    setCurrentDetails(details());
  }

  function details(): string {
    const lines = [
      `**${email}**: ${state.status} (step \`${state.step}\`)`,
      '',
      `- Beyond Identity identity: ${state.identity ? `\`${state.identity.id}\`${state.identity.adopted ? ' (adopted)' : ''}` : '—'}`,
      `- Binding: ${state.bound ? `bound (${state.boundVia ?? 'detected'}) at ${state.boundAt}` : state.bindingJobId ? `job \`${state.bindingJobId}\` ${state.bindingJobState ?? ''}, ${state.emailsSent} email(s) sent, deadline ${state.deadlineAt ?? '—'}` : '—'}`,
      `- Okta user: ${state.oktaUser ? `\`${state.oktaUser.id}\`${state.oktaUser.adopted ? ' (adopted)' : ''}` : '—'}`,
      `- Routed to Beyond Identity: ${state.routed ? 'yes' : 'no'}`,
    ];
    if (state.note) lines.push('', state.note);
    if (state.attention) lines.push('', attentionMarkdown(state.attention));
    return lines.join('\n');
  }

  async function report(extra: Partial<PersonReport> = {}): Promise<boolean> {
    try {
      await getExternalWorkflowHandle(integrationId).signal(personReportSignal, {
        email,
        status: state.status,
        identity: state.identity,
        oktaUser: state.oktaUser,
        ...extra,
      });
      return true;
    } catch (error) {
      if (isCancellation(error)) throw error;
      // The integration is gone (torn down): nothing to tell.
      log.warn('could not report to the integration', { integrationId, error: String(error) });
      return false;
    }
  }

  function markBound(via: 'signal' | 'update' | 'detected'): void {
    if (state.bound) return;
    state.bound = true;
    state.boundVia = via;
    state.boundAt = now();
    state.note = undefined;
  }

  const bi = (summary: string) => activities(summary, timeout);

  setHandler(personStatusQuery, () => state);
  setHandler(retrySignal, () => {
    retryRequested = true;
  });
  setHandler(credentialBoundSignal, () => {
    // Trusted as a hint, verified with Beyond Identity before anything is routed: routing a person
    // without a passkey would lock them out of Okta.
    state.operatorSaidBound = true;
    checkNow = true;
  });
  setHandler(routingChangedSignal, ({ routed }) => {
    state.routed = routed;
    if (routed) state.routedAt = now();
    else withdrawalConfirmed = true;
  });
  setHandler(
    confirmBindingUpdate,
    async (): Promise<ConfirmBindingResult> => {
      if (state.bound) return { accepted: true, reason: 'the passkey binding was already confirmed' };
      const progress = await bi(`Confirm passkey binding of ${email}`).checkBinding({
        realmId: context.realmId,
        identityId: state.identity!.id,
        jobId: state.bindingJobId,
      });
      state.bindingJobState = progress.jobState ?? state.bindingJobState;
      if (progress.activeCredential || progress.jobState === 'COMPLETE') {
        markBound('update');
        return { accepted: true, reason: `Beyond Identity shows ${progress.activeCredential ? 'an active passkey' : 'the binding job COMPLETE'}` };
      }
      return {
        accepted: false,
        reason: `Beyond Identity shows no active passkey for ${email} yet (binding job ${state.bindingJobState ?? 'unknown'}); still waiting`,
      };
    },
    {
      // Refused before anything is written to history when there is nothing to confirm yet.
      validator: () => {
        if (!state.identity || !state.bindingJobId) throw new Error(`${email} has not been sent a binding email yet; nothing to confirm`);
        if (state.status === 'Cancelled' || state.status === 'BindingExpired' || state.status === 'DeadlinePassed') {
          throw new Error(`the onboarding of ${email} has ended (${state.status})`);
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: onboardingStatusKey, value: state.status },
    { key: onboardingStepKey, value: state.step },
  ]);
  setCurrentDetails(details());

  try {
    // Step 2 of the guide: the identity (username = email).
    if (!state.identity) {
      setStatus('Running', 'CreateIdentity');
      state.identity = await runStep(host, 'CreateIdentity', () =>
        bi(`Create Beyond Identity identity for ${email}`).ensureIdentity({ realmId: context.realmId, email, displayName: email }),
      );
    }

    // Step 5: the binding email (a live link is reused, never sent twice).
    if (!state.bindingJobId) {
      setStatus('Running', 'SendBindingEmail');
      const job = await runStep(host, 'SendBindingEmail', () =>
        bi(`Send passkey binding email to ${email}`).ensureBindingEmail({
          realmId: context.realmId,
          identityId: state.identity!.id,
          authenticatorConfigId: context.authenticatorConfigId,
        }),
      );
      state.bindingJobId = job.jobId;
      state.bindingJobState = job.state;
      if (job.sent) state.emailsSent += 1;
      if (job.state === 'COMPLETE') markBound('detected');
      state.deadlineAt ??= new Date(Date.now() + context.binding.deadlineMs).toISOString();
    }

    // The wait, durable across restarts: the operator's signal, the update, or our own checks.
    if (!state.bound) {
      const outcome = await waitForBinding();
      if (outcome !== 'bound') {
        setStatus(outcome, 'Ended');
        state.finishedAt = now();
        state.note =
          outcome === 'BindingExpired'
            ? `The binding link expired ${state.resends + 1} time(s); no more emails are sent (limit ${context.binding.maxResends} resends). Nothing was routed.`
            : `No passkey was bound before the deadline (${state.deadlineAt}). Nothing was routed.`;
        setCurrentDetails(details());
        await report();
        await condition(allHandlersFinished);
        return state;
      }
    }
    // No report here: the integration hears from us next when we are ready to route (or need attention).
    setStatus('Running', state.oktaUser ? 'Route' : 'CreateOktaUser');

    // Step 6: the Okta user, only once the passkey is bound.
    if (!state.oktaUser) {
      setStatus('Running', 'CreateOktaUser');
      const names = personNames(email, person.firstName, person.lastName);
      const user = await runStep(host, 'CreateOktaUser', () =>
        bi(`Create Okta user ${email}`).ensureOktaUser({ email, firstName: names.firstName, lastName: names.lastName }),
      );
      state.oktaUser = { id: user.id, adopted: user.adopted };
    }

    // Step 8: routing, by the integration (one rule, shared by everyone).
    if (!state.routed) {
      setStatus('Running', 'Route');
      readyReported = await report({ readyToRoute: true });
      await condition(() => state.routed);
    }
    // The integration marked us Onboarded when it routed us: nothing more to tell it.
    setStatus('Onboarded', 'Done');
    state.finishedAt = now();
    await condition(allHandlersFinished);
    return state;
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(() => undo());
    throw error;
  }

  async function waitForBinding(): Promise<'bound' | 'BindingExpired' | 'DeadlinePassed'> {
    setStatus('WaitingForBinding', 'WaitForBinding');
    await report();
    const deadline = Date.parse(state.deadlineAt!);
    for (;;) {
      if (state.bound) return 'bound';
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'DeadlinePassed';
      await condition(() => state.bound || checkNow, Math.min(context.binding.pollIntervalMs, remaining), {
        summary: `Wait for ${email} to bind a passkey`,
      });
      if (state.bound) return 'bound';
      checkNow = false;
      const progress = await runStep(host, 'WaitForBinding', () =>
        bi(`Check passkey binding of ${email}`).checkBinding({ realmId: context.realmId, identityId: state.identity!.id, jobId: state.bindingJobId }),
      );
      state.bindingJobState = progress.jobState ?? state.bindingJobState;
      if (progress.activeCredential || progress.jobState === 'COMPLETE') {
        markBound(state.operatorSaidBound ? 'signal' : 'detected');
        return 'bound';
      }
      if (state.operatorSaidBound) {
        state.note = `The operator said ${email} has bound a passkey, but Beyond Identity shows none yet (job ${state.bindingJobState ?? 'unknown'}). Still waiting; nothing is routed until it does.`;
        state.operatorSaidBound = false;
      }
      if (state.bindingJobState && DEAD_JOB_STATES.includes(state.bindingJobState)) {
        if (state.resends >= context.binding.maxResends) return 'BindingExpired';
        setStatus('WaitingForBinding', 'ResendBindingEmail');
        const job = await runStep(host, 'ResendBindingEmail', () =>
          bi(`Send a new binding email to ${email} (link ${state.bindingJobState})`).ensureBindingEmail({
            realmId: context.realmId,
            identityId: state.identity!.id,
            authenticatorConfigId: context.authenticatorConfigId,
          }),
        );
        state.resends += 1;
        if (job.sent) state.emailsSent += 1;
        state.bindingJobId = job.jobId;
        state.bindingJobState = job.state;
        setStatus('WaitingForBinding', 'WaitForBinding');
      } else {
        setCurrentDetails(details());
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof personOnboarding>({ ...input, resume: state });
      }
    }
  }

  /** Out of routing first (so nobody is sent to an identity about to vanish), then undo in reverse.
   *  A failure here, too, waits for the operator's `retry`. */
  async function undo(): Promise<void> {
    setStatus('Cancelled', 'Withdraw');
    if (state.routed || readyReported) {
      withdrawalConfirmed = false;
      const told = await report({ withdraw: true });
      // Wait for the integration to say the rule no longer routes us (a `routingChanged` false after
      // the withdrawal), not merely for `routed` to be false: while it is still adding us, `routed`
      // is false too, and removing the Okta user and identity then would leave the rule sending us
      // to an identity that is gone.
      if (told) await condition(() => withdrawalConfirmed, '1 hour');
    }
    if (state.oktaUser && !state.oktaUser.adopted) {
      setStatus('Cancelled', 'RemoveOktaUser');
      const userId = state.oktaUser.id;
      await runStep(host, 'RemoveOktaUser', () => bi(`Remove Okta user ${email}`).removeOktaUser({ userId }));
      state.oktaUser = undefined;
    }
    if (state.identity && !state.identity.adopted) {
      setStatus('Cancelled', 'DeleteIdentity');
      const identityId = state.identity.id;
      await runStep(host, 'DeleteIdentity', () => bi(`Delete Beyond Identity identity ${email}`).deleteIdentity({ realmId: context.realmId, identityId }));
      state.identity = undefined;
    }
    setStatus('Cancelled', 'Undone');
    state.finishedAt = now();
    await report();
  }
}

/** Okta needs a first and last name; without them we derive both from the address. */
export function personNames(email: string, firstName?: string, lastName?: string): { firstName: string; lastName: string } {
  const [local = email, domain = ''] = email.split('@');
  const parts = local.split(/[._+-]+/).filter(Boolean);
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  return {
    firstName: firstName?.trim() || capital(parts[0] ?? local),
    lastName: lastName?.trim() || (parts.length > 1 ? parts.slice(1).map(capital).join(' ') : capital(domain.split('.')[0] ?? '') || '-'),
  };
}
