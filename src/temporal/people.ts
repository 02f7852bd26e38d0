/**
 * Person workflows as Temporal sees them, from the outside: start one, offboard one, rebind one,
 * list an integration's. The operator CLI and the worker's activities (teardown) both use these, with
 * their own Temporal client. Nothing here talks to Beyond Identity or Okta.
 */
import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  emailKey,
  integrationKey,
  normalizeEmail,
  onboardedByKey,
  onboardingStatusKey,
  onboardingStepKey,
  personStatusQuery,
  personWorkflowId,
  returnedSignal,
  TASK_PRIORITY,
  type OnboardedBy,
  type PersonContext,
  type PersonInput,
  type PersonState,
  type PersonStatus,
  type PersonWorkflowInput,
} from '../workflows/definitions';
import { isLeaving, mayReturn } from '../workflows/person-state';

/** The person workflow's signature (src/workflows/person.ts), named here: importing the workflow's type would close an import cycle through the activities. */
type PersonOnboardingWorkflow = (input: PersonWorkflowInput) => Promise<PersonState>;

/** A Temporal client and the task queue its person workflows run on. */
export interface TaskQueueClient {
  client: Client;
  taskQueue: string;
}

export type StartOutcome = 'started' | 'alreadyRunning' | 'alreadyOnboarded' | 'stillRouted';

/** What `onboard` says of a person it did not start. */
export const NOT_STARTED_TEXT: Record<Exclude<StartOutcome, 'started'>, string> = {
  alreadyRunning: 'already onboarding',
  alreadyOnboarded: 'already onboarded (cancel first to onboard again)',
  stillRouted:
    'still routed from an ended rebind, without a passkey: `rebind` them (a fresh onboarding would adopt the identity this service made)',
};

/** A Temporal visibility literal: single quotes escaped. */
function visibilityLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for an integration's person workflows. */
function peopleQuery(integrationId: string): string {
  return `WorkflowType = 'personOnboarding' AND Integration = ${visibilityLiteral(integrationId)}`;
}

/** A closed run whose status is Cancelled has finished its undo. */
export function isUndone(run: Pick<PersonRun, 'status' | 'execution'>): boolean {
  return run.status === 'Cancelled' && run.execution !== 'RUNNING';
}

/** Who onboarded the person of an ended run: runs from before it was recorded were started by hand. */
function onboardedByOf(ended: PersonState): OnboardedBy {
  return ended.onboardedBy ?? 'hand';
}

function start(
  temporal: TaskQueueClient,
  integrationId: string,
  email: string,
  args: PersonWorkflowInput,
  status: PersonStatus,
  summary: string,
  reuse: 'ALLOW_DUPLICATE' | 'REJECT_DUPLICATE',
  priorityKey?: number,
) {
  return temporal.client.workflow.start<PersonOnboardingWorkflow>('personOnboarding', {
    workflowId: personWorkflowId(integrationId, email),
    taskQueue: temporal.taskQueue,
    args: [args],
    workflowIdReusePolicy: reuse,
    workflowIdConflictPolicy: 'FAIL',
    ...(priorityKey === undefined ? {} : { priority: { priorityKey } }),
    typedSearchAttributes: [
      { key: integrationKey, value: integrationId },
      { key: emailKey, value: email },
      { key: onboardingStatusKey, value: status },
      { key: onboardingStepKey, value: 'Start' },
      { key: onboardedByKey, value: args.onboardedBy ?? 'hand' },
    ],
    staticSummary: summary,
    staticDetails: `Integration \`${integrationId}\`: identity, binding email, wait for the passkey, Okta user routed by its profile property.`,
  });
}

