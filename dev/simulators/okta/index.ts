/**
 * The Okta simulator: a stateful Okta Management API on loopback (users, groups, the user profile
 * schema, OIDC identity providers, the IdP-discovery policy and its rules) with Okta's auth, errors, paging and rate
 * limits, OAuth 2.0 service apps (client credentials with private_key_jwt, Bearer and DPoP
 * tokens, scopes and admin roles), shared fault injection, and a federated sign-in check
 * (`POST /_sim/sign-in`).
 * See README.md in this folder.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FaultInjector, type FaultConfigInput } from '../shared/faults';
import { writeBeforeEachAnswer } from '../shared/persistence';
import { createSimulatorApp, listen, sendRendered } from '../shared/server';
import { installApiGuards } from './api-guards';
import type { OktaContext } from './context';
import { OktaApiError } from './errors';
import { createOktaFlavour } from './flavour';
import { registerGroupRoutes } from './groups';
import { registerIdpRoutes } from './idps';
import type { OAuthFigures } from './oauth/figures';
import { registerOAuthAppRoutes } from './oauth/routes';
import { createOAuthRuntime, DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS } from './oauth/runtime';
import { registerTokenEndpoint } from './oauth/token-endpoint';
import { LoopbackHttp } from './outbound';
import { registerPolicyRoutes } from './policies';
import {
  ConcurrencyLimiter,
  DEFAULT_CONCURRENCY_LIMIT,
  DEFAULT_RATE_LIMITS,
  RateLimiter,
  type ConcurrencyFigures,
  type RateLimitConfig,
  type RateLimitTotals,
} from './rate-limits';
import { registerSchemaRoutes } from './schema';
import { registerSignIn } from './sign-in';
import { registerSimState } from './sim-state';
import { OktaStore } from './state';
import { registerSystemLogRoutes } from './system-log';
import { registerUserRoutes } from './users';

export interface OktaSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8025; 0 = any free port. */
  port?: number;
  /** Accepted `SSWS`/`Bearer` tokens; default one fixed development token. */
  apiTokens?: string[];
  /** Per-bucket limits per window (default 600/2000/600/500/1000/1200/600/120 per 60 s, like a Workforce org). */
  rateLimits?: Partial<RateLimitConfig>;
  faults?: FaultConfigInput;
  /** The org's custom domain (an origin such as https://login.example.test; not served): what CUSTOM_URL and DYNAMIC IdPs build redirect URIs on. */
  customDomain?: string;
  /** Requests in flight at once across the org (default 75, Okta's for orgs other than Integrator Free). */
  concurrencyLimit?: number;
  /** Optional JSON persistence of the org's objects (it holds IdP client secrets in clear). */
  stateFile?: string;
  /** With `stateFile`: each answer goes out only once what it changed is written, so it survives a SIGKILL (default false: writes coalesced for 50 ms). The rate-limit counters are not state: they start again. */
  durableState?: boolean;
  /** The cause of the 400 for a duplicate rule name; the real wording is unverified (docs/contracts/okta.md §0.3). */
  duplicateRuleNameCause?: string;
  /** Lifetime of the access tokens `/oauth2/v1/token` issues (default 3600, Okta's fixed hour; tests use a few seconds). */
  accessTokenLifetimeSeconds?: number;
}

export interface RunningOktaSimulator {
  /** The "Okta org URL", e.g. http://127.0.0.1:8025; `Link` headers and `_links` use it. */
  url: string;
  /** The first accepted token. */
  apiToken: string;
  usingDevelopmentDefaults: { apiToken: boolean };
  faults: FaultInjector;
  /** Calls counted and refused per bucket since the start (what `/_sim/state` shows as `rateLimits.totals`). */
  rateLimitTotals(): RateLimitTotals[];
  /** The concurrency limit's figures (what `/_sim/state` shows as `rateLimits.concurrency`). */
  concurrency(): ConcurrencyFigures;
  /** The OAuth counters since the start (what `/_sim/state` shows as `oauth`). */
  oauthFigures(): OAuthFigures;
  /** Renews the token endpoint's DPoP nonce now (the previous one stays good), as Okta does daily. */
  renewDpopNonce(): void;
  /** Lines for `npm start`'s banner. */
  bannerLines(): string[];
  stop(): Promise<void>;
}

/** Printed at start when used; only ever accepted by this simulator. */
const DEVELOPMENT_API_TOKEN = '00okta-simulator-development-token';
const DEFAULT_PORT = 8025;
const DEFAULT_DUPLICATE_RULE_NAME_CAUSE = 'A rule with this name already exists in the policy.';

