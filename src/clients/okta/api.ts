/**
 * The Okta Management API calls we make: users, groups and their members, OIDC identity
 * providers, the IdP-discovery policy and its rules. Typed, validated, paced under the org's rate limits, paged by `Link` headers.
 */
import type { z } from 'zod';
import {
  JsonClient,
  type Authorization,
  type ClientLogger,
  type HttpTimeouts,
  type JsonRequest,
  type RetryOptions,
} from '../http/json-client';
import { MalformedUpstreamResponseError } from '../http/errors';
import type { HttpObserver, PacerObserver } from '../http/observer';
import type { RateLimitPacer } from '../http/rate-limit-pacer';
import { registerSecret } from '../http/secrets';
import type { OktaCredentials } from './credentials';
import { OktaOAuthAuthorization } from './oauth';
import { oktaRefusalHint } from './refusal-hints';
import { nextLink } from './link-header';
import { oktaPacing, sharedOktaPacer } from './rate-limits';
import {
  oktaGroupSchema,
  oktaIdpSchema,
  oktaLogEventSchema,
  oktaPolicySchema,
  oktaRuleSchema,
  oktaUserSchema,
  oktaUserSchemaSchema,
  parseOktaError,
  type OktaGroup,
  type OktaIdp,
  type OktaLogEvent,
  type OktaRule,
  type OktaUser,
  type OktaUserSchema,
} from './schemas';

export type OktaClientConfig = OktaClientSettings &
  (
    | { credentials: OktaCredentials; apiToken?: never }
    /** Shorthand for `credentials: {kind: 'api-token', token}`. */
    | { apiToken: string; credentials?: never }
  );

export interface OktaClientSettings {
  /** The org URL, e.g. https://example.okta.com (or the simulator's http://127.0.0.1:8025). */
  orgUrl: string;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryOptions>;
  logger?: ClientLogger;
  /** Told of every request and pacer wait (metrics). */
  observer?: HttpObserver & PacerObserver;
  /** Defaults to the process-wide pacer. */
  pacer?: RateLimitPacer;
  /** Requests this process keeps in flight to the org at once (the process-wide pacer's cap; default 16). */
  maxInFlight?: number;
}

const MAX_PAGES = 10_000;
const PAGE_LIMIT = { users: 200, idps: 200, rules: 200, groups: 200 };
/** System Log events a poll reads at most (Okta allows up to 1,000; 100 is its default). */
const LOG_PAGE_LIMIT = 1_000;
/** Okta recommends 200 members a page (`listGroupUsers`; its default, 1000, is "for historical reasons"). */
export const DEFAULT_GROUP_MEMBERS_PAGE_SIZE = 200;
/** `q` is never paged: this many groups whose names start with the one asked for are read (Okta's default for a query). */
const GROUP_QUERY_LIMIT = 300;

/** Okta filter string literal: backslash and double quote escaped. */
export function filterLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface OktaUserInput {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  /** Custom profile properties set at creation (the routing attribute). */
  extraProfile?: Record<string, string>;
}

/** A custom property of the user profile schema, as we create it (docs/contracts/okta.md §7.1). */
export interface CustomPropertyDefinition {
  title: string;
  description?: string;
  type: 'string';
  maxLength?: number;
  /** Always sent (docs/contracts/okta.md §11.3: the API's defaults are unverified). */
  master: { type: 'OKTA' | 'PROFILE_MASTER' };
  permissions: readonly { principal: 'SELF'; action: 'READ_ONLY' | 'READ_WRITE' | 'HIDE' }[];
}

const DEFAULT_USER_SCHEMA = '/api/v1/meta/schemas/user/default';

function apiTokenAuthorization(credentials: Extract<OktaCredentials, { kind: 'api-token' }>): Authorization {
  registerSecret(credentials.token);
  const headers = { authorization: `SSWS ${credentials.token}` };
  return { headers: async () => headers };
}

