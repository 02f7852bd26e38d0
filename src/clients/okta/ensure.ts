/**
 * Idempotent steps of the guide on the Okta side: the person's user, the Beyond Identity OIDC
 * identity provider, and the routing rule in the IdP-discovery policy. Each finds its object by a
 * strict key first (login; exact IdP name; rule name), corrects drift, and says what it did.
 */
import { RejectedUpstreamError } from '../http/errors';
import { sameSet } from '../drift';
import { findOrCreate, type EnsureOptions, type Ensured } from '../find-or-create';
import { OktaApi, type CustomPropertyDefinition, type OktaUserInput } from './api';
import {
  isMasteredElsewhere,
  masteredElsewhereMessage,
  ROUTING_PROPERTY_MASTER,
  ROUTING_PROPERTY_PERMISSIONS,
  describeProblems,
  routingPropertyDrift,
  routingPropertyFix,
  routingPropertyProblems,
  RoutingAttributeMasteredError,
  RoutingPropertyUnsafeError,
} from './routing-property';
import type { OktaIdp, OktaRule, OktaUser } from './schemas';
import type { NonRetryableType } from '../../workflows/failure-types';

export interface DesiredOidcIdp {
  name: string;
  clientId: string;
  clientSecret: string;
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  /** Which domain Okta builds the IdP's redirect URI on (the org's, the custom one, or whichever the sign-in used); default ORG_URL. */
  issuerMode?: 'ORG_URL' | 'CUSTOM_URL' | 'DYNAMIC';
}

/** The guide's settings (step 7): scope openid only; username idpuser.externalId matched against the Okta username. */
const IDP_SCOPES = ['openid'];
const IDP_USERNAME_TEMPLATE = 'idpuser.externalId';
const IDP_MATCH_TYPE = 'USERNAME';

export function oidcIdpBody(desired: DesiredOidcIdp) {
  return {
    type: 'OIDC',
    name: desired.name,
    issuerMode: desired.issuerMode ?? 'ORG_URL',
    protocol: {
      type: 'OIDC',
      scopes: IDP_SCOPES,
      endpoints: {
        authorization: { url: desired.authorizationUrl, binding: 'HTTP-REDIRECT' },
        token: { url: desired.tokenUrl, binding: 'HTTP-POST' },
        jwks: { url: desired.jwksUrl, binding: 'HTTP-REDIRECT' },
      },
      issuer: { url: desired.issuer },
      // No token_endpoint_auth_method: its enum is private_key_jwt only; a secret means client-secret auth (docs/contracts/okta.md §2.2).
      credentials: { client: { client_id: desired.clientId, client_secret: desired.clientSecret } },
    },
    policy: {
      accountLink: { action: 'AUTO', filter: null },
      provisioning: {
        action: 'DISABLED',
        profileMaster: false,
        groups: { action: 'NONE' },
        conditions: { deprovisioned: { action: 'NONE' }, suspended: { action: 'NONE' } },
      },
      subject: { userNameTemplate: { template: IDP_USERNAME_TEMPLATE }, matchType: IDP_MATCH_TYPE, filter: null },
      maxClockSkew: 120_000,
    },
  };
}

/** Setting names that differ from the desired IdP. The client secret is compared, never reported by value. */
export function idpDrift(idp: OktaIdp, desired: DesiredOidcIdp): string[] {
  const protocol = idp.protocol;
  const drift: string[] = [];
  if (idp.type !== 'OIDC' || protocol.type !== 'OIDC') drift.push('type');
  if (!sameSet(protocol.scopes, IDP_SCOPES)) drift.push('protocol.scopes');
  if (protocol.endpoints?.authorization?.url !== desired.authorizationUrl)
    drift.push('protocol.endpoints.authorization');
  if (protocol.endpoints?.token?.url !== desired.tokenUrl) drift.push('protocol.endpoints.token');
  if (protocol.endpoints?.jwks?.url !== desired.jwksUrl) drift.push('protocol.endpoints.jwks');
  if (protocol.issuer?.url !== desired.issuer) drift.push('protocol.issuer');
  if ((idp.issuerMode ?? 'ORG_URL') !== (desired.issuerMode ?? 'ORG_URL')) drift.push('issuerMode');
  if (protocol.credentials?.client?.client_id !== desired.clientId) drift.push('protocol.credentials.client.client_id');
  // Okta echoes the secret; when it does not, we cannot tell, and we leave it alone.
  const secret = protocol.credentials?.client?.client_secret;
  if (secret !== undefined && secret !== null && secret !== desired.clientSecret)
    drift.push('protocol.credentials.client.client_secret');
  if (idp.policy?.subject?.userNameTemplate?.template !== IDP_USERNAME_TEMPLATE)
    drift.push('policy.subject.userNameTemplate');
  if (idp.policy?.subject?.matchType !== IDP_MATCH_TYPE) drift.push('policy.subject.matchType');
  return drift;
}

