/**
 * The operator's commands. Each talks to Temporal only (never to Beyond Identity or Okta, whose
 * credentials live with the worker), prints for people or as JSON, and returns an exit code.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateFailedError, type WorkflowExecutionInfo } from '@temporalio/client';
import {
  confirmBindingUpdate,
  credentialBoundSignal,
  emailKey,
  integrationKey,
  integrationStatusQuery,
  normalizeEmail,
  onboardingStatusKey,
  onboardingStepKey,
  personStatusQuery,
  personWorkflowId,
  retrySignal,
  teardownSignal,
  type IntegrationState,
  type PersonInput,
  type PersonState,
  type PersonStatus,
} from '../workflows/definitions';
import { listPersonRuns, NOT_STARTED_TEXT, offboardPerson, startOnboarding, type OffboardOutcome, type StartOutcome } from '../temporal/people';
import type { integration } from '../workflows/integration';
import { oktaRedirectUris } from '../workflows/integration-state';
import { findingLine, verifySummaryLine } from '../workflows/verify-state';
import type { preflight as preflightWorkflow } from '../workflows/preflight';
import type { PreflightCheck } from '../activities/preflight';
import { CliError, EXIT, isNotFound, workerRunError, workerWarning, workflowLink, type Output, type Session } from './session';

/** People started at once by one `onboard`. */
const PARALLEL_STARTS = 50;

/**
 * Starts the integration if it is not running (one workflow however many operators run this at
 * once), then each person's onboarding directly: nobody waits for the integration, and a person
 * onboarded while it is still setting up waits for it in their first step.
 */
export async function onboard(session: Session, out: Output, people: PersonInput[]): Promise<number> {
  const { spec } = session;
  const integrationHandle = await session.client.workflow.start<typeof integration>('integration', {
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
  const ready = await integrationHandle.query(integrationStatusQuery).catch(() => undefined);
  const context = ready?.status === 'Ready' ? ready.context : undefined;
  const temporal = { client: session.client, taskQueue: session.taskQueue };
  const outcomes = new Map<string, StartOutcome>();
  const queue = [...people];
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL_STARTS, queue.length) }, async () => {
      for (let person = queue.shift(); person; person = queue.shift()) outcomes.set(person.email, await startOnboarding(temporal, person, context));
    }),
  );
  const rows = people.map((person) => ({ email: person.email, outcome: outcomes.get(person.email)!, workflowId: personWorkflowId(spec.integrationId, person.email) }));
  const warning = await workerWarning(session);
  out.print({ integrationId: spec.integrationId, people: rows, warning }, () =>
    [
      `Onboarding ${people.length} ${people.length === 1 ? 'person' : 'people'} on integration ${spec.integrationId}:`,
      ...rows.map((row) => `  ${row.email}${row.outcome === 'started' ? '' : `: ${NOT_STARTED_TEXT[row.outcome]}`}`),
      '',
      `Each will get a binding email. Progress: \`npm run cli -- watch\`; Temporal UI: ${workflowLink(session, spec.integrationId)}`,
      ...(warning ? ['', `Warning: ${warning}`] : []),
    ].join('\n'),
  );
  return EXIT.ok;
}

async function personState(session: Session, email: string): Promise<PersonState> {
  const handle = session.client.workflow.getHandle(personWorkflowId(session.spec.integrationId, email));
  try {
    return await handle.query(personStatusQuery);
  } catch (error) {
    if (isNotFound(error)) {
      throw new CliError(`No onboarding of ${email} in integration ${session.spec.integrationId}. Start one with \`onboard ${email}\`.`, EXIT.notFound);
    }
    throw error;
  }
}

export async function status(session: Session, out: Output, email: string | undefined): Promise<number> {
  if (!email) {
    const state = await integrationState(session);
    const rows = await listPeople(session);
    const counts = countByStatus(rows);
    out.print({ ...state, people: { total: rows.length, byStatus: Object.fromEntries(counts) } }, () =>
      describeIntegration(session, state, {
        total: rows.length,
        summary: `routed ${counts.get('Onboarded') ?? 0}${counts.size > 0 ? ` (${[...counts].map(([name, count]) => `${name} ${count}`).join(', ')})` : ''}`,
      }),
    );
    return state.status === 'NeedsAttention' ? EXIT.failed : EXIT.ok;
  }
  const normalized = normalizeEmail(email);
  const state = await personState(session, normalized);
  out.print(state, () => describePerson(session, state));
  return state.status === 'NeedsAttention' ? EXIT.failed : EXIT.ok;
}

