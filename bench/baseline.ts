/**
 * The baseline: the guide's API calls made by a plain script with no Temporal, through the
 * project's own clients (the ensure-operations of src/clients, the same pacer), against fresh
 * simulators with the run's limits and latency (no injected faults: a plain script has nothing to
 * survive them with). The same people bind after the same delays; the script waits for each
 * binding by polling, as the workflow does, and routes each person as the workflow does: the
 * shared objects once (with the routing profile property and the one ATTRIBUTE rule), then per
 * person, once bound, `ensureRoutedUser` (the Okta user carrying the property, read back).
 *
 * - sequential: one call at a time. Everyone's identity and email first, then person by person:
 *   wait for the passkey, route them.
 * - concurrent: every person in flight at once (invite, wait, route), at most as many calls at a
 *   time as the workers have activity slots.
 */
import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeyondIdentityApi } from '../src/clients/beyond-identity/api';
import { BeyondIdentitySetup, oidcEndpoints } from '../src/clients/beyond-identity/ensure';
import { RateLimitPacer } from '../src/clients/http/rate-limit-pacer';
import { OktaApi } from '../src/clients/okta/api';
import { OktaSetup } from '../src/clients/okta/ensure';
import { mapLimit } from '../src/util/concurrency';
import type { IntegrationSpec } from '../src/workflows/definitions';
import { personNames } from '../src/workflows/person-state';
import { checkSimulators, type SimulatorChecks } from './checks';
import { seedDirectoryUsers } from './directory';
import { credentialsOf, oktaCredentialSettings } from './okta-auth';
import { Cleanup } from './cleanup';
import type { BenchConfig } from './options';
import { PeoplePlayer, type Person } from './people';
import { startSimulators } from './stack';
import { summarize, type Summary } from './stats';

/** Activity slots of one worker (the SDK's default maxConcurrentActivityTaskExecutions). */
const ACTIVITY_SLOTS_PER_WORKER = 100;
const DEAD_JOB_STATES = ['EXPIRED', 'FAILED_TO_SEND', 'REVOKED'];

export interface BaselineResult {
  mode: 'sequential' | 'concurrent';
  /** Calls in flight at most. */
  concurrency: number;
  finished: boolean;
  wallSeconds: number;
  routed: number;
  bindToRoutedSeconds: Summary;
  /** Seconds since the start at which each person was routed (for the chart). */
  routedAtSeconds: number[];
  checks: SimulatorChecks;
  pacer: { delayedRequests: number; totalDelaySeconds: number };
  error?: string;
}

/** At most `size` at a time. */
class Semaphore {
  private waiting: (() => void)[] = [];
  private held = 0;
  constructor(private readonly size: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.held >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.held -= 1;
    }
  }
}