/**
 * How people are routed (docs/contracts/okta.md §7.3): one rule matching a custom profile property against one
 * value that names the integration; a person is routed by setting that property on their user.
 */
export interface RoutingKey {
  /** The custom profile property, e.g. beyondIdentityIntegration. */
  attribute: string;
  /** The value that sends a user to this integration's IdP. */
  value: string;
}

export interface DesiredRoutingRule extends RoutingKey {
  name: string;
  idpId: string;
  /** 1 = evaluated first; always above the default rule, which Okta keeps last. */
  priority: number;
}

export function routingRuleBody(desired: DesiredRoutingRule) {
  return {
    type: 'IDP_DISCOVERY',
    name: desired.name,
    priority: desired.priority,
    conditions: {
      network: { connection: 'ANYWHERE' },
      // Okta finds the user by what they type, then compares this property (exactly one pattern).
      userIdentifier: {
        type: 'ATTRIBUTE',
        attribute: desired.attribute,
        patterns: [{ matchType: 'EQUALS', value: desired.value }],
      },
    },
    actions: { idp: { providers: [{ type: 'OIDC', id: desired.idpId }], idpSelectionType: 'SPECIFIC' } },
  };
}

export function ruleDrift(rule: OktaRule, desired: DesiredRoutingRule): string[] {
  const drift: string[] = [];
  const identifier = rule.conditions?.userIdentifier;
  const patterns = identifier?.patterns ?? [];
  if (identifier?.type !== 'ATTRIBUTE') drift.push('conditions.userIdentifier.type');
  if (identifier?.attribute !== desired.attribute) drift.push('conditions.userIdentifier.attribute');
  if (patterns.length !== 1 || patterns[0]?.matchType !== 'EQUALS' || patterns[0]?.value !== desired.value)
    drift.push('conditions.userIdentifier.patterns');
  const providers = rule.actions?.idp?.providers ?? [];
  if (providers.length !== 1 || providers[0]?.id !== desired.idpId || providers[0]?.type !== 'OIDC')
    drift.push('actions.idp.providers');
  if (rule.priority !== desired.priority) drift.push('priority');
  return drift;
}

/**
 * The routing attribute as we add it to the profile schema: a string only administrators may
 * change, mastered by Okta so that it can be set on users a directory masters (routing-property.ts).
 */
function routingAttributeDefinition(): CustomPropertyDefinition {
  return {
    title: 'Beyond Identity routing',
    description:
      'Set by bi-okta-federation once the person has bound a passkey: the IdP-discovery rule that matches this value sends them to Beyond Identity.',
    type: 'string',
    maxLength: 256,
    master: ROUTING_PROPERTY_MASTER,
    permissions: ROUTING_PROPERTY_PERMISSIONS,
  };
}

/** The schema already has a property of that name that cannot route (a base property, or another type). */
export class RoutingAttributeUnusableError extends Error {
  override name = 'RoutingAttributeUnusableError' satisfies NonRetryableType;
}

/** The person's Okta user exists but cannot sign in (SUSPENDED, DEPROVISIONED, ...): an administrator decides. */
export class OktaUserNotActiveError extends Error {
  override name = 'OktaUserNotActiveError' satisfies NonRetryableType;
}

/** The user's profile did not read back as written: routing cannot be confirmed. */
export class RoutingNotConfirmedError extends Error {
  override name = 'RoutingNotConfirmedError' satisfies NonRetryableType;
}

export interface OktaUserSummary {
  id: string;
  login: string;
  status: string;
}
export interface OktaIdpSummary {
  id: string;
  name: string;
  status: string;
}
export interface RoutingRuleSummary {
  id: string;
  name: string;
  policyId: string;
  priority?: number;
  status: string;
}

export interface RoutedUser extends OktaUserSummary {
  /** Whether this call wrote the property (false: it was already set). */
  changed: boolean;
}

export class OktaSetup {
  constructor(readonly api: OktaApi) {}

  /**
   * The person's Okta user, by login. A new user is ACTIVE with the FEDERATION provider (no
   * password, no activation email). An existing one is adopted as it is, and its status reported:
   * a SUSPENDED or DEPROVISIONED user is for an administrator to decide about, not for us.
   */
  async ensureUser(input: OktaUserInput, options: EnsureOptions = {}): Promise<Ensured<OktaUserSummary>> {
    const { signal } = options;
    const result = await findOrCreate(
      () => this.api.findUserByLogin(input.login, signal),
      () => this.api.createFederatedUser(input, signal),
      isDuplicateLogin,
      options.beforeCreate,
    );
    return { outcome: result.outcome, value: summarizeUser(result.value) };
  }