const rateLimitsSchema = z
  .object({
    usersCollection: z.number().int().min(1),
    userById: z.number().int().min(1),
    userMutations: z.number().int().min(1),
    groupsCollection: z.number().int().min(1),
    groupById: z.number().int().min(1),
    other: z.number().int().min(1),
    oauthToken: z.number().int().min(1),
    logs: z.number().int().min(1),
    windowSeconds: z.number().int().min(1).max(3600),
  })
  .strict();

/** Route errors thrown as OktaApiError render as Okta errors; anything else goes to the shared handler. */
async function registerApiRoutes(app: FastifyInstance, context: OktaContext): Promise<void> {
  await app.register(async (api) => {
    const sharedHandler = api.errorHandler;
    api.setErrorHandler(function handle(error, request, reply) {
      if (error instanceof OktaApiError) return sendRendered(reply, error.render());
      return sharedHandler.call(this, error, request, reply);
    });
    // The Okta API takes JSON only. A body of another or no content type: empty counts as no body
    // (so a chunked, empty POST gets the 411 rule); anything else is refused as 415.
    api.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
    api.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      if (String(body).trim() === '') return done(null, undefined);
      done(
        Object.assign(new Error('unsupported media type'), { statusCode: 415, simFailure: 'unsupported-media-type' }),
        undefined,
      );
    });
    registerUserRoutes(api, context);
    registerGroupRoutes(api, context);
    registerIdpRoutes(api, context);
    registerPolicyRoutes(api, context);
    registerSchemaRoutes(api, context);
    registerOAuthAppRoutes(api, context);
    registerSystemLogRoutes(api, context);
  });
}

export async function startOktaSimulator(options: OktaSimulatorOptions = {}): Promise<RunningOktaSimulator> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_PORT;
  const givenTokens = (options.apiTokens ?? []).filter((token) => token.trim() !== '');
  const usingDefaultToken = givenTokens.length === 0;
  const apiTokens = usingDefaultToken ? [DEVELOPMENT_API_TOKEN] : givenTokens;
  const limiter = new RateLimiter(rateLimitsSchema.parse({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }));
  const concurrency = new ConcurrencyLimiter(
    z
      .number()
      .int()
      .min(1)
      .parse(options.concurrencyLimit ?? DEFAULT_CONCURRENCY_LIMIT),
  );
  const faults = new FaultInjector(options.faults);
  const oauth = createOAuthRuntime(
    z
      .number()
      .int()
      .min(1)
      .parse(options.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS),
  );
  const store = new OktaStore(options.stateFile);
  const http = new LoopbackHttp();
  let orgUrl = '';
  const context: OktaContext = {
    store,
    orgUrl: () => orgUrl,
    customDomain: options.customDomain?.replace(/\/+$/, ''),
    duplicateRuleNameCause: options.duplicateRuleNameCause ?? DEFAULT_DUPLICATE_RULE_NAME_CAUSE,
  };

  const app = createSimulatorApp({ flavour: createOktaFlavour(limiter), faults });
  if (options.durableState) writeBeforeEachAnswer(app, () => store.flush());
  installApiGuards(app, { apiTokens, limiter, concurrency, context, oauth });
  await registerApiRoutes(app, context);
  // Form-encoded, OAuth error shapes: outside the JSON-only API scope.
  registerTokenEndpoint(app, context, oauth);
  registerSimState(app, context, limiter, concurrency, () => oauth.counters.snapshot());
  registerSignIn(app, context, http);
  try {
    orgUrl = await listen(app, host, port);
  } catch (error) {
    await http.close();
    await app.close();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    url: orgUrl,
    apiToken: apiTokens[0]!,
    usingDevelopmentDefaults: { apiToken: usingDefaultToken },
    faults,
    rateLimitTotals: () => limiter.totalsSnapshot(),
    concurrency: () => concurrency.figures(),
    oauthFigures: () => oauth.counters.snapshot(),
    renewDpopNonce: () => oauth.nonces.renew(),
    bannerLines: () => [
      `Okta simulator (org URL): ${orgUrl}`,
      ...(usingDefaultToken
        ? [`  API token: SSWS ${DEVELOPMENT_API_TOKEN} (development default; set OKTA_API_TOKEN to change)`]
        : []),
      `  sign-in check: POST ${orgUrl}/_sim/sign-in {"email": "..."}; state: GET ${orgUrl}/_sim/state; faults: GET/POST/DELETE ${orgUrl}/_sim/faults`,
      `  OAuth service apps: POST ${orgUrl}/api/v1/apps (private_key_jwt), tokens at POST ${orgUrl}/oauth2/v1/token`,
    ],
    stop: () => {
      stopped ??= (async () => {
        await app.close();
        await http.close();
        store.flush();
      })();
      return stopped;
    },
  };
}