export class OktaApi {
  private readonly http: JsonClient;
  readonly orgUrl: string;
  readonly credentials: OktaCredentials;
  private readonly oauth: OktaOAuthAuthorization | undefined;

  constructor(config: OktaClientConfig) {
    this.credentials = config.credentials ?? { kind: 'api-token', token: config.apiToken };
    this.orgUrl = config.orgUrl.replace(/\/+$/, '');
    const credentials = this.credentials;
    this.oauth =
      credentials.kind === 'oauth'
        ? new OktaOAuthAuthorization(credentials, { ...config, orgUrl: this.orgUrl })
        : undefined;
    this.http = new JsonClient({
      service: 'okta',
      baseUrl: this.orgUrl,
      authorization: credentials.kind === 'oauth' ? this.oauth : apiTokenAuthorization(credentials),
      parseError: parseOktaError,
      hint: oktaRefusalHint(this.credentials),
      requestIdHeader: 'x-okta-request-id',
      timeouts: config.timeouts,
      retry: config.retry,
      logger: config.logger,
      observer: config.observer,
      pacing: oktaPacing(config.pacer ?? sharedOktaPacer(config.maxInFlight, config.observer)),
      // Never fewer connections than requests the pacer lets into flight.
      connections: Math.max(16, config.maxInFlight ?? 0),
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.oauth?.close()]);
  }

  /**
   * Under OAuth, the scopes Okta granted the access token (one is fetched if needed; `fresh`: a new
   * one, which the calls after it use); undefined under an API token, which has no scopes.
   */
  grantedScopes(signal?: AbortSignal, options: { fresh?: boolean } = {}): Promise<string[] | undefined> {
    return this.oauth ? this.oauth.grantedScopes(signal, options) : Promise.resolve(undefined);
  }

  // Users

  /**
   * The user whose login is exactly `login` (case-insensitive). GET by login is strongly
   * consistent, but it also answers to a login's short name and cannot carry a `/`, so the answer
   * is checked, and the `filter` list is the fallback. `filter` compares values case-sensitively,
   * so a login with a `/` it misses is looked for once more with `search`, which does not (but is
   * eventually consistent: that is why it comes last).
   */
  async findUserByLogin(login: string, signal?: AbortSignal): Promise<OktaUser | undefined> {
    const wanted = login.toLowerCase();
    if (!login.includes('/')) {
      const response = await this.http.request({
        operation: 'get user by login',
        method: 'GET',
        path: `/api/v1/users/${encodeURIComponent(login)}`,
        schema: oktaUserSchema,
        acceptStatuses: [404],
        signal,
      });
      if (response.status === 404) return undefined;
      if (response.data.profile.login.toLowerCase() === wanted) return response.data;
    }
    const users = await this.listAll(
      'find user by login',
      '/api/v1/users',
      { filter: `profile.login eq ${filterLiteral(login)}`, limit: PAGE_LIMIT.users },
      oktaUserSchema,
      signal,
    );
    const exact = users.find((user) => user.profile.login.toLowerCase() === wanted);
    if (exact || !login.includes('/')) return exact;
    const searched = await this.listAll(
      'search user by login',
      '/api/v1/users',
      { search: `profile.login eq ${filterLiteral(login)}`, limit: PAGE_LIMIT.users },
      oktaUserSchema,
      signal,
    );
    return searched.find((user) => user.profile.login.toLowerCase() === wanted);
  }

  /**
   * An ACTIVE user at once, with no password and no activation email: they sign in through the IdP only.
   * The create carries the base attributes and the routing property, nothing else; a new user is
   * ours and Okta-sourced, so every attribute of it is Okta's to write.
   * `beforeSend`: see JsonRequest (the last moment to decide not to write).
   */
  createFederatedUser(input: OktaUserInput, signal?: AbortSignal, beforeSend?: () => Promise<void>): Promise<OktaUser> {
    return this.call({
      operation: 'create user',
      method: 'POST',
      path: '/api/v1/users',
      query: { activate: true, provider: true },
      json: {
        profile: {
          ...input.extraProfile,
          firstName: input.firstName,
          lastName: input.lastName,
          email: input.email,
          login: input.login,
        },
        credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
      },
      schema: oktaUserSchema,
      signal,
      beforeSend,
    });
  }

