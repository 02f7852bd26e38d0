/**
 * One integration (Beyond Identity tenant + realm ↔ Okta org), a long-lived workflow with a
 * deterministic id: it owns the shared objects (realm, authenticator config, OIDC application,
 * Okta identity provider, routing rule), so they are created once however many onboardings start
 * at the same moment; it starts one workflow per person and tells them about routing (from
 * activities: see activities/onboardings.ts), and routes each person only after that person has
 * bound a passkey.
 * Teardown undoes, in reverse order, only what it created.
 */
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import {
  integrationKey,
  integrationStatusQuery,
  normalizeEmail,
  offboardSignal,
  onboardingStatusKey,
  onboardingStepKey,
  onboardSignal,
  personReportSignal,
  personWorkflowId,
  retrySignal,
  teardownSignal,
  type IntegrationCarry,
  type IntegrationState,
  type IntegrationStatus,
  type IntegrationWorkflowInput,
  type PersonContext,
  type PersonRecord,
} from './definitions';
import { activities, attentionMarkdown, recordStatus, runStep, StepAbandoned, type AttentionHost } from './steps';

/** People started per activity: a large onboarding goes out in batches, each one retryable. */
const START_BATCH = 200;
/** People told about routing per activity. */
const NOTIFY_BATCH = 500;
/** Statuses after which a person's workflow has ended. */
const ENDED = ['Onboarded', 'BindingExpired', 'DeadlinePassed', 'Cancelled'];

