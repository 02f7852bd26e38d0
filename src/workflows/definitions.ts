/**
 * What workflows and the operator CLI both import: workflow inputs and state shapes, signals,
 * updates, queries, statuses and search-attribute keys. Workflow-safe: no Node built-ins, no I/O.
 * Nothing here ever holds a secret: ids and names only.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Search attributes

export const integrationKey = defineSearchAttributeKey('Integration', SearchAttributeType.KEYWORD);
export const emailKey = defineSearchAttributeKey('Email', SearchAttributeType.KEYWORD);
export const onboardingStepKey = defineSearchAttributeKey('OnboardingStep', SearchAttributeType.KEYWORD);
export const onboardingStatusKey = defineSearchAttributeKey('OnboardingStatus', SearchAttributeType.KEYWORD);

/** Every custom search attribute the service uses, as the server must register them. */
export const SEARCH_ATTRIBUTE_KEYS = [integrationKey, emailKey, onboardingStepKey, onboardingStatusKey] as const;

// Statuses (the OnboardingStatus search attribute)

/** A person's onboarding. */
export const PERSON_STATUSES = [
  'Running',
  'WaitingForBinding',
  'NeedsAttention',
  'Onboarded',
  'BindingExpired',
  'DeadlinePassed',
  'Cancelled',
] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];