/** The newest run of a person's workflow, or undefined when there has never been one. */
async function latestRun(
  temporal: TaskQueueClient,
  integrationId: string,
  email: string,
): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await temporal.client.workflow.getHandle(personWorkflowId(integrationId, email)).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Starts a person's onboarding, unless one is running or they are onboarded. A person whose
 * onboarding ended otherwise (expired, deadline passed, cancelled) starts afresh. A person never
 * seen before, the common case, costs one request: the start itself, refused if any run exists.
 * `onboardedBy` (default `hand`) is recorded on the run; `priority` is its task-queue priority key
 * (TASK_PRIORITY: one person interactive, a group's starts bulk).
 */
export async function startOnboarding(
  temporal: TaskQueueClient,
  person: PersonInput,
  context: PersonContext | undefined,
  options: { onboardedBy?: OnboardedBy; priority?: number } = {},
): Promise<StartOutcome> {
  const email = normalizeEmail(person.email);
  const args: PersonWorkflowInput = {
    person: { ...person, email },
    context,
    onboardedBy: options.onboardedBy ?? 'hand',
  };
  const summary = `Onboard ${email} to Beyond Identity passkeys`;
  const { priority } = options;
  try {
    await start(temporal, person.integrationId, email, args, 'Running', summary, 'REJECT_DUPLICATE', priority);
    return 'started';
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  const run = await latestRun(temporal, person.integrationId, email);
  if (!run || run.status.name === 'RUNNING') return 'alreadyRunning';
  if (run.typedSearchAttributes.get(onboardingStatusKey) === 'Onboarded') return 'alreadyOnboarded';
  // A completed run's result needs no worker (a query on a closed run would).
  if (run.status.name === 'COMPLETED') {
    const ended = (await temporal.client.workflow
      .getHandle(personWorkflowId(person.integrationId, email), run.runId)
      .result()) as PersonState;
    if (ended.routed) return 'stillRouted';
  }
  try {
    await start(temporal, person.integrationId, email, args, 'Running', summary, 'ALLOW_DUPLICATE', priority);
    return 'started';
  } catch (error) {
    // Another operator started the same person a moment ago.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'alreadyRunning';
    throw error;
  }
}

export type OffboardOutcome = 'cancelled' | 'undoing' | 'alreadyCancelled' | 'notFound';

/**
 * Offboards a person: a running onboarding is cancelled (it undoes itself); one that has ended is
 * undone by a new run of the same workflow id, from the ended run's final state, so `list` and
 * `status` show the person as Cancelled from then on.
 */
export async function offboardPerson(
  temporal: TaskQueueClient,
  integrationId: string,
  email: string,
): Promise<OffboardOutcome> {
  const normalized = normalizeEmail(email);
  const run = await latestRun(temporal, integrationId, normalized);
  if (!run) return 'notFound';
  const handle = temporal.client.workflow.getHandle(personWorkflowId(integrationId, normalized), run.runId);
  if (run.status.name === 'RUNNING') {
    await handle.cancel();
    return 'cancelled';
  }
  const ended: PersonState = await handle.query(personStatusQuery);
  if (ended.status === 'Cancelled' && ended.step === 'Undone') return 'alreadyCancelled';
  await startOffboard(temporal, integrationId, normalized, ended);
  return 'undoing';
}

/** A new run of the person's workflow that undoes what the ended run left. */
async function startOffboard(
  temporal: TaskQueueClient,
  integrationId: string,
  email: string,
  ended: PersonState,
): Promise<void> {
  try {
    await start(
      temporal,
      integrationId,
      email,
      { person: { integrationId, email }, offboard: ended, onboardedBy: onboardedByOf(ended) },
      ended.status,
      `Offboard ${email}`,
      'ALLOW_DUPLICATE',
    );
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

export type LeaveOutcome = 'leaving' | 'alreadyLeft' | 'cancelled' | 'notOnboarded' | 'notFound';

/**
 * A person who left (an Okta group sync's leaver). Routed: a leave run of the same workflow id,
 * from the ended run's state, takes them out of routing (read back), suspends their identity and
 * waits `deleteAfterMs` for a `returnPerson` before it removes what we created. Still onboarding:
 * cancelled as `offboard` does (never routed, nothing to keep). Ended without routing: offboarded.
 */
export async function leavePerson(
  temporal: TaskQueueClient,
  integrationId: string,
  email: string,
  options: { reason: string; deleteAfterMs: number },
): Promise<LeaveOutcome> {
  const normalized = normalizeEmail(email);
  const run = await latestRun(temporal, integrationId, normalized);
  if (!run) return 'notFound';
  const handle = temporal.client.workflow.getHandle(personWorkflowId(integrationId, normalized), run.runId);
  if (run.status.name === 'RUNNING') {
    // A leave run waiting for a retry must not be cancelled: its undo would skip the grace period.
    if (await isLeaveRun(handle, run)) return 'alreadyLeft';
    await handle.cancel();
    return 'cancelled';
  }
  const ended: PersonState = await handle.query(personStatusQuery);
  if (ended.status === 'Cancelled' && ended.step === 'Undone') return 'alreadyLeft';
  if (!ended.routed) {
    await startOffboard(temporal, integrationId, normalized, ended);
    return 'notOnboarded';
  }
  try {
    await start(
      temporal,
      integrationId,
      normalized,
      {
        person: { integrationId, email: normalized },
        leave: { state: ended, reason: options.reason, deleteAfterMs: options.deleteAfterMs },
        onboardedBy: onboardedByOf(ended),
      },
      'Suspended',
      `${normalized} left: out of routing, identity suspended`,
      'ALLOW_DUPLICATE',
      TASK_PRIORITY.bulk,
    );
  } catch (error) {
    // Another leave of the same person started a moment ago.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return 'alreadyLeft';
  }
  return 'leaving';
}

export type ReturnOutcome = 'returning' | 'notSuspended' | 'notFound';

/** A leaver is back: their running leave run (status Suspended) unsuspends and routes them again. */
export async function returnPerson(
  temporal: TaskQueueClient,
  integrationId: string,
  email: string,
): Promise<ReturnOutcome> {
  const normalized = normalizeEmail(email);
  const run = await latestRun(temporal, integrationId, normalized);
  if (!run) return 'notFound';
  const handle = temporal.client.workflow.getHandle(personWorkflowId(integrationId, normalized), run.runId);
  if (run.status.name !== 'RUNNING' || !(await isLeaveRun(handle, run, mayReturn))) return 'notSuspended';
  await handle.signal(returnedSignal);
  return 'returning';
}

/**
 * A running leave run (`rule`: isLeaving, or mayReturn): status Suspended; or, when its search
 * attributes cannot say (NeedsAttention, or the Cancelled of its undo), its state does (a query: the worker answers).
 */
async function isLeaveRun(
  handle: WorkflowHandle,
  run: Pick<WorkflowExecutionDescription, 'typedSearchAttributes'>,
  rule: (state: PersonState) => boolean = isLeaving,
): Promise<boolean> {
  const status = run.typedSearchAttributes.get(onboardingStatusKey);
  if (status === 'Suspended') return true;
  if (status !== 'NeedsAttention' && status !== 'Cancelled') return false;
  return rule(await handle.query(personStatusQuery));
}

export type RebindOutcome = 'started' | 'alreadyRebinding' | 'running' | 'notRouted' | 'notFound';

/**
 * Rebinds a person who lost their passkey: a new run of the same workflow id, from their ended
 * onboarding's final state, sends a new binding email (a live link is reused) and waits for the
 * new passkey; their routing is left as it is. Only a person the service routed can be rebound;
 * a running onboarding (or rebind) already has its email out.
 */
export async function rebindPerson(
  temporal: TaskQueueClient,
  integrationId: string,
  email: string,
): Promise<{ outcome: RebindOutcome; status?: string }> {
  const normalized = normalizeEmail(email);
  const run = await latestRun(temporal, integrationId, normalized);
  if (!run) return { outcome: 'notFound' };
  const status = run.typedSearchAttributes.get(onboardingStatusKey);
  if (run.status.name === 'RUNNING')
    return { outcome: status === 'Rebinding' ? 'alreadyRebinding' : 'running', status };
  const ended: PersonState = await temporal.client.workflow
    .getHandle(personWorkflowId(integrationId, normalized), run.runId)
    .query(personStatusQuery);
  if (!ended.routed || !ended.identity || !ended.context) return { outcome: 'notRouted', status: ended.status };
  try {
    await start(
      temporal,
      integrationId,
      normalized,
      { person: { integrationId, email: normalized }, rebind: ended, onboardedBy: onboardedByOf(ended) },
      'Rebinding',
      `Rebind ${normalized}: a new passkey binding email`,
      'ALLOW_DUPLICATE',
      TASK_PRIORITY.interactive,
    );
  } catch (error) {
    // Another operator started the same rebind a moment ago.
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      return { outcome: 'alreadyRebinding', status: 'Rebinding' };
    throw error;
  }
  return { outcome: 'started', status: 'Rebinding' };
}

export interface PersonRun {
  email: string;
  workflowId: string;
  runId: string;
  status: string;
  step: string;
  execution: string;
  startedAt: string;
  /** Who onboarded the person (`hand` for runs from before it was recorded). */
  onboardedBy: OnboardedBy;
}

/** How a long listing goes: the page size asked of visibility, and a count of the runs read so far. */
export interface ListingOptions {
  pageSize?: number;
  onRun?: (runsRead: number) => void;
}

/**
 * Every person of an integration, newest run each, from visibility (the SDK's iterator pages
 * through any number); with `status`, those whose newest run has it (an offboarded person's older
 * Onboarded run does not count).
 */
export async function listPersonRuns(
  temporal: Pick<TaskQueueClient, 'client'>,
  integrationId: string,
  status?: string,
  listing: ListingOptions = {},
): Promise<PersonRun[]> {
  const runs = await newestRuns(temporal, [peopleQuery(integrationId)], listing);
  return runs.filter((row) => !status || row.status === status);
}

/** Emails named in one visibility query: keeps each query short, however many people are named. */
const EMAILS_PER_QUERY = 100;

/** The visibility queries for the runs of the people named (normalized emails), at most EMAILS_PER_QUERY each. */
export function namedPeopleQueries(integrationId: string, emails: readonly string[]): string[] {
  const unique = [...new Set(emails)];
  const queries: string[] = [];
  for (let from = 0; from < unique.length; from += EMAILS_PER_QUERY) {
    const names = unique.slice(from, from + EMAILS_PER_QUERY).map(visibilityLiteral);
    queries.push(`${peopleQuery(integrationId)} AND Email IN (${names.join(', ')})`);
  }
  return queries;
}

/**
 * The people named (normalized emails) of an integration, newest run each: what listPersonRuns
 * answers for them, without reading everyone else's runs (the sync's fast path at every poll).
 */
export async function listNamedPersonRuns(
  temporal: Pick<TaskQueueClient, 'client'>,
  integrationId: string,
  emails: readonly string[],
  listing: ListingOptions = {},
): Promise<PersonRun[]> {
  return newestRuns(temporal, namedPeopleQueries(integrationId, emails), listing);
}

/** The newest run of each person the queries find, by email. */
async function newestRuns(
  temporal: Pick<TaskQueueClient, 'client'>,
  queries: readonly string[],
  listing: ListingOptions,
): Promise<PersonRun[]> {
  const newest = new Map<string, PersonRun>();
  let runsRead = 0;
  for (const query of queries)
    for await (const info of temporal.client.workflow.list({ query, pageSize: listing.pageSize })) {
      listing.onRun?.(++runsRead);
      const row = personRun(info);
      const previous = newest.get(row.email);
      if (!previous || row.startedAt > previous.startedAt) newest.set(row.email, row);
    }
  return [...newest.values()].sort((a, b) => a.email.localeCompare(b.email));
}

/** A run as its search attributes describe it (`?` for one not yet set); the integration's own run reads the same way. */
export function personRun(
  info: Pick<WorkflowExecutionInfo, 'typedSearchAttributes' | 'status' | 'startTime' | 'workflowId' | 'runId'>,
): PersonRun {
  const attributes = info.typedSearchAttributes;
  return {
    email: attributes.get(emailKey) ?? info.workflowId,
    workflowId: info.workflowId,
    runId: info.runId,
    status: attributes.get(onboardingStatusKey) ?? '?',
    step: attributes.get(onboardingStepKey) ?? '?',
    execution: info.status.name,
    startedAt: info.startTime.toISOString(),
    onboardedBy: (attributes.get(onboardedByKey) as OnboardedBy | undefined) ?? 'hand',
  };
}
