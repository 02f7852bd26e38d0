/**
 * Environment → validated configuration, in one place. Each process reads only the part it
 * needs; every problem is reported at once, by variable name, with what was expected.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { OKTA_ISSUER_MODES, type IntegrationSpec } from './workflows/definitions';
import { DEFAULT_SYNC_DELETE_AFTER_MS, DEFAULT_SYNC_POLL_MS } from './workflows/sync-definitions';
import { BEYOND_IDENTITY_REGIONS, type BeyondIdentityRegion } from './clients/beyond-identity/config';
import { DEFAULT_OKTA_MAX_IN_FLIGHT } from './clients/okta/rate-limits';
import { oktaCredentialsFromEnv } from './clients/okta/credentials-env';
import { LOG_FORMATS, LOG_LEVELS } from './observability/log-options';

const PROJECT_ROOT = resolve(__dirname, '..');

const port = z.coerce.number().int().min(1).max(65_535);

/** Settings of `npm start`, the embedded stack. */
export const stackConfigSchema = z.object({
  /** When set and answering, the stack reuses that Temporal server instead of starting one. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** The embedded server: the CLI's dev server (SQLite, with the Web UI), or temporal-server on a local PostgreSQL (no UI). */
  TEMPORAL_BACKEND: z.enum(['dev', 'postgres']).default('dev'),
  /** Where the dev server's SQLite file, logs and simulator state live. */
  DATA_DIR: z.string().min(1).default(resolve(PROJECT_ROOT, '.data')),
  /**
   * How the worker authenticates to the embedded Okta simulator: as an OAuth service app that the
   * stack makes with `okta-service-app`, as an operator would (default), or with the SSWS token.
   */
  OKTA_AUTH: z.enum(['oauth', 'ssws']).default('oauth'),
});
export type StackConfig = z.infer<typeof stackConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env` with `schema`; throws one ConfigError that lists every bad variable. */
export function parseConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  // Empty strings mean "unset", the way shells and .env files usually leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `  ${name}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/**
 * Development defaults for the embedded stack: the simulators accept them and the worker uses
 * them. They are printed at start as what they are; set BI_API_TOKEN, OKTA_API_TOKEN and
 * BI_TENANT_ID to use your own values with the simulators.
 */
const DEVELOPMENT_DEFAULTS = {
  biTenantId: '0001f1f460b1ace6',
  biApiToken: 'dev-bi-api-token-for-the-local-simulator',
  oktaApiToken: 'dev-okta-api-token-for-the-local-simulator',
  biManagementPort: 8023,
  biAuthPort: 8021,
  oktaPort: 8025,
} as const;

const url = z.url({ protocol: /^https?$/ });

/** Ports of the simulators in the embedded stack. */
export const simulatorPortsSchema = z.object({
  BI_SIM_MANAGEMENT_PORT: port.default(DEVELOPMENT_DEFAULTS.biManagementPort),
  BI_SIM_AUTH_PORT: port.default(DEVELOPMENT_DEFAULTS.biAuthPort),
  OKTA_SIM_PORT: port.default(DEVELOPMENT_DEFAULTS.oktaPort),
  /** The Okta simulator's org-wide limit on requests in flight (Okta: 35 for Integrator Free orgs, 75 for others). */
  OKTA_SIM_CONCURRENCY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(75),
});

/** True when no real upstream is configured: `npm start` then runs against the simulators. */
export function usesEmbeddedUpstreams(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.BI_REGION && !env.BI_MANAGEMENT_URL && !env.BI_AUTH_URL && !env.OKTA_ORG_URL;
}

const REGIONS = Object.keys(BEYOND_IDENTITY_REGIONS) as BeyondIdentityRegion[];

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * What the worker needs to reach Beyond Identity and Okta. Every field is read as a plain string
 * and every rule is checked in one pass, so one run lists everything to fix. Values are never
 * echoed in the messages.
 */
