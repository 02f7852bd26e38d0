/**
 * One integration (Beyond Identity tenant + realm ↔ Okta org), a long-lived workflow with a
 * deterministic id. It owns the shared objects (realm, authenticator config, OIDC application,
 * Okta identity provider, the routing profile property and the one routing rule) and their
 * lifecycle: set-up, re-check on `retry`, teardown. It takes no part in a person's route: each
 * person's own workflow routes them by setting the property, so the rule never changes and nobody
 * queues here. Teardown undoes, in reverse order, only what it created. Rules: integration-state.ts.
 */
import {
  condition,
  continueAsNew,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import {
  integrationKey,
  integrationStatusQuery,
  onboardingStatusKey,
  onboardingStepKey,
  syncRanSignal,
  teardownSignal,
  verifiedSignal,
  type IntegrationState,
  type IntegrationStatus,
  type IntegrationStep,
  type IntegrationWorkflowInput,
} from './definitions';
import type { DeleteResult } from '../activities/beyond-identity';
import * as rules from './integration-state';
import { activities, createOperator, recordStatus, runStep, StepAbandoned } from './steps';

/** One shared object teardown removes after the people: where the state records it, its step, its name, and the activity that removes it. */
interface Removal {
  record: 'routingAttribute' | 'idp' | 'application' | 'authenticatorConfig' | 'realm';
  step: IntegrationStep;
  what: string;
  remove: (id: string) => Promise<DeleteResult>;
}

/** How long one offboarding activity waits for people to finish their undo before it reports back. */
const OFFBOARD_SLICE_MS = 10 * 60 * 1000;

/**
 * Runs started before the verify schedule existed neither create nor delete one (their histories
 * have no such step). Two ids: a run that became Ready on older code and is torn down on this one
 * must remove the schedule without the Ready step's marker.
 */
const VERIFY_SCHEDULE_PATCH = 'verify-schedule';
const VERIFY_SCHEDULE_REMOVAL_PATCH = 'verify-schedule-removal';
/** Runs torn down on code from before Okta group syncs existed have no RemoveSyncs step in their histories. */
const SYNC_REMOVAL_PATCH = 'sync-removal';
/** How long one RemoveSyncs activity waits for cancelled sync workflows to close before it terminates them. */
const SYNC_CLOSE_WAIT_MS = 60 * 1000;

export async function integration(input: IntegrationWorkflowInput): Promise<IntegrationState> {
  const { spec } = input;
  const state: IntegrationState = input.resume ?? rules.newIntegrationState();
  let teardownRequested = false;
  /** Teardown's own steps wait for a retry like any other; only the steps before it are abandoned. */
  let tearingDown = false;
  const act = (summary: string, startToCloseMs = spec.activityTimeoutMs) => activities(summary, startToCloseMs);

  const operator = createOperator(
    state,
    (needsAttention) => setStatus(rules.statusAfterAttention(state, needsAttention, teardownRequested), state.step),
    // A step stuck in NeedsAttention must not keep a teardown waiting (a wrong org or token the
    // operator gave up on): it is abandoned, and teardown undoes what was made before it.
    () => teardownRequested && !tearingDown,
  );

  function setStatus(status: IntegrationStatus, step: IntegrationStep): void {
    recordStatus(state, status, step);
    setCurrentDetails(rules.integrationDetails(state, spec));
  }

  setHandler(integrationStatusQuery, () => state);
  setHandler(teardownSignal, () => {
    teardownRequested = true;
  });
  // The latest verify's result, for `status` and the UI; it changes nothing else here.
  setHandler(verifiedSignal, (summary) => {
    state.lastVerify = summary;
    setCurrentDetails(rules.integrationDetails(state, spec));
  });
  // Each Okta group sync's latest reconcile (from its workflow), for `status` and the UI.
  setHandler(syncRanSignal, (digest) => {
    // Teardown removes every sync: a last digest from one on its way out is not kept.
    if (tearingDown) return;
    state.syncs = { ...state.syncs, [digest.group.id]: digest };
    setCurrentDetails(rules.integrationDetails(state, spec));
  });

  upsertSearchAttributes([
    { key: integrationKey, value: spec.integrationId },
    { key: onboardingStatusKey, value: state.status },
    { key: onboardingStepKey, value: state.step },
  ]);
  setCurrentDetails(rules.integrationDetails(state, spec));

  try {
    await setUp();
    while (!teardownRequested) {
      setStatus('Ready', 'Ready');
      state.context = rules.personContext(state, spec);
      // Create-if-absent: an interval the operator changed is kept. After a retry it is made again if someone deleted it.
      if (patched(VERIFY_SCHEDULE_PATCH)) {
        await runStep(operator, 'ScheduleVerify', () =>
          act('Schedule the federation health check (verify)').ensureVerifySchedule({ spec }),
        );
      }
      await condition(() => teardownRequested || operator.retryRequested() || workflowInfo().continueAsNewSuggested);
      if (workflowInfo().continueAsNewSuggested && !teardownRequested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof integration>({ spec, resume: state });
      }
      // `retry` on a Ready integration: check every shared object again and correct drift.
      if (operator.retryRequested() && !teardownRequested) {
        operator.consumeRetry();
        await setUp();
      }
    }
  } catch (error) {
    if (!(error instanceof StepAbandoned)) throw error;
  }
  await tearDown();
  await condition(allHandlersFinished);
  return state;

  /** Steps 1, 3, 4 and 7 of the guide, then the routing property and rule: what every person shares. */
  async function setUp(): Promise<void> {
    const step = async <T>(name: IntegrationStep, run: () => Promise<T>): Promise<T> => {
      setStatus(state.attention ? 'NeedsAttention' : rules.isSetUp(state) ? 'Ready' : 'SettingUp', name);
      return runStep(operator, name, run);
    };
    await step('CheckWorker', () =>
      act('Check the worker is configured for this tenant and org').checkWorkerTarget({
        biTenantId: spec.biTenantId,
        oktaOrgUrl: spec.oktaOrgUrl,
      }),
    );
    state.realm = rules.recheck(
      state.realm,
      await step('CreateRealm', () =>
        act(`Create Beyond Identity realm "${spec.realmName}"`).ensureRealm({ realmName: spec.realmName }),
      ),
    );
    const realmId = state.realm.id;
    state.authenticatorConfig = rules.recheck(
      state.authenticatorConfig,
      await step('CreateAuthenticatorConfig', () =>
        act('Create hosted web authenticator config').ensureAuthenticatorConfig({
          realmId,
          name: spec.authenticatorConfigName,
        }),
      ),
    );
    const configId = state.authenticatorConfig.id;
    const app = await step('CreateApplication', () =>
      act(`Create OIDC application "${spec.applicationName}"`).ensureApplication({
        realmId,
        name: spec.applicationName,
        authenticatorConfigId: configId,
        redirectUris: rules.oktaRedirectUris(spec),
        tokenExpirySeconds: spec.tokenExpirySeconds,
      }),
    );
    state.application = rules.recheck(state.application, { id: app.id, adopted: app.adopted });
    // Guide step 4: the application's own authenticator config is the one binding jobs use.
    if (app.authenticatorConfigId && app.authenticatorConfigId !== configId) {
      const note = `authenticator config ${configId} (the adopted application uses ${app.authenticatorConfigId})`;
      if (!state.kept.includes(note)) state.kept.push(note);
      state.authenticatorConfig = { id: app.authenticatorConfigId, adopted: true };
    }
    const applicationId = state.application.id;
    state.idp = rules.recheck(
      state.idp,
      await step('CreateIdentityProvider', () =>
        act(`Create Okta identity provider "${spec.idpName}"`).ensureIdentityProvider({
          realmId,
          applicationId,
          idpName: spec.idpName,
          issuerMode: spec.oktaIssuerMode ?? 'ORG_URL',
        }),
      ),
    );
    const idpId = state.idp.id;
    // One the service made (a retry's re-check) is put right if someone changed it; an adopted one is only checked.
    const ours = state.routingAttribute !== undefined && !state.routingAttribute.adopted;
    state.routingAttribute = rules.recheck(
      state.routingAttribute,
      await step('CreateRoutingAttribute', () =>
        act(`Add the profile property "${spec.routing.attribute}" to Okta's user schema`).ensureRoutingAttribute({
          attribute: spec.routing.attribute,
          ...(ours ? { ours } : {}),
        }),
      ),
    );
    state.routingRule = rules.recheck(
      state.routingRule,
      await step('CreateRoutingRule', () =>
        act(`Route "${spec.routing.attribute}" = "${spec.routing.value}" to Beyond Identity`).ensureRoutingRule({
          ruleName: spec.routingRuleName,
          idpId,
          routing: spec.routing,
          priority: spec.routingRulePriority,
        }),
      ),
    );
  }

  /** Routing first, then the people, then the shared objects: the reverse of setting up. */
  async function tearDown(): Promise<void> {
    tearingDown = true;
    state.context = undefined;
    const step = (name: IntegrationStep) => setStatus(state.attention ? 'NeedsAttention' : 'TearingDown', name);
    const keep = (what: string) => state.kept.push(what);
    const realmId = state.realm?.id;

    // Before the objects go: a scheduled verify would find them half gone and report it.
    if (patched(VERIFY_SCHEDULE_REMOVAL_PATCH)) {
      step('RemoveVerifySchedule');
      await runStep(operator, 'RemoveVerifySchedule', () =>
        act('Remove the verify schedule').removeVerifySchedule({ integrationId: spec.integrationId }),
      );
    }

    // Before routing and people go: a sync would onboard joiners into a half-removed integration, or offboard twice.
    if (patched(SYNC_REMOVAL_PATCH)) {
      step('RemoveSyncs');
      await runStep(operator, 'RemoveSyncs', () =>
        act(
          'Remove every Okta group sync (schedules and workflows)',
          SYNC_CLOSE_WAIT_MS + spec.activityTimeoutMs,
        ).removeSyncs({
          integrationId: spec.integrationId,
          waitUpToMs: SYNC_CLOSE_WAIT_MS,
        }),
      );
      state.syncs = undefined;
    }

    step('RemoveRouting');
    const rule = state.routingRule;
    if (rule?.adopted) {
      // Not ours to delete; but it must not send people to an IdP that is about to go.
      if (!state.idp?.adopted)
        await runStep(operator, 'RemoveRouting', () =>
          act('Deactivate the adopted routing rule').deactivateRoutingRule({ ruleName: spec.routingRuleName }),
        );
      keep(`routing rule ${rule.id} (adopted${state.idp?.adopted ? '' : '; deactivated'})`);
    } else if (rule) {
      await runStep(operator, 'RemoveRouting', () =>
        act('Delete the routing rule').deleteRoutingRule({ policyId: rule.policyId, ruleId: rule.id }),
      );
    }
    state.routingRule = undefined;

    step('OffboardPeople');
    const totals = { cancelled: 0, undone: 0, alreadyEnded: 0 };
    for (;;) {
      const result = await runStep(operator, 'OffboardPeople', () =>
        act('Offboard every person of this integration', OFFBOARD_SLICE_MS + spec.activityTimeoutMs).offboardPeople({
          integrationId: spec.integrationId,
          waitUpToMs: OFFBOARD_SLICE_MS,
        }),
      );
      totals.cancelled += result.cancelled;
      totals.undone += result.undone;
      totals.alreadyEnded += result.alreadyEnded;
      state.offboarded = { ...totals };
      if (result.pending.length === 0) break;
      state.attention = {
        step: 'OffboardPeople',
        type: 'PeopleStillUndoing',
        message: `${result.pending.length} people have not finished their undo (e.g. ${result.pending.slice(0, 5).join(', ')}): see \`list --status NeedsAttention\`; teardown goes on once they have.`,
        since: new Date().toISOString(),
      };
      step('OffboardPeople');
    }
    state.attention = undefined;

    // The shared objects, newest first: each one the service made is removed; an adopted one is kept.
    // Beyond Identity's application and config live in the realm: without its id, nothing addresses them.
    const inRealm = (id: string | undefined): Removal[] =>
      id
        ? [
            {
              record: 'application',
              step: 'DeleteApplication',
              what: 'Beyond Identity application',
              remove: (applicationId) =>
                act('Delete the OIDC application').deleteApplication({ realmId: id, applicationId }),
            },
            {
              record: 'authenticatorConfig',
              step: 'DeleteAuthenticatorConfig',
              what: 'authenticator config',
              remove: (authenticatorConfigId) =>
                act('Delete the authenticator config').deleteAuthenticatorConfig({
                  realmId: id,
                  authenticatorConfigId,
                }),
            },
          ]
        : [];
    const objects: Removal[] = [
      {
        record: 'routingAttribute',
        step: 'RemoveRoutingAttribute',
        what: 'Okta profile property',
        remove: (id) => act(`Remove the profile property "${id}"`).removeRoutingAttribute({ attribute: id }),
      },
      {
        record: 'idp',
        step: 'RemoveIdentityProvider',
        what: 'Okta identity provider',
        remove: (idpId) => act('Remove the Okta identity provider').removeIdentityProvider({ idpId }),
      },
      ...inRealm(realmId),
      {
        record: 'realm',
        step: 'DeleteRealm',
        what: 'realm',
        remove: (id) => act(`Delete realm "${spec.realmName}"`).deleteRealm({ realmId: id }),
      },
    ];
    for (const object of objects) {
      const record = state[object.record];
      if (!record) continue;
      step(object.step);
      if (record.adopted) keep(`${object.what} ${record.id} (adopted)`);
      else {
        const result = await runStep(operator, object.step, () => object.remove(record.id));
        if (result.kept) keep(result.kept);
      }
      state[object.record] = undefined;
    }
    state.tornDownAt = new Date().toISOString();
    setStatus('TornDown', 'Done');
  }
}
