/**
 * What the simulators hold at the end of a run, judged against the roster: duplicates (more than
 * one realm, config, application, IdP or rule of the integration's names; more than one identity
 * per username or Okta user per login), orphans (identities and users that belong to nobody on
 * the roster), binding emails per person (and whether a second one ever went out while the first
 * link was still live), the routing (the one rule's shape; the Okta users carrying the
 * integration's routing value against the people onboarded), and Okta's counters.
 */
import { request } from 'undici';
import type { IntegrationSpec } from '../src/workflows/definitions';
import type { Bucket } from './options';
import { mean } from './stats';

interface BiState {
  realms: { id: string; display_name: string }[];
  identities: { id: string; realm_id: string; traits: { username: string } }[];
  authenticator_configs: { id: string; realm_id: string; display_name?: string }[];
  applications: { id: string; realm_id: string; display_name: string }[];
  credential_binding_jobs: { id: string; identity_id: string; state: string; expire_time?: string }[];
  outbox: { to: string; job_id: string; sent_time: string }[];
}

interface OktaState {
  /** `profile` holds the custom properties (the routing attribute) beside the base ones. */
  users: {
    id: string;
    status: string;
    created: string;
    profile: { login: string } & Record<string, unknown>;
    profileSource?: { type: string; name: string };
  }[];
  idps: { id: string; body: { name: string } }[];
  rules: {
    id: string;
    name: string;
    conditions: {
      userIdentifier?: { type?: string; attribute?: string; patterns?: { matchType: string; value: string }[] };
    };
  }[];
  rateLimits: {
    totals: { bucket: Bucket; counted: number; refused: number }[];
    concurrency?: { limit: number; peak: number; refused: number };
  };
  oauth?: OAuthTokenFigures & { refusals: Record<string, number> };
}

/** What the simulator's token endpoint was asked and gave (`/_sim/state` → `oauth`). */
interface OAuthTokenFigures {
  tokenRequests: number;
  tokensIssued: Record<string, number>;
  nonceChallenges: number;
  resourceCalls: Record<string, number>;
}

export interface SimulatorChecks {
  duplicates: Record<
    'realms' | 'authenticatorConfigs' | 'applications' | 'idps' | 'rules' | 'identities' | 'oktaUsers',
    number
  > & { total: number };
  orphans: { identities: number; oktaUsers: number; total: number };
  emails: {
    perPersonMean: number | null;
    perPersonMax: number;
    /** The most emails sent for one link (one binding job). */
    maxPerLink: number;
    /** The most emails one person got within any one link lifetime. */
    maxPerLinkLifetime: number;
    /** Emails sent while the same person's previous link was still live. */
    sentWhileLinkLive: number;
    peopleWithoutEmail: number;
  };
  /**
   * `ruleShapeOk`: exactly one rule of the routing rule's name, of type ATTRIBUTE on the routing
   * attribute with the one pattern EQUALS the routing value. `routed`: Okta users whose profile
   * carries the routing value; `missing`: onboarded but not routed; `extra`: routed, not onboarded.
   */
  routing: { ruleShapeOk: boolean; routed: number; missing: number; extra: number };
  /** The OAuth traffic (`--okta-auth oauth`): token requests and what they gave, and the refusals that are not zero. */
  oauth: (OAuthTokenFigures & { refusals: Record<string, number> }) | null;
  /** Users a directory imported (`--directory-share`), and how many of them carry the routing value. */
  directory: { users: number; routed: number };
  /** `refused`: 429s of the buckets; `concurrency`: 429s for requests in flight over the org's limit, counted apart (and the most in flight at once). */
  okta: {
    totals: Record<Bucket, { counted: number; refused: number }>;
    refused: number;
    concurrency: { limit: number; peak: number; refused: number };
    usersCreatedPerWindow: number[];
  };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await request(url, { headersTimeout: 120_000, bodyTimeout: 120_000 });
  if (response.statusCode !== 200) throw new Error(`${url} answered HTTP ${response.statusCode}`);
  return (await response.body.json()) as T;
}

function extras(names: string[]): number {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
}

/**
 * `roster`: every person the run onboarded; `onboarded`: those whose workflow ended Onboarded
 * (exactly they must carry the routing value); `windowSeconds`: Okta's rate-limit window, for the
 * per-window histogram of user creates.
 */