export async function runBaseline(
  mode: 'sequential' | 'concurrent',
  config: BenchConfig,
  spec: IntegrationSpec,
  people: readonly Person[],
  deadline: number,
  interrupted: AbortSignal,
  say: (line: string) => void,
): Promise<BaselineResult> {
  const cleanup = new Cleanup(say);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
  const onInterrupt = () => stop.abort();
  interrupted.addEventListener('abort', onInterrupt);
  const signal = stop.signal;
  // One signal for every call of the script: each request in flight listens to it.
  setMaxListeners(0, signal);
  try {
    const sims = await startSimulators(config, cleanup, false);
    const timeouts = {
      connectMs: 5_000,
      headersMs: config.upstreamTimeoutSeconds * 1000,
      bodyMs: config.upstreamTimeoutSeconds * 1000,
    };
    const biApi = new BeyondIdentityApi({
      managementUrl: sims.bi.managementUrl,
      authUrl: sims.bi.authUrl,
      tenantId: sims.bi.tenantId,
      credentials: { kind: 'api-token', token: sims.bi.apiToken },
      timeouts,
    });
    cleanup.add('baseline Beyond Identity client', () => biApi.close());
    // The worker's pacer settings (sharedOktaPacer), fresh: this org is not the worker's.
    const pacer = new RateLimitPacer({ reserve: 2 });
    // The script authenticates as the workers do (--okta-auth), to its own org: its own service app.
    const keyDir = await mkdtemp(join(tmpdir(), `bench-baseline-${mode}-`));
    cleanup.add('baseline key directory', () => rm(keyDir, { recursive: true, force: true }));
    const credentials = credentialsOf(
      await oktaCredentialSettings(config.oktaAuth, sims.okta, keyDir, () => undefined),
    );
    const oktaApi = new OktaApi({ orgUrl: sims.okta.url, credentials, timeouts, pacer });
    cleanup.add('baseline Okta client', () => oktaApi.close());
    const bi = new BeyondIdentitySetup(biApi);
    const okta = new OktaSetup(oktaApi);
    const options = { signal };
    const concurrency = mode === 'sequential' ? 1 : Math.min(people.length, config.workers * ACTIVITY_SLOTS_PER_WORKER);
    const slots = new Semaphore(concurrency);

    await seedDirectoryUsers(sims.okta.url, people);
    const player = new PeoplePlayer(sims.bi.managementUrl, people);
    const startedAt = Date.now();
    player.start(signal);

    // Steps 1, 3, 4, 7, then the routing property and the one rule: the shared objects.
    const realm = (await bi.ensureRealm(spec.realmName, options)).value;
    const authenticatorConfig = (
      await bi.ensureHostedWebAuthenticatorConfig(realm.id, spec.authenticatorConfigName, options)
    ).value;
    const app = (
      await bi.ensureOidcApplication(
        realm.id,
        {
          displayName: spec.applicationName,
          authenticatorConfigId: authenticatorConfig.id,
          redirectUris: [`${sims.okta.url}/oauth2/v1/authorize/callback`],
          expiresAfterSeconds: spec.tokenExpirySeconds,
        },
        options,
      )
    ).value;
    const { clientId, clientSecret } = await bi.applicationCredentials(realm.id, app.id, signal);
    const endpoints = oidcEndpoints(sims.bi.authUrl, sims.bi.tenantId, realm.id, app.id);
    const idp = (
      await okta.ensureOidcIdp(
        {
          name: spec.idpName,
          clientId,
          clientSecret,
          issuer: endpoints.issuer,
          authorizationUrl: endpoints.authorization,
          tokenUrl: endpoints.token,
          jwksUrl: endpoints.jwks,
        },
        options,
      )
    ).value;
    await okta.ensureRoutingAttribute(spec.routing.attribute, options);
    await okta.ensureRoutingRule(
      { name: spec.routingRuleName, idpId: idp.id, priority: spec.routingRulePriority, ...spec.routing },
      options,
    );

    const identities = new Map<string, { identityId: string; jobId: string }>();
    // Steps 2 and 5: the identity and the binding email.
    const invite = (person: Person) =>
      slots.run(async () => {
        const identity = (await bi.ensureIdentity(realm.id, person.email, person.email, options)).value;
        const job = (await bi.ensureBindingJob(realm.id, identity.id, app.authenticatorConfigId, options)).value;
        identities.set(person.email, { identityId: identity.id, jobId: job.id });
      });
    // The wait, by polling; a dead link gets a new email (as the workflow does, up to 3 times).
    const waitForBinding = async (person: Person) => {
      const known = identities.get(person.email)!;
      for (let resends = 0; ;) {
        const progress = await slots.run(() => bi.bindingProgress(realm.id, known.identityId, known.jobId, signal));
        if (progress.activeCredential || progress.jobState === 'COMPLETE') return;
        if (progress.jobState && DEAD_JOB_STATES.includes(progress.jobState) && resends < 3) {
          resends += 1;
          known.jobId = (
            await slots.run(() => bi.ensureBindingJob(realm.id, known.identityId, app.authenticatorConfigId, options))
          ).value.id;
          continue;
        }
        await sleep(config.pollIntervalSeconds * 1000, undefined, { signal });
      }
    };
    const routedAt = new Map<string, number>();
    // Step 6 and the routing in one, as the workflow's look does it: the Okta user with the
    // routing property (created with it, or set on an adopted user), read back.
    const since = new Date(startedAt).toISOString();
    const route = (person: Person) =>
      slots.run(async () => {
        const names = personNames(person.email);
        await okta.ensureRoutedUser(
          { login: person.email, email: person.email, ...names },
          spec.routing,
          since,
          options,
        );
        routedAt.set(person.email, Date.now());
      });

    let error: string | undefined;
    try {
      if (mode === 'sequential') {
        for (const person of people) await invite(person);
        for (const person of people) {
          await waitForBinding(person);
          await route(person);
        }
      } else {
        await mapLimit(people, people.length, async (person) => {
          await invite(person);
          await waitForBinding(person);
          await route(person);
        });
      }
    } catch (caught) {
      error = signal.aborted
        ? interrupted.aborted
          ? 'interrupted'
          : 'timeout'
        : caught instanceof Error
          ? caught.message
          : String(caught);
    }
    const endedAt = Math.max(startedAt, ...routedAt.values());
    stop.abort();
    await player.stopped();
    const roster = people.map((person) => person.email);
    const checks = await checkSimulators(
      { biManagement: sims.bi.managementUrl, okta: sims.okta.url },
      spec,
      roster,
      [...routedAt.keys()],
      config.linkTtlSeconds,
      config.limits.windowSeconds,
    );
    const bindToRouted = people.flatMap((person) => {
      const bound = player.progress.get(person.email)?.boundAt;
      const routed = routedAt.get(person.email);
      return bound !== undefined && routed !== undefined ? [(routed - bound) / 1000] : [];
    });
    const stats = pacer.stats();
    return {
      mode,
      concurrency,
      finished: routedAt.size === people.length,
      wallSeconds: ((routedAt.size === people.length ? endedAt : Date.now()) - startedAt) / 1000,
      routed: routedAt.size,
      bindToRoutedSeconds: summarize(bindToRouted),
      routedAtSeconds: [...routedAt.values()].map((at) => (at - startedAt) / 1000).sort((a, b) => a - b),
      checks,
      pacer: { delayedRequests: stats.delayedRequests, totalDelaySeconds: stats.totalDelayMs / 1000 },
      ...(error ? { error } : {}),
    };
  } finally {
    clearTimeout(timer);
    interrupted.removeEventListener('abort', onInterrupt);
    await cleanup.run();
  }
}