export const upstreamConfigSchema = z
  .object({
    BI_TENANT_ID: z.string().optional(),
    BI_API_TOKEN: z.string().optional(),
    BI_CLIENT_ID: z.string().optional(),
    BI_CLIENT_SECRET: z.string().optional(),
    BI_TOKEN_URL: z.string().optional(),
    BI_REGION: z.string().optional(),
    BI_MANAGEMENT_URL: z.string().optional(),
    BI_AUTH_URL: z.string().optional(),
    OKTA_ORG_URL: z.string().optional(),
    OKTA_API_TOKEN: z.string().optional(),
    OKTA_CLIENT_ID: z.string().optional(),
    OKTA_PRIVATE_KEY: z.string().optional(),
    OKTA_PRIVATE_KEY_FILE: z.string().optional(),
    OKTA_KEY_ID: z.string().optional(),
    OKTA_SCOPES: z.string().optional(),
    UPSTREAM_TIMEOUT_SECONDS: z.string().optional(),
    OKTA_MAX_IN_FLIGHT: z.string().optional(),
  })
  .superRefine((env, context) => {
    const problem = (name: keyof typeof env, message: string) =>
      context.addIssue({ code: 'custom', path: [name], message });
    if (!env.BI_TENANT_ID) problem('BI_TENANT_ID', 'required: the Beyond Identity tenant id');
    if (!env.OKTA_ORG_URL) problem('OKTA_ORG_URL', 'required: the Okta org URL, e.g. https://example.okta.com');
    for (const { variable, message } of oktaCredentialsFromEnv(env).problems) problem(variable, message);
    for (const name of ['OKTA_ORG_URL', 'BI_MANAGEMENT_URL', 'BI_AUTH_URL', 'BI_TOKEN_URL'] as const) {
      if (env[name] && !isHttpUrl(env[name])) problem(name, 'must be an http(s) URL');
    }
    if (env.BI_REGION && !(REGIONS as string[]).includes(env.BI_REGION))
      problem('BI_REGION', `must be one of ${REGIONS.join(', ')}`);
    if (
      env.UPSTREAM_TIMEOUT_SECONDS &&
      !(Number(env.UPSTREAM_TIMEOUT_SECONDS) > 0 && Number(env.UPSTREAM_TIMEOUT_SECONDS) <= 600)
    ) {
      problem('UPSTREAM_TIMEOUT_SECONDS', 'must be a number of seconds, more than 0 and at most 600');
    }
    if (
      env.OKTA_MAX_IN_FLIGHT &&
      !(
        /^\d+$/.test(env.OKTA_MAX_IN_FLIGHT) &&
        Number(env.OKTA_MAX_IN_FLIGHT) >= 1 &&
        Number(env.OKTA_MAX_IN_FLIGHT) <= 75
      )
    ) {
      problem(
        'OKTA_MAX_IN_FLIGHT',
        "must be a whole number from 1 to 75 (Okta's concurrency limit is 35 or 75 per org, shared by every worker)",
      );
    }
    const clientCredentials = [env.BI_CLIENT_ID, env.BI_CLIENT_SECRET, env.BI_TOKEN_URL];
    const someClientCredentials = clientCredentials.some(Boolean);
    if (!env.BI_API_TOKEN && !someClientCredentials)
      problem(
        'BI_API_TOKEN',
        'required: a Beyond Identity API token, or BI_CLIENT_ID + BI_CLIENT_SECRET + BI_TOKEN_URL',
      );
    if (env.BI_API_TOKEN && someClientCredentials)
      problem(
        'BI_API_TOKEN',
        'set either BI_API_TOKEN or client credentials (BI_CLIENT_ID, BI_CLIENT_SECRET, BI_TOKEN_URL), not both',
      );
    if (someClientCredentials && !clientCredentials.every(Boolean))
      problem('BI_CLIENT_ID', 'client credentials need all three of BI_CLIENT_ID, BI_CLIENT_SECRET and BI_TOKEN_URL');
    const explicitUrls = Boolean(env.BI_MANAGEMENT_URL) || Boolean(env.BI_AUTH_URL);
    if (!env.BI_REGION && !explicitUrls)
      problem('BI_REGION', 'required: us, eu or us-fedramp (or BI_MANAGEMENT_URL and BI_AUTH_URL)');
    if (env.BI_REGION && explicitUrls)
      problem('BI_REGION', 'set either BI_REGION or BI_MANAGEMENT_URL + BI_AUTH_URL, not both');
    if (explicitUrls && !(env.BI_MANAGEMENT_URL && env.BI_AUTH_URL)) {
      problem(
        env.BI_MANAGEMENT_URL ? 'BI_AUTH_URL' : 'BI_MANAGEMENT_URL',
        'required with the other: both Beyond Identity hosts (management API and auth)',
      );
    }
  })
  .transform(({ OKTA_PRIVATE_KEY: _key, ...env }) => ({
    // The key's text goes no further than OKTA_CREDENTIALS (a KeyObject): nothing can print it from here.
    ...env,
    BI_TENANT_ID: env.BI_TENANT_ID!,
    BI_REGION: env.BI_REGION as BeyondIdentityRegion | undefined,
    OKTA_ORG_URL: env.OKTA_ORG_URL!,
    // Checked above; read again here (the key file too) rather than carried out of the refinement.
    OKTA_CREDENTIALS: oktaCredentialsFromEnv({ ...env, OKTA_PRIVATE_KEY: _key }).credentials!,
    UPSTREAM_TIMEOUT_SECONDS: env.UPSTREAM_TIMEOUT_SECONDS ? Number(env.UPSTREAM_TIMEOUT_SECONDS) : 30,
    OKTA_MAX_IN_FLIGHT: env.OKTA_MAX_IN_FLIGHT ? Number(env.OKTA_MAX_IN_FLIGHT) : DEFAULT_OKTA_MAX_IN_FLIGHT,
  }));