export async function bound(session: Session, out: Output, email: string, check: boolean): Promise<number> {
  const normalized = normalizeEmail(email);
  const handle = session.client.workflow.getHandle(personWorkflowId(session.spec.integrationId, normalized));
  try {
    if (!check) {
      await handle.signal(credentialBoundSignal);
      out.print({ email: normalized, signalled: true }, () =>
        `Told the onboarding of ${normalized} that a passkey is bound. It checks with Beyond Identity before routing; see \`status ${normalized}\`.`,
      );
      return EXIT.ok;
    }
    const result = await handle.executeUpdate(confirmBindingUpdate).catch(async (error: unknown) => {
      // The onboarding may have ended meanwhile because its own check saw the passkey: answer from its final state.
      const state = await handle.query(personStatusQuery).catch(() => undefined);
      if (state?.bound) return { accepted: true, reason: `the passkey binding was already confirmed (onboarding ${state.status})` };
      throw error;
    });
    out.print({ email: normalized, ...result }, () => `${result.accepted ? 'Accepted' : 'Rejected'}: ${result.reason}`);
    return result.accepted ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`No running onboarding of ${normalized} in integration ${session.spec.integrationId}.`, EXIT.notFound);
    // A validator's refusal (nothing to confirm yet, or the onboarding has ended): its reason is the
    // cause; the update error itself only says "Workflow Update failed".
    const reason = error instanceof WorkflowUpdateFailedError ? (error.cause?.message ?? error.message) : (error as Error).message;
    throw new CliError(`Refused: ${reason}`, EXIT.failed);
  }
}

export async function retry(session: Session, out: Output, email: string | undefined): Promise<number> {
  const workflowId = email ? personWorkflowId(session.spec.integrationId, normalizeEmail(email)) : session.spec.integrationId;
  try {
    await session.client.workflow.getHandle(workflowId).signal(retrySignal);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`No running workflow ${workflowId}.`, EXIT.notFound);
    throw error;
  }
  out.print({ workflowId, retried: true }, () => `Asked ${email ? normalizeEmail(email) : 'the integration'} to retry its failed step.`);
  return EXIT.ok;
}

export async function cancel(session: Session, out: Output, email: string): Promise<number> {
  const normalized = normalizeEmail(email);
  const outcome = await offboardPerson({ client: session.client, taskQueue: session.taskQueue }, session.spec.integrationId, normalized);
  if (outcome === 'notFound') throw new CliError(`${normalized} is not part of integration ${session.spec.integrationId}.`, EXIT.notFound);
  const said: Record<Exclude<OffboardOutcome, 'notFound'>, string> = {
    cancelled: `Cancelling ${normalized}: out of routing first (read back), then what the service created for them is removed (adopted objects are kept).`,
    undoing: `Offboarding ${normalized}, whose onboarding had ended: out of routing first (read back), then what the service created for them is removed (adopted objects are kept).`,
    alreadyCancelled: `${normalized} is already cancelled; nothing to do.`,
  };
  out.print({ email: normalized, outcome }, () => said[outcome]);
  return EXIT.ok;
}

export async function teardown(session: Session, out: Output, wait: boolean): Promise<number> {
  const handle = session.client.workflow.getHandle<typeof integration>(session.spec.integrationId);
  try {
    await handle.signal(teardownSignal);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`No running integration ${session.spec.integrationId}.`, EXIT.notFound);
    throw error;
  }
  out.info(`Tearing down ${session.spec.integrationId}: routing, then people, then the shared objects; adopted objects are kept.`);
  if (!wait) return EXIT.ok;
  const state = await handle.result();
  out.print(state, () => `Torn down at ${state.tornDownAt}.${state.kept.length ? `\nKept:\n${state.kept.map((item) => `  ${item}`).join('\n')}` : ''}`);
  return EXIT.ok;
}

export interface PersonRow {
  /** `list` shows the integration as a row of its own (email empty): when it needs attention, everyone waits on it. */
  kind: 'person' | 'integration';
  email: string;
  status: string;
  step: string;
  execution: string;
  startedAt?: string;
  workflowId: string;
}

/** Every onboarding of the integration, newest run per person (an offboarded person shows as Cancelled). */
export async function listPeople(session: Session, statusFilter?: string): Promise<PersonRow[]> {
  const runs = await listPersonRuns(session, session.spec.integrationId, statusFilter);
  return runs.map(({ runId: _runId, ...run }) => ({ kind: 'person', ...run }));
}

