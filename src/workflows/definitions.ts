/**
 * What workflows and the operator CLI both import: workflow inputs and state shapes, signals,
 * updates, queries, statuses and search-attribute keys. Workflow-safe: no Node built-ins, no I/O.
 * Nothing here ever holds a secret: ids and names only.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { normalizeEmail } from '../util/email';
import type { SyncDigest } from './sync-definitions';

// Search attributes

export const integrationKey = defineSearchAttributeKey('Integration', SearchAttributeType.KEYWORD);
export const emailKey = defineSearchAttributeKey('Email', SearchAttributeType.KEYWORD);
export const onboardingStepKey = defineSearchAttributeKey('OnboardingStep', SearchAttributeType.KEYWORD);
export const onboardingStatusKey = defineSearchAttributeKey('OnboardingStatus', SearchAttributeType.KEYWORD);
/** Who onboarded a person: `hand` (an operator's `onboard`) or `sync:<groupId>` (an Okta group sync). */
export const onboardedByKey = defineSearchAttributeKey('OnboardedBy', SearchAttributeType.KEYWORD);

/** Every custom search attribute the service uses, as the server must register them. */
export const SEARCH_ATTRIBUTE_KEYS = [
  integrationKey,
  emailKey,
  onboardingStepKey,
  onboardingStatusKey,
  onboardedByKey,
] as const;

/** Who onboarded a person: by hand, or the sync of one Okta group (which offboards only its own people). */
export type OnboardedBy = 'hand' | `sync:${string}`;

export function syncOnboardedBy(groupId: string): OnboardedBy {
  return `sync:${groupId}`;
}

/**
 * Temporal task-queue priority keys (1 = first, 5 = last; 3 when unset): one person an operator
 * onboards or rebinds is never stuck behind a group's thousands of starts.
 */
export const TASK_PRIORITY = { interactive: 2, bulk: 4 } as const;

// Statuses and steps (the OnboardingStatus and OnboardingStep search attributes)

/** A person's onboarding. */
const PERSON_STATUSES = [
  'Running',
  'WaitingForBinding',
  /** Onboarded, lost their passkey, sent a new binding email (`rebind`): still routed while they bind again. */
  'Rebinding',
  'NeedsAttention',
  'Onboarded',
  'BindingExpired',
  'DeadlinePassed',
  /** Cancelled while running, or offboarded after it ended: routing cleared, what we created removed. */
  'Cancelled',
  /** Left (an Okta group sync's leaver): out of routing, identity suspended, deleted after a grace period unless they return. */
  'Suspended',
] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];

export type PersonStep =
  | 'Start'
  | 'WaitForIntegration'
  | 'CreateIdentity'
  | 'SendBindingEmail'
  | 'WaitForBinding'
  | 'ResendBindingEmail'
  | 'RouteOktaUser'
  /** A rebind began: the previous onboarding's state is carried over, routing left as it is. */
  | 'Rebind'
  | 'Done'
  | 'Ended'
  | 'ClearRouting'
  | 'RemoveOktaUser'
  | 'DeleteIdentity'
  | 'Undone'
  /** A leave run: the identity suspended, then the wait for a return until the grace period ends. */
  | 'SuspendIdentity'
  | 'WaitForReturn'
  | 'UnsuspendIdentity';