export async function integration(input: IntegrationWorkflowInput): Promise<IntegrationState> {
  const { spec } = input;
  const carry: IntegrationCarry = input.resume ?? {
    state: { status: 'SettingUp', step: 'Start', people: {}, routedEmails: [], kept: [] },
    queued: [],
    offboards: [],
    toRoute: [],
    toUnroute: [],
    teardownRequested: false,
  };
  const { state } = carry;
  let retryRequested = false;
  /** Teardown's own steps wait for a retry like any other; only the steps before it are abandoned. */
  let tearingDown = false;
  const timeout = spec.activityTimeoutMs;
  const act = (summary: string) => activities(summary, timeout);

  const host: AttentionHost = {
    setAttention(attention) {
      state.attention = attention;
      setStatus(attention ? 'NeedsAttention' : carry.teardownRequested ? 'TearingDown' : state.application && state.idp ? 'Ready' : 'SettingUp', state.step);
    },
    retryRequested: () => retryRequested,
    consumeRetry: () => {
      retryRequested = false;
    },
    // A step stuck in NeedsAttention must not keep a teardown waiting (a wrong org or token the
    // operator gave up on): it is abandoned, and teardown undoes what was made before it.
    abandoned: () => carry.teardownRequested && !tearingDown,
  };

  /** Runs `work` unless teardown abandons one of its steps. */
  async function unlessTornDown(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof StepAbandoned)) throw error;
    }
  }

  function setStatus(status: IntegrationStatus, step: string): void {
    recordStatus(state, status, step);
    refreshDetails();
  }

  /** People by status, kept up to date as statuses change: the details are refreshed on every report. */
  const statusCounts = new Map<string, number>();
  for (const record of Object.values(state.people)) statusCounts.set(record.status, (statusCounts.get(record.status) ?? 0) + 1);
  let peopleCount = Object.keys(state.people).length;

  function setPersonStatus(record: PersonRecord, status: PersonRecord['status']): void {
    statusCounts.set(record.status, (statusCounts.get(record.status) ?? 1) - 1);
    statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
    record.status = status;
  }

  function addPerson(record: PersonRecord): void {
    const previous = state.people[record.email];
    if (previous) statusCounts.set(previous.status, (statusCounts.get(previous.status) ?? 1) - 1);
    else peopleCount += 1;
    state.people[record.email] = record;
    statusCounts.set(record.status, (statusCounts.get(record.status) ?? 0) + 1);
  }

  function refreshDetails(): void {
    const count = (status: string) => statusCounts.get(status) ?? 0;
    const object = (label: string, record?: { id: string; adopted: boolean }) =>
      `- ${label}: ${record ? `\`${record.id}\`${record.adopted ? ' (adopted, never deleted)' : ''}` : '—'}`;
    const lines = [
      `**Integration** ${spec.realmName} ↔ ${spec.oktaOrgUrl}: ${state.status} (step \`${state.step}\`)`,
      '',
      object('Realm', state.realm),
      object('Authenticator config', state.authenticatorConfig),
      object('Application', state.application),
      object('Okta identity provider', state.idp),
      object('Routing rule', state.routingRule),
      '',
      `People: ${peopleCount} — onboarded ${count('Onboarded')}, waiting ${count('WaitingForBinding')}, needs attention ${count('NeedsAttention')}, ` +
        `running ${count('Running') + count('Starting')}, ended otherwise ${count('BindingExpired') + count('DeadlinePassed') + count('Cancelled')}; ` +
        `routed to Beyond Identity: ${state.routedEmails.length}`,
    ];
    if (state.kept.length > 0) lines.push('', 'Kept on teardown:', ...state.kept.map((item) => `- ${item}`));
    if (state.attention) lines.push('', attentionMarkdown(state.attention));
    setCurrentDetails(lines.join('\n'));
  }

  setHandler(integrationStatusQuery, () => state);
  setHandler(retrySignal, () => {
    retryRequested = true;
  });
  setHandler(onboardSignal, ({ people }) => {
    for (const person of people) {
      const email = normalizeEmail(person.email);
      const known = state.people[email];
      // Already onboarding or onboarded: nothing to do. Ended otherwise: a fresh start.
      if (known && !['BindingExpired', 'DeadlinePassed', 'Cancelled'].includes(known.status)) continue;
      if (carry.queued.some((queued) => normalizeEmail(queued.email) === email)) continue;
      carry.queued.push({ ...person, email, integrationId: spec.integrationId });
    }
    refreshDetails();
  });
  setHandler(offboardSignal, ({ email }) => {
    const normalized = normalizeEmail(email);
    if (!carry.offboards.includes(normalized)) carry.offboards.push(normalized);
  });
  setHandler(teardownSignal, () => {
    carry.teardownRequested = true;
  });
  setHandler(personReportSignal, (report) => {
    const record = state.people[report.email];
    if (!record) return;
    setPersonStatus(record, report.status);
    if (report.identity) record.identity = report.identity;
    if (report.oktaUser) record.oktaUser = report.oktaUser;
    if (report.status === 'Cancelled') {
      record.identity = report.identity;
      record.oktaUser = report.oktaUser;
    }
    if (report.readyToRoute && !carry.toRoute.includes(report.email)) carry.toRoute.push(report.email);
    if (report.withdraw && !carry.toUnroute.includes(report.email)) carry.toUnroute.push(report.email);
    refreshDetails();
  });

  upsertSearchAttributes([
    { key: integrationKey, value: spec.integrationId },
    { key: onboardingStatusKey, value: state.status },
    { key: onboardingStepKey, value: state.step },
  ]);
  refreshDetails();

  if (!state.application || !state.idp) await unlessTornDown(setUp);
  if (!carry.teardownRequested) {
    setStatus('Ready', 'Ready');
    for (;;) {
      await condition(
        () =>
          carry.teardownRequested ||
          carry.queued.length > 0 ||
          carry.offboards.length > 0 ||
          carry.toRoute.length > 0 ||
          carry.toUnroute.length > 0 ||
          workflowInfo().continueAsNewSuggested,
      );
      if (carry.teardownRequested) break;
      if (carry.queued.length > 0) await startPeople();
      if (carry.offboards.length > 0) await unlessTornDown(offboardPeople);
      if (carry.toRoute.length > 0 || carry.toUnroute.length > 0) await unlessTornDown(updateRouting);
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof integration>({ spec, resume: carry });
      }
    }
  }
  await tearDown();
  await condition(allHandlersFinished);
  return state;

  /** Steps 1, 3, 4 and 7 of the guide: the objects every person shares. */
  async function setUp(): Promise<void> {
    setStatus('SettingUp', 'CheckWorker');
    await runStep(host, 'CheckWorker', () =>
      act('Check the worker is configured for this tenant and org').checkWorkerTarget({ biTenantId: spec.biTenantId, oktaOrgUrl: spec.oktaOrgUrl }),
    );
    if (!state.realm) {
      setStatus('SettingUp', 'CreateRealm');
      state.realm = await runStep(host, 'CreateRealm', () => act(`Create Beyond Identity realm "${spec.realmName}"`).ensureRealm({ realmName: spec.realmName }));
    }
    const realmId = state.realm.id;
    if (!state.application) {
      if (!state.authenticatorConfig) {
        setStatus('SettingUp', 'CreateAuthenticatorConfig');
        state.authenticatorConfig = await runStep(host, 'CreateAuthenticatorConfig', () =>
          act('Create hosted web authenticator config').ensureAuthenticatorConfig({ realmId, name: spec.authenticatorConfigName }),
        );
      }
      setStatus('SettingUp', 'CreateApplication');
      const configId = state.authenticatorConfig.id;
      const app = await runStep(host, 'CreateApplication', () =>
        act(`Create OIDC application "${spec.applicationName}"`).ensureApplication({
          realmId,
          name: spec.applicationName,
          authenticatorConfigId: configId,
          redirectUri: `${spec.oktaOrgUrl.replace(/\/+$/, '')}/oauth2/v1/authorize/callback`,
          tokenExpirySeconds: spec.tokenExpirySeconds,
        }),
      );
      state.application = { id: app.id, adopted: app.adopted };
      // Guide step 4: the application's own authenticator config is the one binding jobs use.
      if (app.authenticatorConfigId && app.authenticatorConfigId !== state.authenticatorConfig.id) {
        state.kept.push(`authenticator config ${state.authenticatorConfig.id} (the adopted application uses ${app.authenticatorConfigId})`);
        state.authenticatorConfig = { id: app.authenticatorConfigId, adopted: true };
      }
    }
    if (!state.idp) {
      setStatus('SettingUp', 'CreateIdentityProvider');
      const applicationId = state.application.id;
      state.idp = await runStep(host, 'CreateIdentityProvider', () =>
        act(`Create Okta identity provider "${spec.idpName}"`).ensureIdentityProvider({ realmId, applicationId, idpName: spec.idpName }),
      );
    }
  }

  function personContext(): PersonContext {
    return {
      realmId: state.realm!.id,
      applicationId: state.application!.id,
      authenticatorConfigId: state.authenticatorConfig!.id,
      binding: spec.binding,
      activityTimeoutMs: spec.activityTimeoutMs,
    };
  }

  async function startPeople(): Promise<void> {
    const batch = carry.queued.splice(0, START_BATCH);
    for (const person of batch) addPerson({ email: person.email, status: 'Starting', routed: false });
    refreshDetails();
    const context = personContext();
    await runStep(host, 'StartOnboardings', () =>
      act(`Start the onboarding of ${batch.length} ${batch.length === 1 ? 'person' : 'people'}`).startOnboardings({
        integrationId: spec.integrationId,
        people: batch,
        context,
      }),
    );
    // A report may have come in before this answer: keep the newer status. (Already running: a
    // restart of this integration, or a repeated onboard; it is tracked all the same.)
    for (const person of batch) {
      const record: PersonRecord | undefined = state.people[person.email];
      if (record?.status === 'Starting') setPersonStatus(record, 'Running');
    }
    refreshDetails();
  }

  /** The rule routes exactly the people who have bound a passkey and have an Okta user. */
  async function updateRouting(): Promise<void> {
    const adding = carry.toRoute.splice(0);
    const removing = carry.toUnroute.splice(0);
    const emails = new Set(state.routedEmails);
    for (const email of adding) if (!removing.includes(email)) emails.add(email);
    for (const email of removing) emails.delete(email);
    const wanted = [...emails].sort();
    if (wanted.join(',') !== state.routedEmails.join(',')) {
      setStatus(state.status === 'NeedsAttention' ? 'Ready' : state.status, 'UpdateRoutingRule');
      const idpId = state.idp!.id;
      const rule = await runStep(host, 'UpdateRoutingRule', () =>
        act(`Route ${wanted.length} people to Beyond Identity`).ensureRoutingRule({
          ruleName: spec.routingRuleName,
          idpId,
          emails: wanted,
          priority: spec.routingRulePriority,
        }),
      );
      if (rule && !state.routingRule) state.routingRule = rule;
      state.routedEmails = wanted;
      setStatus('Ready', 'Ready');
    }
    await tellPeople([
      ...adding.filter((email) => emails.has(email)).map((email) => ({ email, routed: true })),
      ...removing.map((email) => ({ email, routed: false })),
    ]);
  }

  /**
   * Tells the people about the change, from an activity: signalling thousands of people from here
   * would add two events to this history for each and make every acknowledgement wait for this
   * workflow (see activities/onboardings.ts).
   */
  async function tellPeople(changes: { email: string; routed: boolean }[]): Promise<void> {
    // An onboarded person's workflow has completed (taking them out is the integration's own undo):
    // nobody is there to tell. A cancelled one may still be waiting to hear it is out of the rule.
    const listening = changes.filter(({ email }) => state.people[email]?.status !== 'Onboarded');
    for (const { email, routed } of changes) {
      const record = state.people[email];
      if (!record) continue;
      record.routed = routed;
      // Routed is onboarded: the person completes on this signal and does not report again.
      if (routed && record.status === 'Running') setPersonStatus(record, 'Onboarded');
    }
    for (let first = 0; first < listening.length; first += NOTIFY_BATCH) {
      const batch = listening.slice(first, first + NOTIFY_BATCH);
      const { gone } = await runStep(host, 'NotifyPeople', () =>
        act(`Tell ${batch.length} ${batch.length === 1 ? 'person' : 'people'} about routing`).notifyRouting({
          integrationId: spec.integrationId,
          changes: batch,
        }),
      );
      if (gone.length > 0) log.warn('some people had already ended when told about routing', { count: gone.length, emails: gone.slice(0, 10) });
    }
    if (changes.length > 0) refreshDetails();
  }

  /** A running person is cancelled (it withdraws and undoes itself); a finished one is undone here. */
  async function offboardPeople(): Promise<void> {
    for (const email of carry.offboards.splice(0)) {
      const record = state.people[email];
      if (!record) continue;
      if (!ENDED.includes(record.status)) {
        await cancelPerson(record);
      } else if (record.status !== 'Cancelled') {
        await undoFinishedPerson(record);
      }
    }
  }

  async function cancelPerson(record: PersonRecord): Promise<void> {
    try {
      await getExternalWorkflowHandle(personWorkflowId(spec.integrationId, record.email)).cancel();
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('could not cancel a person workflow', { email: record.email, error: String(error) });
    }
  }

  async function undoFinishedPerson(record: PersonRecord): Promise<void> {
    if (state.routedEmails.includes(record.email)) {
      carry.toUnroute.push(record.email);
      await updateRouting();
    }
    const realmId = state.realm!.id;
    if (record.oktaUser && !record.oktaUser.adopted) {
      const userId = record.oktaUser.id;
      await runStep(host, 'RemoveOktaUser', () => act(`Remove Okta user ${record.email}`).removeOktaUser({ userId }));
      record.oktaUser = undefined;
    }
    if (record.identity && !record.identity.adopted) {
      const identityId = record.identity.id;
      await runStep(host, 'DeleteIdentity', () => act(`Delete Beyond Identity identity ${record.email}`).deleteIdentity({ realmId, identityId }));
      record.identity = undefined;
    }
    setPersonStatus(record, 'Cancelled');
    refreshDetails();
  }

  /** Routing first, then the people, then the shared objects: the reverse of setting up. */
  async function tearDown(): Promise<void> {
    tearingDown = true;
    setStatus('TearingDown', 'RemoveRouting');
    if (state.routingRule) {
      const rule = state.routingRule;
      if (rule.adopted) {
        // Not ours to delete: take our people out (which deactivates it when none are left).
        await runStep(host, 'RemoveRouting', () =>
          act('Take our people out of the adopted routing rule').ensureRoutingRule({
            ruleName: spec.routingRuleName,
            idpId: state.idp!.id,
            emails: [],
            priority: spec.routingRulePriority,
          }),
        );
        state.kept.push(`routing rule ${rule.id} (adopted; deactivated)`);
      } else {
        await runStep(host, 'RemoveRouting', () => act('Delete the routing rule').deleteRoutingRule({ policyId: rule.policyId, ruleId: rule.id }));
      }
      state.routingRule = undefined;
    }
    state.routedEmails = [];

    setStatus('TearingDown', 'OffboardPeople');
    const running = Object.values(state.people).filter((record) => !ENDED.includes(record.status));
    for (const record of running) await cancelPerson(record);
    // Answer their withdrawals at once (nothing routes to them any more) and wait until each has undone itself.
    await waitForPeople(running.map((record) => record.email));
    for (const record of Object.values(state.people)) {
      if (ENDED.includes(record.status) && record.status !== 'Cancelled') await undoFinishedPerson(record);
    }

    const realmId = state.realm?.id;
    if (state.idp) {
      setStatus('TearingDown', 'RemoveIdentityProvider');
      const idp = state.idp;
      if (idp.adopted) state.kept.push(`Okta identity provider ${idp.id} (adopted)`);
      else await runStep(host, 'RemoveIdentityProvider', () => act('Remove the Okta identity provider').removeIdentityProvider({ idpId: idp.id }));
      state.idp = undefined;
    }
    if (state.application && realmId) {
      setStatus('TearingDown', 'DeleteApplication');
      const app = state.application;
      if (app.adopted) state.kept.push(`Beyond Identity application ${app.id} (adopted)`);
      else await runStep(host, 'DeleteApplication', () => act('Delete the OIDC application').deleteApplication({ realmId, applicationId: app.id }));
      state.application = undefined;
    }
    if (state.authenticatorConfig && realmId) {
      setStatus('TearingDown', 'DeleteAuthenticatorConfig');
      const config = state.authenticatorConfig;
      if (config.adopted) state.kept.push(`authenticator config ${config.id} (adopted)`);
      else await runStep(host, 'DeleteAuthenticatorConfig', () => act('Delete the authenticator config').deleteAuthenticatorConfig({ realmId, authenticatorConfigId: config.id }));
      state.authenticatorConfig = undefined;
    }
    if (state.realm) {
      setStatus('TearingDown', 'DeleteRealm');
      const realm = state.realm;
      if (realm.adopted) state.kept.push(`realm ${realm.id} (adopted)`);
      else {
        const result = await runStep(host, 'DeleteRealm', () => act(`Delete realm "${spec.realmName}"`).deleteRealm({ realmId: realm.id }));
        if (result.kept) state.kept.push(result.kept);
      }
      state.realm = undefined;
    }
    state.tornDownAt = new Date().toISOString();
    setStatus('TornDown', 'Done');
  }

  async function waitForPeople(emails: string[]): Promise<void> {
    for (;;) {
      await tellPeople(carry.toUnroute.splice(0).map((email) => ({ email, routed: false })));
      carry.toRoute.splice(0);
      if (emails.every((email) => ENDED.includes(state.people[email]?.status ?? 'Cancelled'))) return;
      await condition(() => carry.toUnroute.length > 0 || emails.every((email) => ENDED.includes(state.people[email]?.status ?? 'Cancelled')));
    }
  }
}
