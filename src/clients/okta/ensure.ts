/**
 * Idempotent steps of the guide on the Okta side: the person's user, the Beyond Identity OIDC
 * identity provider, and the routing rule in the IdP-discovery policy. Each finds its object by a
 * strict key first (login; exact IdP name; rule name), corrects drift, and says what it did.
 */
import { RejectedUpstreamError } from '../http/errors';
import { findOrCreate, sameSet, type EnsureOptions, type Ensured } from '../find-or-create';
import { OktaApi, type OktaUserInput } from './api';
import type { OktaIdp, OktaRule, OktaUser } from './schemas';

export interface DesiredOidcIdp {
  name: string;
  clientId: string;
  clientSecret: string;
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string;
}

/** The guide's settings (step 7): scope openid only; username idpuser.externalId matched against the Okta username. */
export const IDP_SCOPES = ['openid'];
export const IDP_USERNAME_TEMPLATE = 'idpuser.externalId';
export const IDP_MATCH_TYPE = 'USERNAME';

export function oidcIdpBody(desired: DesiredOidcIdp) {
  return {
    type: 'OIDC',
    name: desired.name,
    issuerMode: 'ORG_URL',
    protocol: {
      type: 'OIDC',
      scopes: IDP_SCOPES,
      endpoints: {
        authorization: { url: desired.authorizationUrl, binding: 'HTTP-REDIRECT' },
        token: { url: desired.tokenUrl, binding: 'HTTP-POST' },
        jwks: { url: desired.jwksUrl, binding: 'HTTP-REDIRECT' },
      },
      issuer: { url: desired.issuer },
      // No token_endpoint_auth_method: its enum is private_key_jwt only; a secret means client-secret auth (contract §2.2).
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
  if (protocol.endpoints?.authorization?.url !== desired.authorizationUrl) drift.push('protocol.endpoints.authorization');
  if (protocol.endpoints?.token?.url !== desired.tokenUrl) drift.push('protocol.endpoints.token');
  if (protocol.endpoints?.jwks?.url !== desired.jwksUrl) drift.push('protocol.endpoints.jwks');
  if (protocol.issuer?.url !== desired.issuer) drift.push('protocol.issuer');
  if (protocol.credentials?.client?.client_id !== desired.clientId) drift.push('protocol.credentials.client.client_id');
  // Okta echoes the secret; when it does not, we cannot tell, and we leave it alone.
  const secret = protocol.credentials?.client?.client_secret;
  if (secret !== undefined && secret !== null && secret !== desired.clientSecret) drift.push('protocol.credentials.client.client_secret');
  if (idp.policy?.subject?.userNameTemplate?.template !== IDP_USERNAME_TEMPLATE) drift.push('policy.subject.userNameTemplate');
  if (idp.policy?.subject?.matchType !== IDP_MATCH_TYPE) drift.push('policy.subject.matchType');
  return drift;
}

export interface DesiredRoutingRule {
  name: string;
  idpId: string;
  /** Exactly these people are routed; lower-cased. */
  emails: string[];
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
      // What the person types at sign-in is their email (= their Okta login).
      userIdentifier: {
        type: 'IDENTIFIER',
        patterns: desired.emails.map((email) => ({ matchType: 'EQUALS', value: email })),
      },
    },
    actions: { idp: { providers: [{ type: 'OIDC', id: desired.idpId }], idpSelectionType: 'SPECIFIC' } },
  };
}