  /** The Beyond Identity IdP, found by exact name (Okta's `q` is not exact), drift replaced, activated. */
  async ensureOidcIdp(desired: DesiredOidcIdp, options: EnsureOptions = {}): Promise<Ensured<OktaIdpSummary>> {
    const { signal } = options;
    const body = oidcIdpBody(desired);
    const find = async () =>
      (await this.api.listOidcIdps(desired.name, signal)).find((idp) => idp.name === desired.name);
    const result = await findOrCreate(find, () => this.api.createIdp(body, signal), undefined, options.beforeCreate);
    let idp = result.value;
    let outcome: Ensured<OktaIdpSummary>['outcome'] = result.outcome;
    const drift = result.outcome === 'adopted' ? idpDrift(idp, desired) : [];
    if (drift.length > 0) {
      idp = await this.api.replaceIdp(idp.id, body, signal);
      outcome = 'updated';
    }
    if (idp.status !== 'ACTIVE') {
      idp = await this.api.setIdpActive(idp.id, true, signal);
      if (outcome === 'adopted') outcome = 'updated';
      drift.push('status');
    }
    return {
      outcome,
      value: { id: idp.id, name: idp.name, status: idp.status },
      ...(drift.length > 0 ? { drift } : {}),
    };
  }

  /**
   * The routing rule, by name, in the org's IdP-discovery policy: ATTRIBUTE matching of the routing
   * property against our value, sending to the IdP at an explicit priority, active. It never
   * changes per person.
   */
  async ensureRoutingRule(
    desired: DesiredRoutingRule,
    options: EnsureOptions = {},
  ): Promise<Ensured<RoutingRuleSummary>> {
    const { signal } = options;
    const policyId = await this.api.idpDiscoveryPolicyId(signal);
    const find = async () =>
      (await this.api.listRules(policyId, signal)).find((rule) => rule.name === desired.name && !rule.system);
    const body = routingRuleBody(desired);
    const result = await findOrCreate(
      find,
      () => this.api.createRule(policyId, body, signal),
      isDuplicateRuleName,
      options.beforeCreate,
    );
    let rule = result.value;
    let outcome: Ensured<RoutingRuleSummary>['outcome'] = result.outcome;
    const drift = ruleDrift(rule, desired);
    if (drift.length > 0) {
      rule = await this.api.replaceRule(policyId, rule.id, body, signal);
      if (outcome === 'adopted') outcome = 'updated';
    }
    if (rule.status !== 'ACTIVE') {
      await this.api.setRuleActive(policyId, rule.id, true, signal);
      rule = { ...rule, status: 'ACTIVE' };
      if (outcome === 'adopted') outcome = 'updated';
      drift.push('status');
    }
    return {
      outcome,
      value: summarizeRule(rule, policyId),
      ...(drift.length > 0 && outcome !== 'created' ? { drift } : {}),
    };
  }

  /** Deactivates the rule (an adopted rule we must not delete but whose IdP is going away). Missing is fine. */
  async deactivateRoutingRule(name: string, signal?: AbortSignal): Promise<RoutingRuleSummary | undefined> {
    const policyId = await this.api.idpDiscoveryPolicyId(signal);
    const rule = (await this.api.listRules(policyId, signal)).find(
      (candidate) => candidate.name === name && !candidate.system,
    );
    if (!rule) return undefined;
    if (rule.status === 'ACTIVE') await this.api.setRuleActive(policyId, rule.id, false, signal);
    return summarizeRule({ ...rule, status: 'INACTIVE' }, policyId);
  }

  /** Other rules of the policy that match on `attribute`: while there are any, the property must stay. */
  async rulesUsingAttribute(
    attribute: string,
    exceptRuleId: string | undefined,
    signal?: AbortSignal,
  ): Promise<RoutingRuleSummary[]> {
    const policyId = await this.api.idpDiscoveryPolicyId(signal);
    const rules = await this.api.listRules(policyId, signal);
    return rules
      .filter(
        (rule) =>
          rule.id !== exceptRuleId &&
          rule.conditions?.userIdentifier?.type === 'ATTRIBUTE' &&
          rule.conditions.userIdentifier.attribute === attribute,
      )
      .map((rule) => summarizeRule(rule, policyId));
  }

