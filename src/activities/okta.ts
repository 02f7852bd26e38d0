/**
 * The integration's Okta steps as activities: the IdP, the routing property and the one routing
 * rule, and their removal (a person's own Okta steps are in routing.ts). The IdP activity reads the Beyond
 * Identity application's client secret itself, at the moment it needs it, so the secret never
 * enters a workflow input, result or history.
 */
import { Context } from '@temporalio/activity';
import { BeyondIdentitySetup, oidcEndpoints } from '../clients/beyond-identity/ensure';
import { OktaSetup, type DesiredOidcIdp } from '../clients/okta/ensure';
import type { ObjectRecord, OktaIssuerMode, RoutingKey } from '../workflows/definitions';
import type { DeleteResult } from './beyond-identity';
import { cancellationSignal, ensureOptions, heartbeatAndClassify, wasAdopted } from './context';

/** The IdP the guide wants for this application, with its client secret read from Beyond Identity just now (never from an input). */
export async function desiredIdp(
  beyondIdentity: BeyondIdentitySetup,
  input: { realmId: string; applicationId: string; idpName: string; issuerMode: OktaIssuerMode },
  abort: AbortSignal,
): Promise<DesiredOidcIdp> {
  const { clientId, clientSecret } = await beyondIdentity.applicationCredentials(
    input.realmId,
    input.applicationId,
    abort,
  );
  const endpoints = oidcEndpoints(
    beyondIdentity.api.authUrl,
    beyondIdentity.api.tenantId,
    input.realmId,
    input.applicationId,
  );
  return {
    name: input.idpName,
    clientId,
    clientSecret,
    issuer: endpoints.issuer,
    authorizationUrl: endpoints.authorization,
    tokenUrl: endpoints.token,
    jwksUrl: endpoints.jwks,
    issuerMode: input.issuerMode,
  };
}

export function createOktaActivities(okta: OktaSetup, beyondIdentity: BeyondIdentitySetup) {
  return {
    ensureIdentityProvider: heartbeatAndClassify(
      async (input: {
        realmId: string;
        applicationId: string;
        idpName: string;
        issuerMode?: OktaIssuerMode;
      }): Promise<ObjectRecord> => {
        const result = await okta.ensureOidcIdp(
          await desiredIdp(
            beyondIdentity,
            { ...input, issuerMode: input.issuerMode ?? 'ORG_URL' },
            cancellationSignal(),
          ),
          ensureOptions(),
        );
        if (result.drift?.length)
          Context.current().log.warn('Okta identity provider differed from the guide; corrected', {
            drift: result.drift,
          });
        return { id: result.value.id, adopted: wasAdopted(result.outcome) };
      },
    ),

    /**
     * The custom profile property people are routed by (its record's id is its name). `ours`: the
     * integration made it earlier, so drift (master, permissions) is put back rather than refused.
     */
    ensureRoutingAttribute: heartbeatAndClassify(
      async (input: { attribute: string; ours?: boolean }): Promise<ObjectRecord> => {
        const result = await okta.ensureRoutingAttribute(input.attribute, { ...ensureOptions(), ours: input.ours });
        if (result.drift?.length)
          Context.current().log.warn('Okta routing property differed from what the service wants; corrected', {
            drift: result.drift,
          });
        return { id: result.value.name, adopted: !input.ours && wasAdopted(result.outcome) };
      },
    ),

    /** The one rule: ATTRIBUTE matching of the routing property against this integration's value. */
    ensureRoutingRule: heartbeatAndClassify(
      async (input: {
        ruleName: string;
        idpId: string;
        routing: RoutingKey;
        priority: number;
      }): Promise<ObjectRecord & { policyId: string }> => {
        const result = await okta.ensureRoutingRule(
          { name: input.ruleName, idpId: input.idpId, priority: input.priority, ...input.routing },
          ensureOptions(),
        );
        if (result.drift?.length)
          Context.current().log.warn('Okta routing rule differed from what the service wants; corrected', {
            drift: result.drift,
          });
        return { id: result.value.id, policyId: result.value.policyId, adopted: wasAdopted(result.outcome) };
      },
    ),

    deactivateRoutingRule: heartbeatAndClassify(async (input: { ruleName: string }): Promise<{ found: boolean }> => {
      return { found: (await okta.deactivateRoutingRule(input.ruleName, cancellationSignal())) !== undefined };
    }),

    // The remove* and delete* activity names are recorded in workflow histories, so they stay as they
    // are; the client calls they make all say delete.

    /** Removes the property we added, unless another rule still routes by it (a second integration in this org). */
    removeRoutingAttribute: heartbeatAndClassify(async (input: { attribute: string }): Promise<DeleteResult> => {
      const others = await okta.rulesUsingAttribute(input.attribute, undefined, cancellationSignal());
      if (others.length > 0) {
        return {
          deleted: false,
          kept: `Okta profile property ${input.attribute} (still used by ${others.map((rule) => `rule "${rule.name}"`).join(', ')})`,
        };
      }
      return { deleted: await okta.deleteRoutingAttribute(input.attribute, cancellationSignal()) };
    }),

    removeOktaUser: heartbeatAndClassify(async (input: { userId: string }): Promise<DeleteResult> => {
      return { deleted: await okta.api.deleteUser(input.userId, cancellationSignal()) };
    }),

    removeIdentityProvider: heartbeatAndClassify(async (input: { idpId: string }): Promise<DeleteResult> => {
      return { deleted: await okta.api.deleteIdp(input.idpId, cancellationSignal()) };
    }),

    deleteRoutingRule: heartbeatAndClassify(
      async (input: { policyId: string; ruleId: string }): Promise<DeleteResult> => {
        return { deleted: await okta.api.deleteRule(input.policyId, input.ruleId, cancellationSignal()) };
      },
    ),
  };
}