export async function checkSimulators(
  urls: { biManagement: string; okta: string },
  spec: Pick<
    IntegrationSpec,
    'realmName' | 'authenticatorConfigName' | 'applicationName' | 'idpName' | 'routingRuleName' | 'routing'
  >,
  roster: readonly string[],
  onboarded: readonly string[],
  linkTtlSeconds: number,
  windowSeconds: number,
): Promise<SimulatorChecks> {
  const [bi, okta] = await Promise.all([
    getJson<BiState>(`${urls.biManagement}/_sim/state`),
    getJson<OktaState>(`${urls.okta}/_sim/state`),
  ]);
  const people = new Set(roster);
  const ourRealms = bi.realms.filter((realm) => realm.display_name === spec.realmName);
  const realmIds = new Set(ourRealms.map((realm) => realm.id));
  const inRealm = <T extends { realm_id: string }>(items: T[]) => items.filter((item) => realmIds.has(item.realm_id));
  const identities = inRealm(bi.identities);

  const duplicates = {
    realms: Math.max(0, ourRealms.length - 1),
    authenticatorConfigs: extras(
      inRealm(bi.authenticator_configs)
        .filter((config) => config.display_name === spec.authenticatorConfigName)
        .map(() => 'config'),
    ),
    applications: extras(
      inRealm(bi.applications)
        .filter((app) => app.display_name === spec.applicationName)
        .map(() => 'app'),
    ),
    idps: extras(okta.idps.filter((idp) => idp.body.name === spec.idpName).map(() => 'idp')),
    rules: extras(okta.rules.filter((rule) => rule.name === spec.routingRuleName).map(() => 'rule')),
    identities: extras(identities.map((identity) => identity.traits.username.toLowerCase())),
    oktaUsers: extras(okta.users.map((user) => user.profile.login.toLowerCase())),
  };
  const orphans = {
    identities: identities.filter((identity) => !people.has(identity.traits.username.toLowerCase())).length,
    oktaUsers: okta.users.filter((user) => !people.has(user.profile.login.toLowerCase())).length,
  };

  const jobs = new Map(bi.credential_binding_jobs.map((job) => [job.id, job]));
  const mail = new Map<string, { sent: number; expires: number }[]>();
  for (const message of bi.outbox) {
    const to = message.to.toLowerCase();
    if (!people.has(to)) continue;
    const expires = Date.parse(jobs.get(message.job_id)?.expire_time ?? '') || Number.POSITIVE_INFINITY;
    mail.set(to, [...(mail.get(to) ?? []), { sent: Date.parse(message.sent_time), expires }]);
  }
  let maxPerLinkLifetime = 0;
  let sentWhileLinkLive = 0;
  for (const messages of mail.values()) {
    messages.sort((a, b) => a.sent - b.sent);
    messages.forEach((message, index) => {
      if (index > 0 && message.sent < messages[index - 1]!.expires) sentWhileLinkLive += 1;
      const within = messages.filter(
        (other) => other.sent >= message.sent && other.sent < message.sent + linkTtlSeconds * 1000,
      ).length;
      maxPerLinkLifetime = Math.max(maxPerLinkLifetime, within);
    });
  }
  const perPerson = roster.map((email) => mail.get(email)?.length ?? 0);
  const perLink = new Map<string, number>();
  for (const message of bi.outbox)
    if (people.has(message.to.toLowerCase())) perLink.set(message.job_id, (perLink.get(message.job_id) ?? 0) + 1);

  const named = okta.rules.filter((candidate) => candidate.name === spec.routingRuleName);
  const identifier = named[0]?.conditions.userIdentifier;
  const ruleShapeOk =
    named.length === 1 &&
    identifier?.type === 'ATTRIBUTE' &&
    identifier.attribute === spec.routing.attribute &&
    identifier.patterns?.length === 1 &&
    identifier.patterns[0]!.matchType === 'EQUALS' &&
    identifier.patterns[0]!.value === spec.routing.value;
  const routed = new Set(
    okta.users
      .filter((user) => user.profile[spec.routing.attribute] === spec.routing.value)
      .map((user) => user.profile.login.toLowerCase()),
  );
  const wanted = new Set(onboarded.map((email) => email.toLowerCase()));

  const totals = Object.fromEntries(
    okta.rateLimits.totals.map(({ bucket, counted, refused }) => [bucket, { counted, refused }]),
  ) as SimulatorChecks['okta']['totals'];
  // The directory's users were there before the run: not creates of the service.
  const creates = okta.users
    .filter((user) => !user.profileSource)
    .map((user) => Date.parse(user.created))
    .filter(Number.isFinite);
  const sourced = okta.users.filter((user) => user.profileSource);
  const windows = new Map<number, number>();
  for (const at of creates) {
    const window = Math.floor(at / (windowSeconds * 1000));
    windows.set(window, (windows.get(window) ?? 0) + 1);
  }
  const first = Math.min(...windows.keys());
  const last = Math.max(...windows.keys());
  const usersCreatedPerWindow =
    windows.size === 0 ? [] : Array.from({ length: last - first + 1 }, (_, index) => windows.get(first + index) ?? 0);

  const sum = (record: Record<string, number>) => Object.values(record).reduce((total, value) => total + value, 0);
  return {
    duplicates: { ...duplicates, total: sum(duplicates) },
    orphans: { ...orphans, total: sum(orphans) },
    emails: {
      perPersonMean: mean(perPerson),
      perPersonMax: Math.max(0, ...perPerson),
      maxPerLink: Math.max(0, ...perLink.values()),
      maxPerLinkLifetime,
      sentWhileLinkLive,
      peopleWithoutEmail: perPerson.filter((count) => count === 0).length,
    },
    routing: {
      ruleShapeOk,
      routed: routed.size,
      missing: [...wanted].filter((email) => !routed.has(email)).length,
      extra: [...routed].filter((email) => !wanted.has(email)).length,
    },
    oauth: okta.oauth
      ? {
          ...okta.oauth,
          refusals: Object.fromEntries(Object.entries(okta.oauth.refusals).filter(([, count]) => count > 0)),
        }
      : null,
    directory: {
      users: sourced.length,
      routed: sourced.filter((user) => user.profile[spec.routing.attribute] === spec.routing.value).length,
    },
    okta: {
      totals,
      refused: okta.rateLimits.totals.reduce((total, bucket) => total + bucket.refused, 0),
      concurrency: okta.rateLimits.concurrency ?? { limit: 0, peak: 0, refused: 0 },
      usersCreatedPerWindow,
    },
  };
}
