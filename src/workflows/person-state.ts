/**
 * A person's onboarding as plain state and its rules: which status follows which event, what a
 * signal or update may change, and what Temporal UI and `status` show of it (view.ts renders it).
 * No workflow API is called here (person.ts applies the results), so every rule is unit-tested
 * without a server.
 */
import type {
  ConfirmBindingResult,
  OnboardedBy,
  PersonContext,
  PersonState,
  PersonStatus,
  PersonStep,
} from './definitions';
import { attentionView, markdown, recordValue, type Part, type Phrase, type View } from './view';

/** Job states after which the link can no longer be used: a new email is due. */
export const DEAD_JOB_STATES = ['EXPIRED', 'FAILED_TO_SEND', 'REVOKED'];

/** How long one watch of Beyond Identity may run before the workflow looks again (deadline, continue-as-new). */
export const POLL_SLICE_MS = 60 * 60 * 1000;

/**
 * The heartbeat timeout of the watch: each waiting person's watch heartbeats to Temporal for days,
 * so it scales with the poll interval (thousands of watches must not flood the server), between
 * 10 s and 60 s (how soon a watch lost with a dead worker is started again).
 */
export function pollHeartbeatMs(pollIntervalMs: number): number {
  return Math.min(60_000, Math.max(10_000, 2 * pollIntervalMs));
}

export function newPersonState(
  email: string,
  now: string,
  context?: PersonContext,
  onboardedBy?: OnboardedBy,
): PersonState {
  return {
    email,
    status: 'Running',
    step: 'Start',
    context,
    ...(onboardedBy ? { onboardedBy } : {}),
    emailsSent: 0,
    resends: 0,
    bound: false,
    routed: false,
    startedAt: now,
  };
}

/** What a person's onboarding may end in, besides being cancelled. */
export type WaitOutcome = 'Onboarded' | 'BindingExpired' | 'DeadlinePassed';

/** What one check of the binding (and, once bound, the routing) found. */
export type BindingCheck =
  | { outcome: 'routed'; oktaUser: { id: string; adopted: boolean }; jobState?: string; routedAt: string }
  | { outcome: 'waiting'; jobState?: string }
  | { outcome: 'link-dead'; jobState?: string };

function isUndoing(state: PersonState): boolean {
  return (
    state.status === 'Cancelled' ||
    (['ClearRouting', 'RemoveOktaUser', 'DeleteIdentity', 'Undone'] as PersonStep[]).includes(state.step)
  );
}

/** The steps of a leave run before the person is deleted or comes back: its status stays Suspended. */
const LEAVE_STEPS: PersonStep[] = ['SuspendIdentity', 'WaitForReturn', 'UnsuspendIdentity'];

/** The status once a NeedsAttention is cleared (or set: then NeedsAttention). `leaving`: a leave run before its undo. */
export function statusAfterAttention(state: PersonState, attention: boolean, leaving = false): PersonStatus {
  if (attention) return 'NeedsAttention';
  if (leaving || LEAVE_STEPS.includes(state.step)) return 'Suspended';
  if (isUndoing(state)) return 'Cancelled';
  if (isRebinding(state)) return 'Rebinding';
  if (state.bindingJobId && !state.bound) return 'WaitingForBinding';
  return 'Running';
}

/** A rebind under way: a new passkey is awaited while the person stays routed. */
export function isRebinding(state: PersonState): boolean {
  return state.rebindStartedAt !== undefined && !state.bound;
}

/** The status while a binding email is out: a rebind keeps its own, so `list` and `verify` tell it from a first onboarding. */
export function waitingStatus(state: PersonState): PersonStatus {
  return isRebinding(state) ? 'Rebinding' : 'WaitingForBinding';
}

/** A binding from scratch: no passkey known, a new link with its own resends and deadline. */
const BINDING_STARTS_OVER = {
  bound: false,
  boundVia: undefined,
  boundAt: undefined,
  operatorSaidBound: false,
  bindingJobId: undefined,
  bindingJobState: undefined,
  resends: 0,
  deadlineAt: undefined,
} satisfies Partial<PersonState>;

/**
 * A rebind's starting state, from the person's ended onboarding: their identity, Okta user and
 * routing are kept (routing is never touched: a federated user has no other way in), the binding
 * starts over with a new link, its own resends and deadline.
 */
export function rebindState(ended: PersonState, now: string): PersonState {
  return {
    ...ended,
    status: 'Rebinding',
    step: 'Rebind',
    ...BINDING_STARTS_OVER,
    finishedAt: undefined,
    attention: undefined,
    note: `Rebind began at ${now}: a new binding email; ${ended.email} stays routed while they bind a new passkey.`,
    rebindStartedAt: now,
  };
}

