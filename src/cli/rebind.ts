/**
 * `rebind <email>`: an onboarded person who lost their passkey (revoked, deleted, a lost device)
 * gets a new binding email from a new run of their workflow, which waits for the new passkey.
 * Their routing is not changed: a federated user has no other way in. `verify` passes for them
 * again once they have bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeEmail, personStatusQuery, personWorkflowId, type PersonState } from '../workflows/definitions';
import { rebindPerson } from '../temporal/people';
import { CliError, EXIT, workerWarning, workflowLink, type Output, type Session } from './session';

/** How long the command waits for the worker to send (or reuse) the email before it says the run is started only. */
const SENT_WITHIN_MS = 30_000;
const LOOK_EVERY_MS = 250;

/** The rebind run's state once its email is out (a job id), or the last state seen when the time is up. */
async function untilEmailOut(session: Session, email: string): Promise<PersonState | undefined> {
  const handle = session.client.workflow.getHandle(personWorkflowId(session.spec.integrationId, email));
  const until = Date.now() + SENT_WITHIN_MS;
  let state: PersonState | undefined;
  while (Date.now() < until) {
    state = await handle.query(personStatusQuery);
    if (state.bindingJobId || state.attention || state.status !== 'Rebinding') return state;
    await sleep(LOOK_EVERY_MS);
  }
  return state;
}

export async function rebind(session: Session, out: Output, rawEmail: string): Promise<number> {
  const email = normalizeEmail(rawEmail);
  const { integrationId } = session.spec;
  const { outcome, status } = await rebindPerson(
    { client: session.client, taskQueue: session.taskQueue },
    integrationId,
    email,
  );
  if (outcome === 'notFound')
    throw new CliError(`${email} is not part of integration ${integrationId}.`, EXIT.notFound);
  if (outcome === 'notRouted') {
    throw new CliError(
      `${email} is not routed to Beyond Identity (their onboarding ended ${status}): \`onboard ${email}\` starts a new onboarding instead.`,
      EXIT.failed,
    );
  }
  if (outcome === 'running') {
    throw new CliError(
      `The onboarding of ${email} is still running (${status}): its binding email is out already; \`status ${email}\` shows it.`,
      EXIT.failed,
    );
  }
  if (outcome === 'alreadyRebinding') {
    out.print(
      { email, outcome },
      () => `${email} is being rebound already: their new binding email is out (\`status ${email}\`); nothing sent.`,
    );
    return EXIT.ok;
  }
  const warning = await workerWarning(session);
  if (warning) out.info(`Warning: ${warning}`);
  const state = await untilEmailOut(session, email);
  const link = workflowLink(session, personWorkflowId(integrationId, email));
  out.print(
    {
      email,
      outcome,
      status: state?.status,
      bindingJobId: state?.bindingJobId,
      emailsSent: state?.emailsSent,
      attention: state?.attention,
    },
    () => {
      if (state?.attention)
        return `Rebind of ${email} started, but it needs attention at ${state.attention.step}: ${state.attention.message}\nFix the cause, then \`retry ${email}\`. ${link}`;
      if (!state?.bindingJobId)
        return `Rebind of ${email} started; the worker has not sent the email yet (\`status ${email}\`). ${link}`;
      return [
        `A new binding email is out to ${email} (binding job ${state.bindingJobId}); they stay routed to Beyond Identity while they bind a new passkey.`,
        `Once they have bound, \`verify\` passes for them again. ${link}`,
      ].join('\n');
    },
  );
  return state?.attention ? EXIT.failed : EXIT.ok;
}