  async getUser(userId: string, signal?: AbortSignal): Promise<OktaUser | undefined> {
    const response = await this.http.request({
      operation: 'get user',
      method: 'GET',
      path: `/api/v1/users/${encodeURIComponent(userId)}`,
      schema: oktaUserSchema,
      acceptStatuses: [404],
      signal,
    });
    return response.status === 404 ? undefined : response.data;
  }

  /**
   * A partial profile update (`POST`, docs/contracts/okta.md §7.2): only the properties given change; `null` clears one.
   * Callers send only what they mean to change (the routing property): Okta refuses the whole request
   * with 403 E0000023 if it merely contains an attribute a directory masters (docs/contracts/okta.md §11.2). Never `PUT`.
   */
  updateUserProfile(
    userId: string,
    profile: Record<string, string | null>,
    signal?: AbortSignal,
    beforeSend?: () => Promise<void>,
  ): Promise<OktaUser> {
    return this.call({
      operation: 'update user profile',
      method: 'POST',
      path: `/api/v1/users/${encodeURIComponent(userId)}`,
      json: { profile },
      schema: oktaUserSchema,
      // Setting the same values twice leaves the same profile.
      idempotent: true,
      signal,
      beforeSend,
    });
  }

  /** Deactivate, then delete for good (Okta's first DELETE only deprovisions). Missing is fine. */
  async deleteUser(userId: string, signal?: AbortSignal): Promise<boolean> {
    const path = `/api/v1/users/${encodeURIComponent(userId)}`;
    const user = await this.getUser(userId, signal);
    if (!user) return false;
    if (user.status !== 'DEPROVISIONED') {
      await this.http.request({ operation: 'deactivate user', method: 'DELETE', path, acceptStatuses: [404], signal });
    }
    await this.http.request({ operation: 'delete user', method: 'DELETE', path, acceptStatuses: [404], signal });
    return true;
  }

  // Groups

  /**
   * Groups named exactly `name` (case-sensitive, as Okta's names are) and a few whose names start
   * with it. `search` (`profile.name eq`, paged) is exact but eventually consistent; `q` (a name
   * prefix, any case, never paged) sees a group just made: candidates of both are compared here.
   */
  async findGroupsByName(name: string, signal?: AbortSignal): Promise<{ exact: OktaGroup[]; similar: OktaGroup[] }> {
    const searched = await this.listAll(
      'search groups by name',
      '/api/v1/groups',
      { search: `profile.name eq ${filterLiteral(name)}`, limit: PAGE_LIMIT.groups },
      oktaGroupSchema,
      signal,
    );
    const queried = await this.call({
      operation: 'find groups by name prefix',
      method: 'GET',
      path: '/api/v1/groups',
      query: { q: name, limit: GROUP_QUERY_LIMIT },
      schema: oktaGroupSchema.array(),
      signal,
    });
    const byId = new Map([...searched, ...queried].map((group) => [group.id, group]));
    const exact = [...byId.values()].filter((group) => group.profile.name === name);
    const similar = queried.filter(
      (group) => group.profile.name !== name && group.profile.name.toLowerCase().startsWith(name.toLowerCase()),
    );
    return { exact, similar };
  }

  async getGroup(groupId: string, signal?: AbortSignal): Promise<OktaGroup | undefined> {
    const response = await this.http.request({
      operation: 'get group',
      method: 'GET',
      path: `/api/v1/groups/${encodeURIComponent(groupId)}`,
      schema: oktaGroupSchema,
      acceptStatuses: [404],
      signal,
    });
    return response.status === 404 ? undefined : response.data;
  }