/**
 * A leave run's starting state, from the person's ended (routed) onboarding: everything it made is
 * kept for now; routing is cleared and the identity suspended, then kept until `deleteAt`.
 */
export function leaveState(ended: PersonState, reason: string, now: string): PersonState {
  return {
    ...ended,
    status: 'Suspended',
    step: 'ClearRouting',
    leaveReason: reason,
    returnedAt: undefined,
    suspendedAt: undefined,
    deleteAt: undefined,
    finishedAt: undefined,
    attention: undefined,
    note: `Left at ${now} (${reason}): taken out of routing, their Beyond Identity identity suspended.`,
  };
}

/** The note of a leaver whose grace period ran out: what went, and what was kept (adopted objects, never deleted). */
export function deletedAfterLeaveNote(state: PersonState, identityAdopted: boolean, oktaUserAdopted: boolean): string {
  const kept = [
    ...(identityAdopted
      ? [
          'their Beyond Identity identity, which was there before this service, is kept and left suspended (unsuspend or delete it in Beyond Identity)',
        ]
      : []),
    ...(oktaUserAdopted ? ['their Okta user, which was there before this service, is kept, out of routing'] : []),
  ];
  return `Left (${state.leaveReason ?? 'no reason given'}) and did not come back by ${state.deleteAt}: what this service created is removed.${kept.length ? ` ${kept.join('; ')}.` : ''}`;
}

/**
 * A leave run that has not ended in a return: Suspended, or NeedsAttention on one of its steps, or
 * removing what was made once the grace period ran out. Another leave has nothing to do; a return may be signalled.
 */
export function isLeaving(state: PersonState): boolean {
  return state.leaveReason !== undefined && state.returnedAt === undefined;
}

/** A leave run a `returned` signal still brings back: before its undo (which begins at ClearRouting once `deleteAt` is set). */
export function mayReturn(state: PersonState): boolean {
  if (!isLeaving(state) || state.status === 'Cancelled') return false;
  return LEAVE_STEPS.includes(state.step) || (state.step === 'ClearRouting' && state.deleteAt === undefined);
}

/**
 * A leaver back without an active passkey: onboarding starts over from their kept identity, with a
 * new binding email (one completed before now does not count), its own resends and deadline. The
 * status follows from the next step (person.ts sets it, so the search attributes show it too).
 */
export function returnWithoutPasskeyState(state: PersonState, now: string): void {
  Object.assign(state, {
    ...BINDING_STARTS_OVER,
    rebindStartedAt: undefined,
    returnedAt: now,
    note: `Came back at ${now} without an active passkey: a new binding email; routed again once they bind one.`,
  } satisfies Partial<PersonState>);
}

export function markBound(state: PersonState, via: 'signal' | 'update' | 'detected', now: string): void {
  if (state.bound) return;
  state.bound = true;
  state.boundVia = via;
  state.boundAt = now;
  state.note = undefined;
}

/** A check of Beyond Identity that found the person routed: bound, with their Okta user carrying our value. */
export function markRouted(
  state: PersonState,
  check: Extract<BindingCheck, { outcome: 'routed' }>,
  via: 'signal' | 'update' | 'detected',
  now: string,
): void {
  markBound(state, via, now);
  state.bindingJobState = check.jobState ?? state.bindingJobState;
  state.oktaUser = check.oktaUser;
  state.routed = true;
  state.routedAt = check.routedAt;
}

/** After a dead link: another email, or the end of the onboarding when the resends are used up. */
export function afterDeadLink(state: PersonState, maxResends: number): 'resend' | 'BindingExpired' {
  return state.resends >= maxResends ? 'BindingExpired' : 'resend';
}

/** The operator said "bound" but Beyond Identity shows no passkey: say so, keep waiting. */
export function operatorWasEarly(state: PersonState): void {
  state.note = `The operator said ${state.email} has bound a passkey, but Beyond Identity shows none yet (job ${state.bindingJobState ?? 'unknown'}). Still waiting; nothing is routed until it does.`;
  state.operatorSaidBound = false;
}

export function endNote(state: PersonState, outcome: Exclude<WaitOutcome, 'Onboarded'>, maxResends: number): string {
  if (state.rebindStartedAt) {
    const why =
      outcome === 'BindingExpired'
        ? `the binding link expired ${state.resends + 1} time(s)`
        : `no passkey was bound before the deadline (${state.deadlineAt})`;
    return `Rebind ended: ${why}. ${state.email} is still routed to Beyond Identity without a passkey; \`bi-okta rebind ${state.email}\` sends another email.`;
  }
  return outcome === 'BindingExpired'
    ? `The binding link expired ${state.resends + 1} time(s); no more emails are sent (limit ${maxResends} resends). Nothing was routed.`
    : `No passkey was bound before the deadline (${state.deadlineAt}). Nothing was routed.`;
}

