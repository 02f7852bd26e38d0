/**
 * The Okta steps of the guide as activities. The identity-provider activity reads the Beyond
 * Identity application's client secret itself, at the moment it needs it, so the secret never
 * enters a workflow input, result or history.
 */
import { Context } from '@temporalio/activity';
import { BeyondIdentitySetup, oidcEndpoints } from '../clients/beyond-identity/ensure';
import { OktaSetup } from '../clients/okta/ensure';
import type { ObjectRecord } from '../workflows/definitions';
import type { DeleteResult } from './beyond-identity';
import { classified, InvalidInputError, markCreateStarted, wasAdopted } from './failures';

function options() {
  return { signal: Context.current().cancellationSignal, beforeCreate: markCreateStarted };
}

function signal(): AbortSignal {
  return Context.current().cancellationSignal;
}

export function createOktaActivities(okta: OktaSetup, beyondIdentity: BeyondIdentitySetup) {
  return {
    ensureIdentityProvider: classified(async (input: { realmId: string; applicationId: string; idpName: string }): Promise<ObjectRecord> => {
      const { clientId, clientSecret } = await beyondIdentity.applicationCredentials(input.realmId, input.applicationId, signal());
      const endpoints = oidcEndpoints(beyondIdentity.api.authUrl, beyondIdentity.api.tenantId, input.realmId, input.applicationId);
      const result = await okta.ensureOidcIdp(
        {
          name: input.idpName,
          clientId,
          clientSecret,
          issuer: endpoints.issuer,
          authorizationUrl: endpoints.authorization,
          tokenUrl: endpoints.token,
          jwksUrl: endpoints.jwks,
        },
        options(),
      );
      if (result.drift?.length) Context.current().log.warn('Okta identity provider differed from the guide; corrected', { drift: result.drift });
      return { id: result.value.id, adopted: wasAdopted(result.outcome) };
    }),

    ensureOktaUser: classified(
      async (input: { email: string; firstName: string; lastName: string }): Promise<ObjectRecord & { status: string }> => {
        const result = await okta.ensureUser({ login: input.email, email: input.email, firstName: input.firstName, lastName: input.lastName }, options());
        if (result.value.status !== 'ACTIVE') {
          // An adopted user that cannot sign in: an administrator decides what to do with it.
          throw new InvalidInputError(
            `Okta user ${result.value.login} (${result.value.id}) exists with status ${result.value.status}; ` +
              'it must be ACTIVE to sign in with Beyond Identity. Activate or unsuspend it in Okta, then retry.',
          );
        }
        return { id: result.value.id, adopted: wasAdopted(result.outcome), status: result.value.status };
      },
    ),

    /** The rule routes exactly `emails` to the IdP; with none left it is deactivated, never left matching everyone. */
    ensureRoutingRule: classified(
      async (input: { ruleName: string; idpId: string; emails: string[]; priority: number }): Promise<(ObjectRecord & { policyId: string }) | null> => {
        const result = await okta.ensureRoutingRule({ name: input.ruleName, idpId: input.idpId, emails: input.emails, priority: input.priority }, options());
        if (!result.value) return null;
        return { id: result.value.id, policyId: result.value.policyId, adopted: wasAdopted(result.outcome) };
      },
    ),

    removeOktaUser: classified(async (input: { userId: string }): Promise<DeleteResult> => {
      return { deleted: await okta.api.removeUser(input.userId, signal()) };
    }),

    removeIdentityProvider: classified(async (input: { idpId: string }): Promise<DeleteResult> => {
      return { deleted: await okta.api.removeIdp(input.idpId, signal()) };
    }),

    deleteRoutingRule: classified(async (input: { policyId: string; ruleId: string }): Promise<DeleteResult> => {
      return { deleted: await okta.api.deleteRule(input.policyId, input.ruleId, signal()) };
    }),
  };
}