export type UpstreamConfig = z.infer<typeof upstreamConfigSchema>;

/** The worker's own capacity. */
export const workerConfigSchema = z.object({
  /**
   * Activities one worker runs at once. Each person waiting for their passkey holds one (the
   * watch, mostly asleep), so this bounds the people one worker can wait for; the Okta pacer and
   * the HTTP pools, not this, bound the load on the upstreams.
   */
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(10).max(100_000).default(5_000),
});

/** `host:port` the metrics endpoint listens on, or `off`. */
const metricsAddress = z
  .string()
  .trim()
  .refine(
    (value) =>
      value.toLowerCase() === 'off' ||
      (/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|localhost):\d{1,5}$/.test(value) &&
        Number(value.slice(value.lastIndexOf(':') + 1)) <= 65_535),
    {
      message: 'host:port to serve /metrics on (e.g. 127.0.0.1:9464, 0.0.0.0:9464), or off',
    },
  )
  .transform((value) =>
    value.toLowerCase() === 'off' ? ('off' as const) : value.replace(/^localhost:/, '127.0.0.1:'),
  );

/** The worker's logs and metrics (docs/operations.md, "Observability"). */
export const observabilityConfigSchema = z.object({
  /** Prometheus /metrics (the SDK's `temporal_…` series and our `bi_okta_…`), or `off`. */
  METRICS_ADDRESS: metricsAddress.default('127.0.0.1:9464'),
  LOG_LEVEL: z
    .string()
    .transform((value) => value.toUpperCase())
    .pipe(z.enum(LOG_LEVELS))
    .default('INFO'),
  LOG_FORMAT: z.enum(LOG_FORMATS).default('json'),
});

const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

const INTERVAL_UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const INTERVAL_PATTERN = /^(\d+[smhd])+$/;
/** A schedule interval more often than this would make verify run into itself on a large org. */
const MIN_INTERVAL_MS = 60_000;
const MAX_INTERVAL_MS = 365 * INTERVAL_UNITS_MS.d;
export const INTERVAL_FORMAT = 'an interval like 30m, 6h, 1d or 1h30m (from 1m to 365d)';

/** `30s`, `30m`, `6h`, `1d`, `1h30m` → milliseconds; undefined when it is not such a duration or is outside min–max. */
function parseDuration(text: string, minMs: number, maxMs: number): number | undefined {
  const value = text.trim().toLowerCase();
  if (!INTERVAL_PATTERN.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([smhd])/g))
    ms += Number(amount) * INTERVAL_UNITS_MS[unit as keyof typeof INTERVAL_UNITS_MS];
  return ms >= minMs && ms <= maxMs ? ms : undefined;
}

/** `30m`, `6h`, `1d`, `1h30m` → milliseconds; undefined when it is not such an interval (or out of range). */
export function parseInterval(text: string): number | undefined {
  return parseDuration(text, MIN_INTERVAL_MS, MAX_INTERVAL_MS);
}

/** Milliseconds as the largest units that divide them exactly: 21600000 → 6h, 5400000 → 1h30m. */
export function formatInterval(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = INTERVAL_UNITS_MS[unit];
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || `${ms}ms`;
}

