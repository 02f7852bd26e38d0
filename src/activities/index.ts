/**
 * Every activity the worker registers, built from the clients the worker configured.
 * Workflows import only the type `Activities`.
 */
import { BeyondIdentityApi } from '../clients/beyond-identity/api';
import type { BeyondIdentityClientConfig } from '../clients/beyond-identity/config';
import { BeyondIdentitySetup } from '../clients/beyond-identity/ensure';
import { OktaApi, type OktaClientConfig } from '../clients/okta/api';
import { OktaSetup } from '../clients/okta/ensure';
import { createBeyondIdentityActivities } from './beyond-identity';
import type { Client } from '@temporalio/client';
import { createOktaActivities } from './okta';
import { createOktaGroupActivities } from './okta-group';
import { createPreflightActivities } from './preflight';
import { createRoutingActivities } from './routing';
import { createScheduleActivities } from './schedule';
import { createSyncActivities } from './sync';
import { createTemporalActivities, IntegrationContexts } from './temporal';
import { createTargetActivities } from './target';
import { createVerifyObjectActivities } from './verify-objects';
import { createVerifyPeopleActivities } from './verify-people';

export interface ActivityDependencies {
  beyondIdentity: BeyondIdentityClientConfig;
  okta: OktaClientConfig;
  /** The worker's own Temporal client and task queue: integration contexts, offboarding at teardown. */
  temporal: { client: Client; taskQueue: string };
  /** The Beyond Identity region the hosts come from, if a region was configured (for preflight's report). */
  biRegion?: string;
}

export function createActivities(dependencies: ActivityDependencies) {
  const biApi = new BeyondIdentityApi(dependencies.beyondIdentity);
  const oktaApi = new OktaApi(dependencies.okta);
  const beyondIdentity = new BeyondIdentitySetup(biApi);
  const okta = new OktaSetup(oktaApi);
  const contexts = new IntegrationContexts(dependencies.temporal);
  return {
    activities: {
      ...createTargetActivities({
        biTenantId: dependencies.beyondIdentity.tenantId,
        oktaOrgUrl: dependencies.okta.orgUrl,
      }),
      ...createBeyondIdentityActivities(beyondIdentity, contexts),
      ...createOktaActivities(okta, beyondIdentity),
      ...createRoutingActivities(beyondIdentity, okta, dependencies.temporal),
      ...createTemporalActivities(dependencies.temporal),
      ...createOktaGroupActivities(oktaApi),
      ...createScheduleActivities(dependencies.temporal),
      ...createSyncActivities(oktaApi, dependencies.temporal),
      ...createVerifyObjectActivities(beyondIdentity, okta, dependencies.temporal),
      ...createVerifyPeopleActivities(beyondIdentity, okta, dependencies.temporal),
      ...createPreflightActivities(biApi, oktaApi, {
        biTenantId: dependencies.beyondIdentity.tenantId,
        biManagementUrl: dependencies.beyondIdentity.managementUrl,
        biRegion: dependencies.biRegion,
        oktaOrgUrl: dependencies.okta.orgUrl,
      }),
    },
    close: async () => {
      await Promise.all([biApi.close(), oktaApi.close()]);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>['activities'];
