// The workflow bundle's entry point: every workflow the worker runs is exported from here.
export { integration } from './integration';
export { oktaGroup } from './okta-group';
export { personOnboarding } from './person';
export { preflight } from './preflight';
export { oktaGroupSync, oktaGroupSyncPlan, oktaGroupSyncTick } from './sync';
export { verify } from './verify';