/** The integration (shared objects and routing). */
export const INTEGRATION_STATUSES = ['SettingUp', 'Ready', 'NeedsAttention', 'TearingDown', 'TornDown'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

export const ALL_STATUSES = [...new Set<string>([...PERSON_STATUSES, ...INTEGRATION_STATUSES])];

// Inputs

export interface BindingSettings {
  /** How often the workflow checks Beyond Identity itself while it waits (ms). */
  pollIntervalMs: number;
  /** New emails sent after a link expires (or fails to send), at most. */
  maxResends: number;
  /** After this long without a bound passkey the onboarding ends, nothing routed (ms). */
  deadlineMs: number;
}

export interface IntegrationSpec {
  /** The deterministic workflow id: one integration per (BI tenant + realm, Okta org). */
  integrationId: string;
  biTenantId: string;
  realmName: string;
  authenticatorConfigName: string;
  applicationName: string;
  /** Where Okta's callback lives: https://<okta-domain>/oauth2/v1/authorize/callback is derived from it. */
  oktaOrgUrl: string;
  idpName: string;
  routingRuleName: string;
  /** 1 = evaluated first; always above Okta's default rule. */
  routingRulePriority: number;
  tokenExpirySeconds: number;
  binding: BindingSettings;
  /** Start-to-close timeout of each activity attempt: how soon a step lost with a dead worker is retried. */
  activityTimeoutMs: number;
}

export interface PersonInput {
  integrationId: string;
  email: string;
  firstName?: string;
  lastName?: string;
}

/** What the integration hands each person once the shared objects exist. */
export interface PersonContext {
  realmId: string;
  applicationId: string;
  authenticatorConfigId: string;
  binding: BindingSettings;
  activityTimeoutMs: number;
}

export interface PersonWorkflowInput {
  person: PersonInput;
  context: PersonContext;
  /** Carried across continue-as-new. */
  resume?: PersonState;
}

export interface IntegrationWorkflowInput {
  spec: IntegrationSpec;
  /** Carried across continue-as-new. */
  resume?: IntegrationCarry;
}

/** What an integration run hands to the next across continue-as-new. */
export interface IntegrationCarry {
  state: IntegrationState;
  queued: PersonInput[];
  offboards: string[];
  toRoute: string[];
  toUnroute: string[];
  teardownRequested: boolean;
}

// State (what the `status` query answers; ids and names, never secrets)

/** An object the service touched: created (ours to undo) or adopted (found; never deleted). */
export interface ObjectRecord {
  id: string;
  adopted: boolean;
}

export interface Attention {
  step: string;
  /** The failure type, e.g. RejectedUpstreamError. */
  type: string;
  message: string;
  service?: string;
  status?: number;
  upstreamCode?: string;
  requestId?: string;
  since: string;
}

export interface PersonState {
  email: string;
  status: PersonStatus;
  step: string;
  identity?: ObjectRecord;
  bindingJobId?: string;
  bindingJobState?: string;
  emailsSent: number;
  /** New links sent after one expired (counts against BindingSettings.maxResends). */
  resends: number;
  bound: boolean;
  boundVia?: 'signal' | 'update' | 'detected';
  operatorSaidBound?: boolean;
  oktaUser?: ObjectRecord;
  routed: boolean;
  startedAt: string;
  deadlineAt?: string;
  boundAt?: string;
  routedAt?: string;
  finishedAt?: string;
  attention?: Attention;
  note?: string;
}

export interface PersonRecord {
  email: string;
  status: PersonStatus | 'Starting';
  identity?: ObjectRecord;
  oktaUser?: ObjectRecord;
  routed: boolean;
}

export interface IntegrationState {
  status: IntegrationStatus;
  step: string;
  realm?: ObjectRecord;
  authenticatorConfig?: ObjectRecord;
  application?: ObjectRecord;
  idp?: ObjectRecord;
  routingRule?: ObjectRecord & { policyId: string };
  /** Everyone this integration has onboarded or is onboarding, by normalised email. */
  people: Record<string, PersonRecord>;
  /** Emails the routing rule sends to Beyond Identity right now. */
  routedEmails: string[];
  attention?: Attention;
  tornDownAt?: string;
  /** What teardown left in place and why (adopted objects, realms with other identities). */
  kept: string[];
}

// Messages

export interface OnboardRequest {
  people: PersonInput[];
}

/** A person tells its integration how it is doing. */
export interface PersonReport {
  email: string;
  status: PersonStatus;
  identity?: ObjectRecord;
  oktaUser?: ObjectRecord;
  /** Bound and the Okta user exists: route this person now. */
  readyToRoute?: boolean;
  /** Being cancelled: take this person out of the routing rule before anything is undone. */
  withdraw?: boolean;
}

export interface ConfirmBindingResult {
  accepted: boolean;
  reason: string;
}

/** Integration: start onboarding these people (sent with signal-with-start by the CLI). */
export const onboardSignal = defineSignal<[OnboardRequest]>('onboard');
/** Integration: stop onboarding this person and undo what was created for them. */
export const offboardSignal = defineSignal<[{ email: string }]>('offboard');
/** Integration: undo everything this service created and finish. */
export const teardownSignal = defineSignal('teardown');
/** Integration (from a person workflow): progress of one person. */
export const personReportSignal = defineSignal<[PersonReport]>('personReport');

/** Person: the operator says the person has bound a passkey (the guide's step). Verified with Beyond Identity before anything is routed. */
export const credentialBoundSignal = defineSignal('credentialBound');
/** Person (from the integration): the routing rule now includes (true) or excludes (false) this person. */
export const routingChangedSignal = defineSignal<[{ routed: boolean }]>('routingChanged');
/** Person: check with Beyond Identity now, and answer whether the binding is done. */
export const confirmBindingUpdate = defineUpdate<ConfirmBindingResult>('confirmBinding');

/** Both: after fixing what NeedsAttention named (credentials, input), try the failed step again. */
export const retrySignal = defineSignal('retry');

export const personStatusQuery = defineQuery<PersonState>('status');
export const integrationStatusQuery = defineQuery<IntegrationState>('status');

// Ids

/** One person, one id: emails are trimmed and lower-cased, so Alice@Example.com and alice@example.com are one person. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function personWorkflowId(integrationId: string, email: string): string {
  return `${integrationId}/person/${normalizeEmail(email)}`;
}


/** Failure types the activity retry policy must not retry: each needs a person (see src/activities/failures.ts). */
export const NON_RETRYABLE_ERROR_TYPES = [
  'RejectedUpstreamError',
  'MalformedUpstreamResponseError',
  'InvalidInputError',
  'InvalidBeyondIdentityInputError',
];
