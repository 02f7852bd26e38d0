/**
 * The Beyond Identity steps of the guide as activities: thin calls into the client's
 * ensure-operations, with the cancellation signal passed down and failures classified.
 * Inputs and results are ids and names only; the client reads its token from the worker's config.
 */
import { Context } from '@temporalio/activity';
import { BeyondIdentitySetup, type BindingProgress } from '../clients/beyond-identity/ensure';
import { RejectedUpstreamError } from '../clients/http/errors';
import type { ObjectRecord, PersonContext } from '../workflows/definitions';
import { cancellationSignal, ensureOptions, heartbeatAndClassify, wasAdopted } from './context';
import type { IntegrationContexts } from './temporal';

export interface DeleteResult {
  deleted: boolean;
  /** Why it was left in place, when it was. */
  kept?: string;
}

export function createBeyondIdentityActivities(setup: BeyondIdentitySetup, contexts: IntegrationContexts) {
  return {
    ensureRealm: heartbeatAndClassify(async (input: { realmName: string }): Promise<ObjectRecord> => {
      const result = await setup.ensureRealm(input.realmName, ensureOptions());
      return { id: result.value.id, adopted: wasAdopted(result.outcome) };
    }),

    ensureAuthenticatorConfig: heartbeatAndClassify(
      async (input: { realmId: string; name: string }): Promise<ObjectRecord> => {
        const result = await setup.ensureHostedWebAuthenticatorConfig(input.realmId, input.name, ensureOptions());
        return { id: result.value.id, adopted: wasAdopted(result.outcome) };
      },
    ),

    ensureApplication: heartbeatAndClassify(
      async (input: {
        realmId: string;
        name: string;
        authenticatorConfigId: string;
        redirectUris?: string[];
        /**
         * What runs started before custom domains sent: one URI (test/histories/scenario-v1.json
         * records it). Remove it with that history, once no such activity can still be pending.
         */
        redirectUri?: string;
        tokenExpirySeconds: number;
      }): Promise<ObjectRecord & { authenticatorConfigId: string; drift: string[] }> => {
        const result = await setup.ensureOidcApplication(
          input.realmId,
          {
            displayName: input.name,
            authenticatorConfigId: input.authenticatorConfigId,
            redirectUris: input.redirectUris ?? (input.redirectUri ? [input.redirectUri] : []),
            expiresAfterSeconds: input.tokenExpirySeconds,
          },
          ensureOptions(),
        );
        if (result.drift?.length)
          Context.current().log.warn('Beyond Identity application differed from the guide; corrected', {
            drift: result.drift,
          });
        return {
          id: result.value.id,
          adopted: wasAdopted(result.outcome),
          // The app's own config is the one binding jobs must use (guide step 4).
          authenticatorConfigId: result.value.authenticatorConfigId,
          drift: result.drift ?? [],
        };
      },
    ),

    /**
     * Step 2: the person's identity. Without a realm id the person was onboarded before its
     * integration was set up: this waits for the integration first, and hands its context back.
     */
    ensureIdentity: heartbeatAndClassify(
      async (input: {
        integrationId: string;
        realmId?: string;
        email: string;
        displayName?: string;
      }): Promise<ObjectRecord & { context?: PersonContext }> => {
        const context = input.realmId ? undefined : await contexts.get(input.integrationId, cancellationSignal());
        const realmId = input.realmId ?? context!.realmId;
        const result = await setup.ensureIdentity(realmId, input.email, input.displayName, ensureOptions());
        return { id: result.value.id, adopted: wasAdopted(result.outcome), ...(context ? { context } : {}) };
      },
    ),

    /**
     * Sends the binding email, unless a live link (or a completed binding) already exists; after an
     * expiry, a new one. `completedSince` (a rebind): a binding completed before then does not count.
     */
    ensureBindingEmail: heartbeatAndClassify(
      async (input: {
        realmId: string;
        identityId: string;
        authenticatorConfigId: string;
        completedSince?: string;
      }): Promise<{ jobId: string; state?: string; sent: boolean }> => {
        const result = await setup.ensureBindingJob(input.realmId, input.identityId, input.authenticatorConfigId, {
          ...ensureOptions(),
          completedSince: input.completedSince,
        });
        return { jobId: result.value.id, state: result.value.state, sent: result.outcome === 'created' };
      },
    ),

    checkBinding: heartbeatAndClassify(
      async (input: { realmId: string; identityId: string; jobId?: string }): Promise<BindingProgress> =>
        setup.bindingProgress(input.realmId, input.identityId, input.jobId, cancellationSignal()),
    ),

    /**
     * A leaver's identity suspended (it can neither sign in nor bind a passkey; its passkeys kept),
     * or made active again when they return. Idempotent: the status it has already is fine. An
     * identity that is gone (deleted in Beyond Identity) answers `found: false`, for the workflow to record.
     */
    setIdentityStatus: heartbeatAndClassify(
      async (input: {
        realmId: string;
        identityId: string;
        status: 'active' | 'suspended';
      }): Promise<{ found: boolean }> => {
        try {
          await setup.api.setIdentityStatus(input.realmId, input.identityId, input.status, cancellationSignal());
          return { found: true };
        } catch (error) {
          if (error instanceof RejectedUpstreamError && error.status === 404) return { found: false };
          throw error;
        }
      },
    ),

    deleteIdentity: heartbeatAndClassify(
      async (input: { realmId: string; identityId: string }): Promise<DeleteResult> => {
        return { deleted: await setup.api.deleteIdentity(input.realmId, input.identityId, cancellationSignal()) };
      },
    ),

    deleteApplication: heartbeatAndClassify(
      async (input: { realmId: string; applicationId: string }): Promise<DeleteResult> => {
        return { deleted: await setup.api.deleteApplication(input.realmId, input.applicationId, cancellationSignal()) };
      },
    ),

    deleteAuthenticatorConfig: heartbeatAndClassify(
      async (input: { realmId: string; authenticatorConfigId: string }): Promise<DeleteResult> => {
        return {
          deleted: await setup.api.deleteAuthenticatorConfig(
            input.realmId,
            input.authenticatorConfigId,
            cancellationSignal(),
          ),
        };
      },
    ),

    /** A realm that still holds identities we did not create is kept (409 "realm has children"). */
    deleteRealm: heartbeatAndClassify(async (input: { realmId: string }): Promise<DeleteResult> => {
      try {
        return { deleted: await setup.api.deleteRealm(input.realmId, cancellationSignal()) };
      } catch (error) {
        if (error instanceof RejectedUpstreamError && error.status === 409) {
          return {
            deleted: false,
            kept: `realm ${input.realmId} still has identities, groups or roles the service did not create`,
          };
        }
        throw error;
      }
    }),
  };
}
