/**
 * `verify`'s check of the shared objects: each against what the service wants. What the service
 * created is corrected through the same ensure-operations set-up uses (they replace drift and
 * reactivate), and the setting names that differed are reported; what it adopted is only
 * compared, and a difference is reported as needing attention. An object that is gone or renamed
 * is reported too: making it again is set-up's job (`retry`), since a new object gets a new id.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { applicationDrift, type BeyondIdentitySetup } from '../clients/beyond-identity/ensure';
import { TransientUpstreamError } from '../clients/http/errors';
import { idpDrift, ruleDrift, type DesiredRoutingRule, type OktaSetup } from '../clients/okta/ensure';
import { describeProblems, routingPropertyFix, routingPropertyProblems } from '../clients/okta/routing-property';
import type { TaskQueueClient } from '../temporal/people';
import { errorMessage } from '../util/errors';
import {
  integrationStatusQuery,
  type IntegrationSpec,
  type IntegrationState,
  type VerifyCheck,
  type VerifyObject,
} from '../workflows/definitions';
import { oktaRedirectUris } from '../workflows/integration-state';
import { cancellationSignal, heartbeatAndClassify } from './context';
import { desiredIdp } from './okta';

const RETRY_FIX = 'bi-okta retry (the integration sets its objects up again)';

function ok(object: VerifyObject, detail: string): VerifyCheck {
  return { object, outcome: 'ok', detail };
}

function attention(object: VerifyObject, detail: string, fix: string): VerifyCheck {
  return { object, outcome: 'needsAttention', detail, fix };
}

/** Ours: corrected (naming what changed) or ok. Adopted: the same names, reported only. */
function fromDrift(object: VerifyObject, adopted: boolean, drift: string[], what: string): VerifyCheck {
  if (drift.length === 0) return ok(object, `${what} as the service wants it`);
  if (adopted)
    return attention(
      object,
      `${what} (adopted, not changed) differs in ${drift.join(', ')}`,
      `change it back in the admin console, or let the service own it (delete it and bi-okta retry)`,
    );
  return { object, outcome: 'corrected', detail: `${what} differed in ${drift.join(', ')}; put back` };
}

/**
 * A check that cannot finish (a refused request, an object the next one needs is gone) is that
 * object's finding, and the other checks go on; a transient failure fails the attempt, and
 * Temporal tries again.
 */
async function checked(object: VerifyObject, check: () => Promise<VerifyCheck>): Promise<VerifyCheck> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof TransientUpstreamError || Context.current().cancellationSignal.aborted) throw error;
    return attention(
      object,
      `could not be checked: ${errorMessage(error)}`,
      'fix what the message names, then verify again',
    );
  }
}

