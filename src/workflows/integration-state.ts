/**
 * An integration's state and its rules: the status after each event, what people are handed once
 * the shared objects exist, how a re-check keeps what it knew, and the markdown Temporal UI shows.
 * Pure: integration.ts applies the results, and the rules are unit-tested without a server.
 */
import type { IntegrationSpec, IntegrationState, IntegrationStatus, ObjectRecord, PersonContext } from './definitions';
import { attentionMarkdown } from './markdown';
import { findingLine, verifySummaryLine } from './verify-state';

export function newIntegrationState(): IntegrationState {
  return { status: 'SettingUp', step: 'Start', kept: [] };
}

/** Every shared object exists: people can be onboarded. */
export function isSetUp(state: IntegrationState): boolean {
  return Boolean(state.realm && state.authenticatorConfig && state.application && state.idp && state.routingAttribute && state.routingRule);
}

export function statusAfterAttention(state: IntegrationState, attention: boolean, teardownRequested: boolean): IntegrationStatus {
  if (attention) return 'NeedsAttention';
  if (teardownRequested) return 'TearingDown';
  return isSetUp(state) ? 'Ready' : 'SettingUp';
}

/** What every person needs of the integration (ids and settings only). */
export function personContext(state: IntegrationState, spec: IntegrationSpec): PersonContext | undefined {
  if (!isSetUp(state)) return undefined;
  return {
    realmId: state.realm!.id,
    applicationId: state.application!.id,
    authenticatorConfigId: state.authenticatorConfig!.id,
    routing: spec.routing,
    binding: spec.binding,
    activityTimeoutMs: spec.activityTimeoutMs,
  };
}

/**
 * What a re-check found, against what was recorded: the same object keeps its record (a found
 * object of ours is still ours, not adopted); a different one (ours was deleted and made again,
 * or replaced) is recorded as found.
 */
export function recheck<T extends ObjectRecord>(recorded: T | undefined, found: T): T {
  return recorded && recorded.id === found.id ? { ...found, adopted: recorded.adopted } : found;
}

/**
 * The Okta callbacks the Beyond Identity application must allow: the one the IdP's issuer mode
 * makes Okta send (ORG_URL: on the org's Okta domain; CUSTOM_URL: on the custom domain), or both
 * for DYNAMIC (a sign-in that starts on either domain comes back to it).
 */
export function oktaRedirectUris(spec: IntegrationSpec): string[] {
  const callback = (base: string) => `${base.replace(/\/+$/, '')}/oauth2/v1/authorize/callback`;
  const mode = spec.oktaIssuerMode ?? 'ORG_URL';
  if (mode === 'ORG_URL' || !spec.oktaCustomDomain) return [callback(spec.oktaOrgUrl)];
  if (mode === 'CUSTOM_URL') return [callback(spec.oktaCustomDomain)];
  return [callback(spec.oktaOrgUrl), callback(spec.oktaCustomDomain)];
}

function object(label: string, record?: ObjectRecord): string {
  return `- ${label}: ${record ? `\`${record.id}\`${record.adopted ? ' (adopted, never deleted)' : ''}` : '—'}`;
}

/** The markdown Temporal UI shows as the integration's current details. */
export function integrationDetails(state: IntegrationState, spec: IntegrationSpec): string {
  const lines = [
    `**Integration** ${spec.realmName} ↔ ${spec.oktaOrgUrl}: ${state.status} (step \`${state.step}\`)`,
    '',
    object('Realm', state.realm),
    object('Authenticator config', state.authenticatorConfig),
    object('Application', state.application),
    object('Okta identity provider', state.idp),
    object('Okta profile property', state.routingAttribute),
    object('Routing rule', state.routingRule),
    '',
    `People are routed by \`${spec.routing.attribute}\` = \`${spec.routing.value}\` on their Okta user, set by their own onboarding once they have bound a passkey. ` +
      'Their onboardings are listed by the `Integration` search attribute (CLI: `list`).',
  ];
  if (state.lastVerify) lines.push('', `Last verify: ${verifySummaryLine(state.lastVerify)}`, ...state.lastVerify.findings.map((finding) => `- ${findingLine(finding)}`));
  if (state.offboarded) {
    const { cancelled, undone, alreadyEnded } = state.offboarded;
    lines.push('', `Offboarded at teardown: ${cancelled} cancelled while running, ${undone} undone after they had ended, ${alreadyEnded} already cancelled.`);
  }
  if (state.kept.length > 0) lines.push('', 'Kept on teardown:', ...state.kept.map((item) => `- ${item}`));
  if (state.attention) lines.push('', attentionMarkdown(state.attention));
  return lines.join('\n');
}
