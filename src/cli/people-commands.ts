/**
 * The people's commands, as data: onboard, read, confirm a binding, retry, cancel, list. They talk
 * to Temporal only (never to Beyond Identity or Okta, whose credentials live with the worker) and
 * print nothing: commands.ts prints their answers, and `onboard --okta-group` reuses `onboard`.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  listPersonRuns,
  offboardPerson,
  startOnboarding,
  type OffboardOutcome,
  type StartOutcome,
} from '../temporal/people';
import { mapLimit } from '../util/concurrency';
import { errorMessage } from '../util/errors';
import {
  confirmBindingUpdate,
  credentialBoundSignal,
  normalizeEmail,
  personStatusQuery,
  personWorkflowId,
  retrySignal,
  TASK_PRIORITY,
  type ConfirmBindingResult,
  type PersonInput,
  type PersonState,
} from '../workflows/definitions';
import { startIntegration, type ListRow } from './integration-commands';
import { CliError, EXIT, isNotFound, workerWarning, type Session } from './session';

/** People started at once by one `onboard`. */
const PARALLEL_STARTS = 50;

export interface OnboardAnswer {
  integrationId: string;
  people: { email: string; outcome: StartOutcome; workflowId: string }[];
  /** No worker polls the task queue: the work waits for one. */
  warning?: string;
}

/**
 * Starts the integration if need be, then each person's onboarding directly: nobody waits for the
 * integration. One person starts at interactive priority, more (a file, a group) at bulk, unless `priority` says.
 */
export async function onboard(session: Session, people: PersonInput[], priority?: number): Promise<OnboardAnswer> {
  const { spec } = session;
  const context = await startIntegration(session);
  const temporal = { client: session.client, taskQueue: session.taskQueue };
  const startPriority = priority ?? (people.length === 1 ? TASK_PRIORITY.interactive : TASK_PRIORITY.bulk);
  const outcomes = await mapLimit(people, PARALLEL_STARTS, (person) =>
    startOnboarding(temporal, person, context, { priority: startPriority }),
  );
  return {
    integrationId: spec.integrationId,
    people: people.map((person, index) => ({
      email: person.email,
      outcome: outcomes[index]!,
      workflowId: personWorkflowId(spec.integrationId, person.email),
    })),
    warning: await workerWarning(session),
  };
}

export async function personState(session: Session, email: string): Promise<PersonState> {
  const handle = session.client.workflow.getHandle(personWorkflowId(session.spec.integrationId, email));
  try {
    return await handle.query(personStatusQuery);
  } catch (error) {
    if (isNotFound(error)) {
      throw new CliError(
        `No onboarding of ${email} in integration ${session.spec.integrationId}. Start one with \`onboard ${email}\`.`,
        EXIT.notFound,
      );
    }
    throw error;
  }
}

export type BoundAnswer = { email: string; signalled: true } | ({ email: string } & ConfirmBindingResult);

/** Tells the onboarding a passkey is bound; with `check`, asks it to check with Beyond Identity now and answer. */
export async function bound(session: Session, email: string, check: boolean): Promise<BoundAnswer> {
  const normalized = normalizeEmail(email);
  const handle = session.client.workflow.getHandle(personWorkflowId(session.spec.integrationId, normalized));
  try {
    if (!check) {
      await handle.signal(credentialBoundSignal);
      return { email: normalized, signalled: true };
    }
    const result = await handle.executeUpdate(confirmBindingUpdate).catch(async (error: unknown) => {
      // The onboarding may have ended meanwhile because its own check saw the passkey: answer from its final state.
      const state = await handle.query(personStatusQuery).catch(() => undefined);
      if (state?.bound)
        return { accepted: true, reason: `the passkey binding was already confirmed (onboarding ${state.status})` };
      throw error;
    });
    return { email: normalized, ...result };
  } catch (error) {
    if (isNotFound(error))
      throw new CliError(
        `No running onboarding of ${normalized} in integration ${session.spec.integrationId}.`,
        EXIT.notFound,
      );
    // A validator's refusal (nothing to confirm yet, or the onboarding has ended): its reason is the
    // cause; the update error itself only says "Workflow Update failed".
    const reason =
      error instanceof WorkflowUpdateFailedError ? (error.cause?.message ?? error.message) : errorMessage(error);
    throw new CliError(`Refused: ${reason}`, EXIT.failed);
  }
}

/** Asks a person's onboarding (or, without an email, the integration) to retry its failed step. */
export async function retry(
  session: Session,
  email: string | undefined,
): Promise<{ workflowId: string; retried: true }> {
  const workflowId = email
    ? personWorkflowId(session.spec.integrationId, normalizeEmail(email))
    : session.spec.integrationId;
  try {
    await session.client.workflow.getHandle(workflowId).signal(retrySignal);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`No running workflow ${workflowId}.`, EXIT.notFound);
    throw error;
  }
  return { workflowId, retried: true };
}

export async function cancel(
  session: Session,
  email: string,
): Promise<{ email: string; outcome: Exclude<OffboardOutcome, 'notFound'> }> {
  const normalized = normalizeEmail(email);
  const outcome = await offboardPerson(
    { client: session.client, taskQueue: session.taskQueue },
    session.spec.integrationId,
    normalized,
  );
  if (outcome === 'notFound')
    throw new CliError(`${normalized} is not part of integration ${session.spec.integrationId}.`, EXIT.notFound);
  return { email: normalized, outcome };
}

/** Every onboarding of the integration, newest run per person (an offboarded person shows as Cancelled). */
export async function listPeople(session: Session, statusFilter?: string): Promise<ListRow[]> {
  const runs = await listPersonRuns(session, session.spec.integrationId, statusFilter);
  return runs.map(({ runId: _runId, ...run }) => ({ kind: 'person', ...run }));
}

export function countByStatus(rows: ListRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  return counts;
}
