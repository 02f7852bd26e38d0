/**
 * The integration's commands, as data: start it, read its state, tear it down, run the preflight
 * checks. They talk to Temporal only and print nothing: commands.ts prints their answers.
 */
import type { PreflightCheck } from '../activities/preflight';
import { personRun, type PersonRun } from '../temporal/people';
import {
  integrationKey,
  integrationStatusQuery,
  onboardingStatusKey,
  onboardingStepKey,
  teardownSignal,
  type IntegrationState,
  type PersonContext,
} from '../workflows/definitions';
import type { integration } from '../workflows/integration';
import { oktaRedirectUris } from '../workflows/integration-state';
import type { preflight as preflightWorkflow } from '../workflows/preflight';
import { syncId } from '../workflows/sync-definitions';
import { CliError, EXIT, isNotFound, workerRunError, type Session } from './session';

/** A row of `list`: a person's newest run, or the integration's own (email empty): when it needs attention, everyone waits on it. */
export type ListRow = Omit<PersonRun, 'runId' | 'onboardedBy'> & {
  kind: 'person' | 'integration';
  /** A person's (the integration's own row has none). */
  onboardedBy?: PersonRun['onboardedBy'];
};

/**
 * Starts the integration if it is not running (one workflow however many operators run this at
 * once); what people need of it once it is Ready, else undefined (a person onboarded while it is
 * still setting up waits for it in their first step).
 */
export async function startIntegration(session: Session): Promise<PersonContext | undefined> {
  const { spec } = session;
  const handle = await session.client.workflow.start<typeof integration>('integration', {
    workflowId: spec.integrationId,
    taskQueue: session.taskQueue,
    args: [{ spec }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: integrationKey, value: spec.integrationId },
      { key: onboardingStatusKey, value: 'SettingUp' },
      { key: onboardingStepKey, value: 'Start' },
    ],
    staticSummary: `Okta ↔ Beyond Identity: realm "${spec.realmName}", ${spec.oktaOrgUrl}`,
    staticDetails: `Shared objects (realm, authenticator config, OIDC app, Okta IdP, routing property and rule). Each person has a workflow of their own.`,
  });
  const ready = await handle.query(integrationStatusQuery).catch(() => undefined);
  return ready?.status === 'Ready' ? ready.context : undefined;
}

export async function integrationState(session: Session): Promise<IntegrationState> {
  try {
    return await session.client.workflow
      .getHandle<typeof integration>(session.spec.integrationId)
      .query(integrationStatusQuery);
  } catch (error) {
    if (isNotFound(error))
      throw new CliError(
        `Integration ${session.spec.integrationId} has not been started; \`onboard <email>\` starts it.`,
        EXIT.notFound,
      );
    throw error;
  }
}

/** The integration's own row of `list`, when it has started and has the status asked for. */
export async function integrationRow(session: Session, statusFilter?: string): Promise<ListRow | undefined> {
  let row: ListRow;
  try {
    const {
      runId: _runId,
      onboardedBy: _onboardedBy,
      ...run
    } = personRun(await session.client.workflow.getHandle(session.spec.integrationId).describe());
    row = { ...run, kind: 'integration', email: '' };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return !statusFilter || row.status === statusFilter ? row : undefined;
}

/** Asks the integration to tear down; `finished` waits for its final state. */
export async function teardown(session: Session): Promise<{ finished: () => Promise<IntegrationState> }> {
  const handle = session.client.workflow.getHandle<typeof integration>(session.spec.integrationId);
  try {
    await handle.signal(teardownSignal);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`No running integration ${session.spec.integrationId}.`, EXIT.notFound);
    throw error;
  }
  return { finished: () => handle.result() };
}

/** How long `preflight` waits for the worker to run its checks. */
const PREFLIGHT_TIMEOUT = '2 minutes';

/** The schedules of the integration's Okta group syncs (one per group; the id is the sync's). */
export async function syncScheduleIds(session: Session): Promise<string[]> {
  const prefix = syncId(session.spec.integrationId, '');
  const ids: string[] = [];
  for await (const schedule of session.client.schedule.list())
    if (schedule.scheduleId.startsWith(prefix)) ids.push(schedule.scheduleId);
  return ids.sort();
}

/**
 * Read-only checks of the configured upstreams, run by the worker (where the credentials are), each
 * with a fix when it fails. With `sync` (a sync is configured, or `sync` is about to make one) the
 * System Log's scope and a read of it are checked too.
 */
export async function preflight(session: Session, options: { sync?: boolean } = {}): Promise<PreflightCheck[]> {
  const { spec } = session;
  const sync = options.sync ?? (await syncScheduleIds(session)).length > 0;
  try {
    return await session.client.workflow.execute<typeof preflightWorkflow>('preflight', {
      taskQueue: session.taskQueue,
      workflowId: `${spec.integrationId}/preflight/${Date.now()}`,
      workflowExecutionTimeout: PREFLIGHT_TIMEOUT,
      args: [
        {
          biTenantId: spec.biTenantId,
          oktaOrgUrl: spec.oktaOrgUrl,
          realmName: spec.realmName,
          idpName: spec.idpName,
          routingRuleName: spec.routingRuleName,
          routingAttribute: spec.routing.attribute,
          issuerMode: spec.oktaIssuerMode ?? 'ORG_URL',
          ...(spec.oktaCustomDomain ? { customDomain: spec.oktaCustomDomain } : {}),
          redirectUris: oktaRedirectUris(spec),
          ...(sync ? { sync } : {}),
        },
      ],
    });
  } catch (error) {
    throw workerRunError(session, error, 'preflight', PREFLIGHT_TIMEOUT);
  }
}