export function ruleDrift(rule: OktaRule, desired: DesiredRoutingRule): string[] {
  const drift: string[] = [];
  const identifier = rule.conditions?.userIdentifier;
  const patterns = identifier?.patterns ?? [];
  if (identifier?.type !== 'IDENTIFIER') drift.push('conditions.userIdentifier.type');
  if (patterns.some((pattern) => pattern.matchType !== 'EQUALS') || !sameSet(patterns.map((pattern) => pattern.value.toLowerCase()), desired.emails)) {
    drift.push('conditions.userIdentifier.patterns');
  }
  const providers = rule.actions?.idp?.providers ?? [];
  if (providers.length !== 1 || providers[0]?.id !== desired.idpId || providers[0]?.type !== 'OIDC') drift.push('actions.idp.providers');
  if (rule.priority !== desired.priority) drift.push('priority');
  return drift;
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
  emails: string[];
  priority?: number;
  status: string;
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
    const find = async () => (await this.api.listOidcIdps(desired.name, signal)).find((idp) => idp.name === desired.name);
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
    return { outcome, value: { id: idp.id, name: idp.name, status: idp.status }, ...(drift.length > 0 ? { drift } : {}) };
  }

  /**
   * The routing rule, by name, in the org's IdP-discovery policy, sending exactly `emails` to the
   * IdP at an explicit priority, active. With no emails the rule is deactivated instead: a rule
   * with no patterns would match everyone.
   */
  async ensureRoutingRule(desired: DesiredRoutingRule, options: EnsureOptions = {}): Promise<Ensured<RoutingRuleSummary | null>> {
    const { signal } = options;
    const wanted = { ...desired, emails: [...new Set(desired.emails.map((email) => email.toLowerCase()))].sort() };
    const policyId = await this.api.idpDiscoveryPolicyId(signal);
    const find = async () => (await this.api.listRules(policyId, signal)).find((rule) => rule.name === wanted.name && !rule.system);

    if (wanted.emails.length === 0) {
      const existing = await find();
      if (!existing) return { outcome: 'adopted', value: null };
      if (existing.status === 'ACTIVE') {
        await this.api.setRuleActive(policyId, existing.id, false, signal);
        return { outcome: 'updated', value: summarizeRule({ ...existing, status: 'INACTIVE' }, policyId), drift: ['status'] };
      }
      return { outcome: 'adopted', value: summarizeRule(existing, policyId) };
    }

    const body = routingRuleBody(wanted);
    const result = await findOrCreate(find, () => this.api.createRule(policyId, body, signal), isDuplicateRuleName, options.beforeCreate);
    let rule = result.value;
    let outcome: Ensured<RoutingRuleSummary>['outcome'] = result.outcome;
    const drift = ruleDrift(rule, wanted);
    if (drift.length > 0) {
      rule = await this.api.replaceRule(policyId, rule.id, body, signal);
      outcome = outcome === 'created' ? 'created' : 'updated';
    }
    if (rule.status !== 'ACTIVE') {
      await this.api.setRuleActive(policyId, rule.id, true, signal);
      rule = { ...rule, status: 'ACTIVE' };
      if (outcome === 'adopted') outcome = 'updated';
      drift.push('status');
    }
    return { outcome, value: summarizeRule(rule, policyId), ...(drift.length > 0 && outcome !== 'created' ? { drift } : {}) };
  }
}

/** 400 E0000001 with a `login` cause: the user exists (perhaps our own lost create). */
function isDuplicateLogin(error: unknown): boolean {
  return error instanceof RejectedUpstreamError && error.upstreamCode === 'E0000001' && /login/i.test(error.upstreamMessage ?? '');
}

function isDuplicateRuleName(error: unknown): boolean {
  return error instanceof RejectedUpstreamError && error.upstreamCode === 'E0000001' && /name/i.test(error.upstreamMessage ?? '');
}

function summarizeUser(user: OktaUser): OktaUserSummary {
  return { id: user.id, login: user.profile.login, status: user.status };
}

function summarizeRule(rule: OktaRule, policyId: string): RoutingRuleSummary {
  return {
    id: rule.id,
    name: rule.name,
    policyId,
    emails: (rule.conditions?.userIdentifier?.patterns ?? []).map((pattern) => pattern.value),
    priority: rule.priority ?? undefined,
    status: rule.status,
  };
}