/** Why `confirmBinding` is refused before anything is written to history, or undefined when it may run. */
export function confirmBindingRefusal(state: PersonState): string | undefined {
  if (!state.identity || !state.bindingJobId)
    return `${state.email} has not been sent a binding email yet; nothing to confirm`;
  if (isUndoing(state) || state.status === 'BindingExpired' || state.status === 'DeadlinePassed')
    return `the onboarding of ${state.email} has ended (${state.status})`;
  return undefined;
}

export function confirmBindingAnswer(
  state: PersonState,
  check: { activeCredential: boolean; jobState?: string },
): ConfirmBindingResult {
  if (check.activeCredential || check.jobState === 'COMPLETE') {
    return {
      accepted: true,
      reason: `Beyond Identity shows ${check.activeCredential ? 'an active passkey' : 'the binding job COMPLETE'}`,
    };
  }
  return {
    accepted: false,
    reason: `Beyond Identity shows no active passkey for ${state.email} yet (binding job ${check.jobState ?? state.bindingJobState ?? 'unknown'}); still waiting`,
  };
}

/** What undo must do, in order: out of routing first, then what we created, newest first. */
export function undoPlan(state: PersonState): ('ClearRouting' | 'RemoveOktaUser' | 'DeleteIdentity')[] {
  const plan: ('ClearRouting' | 'RemoveOktaUser' | 'DeleteIdentity')[] = [];
  if (state.routed || state.routingAttempted || state.oktaUser) plan.push('ClearRouting');
  if (state.oktaUser && !state.oktaUser.adopted) plan.push('RemoveOktaUser');
  if (state.identity && !state.identity.adopted) plan.push('DeleteIdentity');
  return plan;
}

/** What Temporal UI (markdown) and `status <email>` (text) show of a person. */
export function personView(state: PersonState): View {
  const binding: Phrase = state.bound
    ? `bound via ${state.boundVia ?? 'detected'} at ${state.boundAt}`
    : state.bindingJobId
      ? ['job ', { code: state.bindingJobId }, ` ${state.bindingJobState ?? ''}`]
      : '—';
  const routing: Part[] = state.context
    ? [' (', { code: state.context.routing.attribute }, ' = ', { quoted: state.context.routing.value }, ')']
    : [];
  return {
    title: { subject: state.email, status: state.status, step: state.step },
    lines: [
      { label: 'Beyond Identity identity', value: recordValue(state.identity) },
      { label: 'Binding', value: binding },
      {
        label: 'Binding emails sent',
        value: `${state.emailsSent}${state.resends ? ` (${state.resends} after expiry)` : ''}`,
      },
      { label: 'Binding deadline', value: state.deadlineAt ?? '—' },
      { label: 'Okta user', value: recordValue(state.oktaUser) },
      { label: 'Routed to Beyond Identity', value: state.routed ? ['yes', ...routing] : 'no' },
      ...(state.rebindStartedAt
        ? [{ label: 'Rebind', value: `began at ${state.rebindStartedAt}${state.bound ? ', new passkey bound' : ''}` }]
        : []),
      ...(state.leaveReason
        ? [
            { label: 'Left', value: state.leaveReason },
            {
              label: 'Identity suspended',
              value: state.suspendedAt ?? (state.status === 'Suspended' ? 'not yet' : '—'),
            },
            { label: 'Deleted after', value: state.deleteAt ?? '—' },
          ]
        : []),
      ...(state.returnedAt ? [{ label: 'Came back', value: state.returnedAt }] : []),
      ...(state.onboardedBy ? [{ label: 'Onboarded by', value: state.onboardedBy }] : []),
      ...(state.note ? [{ paragraph: state.note }] : []),
      ...(state.attention ? [{ view: attentionView(state.attention) }] : []),
    ],
  };
}

/** The markdown Temporal UI shows as the workflow's current details. */
export function personDetails(state: PersonState): string {
  return markdown(personView(state));
}

/** Okta needs a first and last name; without them we derive both from the address. */
export function personNames(
  email: string,
  firstName?: string,
  lastName?: string,
): { firstName: string; lastName: string } {
  const [local = email, domain = ''] = email.split('@');
  const parts = local.split(/[._+-]+/).filter(Boolean);
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  return {
    firstName: firstName?.trim() || capital(parts[0] ?? local),
    lastName:
      lastName?.trim() ||
      (parts.length > 1 ? parts.slice(1).map(capital).join(' ') : capital(domain.split('.')[0] ?? '') || '-'),
  };
}