  /**
   * Every member of the group, `pageSize` a page, following `rel="next"`. More than `maxMembers`
   * stops the paging and answers `complete: false` (what was read so far is dropped).
   */
  async listGroupMembers(
    groupId: string,
    options: { pageSize?: number; maxMembers?: number; signal?: AbortSignal } = {},
  ): Promise<{ complete: boolean; members: OktaUser[]; pages: number }> {
    const members: OktaUser[] = [];
    let pages = 0;
    const query = { limit: options.pageSize ?? DEFAULT_GROUP_MEMBERS_PAGE_SIZE };
    for await (const page of this.pages(
      'list group members',
      `/api/v1/groups/${encodeURIComponent(groupId)}/users`,
      query,
      oktaUserSchema,
      options.signal,
    )) {
      pages += 1;
      members.push(...page);
      if (options.maxMembers !== undefined && members.length > options.maxMembers)
        return { complete: false, members: [], pages };
    }
    return { complete: true, members, pages };
  }

  /**
   * Every group the user is a member of (`listUserGroups`, docs/contracts/okta.md §14; scope
   * okta.users.read), following `rel="next"` should Okta page it. undefined when the user does not exist.
   */
  async listUserGroups(userId: string, signal?: AbortSignal): Promise<OktaGroup[] | undefined> {
    const path = `/api/v1/users/${encodeURIComponent(userId)}/groups`;
    const first = await this.http.request({
      operation: 'list user groups',
      method: 'GET',
      path,
      schema: oktaGroupSchema.array(),
      acceptStatuses: [404],
      signal,
    });
    if (first.status === 404) return undefined;
    const next = nextLink(first.headers);
    if (!next) return first.data;
    return [...first.data, ...(await this.listAll('list user groups', next, {}, oktaGroupSchema, signal))];
  }

  // The System Log

  /**
   * One page of the System Log in polling mode (docs/contracts/okta.md §13): ascending, no `until`.
   * `from` is either where to start (`since`, an optional SCIM `filter`) or the `next` link of the
   * page before, followed exactly as given. Okta always sends a `next` link while polling, even on
   * an empty page: it is the cursor to keep, durably, for the next poll.
   */
  async readLogPage(
    from: { next: string } | { since: string; filter?: string },
    options: { limit?: number; signal?: AbortSignal } = {},
  ): Promise<{ events: OktaLogEvent[]; next: string }> {
    const request =
      'next' in from
        ? { path: from.next }
        : {
            path: '/api/v1/logs',
            query: {
              since: from.since,
              sortOrder: 'ASCENDING',
              limit: options.limit ?? LOG_PAGE_LIMIT,
              ...(from.filter ? { filter: from.filter } : {}),
            },
          };
    const response = await this.http.request({
      operation: 'read the System Log',
      method: 'GET',
      ...request,
      schema: oktaLogEventSchema.array(),
      signal: options.signal,
    });
    const next = nextLink(response.headers);
    if (!next)
      throw new MalformedUpstreamResponseError({
        service: 'okta',
        operation: 'read the System Log',
        status: response.status,
        problems: ['no rel="next" Link while polling: the cursor cannot advance'],
      });
    return { events: response.data, next };
  }

  // The user profile schema

  getUserSchema(signal?: AbortSignal): Promise<OktaUserSchema> {
    return this.call({
      operation: 'read the user profile schema',
      method: 'GET',
      path: DEFAULT_USER_SCHEMA,
      schema: oktaUserSchemaSchema,
      signal,
    });
  }

  /** Adds or replaces custom properties, or removes those given as `null` (a partial update). */
  updateCustomProperties(
    properties: Record<string, CustomPropertyDefinition | null>,
    signal?: AbortSignal,
  ): Promise<OktaUserSchema> {
    return this.call({
      operation: 'update the user profile schema',
      method: 'POST',
      path: DEFAULT_USER_SCHEMA,
      json: { definitions: { custom: { id: '#custom', type: 'object', properties } } },
      schema: oktaUserSchemaSchema,
      idempotent: true,
      signal,
    });
  }