const duration = (minMs: number, maxMs: number, format: string) =>
  z.string().transform((text, context) => {
    const ms = parseDuration(text, minMs, maxMs);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: format });
      return z.NEVER;
    }
    return ms;
  });
const interval = duration(MIN_INTERVAL_MS, MAX_INTERVAL_MS, INTERVAL_FORMAT);

/** One SYNC_EXCLUDE entry: `group:<name or id>`, else a login. */
const EXCLUDE_GROUP_PREFIX = 'group:';

/**
 * `SYNC_EXCLUDE`: comma-separated logins and `group:<name or id>` entries → logins (normalized as
 * onboarding keys people) and groups (as written: ids, or exact names, which are case-sensitive in Okta).
 */
function parseSyncExclude(text: string): { logins: string[]; groups: string[] } {
  const logins = new Set<string>();
  const groups = new Set<string>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry.toLowerCase().startsWith(EXCLUDE_GROUP_PREFIX)) {
      const group = entry.slice(EXCLUDE_GROUP_PREFIX.length).trim();
      if (group) groups.add(group);
    } else if (entry) logins.add(entry.toLowerCase());
  }
  return { logins: [...logins], groups: [...groups] };
}

/** What `sync` puts in a new sync's spec, besides the group and the interval (docs/sync.md). */
export const syncConfigSchema = z.object({
  /** Logins and `group:<name or id>` entries never onboarded by a sync (break-glass administrators). */
  SYNC_EXCLUDE: z
    .string()
    .refine((text) => !/(^|,)\s*group:\s*(,|$)/i.test(text), 'group: needs an Okta group name or id (group:Admins)')
    .transform(parseSyncExclude)
    .default({ logins: [], groups: [] }),
  /** A leaver's suspended Beyond Identity identity is deleted after this long unless they come back. */
  SYNC_DELETE_AFTER: duration(
    MIN_INTERVAL_MS,
    MAX_INTERVAL_MS,
    'a duration like 30d, 12h or 1d12h (from 1m to 365d)',
  ).default(DEFAULT_SYNC_DELETE_AFTER_MS),
  /** How often a sync reads Okta's System Log between full reconciles (its fast path). */
  SYNC_POLL_INTERVAL: duration(5_000, 3_600_000, 'a duration like 30s, 1m or 2m30s (from 5s to 1h)').default(
    DEFAULT_SYNC_POLL_MS,
  ),
});

/**
 * Which integration the CLI works on, and its settings. With nothing set: the embedded stack's
 * tenant and the Okta simulator, so `npm start` and `npm run cli` agree without configuration.
 */
export const integrationConfigSchema = z
  .object({
    BI_TENANT_ID: z.string().min(1).default(DEVELOPMENT_DEFAULTS.biTenantId),
    OKTA_ORG_URL: url.optional(),
    OKTA_SIM_PORT: port.default(DEVELOPMENT_DEFAULTS.oktaPort),
    BI_REALM_NAME: z.string().min(1).max(64).default('Okta federation'),
    BI_AUTHENTICATOR_CONFIG_NAME: z.string().min(1).max(64).default('Okta hosted web'),
    BI_APPLICATION_NAME: z.string().min(1).max(64).default('Okta'),
    OKTA_IDP_NAME: z.string().min(1).max(100).default('Beyond Identity'),
    OKTA_ROUTING_RULE_NAME: z.string().min(1).max(100).default('Beyond Identity passkeys'),
    OKTA_ROUTING_RULE_PRIORITY: z.coerce.number().int().min(1).default(1),
    /** The custom Okta profile property people are routed by (shared by every integration in the org). */
    OKTA_ROUTING_ATTRIBUTE: z
      .string()
      .regex(
        /^[A-Za-z][A-Za-z0-9_]{0,59}$/,
        'a profile property name: a letter, then letters, digits or _ (60 at most)',
      )
      .default('beyondIdentityIntegration'),
    /** This integration's value of it; default `<tenant id>/<realm slug>`, distinct for each integration. */
    OKTA_ROUTING_VALUE: z.string().min(1).max(256).optional(),
    /** The org's custom domain, if it has one (https://login.example.com). */
    OKTA_CUSTOM_DOMAIN: url.optional(),
    /** Which domain Okta builds the IdP's redirect URI on; default CUSTOM_URL with a custom domain, ORG_URL without. */
    OKTA_ISSUER_MODE: z.enum(OKTA_ISSUER_MODES).optional(),
    BI_TOKEN_EXPIRY_SECONDS: z.coerce.number().int().positive().default(604_800),
    BINDING_POLL_INTERVAL_SECONDS: seconds(30),
    BINDING_MAX_RESENDS: z.coerce.number().int().min(0).max(20).default(3),
    BINDING_DEADLINE_SECONDS: seconds(7 * 24 * 3600),
    ACTIVITY_TIMEOUT_SECONDS: seconds(300),
    /** How often the verify schedule checks the federation (the schedule's first interval; `verify --schedule` changes it later). */
    VERIFY_INTERVAL: interval.default(86_400_000),
  })
  .superRefine((config, context) => {
    if (config.OKTA_ISSUER_MODE && config.OKTA_ISSUER_MODE !== 'ORG_URL' && !config.OKTA_CUSTOM_DOMAIN) {
      context.addIssue({
        code: 'custom',
        path: ['OKTA_ISSUER_MODE'],
        message: `${config.OKTA_ISSUER_MODE} needs the org's custom domain in OKTA_CUSTOM_DOMAIN (or use ORG_URL)`,
      });
    }
    if (config.OKTA_CUSTOM_DOMAIN && new URL(config.OKTA_CUSTOM_DOMAIN).pathname.replace(/\/+$/, '') !== '') {
      context.addIssue({
        code: 'custom',
        path: ['OKTA_CUSTOM_DOMAIN'],
        message: 'the custom domain only, with no path (e.g. https://login.example.com)',
      });
    }
  });