function personRow(info: Pick<WorkflowExecutionInfo, 'typedSearchAttributes' | 'status' | 'startTime' | 'workflowId'>): PersonRow {
  const attributes = info.typedSearchAttributes;
  return {
    kind: 'person',
    email: attributes.get(emailKey) ?? info.workflowId,
    status: attributes.get(onboardingStatusKey) ?? '?',
    step: attributes.get(onboardingStepKey) ?? '?',
    execution: info.status.name,
    startedAt: info.startTime.toISOString(),
    workflowId: info.workflowId,
  };
}

/** The integration's own row, when it has started and has the status asked for. */
async function integrationRow(session: Session, statusFilter?: string): Promise<PersonRow | undefined> {
  let row: PersonRow;
  try {
    row = { ...personRow(await session.client.workflow.getHandle(session.spec.integrationId).describe()), kind: 'integration', email: '' };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return !statusFilter || row.status === statusFilter ? row : undefined;
}

export async function list(session: Session, out: Output, statusFilter?: string): Promise<number> {
  const [integration, people] = await Promise.all([integrationRow(session, statusFilter), listPeople(session, statusFilter)]);
  const rows = integration ? [integration, ...people] : people;
  out.print(rows, () => (rows.length === 0 ? `No onboardings${statusFilter ? ` with status ${statusFilter}` : ''} in ${session.spec.integrationId}.` : table(rows)));
  return EXIT.ok;
}

function table(rows: PersonRow[]): string {
  const headers = ['EMAIL', 'STATUS', 'STEP', 'WORKFLOW', 'STARTED'];
  const cells = rows.map((row) => [row.kind === 'integration' ? '(integration)' : row.email, row.status, row.step, row.execution, row.startedAt?.replace('T', ' ').slice(0, 19) ?? '']);
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** Statuses in which a person still needs something to happen. */
const UNSETTLED: readonly string[] = ['Running', 'WaitingForBinding', 'Rebinding', 'NeedsAttention', '?'] satisfies (PersonStatus | '?')[];

export async function watch(session: Session, out: Output, options: { intervalSeconds: number; untilSettled: boolean }): Promise<number> {
  const tty = process.stdout.isTTY && !out.json;
  let previous = '';
  for (;;) {
    const [rows, integrationView] = await Promise.all([listPeople(session), integrationState(session).catch(() => undefined)]);
    const counts = countByStatus(rows);
    const summary = [...counts.entries()].map(([name, count]) => `${name} ${count}`).join(', ') || 'nobody yet';
    const settled = rows.length > 0 && rows.every((row) => !UNSETTLED.includes(row.status) || row.execution !== 'RUNNING');
    if (out.json) {
      out.print({ at: new Date().toISOString(), integration: integrationView?.status, counts: Object.fromEntries(counts), people: rows }, () => '');
    } else {
      const screen = [
        `Integration ${session.spec.integrationId}: ${integrationView ? `${integrationView.status} (step ${integrationView.step})` : 'not started'}`,
        `People: ${rows.length} — ${summary}; routed to Beyond Identity: ${counts.get('Onboarded') ?? 0}`,
        ...(integrationView?.attention ? [`Needs attention: ${integrationView.attention.message}`] : []),
        '',
        rows.length > 0 ? table(rows) : '(no onboardings yet)',
      ].join('\n');
      if (tty) process.stdout.write(`\x1b[H\x1b[2J${screen}\n\n(refreshing every ${options.intervalSeconds} s; Ctrl-C to stop)\n`);
      else if (screen !== previous) process.stdout.write(`${new Date().toISOString()}\n${screen}\n\n`);
      previous = screen;
    }
    if (options.untilSettled && settled) return EXIT.ok;
    await sleep(options.intervalSeconds * 1000);
  }
}

function countByStatus(rows: PersonRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  return counts;
}

export async function integrationState(session: Session): Promise<IntegrationState> {
  try {
    return await session.client.workflow.getHandle(session.spec.integrationId).query(integrationStatusQuery);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`Integration ${session.spec.integrationId} has not been started; \`onboard <email>\` starts it.`, EXIT.notFound);
    throw error;
  }
}

function describeIntegration(session: Session, state: IntegrationState, people?: { total: number; summary: string }): string {
  const object = (label: string, record?: { id: string; adopted: boolean }) => `  ${label.padEnd(24)}${record ? `${record.id}${record.adopted ? ' (adopted)' : ''}` : '—'}`;
  return [
    `Integration ${session.spec.integrationId}: ${state.status} (step ${state.step})`,
    object('Realm', state.realm),
    object('Authenticator config', state.authenticatorConfig),
    object('OIDC application', state.application),
    object('Okta identity provider', state.idp),
    object('Okta profile property', state.routingAttribute),
    object('Routing rule', state.routingRule),
    `  Routing                 ${session.spec.routing.attribute} = "${session.spec.routing.value}" on each routed person's Okta user`,
    ...(people ? [`  People                  ${people.total}, ${people.summary}`] : []),
    `  Last verify             ${state.lastVerify ? verifySummaryLine(state.lastVerify) : '— (`verify` runs one now)'}`,
    ...(state.lastVerify?.findings ?? []).map((finding) => `    ${findingLine(finding)}`),
    ...(state.attention ? ['', attentionText(state.attention)] : []),
    ...(state.kept.length ? ['', 'Kept:', ...state.kept.map((item) => `  ${item}`)] : []),
    '',
    workflowLink(session, session.spec.integrationId),
  ].join('\n');
}

function describePerson(session: Session, state: PersonState): string {
  return [
    `${state.email}: ${state.status} (step ${state.step})`,
    `  identity       ${state.identity ? `${state.identity.id}${state.identity.adopted ? ' (adopted)' : ''}` : '—'}`,
    `  binding        ${state.bound ? `bound via ${state.boundVia} at ${state.boundAt}` : state.bindingJobId ? `job ${state.bindingJobId} ${state.bindingJobState ?? ''}` : '—'}`,
    `  emails sent    ${state.emailsSent}${state.resends ? ` (${state.resends} after expiry)` : ''}`,
    `  deadline       ${state.deadlineAt ?? '—'}`,
    `  Okta user      ${state.oktaUser ? `${state.oktaUser.id}${state.oktaUser.adopted ? ' (adopted)' : ''}` : '—'}`,
    `  routed         ${state.routed ? 'yes' : 'no'}`,
    ...(state.note ? ['', state.note] : []),
    ...(state.attention ? ['', attentionText(state.attention)] : []),
    '',
    workflowLink(session, personWorkflowId(session.spec.integrationId, state.email)),
  ].join('\n');
}

function attentionText(attention: NonNullable<PersonState['attention']>): string {
  const where = [attention.service, attention.status ? `HTTP ${attention.status}` : undefined, attention.upstreamCode].filter(Boolean).join(', ');
  return `Needs attention at ${attention.step} since ${attention.since}: ${attention.message}${where ? ` [${where}]` : ''}\nFix the cause, then \`retry\`.`;
}

/** Waits until `predicate` holds for the person (used by the demo and scripts). */
export async function waitForPerson(session: Session, email: string, predicate: (state: PersonState) => boolean, timeoutMs: number): Promise<PersonState> {
  const deadline = Date.now() + timeoutMs;
  let last: PersonState | undefined;
  while (Date.now() < deadline) {
    try {
      last = await personState(session, email);
      if (predicate(last)) return last;
    } catch (error) {
      if (!(error instanceof CliError && error.exitCode === EXIT.notFound)) throw error;
    }
    await sleep(250);
  }
  throw new CliError(`Timed out waiting for ${email}${last ? ` (last: ${last.status}, step ${last.step})` : ''}.`, EXIT.failed);
}

/** How long `preflight` waits for the worker to run its checks. */
const PREFLIGHT_TIMEOUT = '2 minutes';

/**
 * Read-only checks of the configured upstreams, run by the worker (where the credentials are):
 * a checklist with a fix for each failure. Exit 0 when every check passes, 1 otherwise.
 */
export async function preflight(session: Session, out: Output): Promise<number> {
  const { spec } = session;
  let checks: PreflightCheck[];
  try {
    checks = await session.client.workflow.execute<typeof preflightWorkflow>('preflight', {
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
        },
      ],
    });
  } catch (error) {
    throw workerRunError(session, error, 'preflight', PREFLIGHT_TIMEOUT);
  }
  const passed = checks.every((check) => check.ok);
  out.print({ ok: passed, checks }, () =>
    [
      ...checks.map((check) => `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}${check.fix ? `\n       fix: ${check.fix}` : ''}`),
      '',
      passed ? 'All checks passed: nothing was written.' : `${checks.filter((check) => !check.ok).length} of ${checks.length} checks failed: nothing was written.`,
    ].join('\n'),
  );
  return passed ? EXIT.ok : EXIT.failed;
}