export function createVerifyObjectActivities(
  beyondIdentity: BeyondIdentitySetup,
  okta: OktaSetup,
  temporal: TaskQueueClient,
) {
  const biApi = beyondIdentity.api;
  const oktaApi = okta.api;

  async function realm(spec: IntegrationSpec, state: IntegrationState): Promise<VerifyCheck> {
    const record = state.realm!;
    const found = await biApi.getRealm(record.id, cancellationSignal());
    if (!found)
      return attention(
        'realm',
        `realm ${record.id} no longer exists (every person's identity went with it)`,
        RETRY_FIX,
      );
    if (found.display_name !== spec.realmName)
      return attention(
        'realm',
        `realm ${record.id} is named "${found.display_name}", not "${spec.realmName}"`,
        `rename it back to "${spec.realmName}" (the service finds it by name)`,
      );
    return ok('realm', `realm "${spec.realmName}" (${record.id})`);
  }

  async function authenticatorConfig(state: IntegrationState): Promise<VerifyCheck> {
    const record = state.authenticatorConfig!;
    const found = await biApi.getAuthenticatorConfig(state.realm!.id, record.id, cancellationSignal());
    if (!found)
      return attention(
        'authenticator config',
        `authenticator config ${record.id} no longer exists: binding emails cannot be sent`,
        RETRY_FIX,
      );
    if (found.config.type !== 'hosted_web')
      return attention(
        'authenticator config',
        `authenticator config ${record.id} is of type ${found.config.type}, not hosted_web`,
        'set it back to hosted web in the admin console',
      );
    return ok('authenticator config', `hosted web config ${record.id}`);
  }

  async function application(spec: IntegrationSpec, state: IntegrationState): Promise<VerifyCheck> {
    const record = state.application!;
    const realmId = state.realm!.id;
    const found = await biApi.getApplication(realmId, record.id, cancellationSignal());
    if (!found)
      return attention('application', `application ${record.id} no longer exists: nobody can sign in`, RETRY_FIX);
    if (found.display_name !== spec.applicationName) {
      return attention(
        'application',
        `application ${record.id} is named "${found.display_name}", not "${spec.applicationName}"`,
        `rename it back to "${spec.applicationName}" (the service finds it by name)`,
      );
    }
    const desired = {
      displayName: spec.applicationName,
      authenticatorConfigId: state.authenticatorConfig!.id,
      redirectUris: oktaRedirectUris(spec),
      expiresAfterSeconds: spec.tokenExpirySeconds,
    };
    const drift = applicationDrift(found, desired);
    if (drift.length === 0 || record.adopted)
      return fromDrift('application', record.adopted, drift, `application ${record.id}`);
    // The ensure-operation keeps the application's own authenticator config (binding jobs use it): that one difference is reported.
    const result = await beyondIdentity.ensureOidcApplication(realmId, desired, { signal: cancellationSignal() });
    const put = result.drift ?? [];
    const left = drift.filter((name) => !put.includes(name));
    if (left.includes('authenticator_config_id')) {
      return attention(
        'application',
        `application ${record.id} uses authenticator config ${found.authenticator_config_id ?? '(none)'}, not ${state.authenticatorConfig!.id}${put.length ? `; put back ${put.join(', ')}` : ''}`,
        "bi-okta retry (the integration then uses the application's config), or set the config back in the admin console",
      );
    }
    return fromDrift('application', false, put, `application ${record.id}`);
  }

  async function identityProvider(spec: IntegrationSpec, state: IntegrationState): Promise<VerifyCheck> {
    const record = state.idp!;
    const found = await oktaApi.getIdp(record.id, cancellationSignal());
    if (!found)
      return attention(
        'Okta identity provider',
        `identity provider ${record.id} no longer exists: routed people cannot sign in`,
        RETRY_FIX,
      );
    if (found.name !== spec.idpName)
      return attention(
        'Okta identity provider',
        `identity provider ${record.id} is named "${found.name}", not "${spec.idpName}"`,
        `rename it back to "${spec.idpName}" (the service finds it by name)`,
      );
    const desired = await desiredIdp(
      beyondIdentity,
      {
        realmId: state.realm!.id,
        applicationId: state.application!.id,
        idpName: spec.idpName,
        issuerMode: spec.oktaIssuerMode ?? 'ORG_URL',
      },
      cancellationSignal(),
    );
    if (record.adopted) {
      const drift = [...idpDrift(found, desired), ...(found.status === 'ACTIVE' ? [] : ['status'])];
      return fromDrift('Okta identity provider', true, drift, `identity provider ${record.id}`);
    }
    const result = await okta.ensureOidcIdp(desired, { signal: cancellationSignal() });
    if (result.value.id !== record.id)
      return attention(
        'Okta identity provider',
        `another identity provider (${result.value.id}) is named "${spec.idpName}" too`,
        'delete or rename the other one',
      );
    return fromDrift('Okta identity provider', false, result.drift ?? [], `identity provider ${record.id}`);
  }

  async function routingAttribute(spec: IntegrationSpec, state: IntegrationState): Promise<VerifyCheck> {
    const record = state.routingAttribute!;
    const schema = await oktaApi.getUserSchema(cancellationSignal());
    const property = schema.definitions.custom?.properties?.[record.id];
    if (property && property.type === 'string') {
      const problems = routingPropertyProblems(property);
      if (problems.length === 0)
        return ok('Okta profile property', `"${record.id}" on the user profile, Okta-mastered, read-only to people`);
      if (record.adopted)
        return attention(
          'Okta profile property',
          `"${record.id}" (adopted, not changed): ${describeProblems(record.id, problems)}`,
          routingPropertyFix(record.id, property),
        );
      const result = await okta.ensureRoutingAttribute(spec.routing.attribute, {
        signal: cancellationSignal(),
        ours: true,
      });
      return fromDrift('Okta profile property', false, result.drift ?? [], `profile property "${record.id}"`);
    }
    if (property)
      return attention(
        'Okta profile property',
        `"${record.id}" is of type ${String(property.type)}, not string: nobody is routed`,
        'set it back to a string property in Okta',
      );
    if (record.adopted)
      return attention(
        'Okta profile property',
        `"${record.id}" (adopted) no longer exists: nobody is routed`,
        `add the string property "${record.id}" to the user profile again, or bi-okta retry`,
      );
    await okta.ensureRoutingAttribute(spec.routing.attribute, { signal: cancellationSignal() });
    return {
      object: 'Okta profile property',
      outcome: 'corrected',
      detail: `"${record.id}" was gone from the user profile (Okta drops it from every user); added again, people's values are put back below`,
    };
  }

  async function routingRule(spec: IntegrationSpec, state: IntegrationState): Promise<VerifyCheck> {
    const record = state.routingRule!;
    const found = (await oktaApi.listRules(record.policyId, cancellationSignal())).find(
      (rule) => rule.id === record.id,
    );
    if (!found)
      return attention(
        'routing rule',
        `routing rule ${record.id} no longer exists: nobody is routed to Beyond Identity`,
        RETRY_FIX,
      );
    if (found.name !== spec.routingRuleName) {
      return attention(
        'routing rule',
        `routing rule ${record.id} is named "${found.name}", not "${spec.routingRuleName}"`,
        `rename it back to "${spec.routingRuleName}" (the service finds it by name)`,
      );
    }
    const desired: DesiredRoutingRule = {
      name: spec.routingRuleName,
      idpId: state.idp!.id,
      priority: spec.routingRulePriority,
      ...spec.routing,
    };
    if (record.adopted) {
      const drift = [...ruleDrift(found, desired), ...(found.status === 'ACTIVE' ? [] : ['status'])];
      return fromDrift('routing rule', true, drift, `routing rule ${record.id}`);
    }
    const result = await okta.ensureRoutingRule(desired, { signal: cancellationSignal() });
    return fromDrift('routing rule', false, result.drift ?? [], `routing rule ${record.id}`);
  }

  return {
    /** The integration's state as its `status` query answers it; undefined when it is not running. */
    readIntegrationState: heartbeatAndClassify(
      async (input: { integrationId: string }): Promise<IntegrationState | undefined> => {
        try {
          return await temporal.client.workflow.getHandle(input.integrationId).query(integrationStatusQuery);
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return undefined;
          throw error;
        }
      },
    ),

    /** Each shared object in turn (set-up's order); only called for a Ready integration, whose records are all set. */
    verifySharedObjects: heartbeatAndClassify(
      async (input: { spec: IntegrationSpec; state: IntegrationState }): Promise<VerifyCheck[]> => {
        const { spec, state } = input;
        return [
          await checked('realm', () => realm(spec, state)),
          await checked('authenticator config', () => authenticatorConfig(state)),
          await checked('application', () => application(spec, state)),
          await checked('Okta identity provider', () => identityProvider(spec, state)),
          await checked('Okta profile property', () => routingAttribute(spec, state)),
          await checked('routing rule', () => routingRule(spec, state)),
        ];
      },
    ),
  };
}