  // Identity providers

  /** IdPs whose name matches `q` the way Okta matches it (not exactly): callers compare names themselves. */
  listOidcIdps(q: string, signal?: AbortSignal): Promise<OktaIdp[]> {
    return this.listAll(
      'list identity providers',
      '/api/v1/idps',
      { q, type: 'OIDC', limit: PAGE_LIMIT.idps },
      oktaIdpSchema,
      signal,
    );
  }

  async getIdp(idpId: string, signal?: AbortSignal): Promise<OktaIdp | undefined> {
    const response = await this.http.request({
      operation: 'get identity provider',
      method: 'GET',
      path: `/api/v1/idps/${encodeURIComponent(idpId)}`,
      schema: oktaIdpSchema,
      acceptStatuses: [404],
      signal,
    });
    return response.status === 404 ? undefined : response.data;
  }

  createIdp(body: unknown, signal?: AbortSignal): Promise<OktaIdp> {
    return this.call({
      operation: 'create identity provider',
      method: 'POST',
      path: '/api/v1/idps',
      json: body,
      schema: oktaIdpSchema,
      signal,
    });
  }

  replaceIdp(idpId: string, body: unknown, signal?: AbortSignal): Promise<OktaIdp> {
    return this.call({
      operation: 'replace identity provider',
      method: 'PUT',
      path: `/api/v1/idps/${encodeURIComponent(idpId)}`,
      json: body,
      schema: oktaIdpSchema,
      signal,
    });
  }

  setIdpActive(idpId: string, active: boolean, signal?: AbortSignal): Promise<OktaIdp> {
    return this.call({
      operation: active ? 'activate identity provider' : 'deactivate identity provider',
      method: 'POST',
      path: `/api/v1/idps/${encodeURIComponent(idpId)}/lifecycle/${active ? 'activate' : 'deactivate'}`,
      schema: oktaIdpSchema,
      // Setting a status twice leaves it the same.
      idempotent: true,
      signal,
    });
  }

  /** Deactivate, then delete, each tolerating a missing IdP (as Terraform does). */
  async deleteIdp(idpId: string, signal?: AbortSignal): Promise<boolean> {
    const path = `/api/v1/idps/${encodeURIComponent(idpId)}`;
    const deactivated = await this.http.request({
      operation: 'deactivate identity provider',
      method: 'POST',
      path: `${path}/lifecycle/deactivate`,
      idempotent: true,
      acceptStatuses: [404],
      signal,
    });
    const deleted = await this.http.request({
      operation: 'delete identity provider',
      method: 'DELETE',
      path,
      acceptStatuses: [404],
      signal,
    });
    return deactivated.status !== 404 || deleted.status !== 404;
  }

  // IdP discovery

  async idpDiscoveryPolicyId(signal?: AbortSignal): Promise<string> {
    const policies = await this.listAll(
      'find the IdP discovery policy',
      '/api/v1/policies',
      { type: 'IDP_DISCOVERY' },
      oktaPolicySchema,
      signal,
    );
    const policy = policies.find((candidate) => candidate.type === 'IDP_DISCOVERY');
    if (!policy)
      throw new Error('Okta returned no IDP_DISCOVERY policy; every org has one, so the org URL or token may be wrong');
    return policy.id;
  }

  listRules(policyId: string, signal?: AbortSignal): Promise<OktaRule[]> {
    return this.listAll(
      'list routing rules',
      `/api/v1/policies/${encodeURIComponent(policyId)}/rules`,
      { limit: PAGE_LIMIT.rules },
      oktaRuleSchema,
      signal,
    );
  }