  /**
   * The routing property on the default user profile schema: found (adopted) when a custom string
   * property of that name exists; added otherwise, Okta-mastered and read-only to people, and read
   * back. A base property, or one of another type, cannot route and is reported, never changed;
   * so is an adopted one that is not Okta-mastered or that people may change. `ours`: the service
   * made the property (the integration's record says so), so such drift is put back instead.
   */
  async ensureRoutingAttribute(
    attribute: string,
    options: EnsureOptions & { ours?: boolean } = {},
  ): Promise<Ensured<{ name: string }>> {
    const { signal } = options;
    const schema = await this.api.getUserSchema(signal);
    const base = schema.definitions.base?.properties ?? {};
    const custom = schema.definitions.custom?.properties ?? {};
    if (base[attribute])
      throw new RoutingAttributeUnusableError(
        `"${attribute}" is a base property of Okta's user profile; choose another OKTA_ROUTING_ATTRIBUTE`,
      );
    const existing = custom[attribute];
    if (existing) {
      if (existing.type !== 'string') {
        throw new RoutingAttributeUnusableError(
          `the custom profile property "${attribute}" exists with type ${String(existing.type)}, not string; choose another OKTA_ROUTING_ATTRIBUTE or change it in Okta`,
        );
      }
      const problems = routingPropertyProblems(existing);
      if (problems.length === 0) return { outcome: 'adopted', value: { name: attribute } };
      if (!options.ours) {
        throw new RoutingPropertyUnsafeError(
          `${describeProblems(attribute, problems)}. Nobody is routed through it until it is fixed: ${routingPropertyFix(attribute, existing)}; then bi-okta retry`,
        );
      }
      await this.putRoutingAttribute(attribute, signal);
      return { outcome: 'updated', value: { name: attribute }, drift: routingPropertyDrift(problems) };
    }
    options.beforeCreate?.();
    await this.putRoutingAttribute(attribute, signal);
    return { outcome: 'created', value: { name: attribute } };
  }

  /** Writes our definition of the property and reads it back: it must be there, Okta-mastered and read-only to people. */
  private async putRoutingAttribute(attribute: string, signal?: AbortSignal): Promise<void> {
    const after = await this.api.updateCustomProperties({ [attribute]: routingAttributeDefinition() }, signal);
    const property = after.definitions.custom?.properties?.[attribute];
    if (!property)
      throw new RoutingNotConfirmedError(
        `Okta accepted the profile property "${attribute}" but its schema does not show it`,
      );
    const problems = routingPropertyProblems(property);
    if (problems.length > 0)
      throw new RoutingNotConfirmedError(
        `Okta accepted the profile property "${attribute}" but reads it back otherwise: ${describeProblems(attribute, problems)}`,
      );
  }

  /** Deletes the routing property from the schema (Okta then drops it from every profile). Missing is fine. */
  async deleteRoutingAttribute(attribute: string, signal?: AbortSignal): Promise<boolean> {
    const schema = await this.api.getUserSchema(signal);
    if (!schema.definitions.custom?.properties?.[attribute]) return false;
    await this.api.updateCustomProperties({ [attribute]: null }, signal);
    return true;
  }

  /**
   * Step 6 and the person's routing in one: the Okta user, by login, with the routing property
   * set to our value, read back. A user we create gets the property in its create body; one that
   * was there (adopted) gets a partial profile update. `since`: when this onboarding began; a user
   * created after it, already carrying our value, is our own (a create by another attempt of this
   * onboarding), not adopted.
   */
  async ensureRoutedUser(
    input: OktaUserInput,
    key: RoutingKey,
    since: string,
    options: EnsureOptions & {
      /** Called just before each write goes out (after any wait for the rate limit): what it throws stops the write. */
      beforeWrite?: () => Promise<void>;
    } = {},
  ): Promise<Ensured<RoutedUser>> {
    const { signal, beforeWrite } = options;
    const withKey = { ...input, extraProfile: { [key.attribute]: key.value } };
    const result = await findOrCreate(
      () => this.api.findUserByLogin(input.login, signal),
      () => this.api.createFederatedUser(withKey, signal, beforeWrite),
      isDuplicateLogin,
      options.beforeCreate,
    );
    let user = result.value;
    if (user.status !== 'ACTIVE') {
      // Checked before anything is written: an adopted user that cannot sign in is not routed.
      throw new OktaUserNotActiveError(
        `Okta user ${user.profile.login} (${user.id}) exists with status ${user.status}; it must be ACTIVE to sign in with Beyond Identity. Activate or unsuspend it in Okta, then retry.`,
      );
    }
    let outcome: Ensured<RoutedUser>['outcome'] = result.outcome;
    if (
      outcome === 'adopted' &&
      user.profile[key.attribute] === key.value &&
      user.created &&
      Date.parse(user.created) >= Date.parse(since)
    )
      outcome = 'created';
    let changed = outcome === 'created' && result.outcome === 'created';
    if (user.profile[key.attribute] !== key.value) {
      // Only the routing property: anything else of an adopted user may be its directory's (403 E0000023).
      user = await this.writeRouting(user, key, key.value, signal, beforeWrite);
      changed = true;
    }
    // Read back: the person is routed only once Okta shows the value. Okta answers a create or a
    // profile update with the user as stored, which is that reading; only when it does not show
    // the value is the user fetched again (a GET more per person would cost the org's user-by-id
    // budget a third of its calls).
    if (user.profile[key.attribute] !== key.value) {
      user =
        (await this.api.getUser(user.id, signal)) ??
        fail(`Okta user ${input.login} (${user.id}) disappeared while being routed`);
    }
    if (user.profile[key.attribute] !== key.value) {
      fail(
        `Okta user ${input.login} (${user.id}) reads back ${describeValue(user.profile[key.attribute])} for "${key.attribute}", not the value written`,
      );
    }
    return { outcome, value: { ...summarizeUser(user), changed } };
  }