/** The integration (the shared objects). */
const INTEGRATION_STATUSES = ['SettingUp', 'Ready', 'NeedsAttention', 'TearingDown', 'TornDown'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

export type IntegrationStep =
  | 'Start'
  | 'CheckWorker'
  | 'CreateRealm'
  | 'CreateAuthenticatorConfig'
  | 'CreateApplication'
  | 'CreateIdentityProvider'
  | 'CreateRoutingAttribute'
  | 'CreateRoutingRule'
  | 'Ready'
  /** The Temporal Schedule that runs `verify` (created once Ready, removed first on teardown). */
  | 'ScheduleVerify'
  | 'RemoveVerifySchedule'
  /** Every Okta group sync of the integration: its schedule deleted, its workflow cancelled (before the people go). */
  | 'RemoveSyncs'
  | 'RemoveRouting'
  | 'OffboardPeople'
  | 'RemoveRoutingAttribute'
  | 'RemoveIdentityProvider'
  | 'DeleteApplication'
  | 'DeleteAuthenticatorConfig'
  | 'DeleteRealm'
  | 'Done';

export const ALL_STATUSES = [...new Set<string>([...PERSON_STATUSES, ...INTEGRATION_STATUSES])];

// Inputs

interface BindingSettings {
  /** How often Beyond Identity is checked while the person has not bound a passkey (ms). */
  pollIntervalMs: number;
  /** New emails sent after a link expires (or fails to send), at most. */
  maxResends: number;
  /** After this long without a bound passkey the onboarding ends, nothing routed (ms). */
  deadlineMs: number;
}

/** How a person is routed: the rule matches this custom profile property against this value. */
export interface RoutingKey {
  attribute: string;
  value: string;
}

export const OKTA_ISSUER_MODES = ['ORG_URL', 'CUSTOM_URL', 'DYNAMIC'] as const;
export type OktaIssuerMode = (typeof OKTA_ISSUER_MODES)[number];

export interface IntegrationSpec {
  /** The deterministic workflow id: one integration per (BI tenant + realm, Okta org). */
  integrationId: string;
  biTenantId: string;
  realmName: string;
  authenticatorConfigName: string;
  applicationName: string;
  /** The org's Okta URL (its okta.com domain): the API's base, and with issuer mode ORG_URL the callback's. */
  oktaOrgUrl: string;
  /** The org's custom domain (https://login.example.com), if it has one. */
  oktaCustomDomain?: string;
  /**
   * Which domain Okta builds the IdP's redirect URI on: ORG_URL (the org's Okta domain), CUSTOM_URL
   * (the custom domain) or DYNAMIC (the domain the sign-in started on: either). Absent: ORG_URL.
   */
  oktaIssuerMode?: OktaIssuerMode;
  idpName: string;
  routingRuleName: string;
  /** 1 = evaluated first; always above Okta's default rule. */
  routingRulePriority: number;
  /** The profile property people are routed by, and this integration's value of it. */
  routing: RoutingKey;
  tokenExpirySeconds: number;
  binding: BindingSettings;
  /** Start-to-close timeout of each activity attempt: how soon a step lost with a dead worker is retried. */
  activityTimeoutMs: number;
  /** How often the verify schedule runs (VERIFY_INTERVAL); absent in runs started before it existed: daily. */
  verifyIntervalMs?: number;
}

/** The verify schedule's interval when the spec names none. */
export const DEFAULT_VERIFY_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface PersonInput {
  integrationId: string;
  email: string;
  firstName?: string;
  lastName?: string;
}

/** What a person needs of its integration once the shared objects exist (ids and settings, no secret). */
export interface PersonContext {
  realmId: string;
  applicationId: string;
  authenticatorConfigId: string;
  routing: RoutingKey;
  binding: BindingSettings;
  activityTimeoutMs: number;
}

export interface PersonWorkflowInput {
  person: PersonInput;
  /** Known when the integration was Ready at onboard time; otherwise the first step waits for it. */
  context?: PersonContext;
  /** Offboard: undo what an earlier, ended run of this person left (its final state). */
  offboard?: PersonState;
  /** Rebind: a new binding email for a person whose earlier run ended Onboarded (its final state); routing stays. */
  rebind?: PersonState;
  /** Carried across continue-as-new. */
  resume?: PersonState;
  /**
   * Leave: a person whose earlier run ended routed has left (an Okta group sync's leaver): routing
   * cleared, identity suspended, and after `deleteAfterMs` without a `returned` signal, what we created removed.
   */
  leave?: { state: PersonState; reason: string; deleteAfterMs: number };
  /** Who started this onboarding (absent: `hand`); runs after the first carry the first's. */
  onboardedBy?: OnboardedBy;
}

export interface IntegrationWorkflowInput {
  spec: IntegrationSpec;
  /** Carried across continue-as-new. */
  resume?: IntegrationState;
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
  step: PersonStep;
  context?: PersonContext;
  identity?: ObjectRecord;
  bindingJobId?: string;
  bindingJobState?: string;
  emailsSent: number;
  /** New links sent after one expired (counts against BindingSettings.maxResends). */
  resends: number;
  bound: boolean;
  boundVia?: 'signal' | 'update' | 'detected';
  operatorSaidBound?: boolean;
  /** A routing step has run: Okta may hold a user of ours with the routing property, even if none is recorded yet. */
  routingAttempted?: boolean;
  oktaUser?: ObjectRecord;
  routed: boolean;
  startedAt: string;
  deadlineAt?: string;
  boundAt?: string;
  routedAt?: string;
  finishedAt?: string;
  /** When the running (or last) rebind began: a completed binding job from before it does not count. */
  rebindStartedAt?: string;
  attention?: Attention;
  note?: string;
  /** Who onboarded the person (absent in runs from before it was recorded: by hand). */
  onboardedBy?: OnboardedBy;
  /** A leave run: when the identity was suspended, why the person left, and when what we created goes. */
  suspendedAt?: string;
  leaveReason?: string;
  deleteAt?: string;
  /** When a leaver came back without an active passkey: a binding completed before then does not count. */
  returnedAt?: string;
}

export interface IntegrationState {
  status: IntegrationStatus;
  step: IntegrationStep;
  realm?: ObjectRecord;
  authenticatorConfig?: ObjectRecord;
  application?: ObjectRecord;
  idp?: ObjectRecord;
  /** The custom profile property people are routed by (its id is its name). */
  routingAttribute?: ObjectRecord;
  routingRule?: ObjectRecord & { policyId: string };
  /** What people need of the integration; set once every shared object exists. */
  context?: PersonContext;
  attention?: Attention;
  /** Teardown: how the people were offboarded. */
  offboarded?: { cancelled: number; undone: number; alreadyEnded: number };
  tornDownAt?: string;
  /** What teardown left in place and why (adopted objects, realms with other identities). */
  kept: string[];
  /** The latest `verify` of this integration (its `verified` signal). */
  lastVerify?: VerifySummary;
  /** Each Okta group sync's latest run, by group id (its `syncRan` signal). */
  syncs?: Record<string, SyncDigest>;
}

// Verify (federation health)

export const VERIFY_OUTCOMES = ['ok', 'corrected', 'needsAttention'] as const;
export type VerifyOutcome = (typeof VERIFY_OUTCOMES)[number];

/** The shared objects verify checks, in the order it checks them. */
export type VerifyObject =
  | 'integration'
  | 'realm'
  | 'authenticator config'
  | 'application'
  | 'Okta identity provider'
  | 'Okta profile property'
  | 'routing rule'
  | 'people';

export interface VerifyCheck {
  object: VerifyObject;
  outcome: VerifyOutcome;
  /** What was seen; for a correction, the setting names put back (never a value of a secret). */
  detail: string;
  fix?: string;
}

interface PersonProblem {
  email: string;
  problem: string;
  fix: string;
}

export interface VerifyPeople {
  checked: number;
  ok: number;
  corrected: number;
  /** Exact count; `needsAttention` lists at most VERIFY_LISTED_PEOPLE of them. */
  needsAttentionCount: number;
  needsAttention: PersonProblem[];
  /** Who was put back and how (at most VERIFY_LISTED_PEOPLE). */
  corrections: { email: string; detail: string }[];
}

/** People named in a report, at most (the counts stay exact). */
export const VERIFY_LISTED_PEOPLE = 50;

export interface VerifyReport {
  at: string;
  /** Nothing needs attention (corrections may have been made). */
  ok: boolean;
  checks: VerifyCheck[];
  people: VerifyPeople;
}

/** One thing a verify put back or found needing attention, as the integration keeps it. */
export interface VerifyFinding {
  object: VerifyObject;
  outcome: Exclude<VerifyOutcome, 'ok'>;
  /** The person it is about (object `people`). */
  email?: string;
  detail: string;
  fix?: string;
}

/** Findings the integration keeps of one verify, at most (the counts stay exact). */
export const VERIFY_KEPT_FINDINGS = 20;

/** What the integration keeps of the latest verify (its `verified` signal). */
export interface VerifySummary {
  at: string;
  ok: boolean;
  workflowId: string;
  /** How many checks (the objects and the people's line) came out each way. */
  counts: Record<VerifyOutcome, number>;
  /** The objects put back, and those needing attention. */
  corrected: VerifyObject[];
  needsAttention: VerifyObject[];
  peopleChecked: number;
  /** What was put back or needs attention, objects first, then people; at most VERIFY_KEPT_FINDINGS. */
  findings: VerifyFinding[];
}

export interface VerifyWorkflowInput {
  spec: IntegrationSpec;
}

// Messages

export interface ConfirmBindingResult {
  accepted: boolean;
  reason: string;
}

/** Integration: undo everything this service created and finish. */
export const teardownSignal = defineSignal('teardown');

/** Person: the operator says the person has bound a passkey (the guide's step). Verified with Beyond Identity before anything is routed. */
export const credentialBoundSignal = defineSignal('credentialBound');
/** Person: check with Beyond Identity now, and answer whether the binding is done. */
export const confirmBindingUpdate = defineUpdate<ConfirmBindingResult>('confirmBinding');

/** Person: a leaver (status Suspended) is back: unsuspend and route them again. */
export const returnedSignal = defineSignal('returned');

/** Both: after fixing what NeedsAttention named (credentials, input), try the failed step again. On a Ready integration: check every shared object again and correct drift. */
export const retrySignal = defineSignal('retry');

export const personStatusQuery = defineQuery<PersonState>('status');
export const integrationStatusQuery = defineQuery<IntegrationState>('status');

/** Integration: the latest verify's result (from the verify workflow). */
export const verifiedSignal = defineSignal<[VerifySummary]>('verified');

/** Integration: an Okta group sync ran a reconcile (from the sync workflow); kept per group for `status` and the UI. */
export const syncRanSignal = defineSignal<[SyncDigest]>('syncRan');

// Ids

// The CLI and workflows import it from here, beside the ids built with it.
export { normalizeEmail };

export function personWorkflowId(integrationId: string, email: string): string {
  return `${integrationId}/person/${normalizeEmail(email)}`;
}

/** The Temporal Schedule that runs verify. */
export function verifyScheduleId(integrationId: string): string {
  return `${integrationId}/verify`;
}

/** Runs the schedule starts (Temporal appends the time); the CLI's own runs are `.../verify/now-…`, so they never collide. */
export function scheduledVerifyWorkflowId(integrationId: string): string {
  return `${integrationId}/verify/scheduled`;
}