  createRule(policyId: string, body: unknown, signal?: AbortSignal): Promise<OktaRule> {
    return this.call({
      operation: 'create routing rule',
      method: 'POST',
      path: `/api/v1/policies/${encodeURIComponent(policyId)}/rules`,
      query: { activate: true },
      json: body,
      schema: oktaRuleSchema,
      signal,
    });
  }

  replaceRule(policyId: string, ruleId: string, body: unknown, signal?: AbortSignal): Promise<OktaRule> {
    return this.call({
      operation: 'replace routing rule',
      method: 'PUT',
      path: `/api/v1/policies/${encodeURIComponent(policyId)}/rules/${encodeURIComponent(ruleId)}`,
      json: body,
      schema: oktaRuleSchema,
      signal,
    });
  }

  async setRuleActive(policyId: string, ruleId: string, active: boolean, signal?: AbortSignal): Promise<void> {
    await this.http.request({
      operation: active ? 'activate routing rule' : 'deactivate routing rule',
      method: 'POST',
      path: `/api/v1/policies/${encodeURIComponent(policyId)}/rules/${encodeURIComponent(ruleId)}/lifecycle/${active ? 'activate' : 'deactivate'}`,
      idempotent: true,
      signal,
    });
  }

  async deleteRule(policyId: string, ruleId: string, signal?: AbortSignal): Promise<boolean> {
    const response = await this.http.request({
      operation: 'delete routing rule',
      method: 'DELETE',
      path: `/api/v1/policies/${encodeURIComponent(policyId)}/rules/${encodeURIComponent(ruleId)}`,
      acceptStatuses: [404],
      signal,
    });
    return response.status !== 404;
  }

  /**
   * The org's rate-limit figures for the users collection, from the headers of one read
   * (`GET /api/v1/users?limit=1`): the bucket each onboarding's Okta user is created in.
   */
  async usersRateLimit(signal?: AbortSignal): Promise<{ limit?: number; remaining?: number; resetAt?: string }> {
    const response = await this.http.request({
      operation: 'read the rate limits',
      method: 'GET',
      path: '/api/v1/users',
      query: { limit: 1 },
      signal,
    });
    const header = (name: string) => {
      const value = response.headers[name];
      const number = Number(Array.isArray(value) ? value[0] : value);
      return Number.isFinite(number) && value !== undefined ? number : undefined;
    };
    const reset = header('x-rate-limit-reset');
    return {
      limit: header('x-rate-limit-limit'),
      remaining: header('x-rate-limit-remaining'),
      ...(reset ? { resetAt: new Date(reset * 1000).toISOString() } : {}),
    };
  }

  // Plumbing

  private async call<T>(request: JsonRequest<T>): Promise<T> {
    return (await this.http.request(request)).data;
  }

  private async listAll<T>(
    operation: string,
    path: string,
    query: Record<string, string | number>,
    item: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T[]> {
    const items: T[] = [];
    for await (const page of this.pages(operation, path, query, item, signal)) items.push(...page);
    return items;
  }

  /** Page by page, following `rel="next"` links exactly as given (never builds cursors), on the org's own origin only. */
  private async *pages<T>(
    operation: string,
    path: string,
    query: Record<string, string | number>,
    item: z.ZodType<T>,
    signal?: AbortSignal,
  ): AsyncGenerator<T[]> {
    const schema = (item as z.ZodType).array() as unknown as z.ZodType<T[]>;
    let next: { path: string; query?: Record<string, string | number> } | undefined = { path, query };
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const response: { data: T[]; headers: Record<string, string | string[] | undefined> } = await this.http.request({
        operation,
        method: 'GET',
        path: next.path,
        query: next.query,
        schema,
        signal,
      });
      yield response.data;
      const link = nextLink(response.headers);
      next = link ? { path: link } : undefined;
    }
    if (next) throw new Error(`${operation}: more than ${MAX_PAGES} pages; refusing to continue`);
  }
}