  /**
   * Takes the person out of routing: clears the property when it holds our value, and reads it
   * back. A value of another integration is not ours to clear. `found: false` when no user exists.
   */
  async clearRouting(
    input: { userId?: string; login: string },
    key: RoutingKey,
    signal?: AbortSignal,
  ): Promise<{ found: boolean; userId?: string; cleared: boolean }> {
    const user =
      (input.userId ? await this.api.getUser(input.userId, signal) : undefined) ??
      (await this.api.findUserByLogin(input.login, signal));
    if (!user) return { found: false, cleared: false };
    if (user.profile[key.attribute] !== key.value) return { found: true, userId: user.id, cleared: false };
    // `null` is how Okta clears an attribute, and this one is Okta-mastered (ours to clear even on a
    // directory-sourced user); the contract's "never nulls" is about attributes a source masters.
    await this.writeRouting(user, key, null, signal);
    const after = await this.api.getUser(user.id, signal);
    if (after && after.profile[key.attribute] === key.value) {
      fail(
        `Okta user ${input.login} (${user.id}) still reads back "${key.attribute}" = our value after it was cleared`,
      );
    }
    return { found: true, userId: user.id, cleared: true };
  }

  /**
   * `{attribute: value}` and nothing else, as a partial update. A 403 E0000023 (the property is not
   * Okta-mastered, and the user's directory masters it) becomes the person's NeedsAttention with the fix.
   */
  private async writeRouting(
    user: OktaUser,
    key: RoutingKey,
    value: string | null,
    signal?: AbortSignal,
    beforeWrite?: () => Promise<void>,
  ): Promise<OktaUser> {
    try {
      return await this.api.updateUserProfile(user.id, { [key.attribute]: value }, signal, beforeWrite);
    } catch (error) {
      if (!isMasteredElsewhere(error)) throw error;
      // Best effort: the schema names the property's master and title for the fix; without it the fix is still given.
      const property = await this.api.getUserSchema(signal).then(
        (schema) => schema.definitions.custom?.properties?.[key.attribute] ?? undefined,
        () => undefined,
      );
      throw new RoutingAttributeMasteredError(
        masteredElsewhereMessage(key.attribute, { login: user.profile.login, id: user.id }, property),
        { cause: error },
      );
    }
  }
}

function fail(message: string): never {
  throw new RoutingNotConfirmedError(message);
}

function describeValue(value: unknown): string {
  return value === undefined || value === null ? '(unset)' : JSON.stringify(value);
}

/** 400 E0000001 with a `login` cause: the user exists (perhaps our own lost create). */
function isDuplicateLogin(error: unknown): boolean {
  return (
    error instanceof RejectedUpstreamError &&
    error.upstreamCode === 'E0000001' &&
    /login/i.test(error.upstreamMessage ?? '')
  );
}

function isDuplicateRuleName(error: unknown): boolean {
  return (
    error instanceof RejectedUpstreamError &&
    error.upstreamCode === 'E0000001' &&
    /name/i.test(error.upstreamMessage ?? '')
  );
}

function summarizeUser(user: OktaUser): OktaUserSummary {
  return { id: user.id, login: user.profile.login, status: user.status };
}

function summarizeRule(rule: OktaRule, policyId: string): RoutingRuleSummary {
  return {
    id: rule.id,
    name: rule.name,
    policyId,
    priority: rule.priority ?? undefined,
    status: rule.status,
  };
}