export type IntegrationConfig = z.infer<typeof integrationConfigSchema>;

function realmSlug(realmName: string): string {
  return (
    realmName
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'realm'
  );
}

/** The workflow id of an integration: one per (Beyond Identity tenant + realm, Okta org). */
export function integrationId(biTenantId: string, realmName: string, oktaOrgUrl: string): string {
  return `bi-okta/${biTenantId}/${realmSlug(realmName)}/${new URL(oktaOrgUrl).host}`;
}

/** The routing value of an integration: within one Okta org, one per Beyond Identity tenant + realm. */
function defaultRoutingValue(biTenantId: string, realmName: string): string {
  return `${biTenantId}/${realmSlug(realmName)}`;
}

export function integrationSpecFrom(config: IntegrationConfig): IntegrationSpec {
  const oktaOrgUrl = (config.OKTA_ORG_URL ?? `http://127.0.0.1:${config.OKTA_SIM_PORT}`).replace(/\/+$/, '');
  return {
    integrationId: integrationId(config.BI_TENANT_ID, config.BI_REALM_NAME, oktaOrgUrl),
    biTenantId: config.BI_TENANT_ID,
    realmName: config.BI_REALM_NAME,
    authenticatorConfigName: config.BI_AUTHENTICATOR_CONFIG_NAME,
    applicationName: config.BI_APPLICATION_NAME,
    oktaOrgUrl,
    ...(config.OKTA_CUSTOM_DOMAIN ? { oktaCustomDomain: config.OKTA_CUSTOM_DOMAIN.replace(/\/+$/, '') } : {}),
    oktaIssuerMode: config.OKTA_ISSUER_MODE ?? (config.OKTA_CUSTOM_DOMAIN ? 'CUSTOM_URL' : 'ORG_URL'),
    idpName: config.OKTA_IDP_NAME,
    routingRuleName: config.OKTA_ROUTING_RULE_NAME,
    routingRulePriority: config.OKTA_ROUTING_RULE_PRIORITY,
    routing: {
      attribute: config.OKTA_ROUTING_ATTRIBUTE,
      value: config.OKTA_ROUTING_VALUE ?? defaultRoutingValue(config.BI_TENANT_ID, config.BI_REALM_NAME),
    },
    tokenExpirySeconds: config.BI_TOKEN_EXPIRY_SECONDS,
    binding: {
      pollIntervalMs: config.BINDING_POLL_INTERVAL_SECONDS * 1000,
      maxResends: config.BINDING_MAX_RESENDS,
      deadlineMs: config.BINDING_DEADLINE_SECONDS * 1000,
    },
    activityTimeoutMs: config.ACTIVITY_TIMEOUT_SECONDS * 1000,
    verifyIntervalMs: config.VERIFY_INTERVAL,
  };
}
