/**
 * The service as the workflow tests use it: both simulators on free loopback ports, the run's
 * shared Temporal dev server, a task queue of the test file's own, workers (in this process or as
 * real child processes), and the operator's commands. No mocks: every call crosses real HTTP or gRPC.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { request } from 'undici';
import * as commands from '../../src/cli/commands';
import { validatePeople } from '../../src/cli/people';
import type { Output, Session } from '../../src/cli/session';
import { dataConverterFromEnv } from '../../src/codec/data-converter';
import { integrationConfigSchema, integrationSpecFrom, parseConfig } from '../../src/config';
import {
  startBeyondIdentitySimulator,
  type BeyondIdentitySimulatorOptions,
  type RunningBeyondIdentitySimulator,
} from '../../dev/simulators/beyond-identity';
import { bindPasskeyFromOutbox, outboxFor } from '../../dev/simulators/beyond-identity/person-agent';
import { startOktaSimulator, type OktaSimulatorOptions, type RunningOktaSimulator } from '../../dev/simulators/okta';
import { startWorker, type WorkerRun } from '../../src/worker';
import { verifyScheduleId, type IntegrationSpec } from '../../src/workflows/definitions';
import { startCommand, type RunningCommand } from './processes';
import { testTemporal } from './temporal';
import { waitFor } from './wait';

export interface SignInResult {
  ok: boolean;
  reason?: string;
  steps: { name: string; ok: boolean; detail?: string }[];
}

export interface HarnessOptions {
  bi?: BeyondIdentitySimulatorOptions;
  okta?: OktaSimulatorOptions;
  /** Integration settings as environment variables (BINDING_POLL_INTERVAL_SECONDS, ...). */
  integrationEnv?: Record<string, string>;
  /** Another Temporal server than the run's shared one (a test that restarts its own). */
  temporalAddress?: string;
  /** TEMPORAL_CODEC_KEYS for the harness's client and workers; default none (payloads in clear). */
  codecKeys?: string;
}

const silent: Output = { json: true, print: () => undefined, info: () => undefined };

export class ServiceHarness {
  readonly taskQueue = `test-${randomUUID()}`;
  readonly workers: WorkerRun[] = [];
  readonly processes: RunningCommand[] = [];
  spec!: IntegrationSpec;
  session!: Session;

  private constructor(
    readonly bi: RunningBeyondIdentitySimulator,
    readonly okta: RunningOktaSimulator,
    readonly connection: Connection,
    readonly client: Client,
    readonly temporalAddress: string,
    readonly codecKeys: string | undefined,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<ServiceHarness> {
    const { namespace } = testTemporal();
    const address = options.temporalAddress ?? testTemporal().address;
    const bi = await startBeyondIdentitySimulator({
      managementPort: 0,
      authPort: 0,
      apiTokens: [`bi-token-${randomUUID()}`],
      ...options.bi,
    });
    const okta = await startOktaSimulator({ port: 0, apiTokens: [`okta-token-${randomUUID()}`], ...options.okta });
    const connection = await Connection.connect({ address });
    const dataConverter = options.codecKeys
      ? dataConverterFromEnv({ TEMPORAL_CODEC_KEYS: options.codecKeys })
      : undefined;
    const client = new Client({ connection, namespace, dataConverter });
    const harness = new ServiceHarness(bi, okta, connection, client, address, options.codecKeys);
    harness.spec = integrationSpecFrom(
      parseConfig(integrationConfigSchema, {
        BI_TENANT_ID: bi.tenantId,
        OKTA_ORG_URL: okta.url,
        BI_REALM_NAME: `Okta federation ${randomUUID().slice(0, 8)}`,
        BINDING_POLL_INTERVAL_SECONDS: '1',
        ACTIVITY_TIMEOUT_SECONDS: '10',
        ...options.integrationEnv,
      }),
    );
    harness.session = {
      client,
      spec: harness.spec,
      taskQueue: harness.taskQueue,
      address,
      namespace,
      uiUrl: 'http://127.0.0.1:8233',
      close: async () => undefined,
    };
    return harness;
  }

  /** The environment a worker (or the CLI) of this harness runs with; `overrides` may replace anything, e.g. a wrong token. */
  env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    const { namespace, workflowBundlePath } = testTemporal();
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      TASK_QUEUE: this.taskQueue,
      WORKFLOW_BUNDLE_PATH: workflowBundlePath,
      BI_TENANT_ID: this.bi.tenantId,
      BI_API_TOKEN: this.bi.apiToken,
      BI_MANAGEMENT_URL: this.bi.managementUrl,
      BI_AUTH_URL: this.bi.authUrl,
      OKTA_ORG_URL: this.okta.url,
      OKTA_API_TOKEN: this.okta.apiToken,
      UPSTREAM_TIMEOUT_SECONDS: '5',
      LOG_LEVEL: 'WARN',
      // Tests run in parallel processes: no worker may claim the default metrics port.
      METRICS_ADDRESS: 'off',
      BI_REALM_NAME: this.spec.realmName,
      BINDING_POLL_INTERVAL_SECONDS: String(this.spec.binding.pollIntervalMs / 1000),
      BINDING_DEADLINE_SECONDS: String(this.spec.binding.deadlineMs / 1000),
      BINDING_MAX_RESENDS: String(this.spec.binding.maxResends),
      ACTIVITY_TIMEOUT_SECONDS: String(this.spec.activityTimeoutMs / 1000),
      // Never a developer's local key from `npm start` (.data/codec-keys): only the keys the test gives.
      DATA_DIR: join(__dirname, 'no-local-codec-key'),
      ...(this.codecKeys ? { TEMPORAL_CODEC_KEYS: this.codecKeys } : {}),
      ...overrides,
    };
  }

  /** A worker in this process; `options` replace the worker's own (e.g. a test's shutdown grace time). */
  async startWorker(overrides: Record<string, string> = {}, options: Partial<WorkerOptions> = {}): Promise<WorkerRun> {
    const run = await startWorker(this.env(overrides), options);
    this.workers.push(run);
    return run;
  }

  /** A worker as a separate OS process (`npm run worker`'s code), which a test may SIGKILL. */
  /** A worker as a real child process: the TypeScript sources under tsx, unless `nodeArgs` says what else to run (dist/worker.js). */
  async spawnWorker(
    overrides: Record<string, string> = {},
    nodeArgs: string[] = ['--import', 'tsx', 'src/worker.ts'],
  ): Promise<RunningCommand> {
    const worker = startCommand(process.execPath, nodeArgs, this.env(overrides));
    this.processes.push(worker);
    await worker.waitFor(/Worker polling task queue/, 60_000);
    return worker;
  }

  /** Stops every worker process this harness spawned (a test that kills "the" worker must be sure it is the only one). */
  async killSpawnedWorkers(): Promise<void> {
    for (const child of this.processes) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    }
    await Promise.allSettled(this.processes.map((child) => child.exited));
  }

  async onboard(emails: string[]): Promise<void> {
    const people = validatePeople(
      emails.map((email, index) => ({ email, where: `#${index}` })),
      this.spec.integrationId,
    );
    await commands.onboard(this.session, silent, people);
  }

  personHandle(email: string) {
    return this.client.workflow.getHandle(`${this.spec.integrationId}/person/${email.trim().toLowerCase()}`);
  }

  integrationHandle() {
    return this.client.workflow.getHandle(this.spec.integrationId);
  }

  /** Waits for a binding email to arrive, then binds the passkey as the person would. */
  async bind(email: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => outboxFor(this.bi.managementUrl, email),
      (messages) => messages.length > 0,
      timeoutMs,
    ).catch(() => {
      throw new Error(`no binding email for ${email} within ${timeoutMs} ms`);
    });
    await bindPasskeyFromOutbox(this.bi.managementUrl, email);
  }

  outbox(email: string) {
    return outboxFor(this.bi.managementUrl, email);
  }

  async signIn(email: string): Promise<SignInResult> {
    const response = await request(`${this.okta.url}/_sim/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    return (await response.body.json()) as SignInResult;
  }

  async biState(): Promise<BiState> {
    return (await (await request(`${this.bi.managementUrl}/_sim/state`)).body.json()) as BiState;
  }

  async oktaState(): Promise<OktaState> {
    return (await (await request(`${this.okta.url}/_sim/state`)).body.json()) as OktaState;
  }

  /** Every workflow this harness's integration ran (people included), with full histories as JSON text. */
  async histories(): Promise<{ workflowId: string; runId: string; json: string }[]> {
    const found: { workflowId: string; runId: string; json: string }[] = [];
    const query = `Integration = '${this.spec.integrationId}'`;
    for await (const info of this.client.workflow.list({ query })) {
      const history = await this.client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      found.push({ workflowId: info.workflowId, runId: info.runId, json: JSON.stringify(history) });
    }
    return found;
  }

  /** The secrets a history must never contain. */
  async secrets(): Promise<string[]> {
    const state = await this.biStateWithSecrets();
    return [this.bi.apiToken, this.okta.apiToken, ...state];
  }

  /** Client secrets, read the way Okta (the other side) sees them: from the Okta simulator's IdPs. */
  private async biStateWithSecrets(): Promise<string[]> {
    const secrets: string[] = [];
    // The BI simulator masks secrets in /_sim/state; read them through the API like a client would.
    const realms = (await this.biApi('GET', '/realms?page_size=200')) as { realms: { id: string }[] };
    for (const realm of realms.realms) {
      const apps = (await this.biApi('GET', `/realms/${realm.id}/applications?page_size=100`)) as {
        applications: { protocol_config: { client_secret?: string } }[];
      };
      for (const app of apps.applications)
        if (app.protocol_config.client_secret) secrets.push(app.protocol_config.client_secret);
    }
    return secrets;
  }

  async biApi(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const response = await request(`${this.bi.managementUrl}/v1/tenants/${this.bi.tenantId}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.bi.apiToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`BI ${method} ${path}: HTTP ${response.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async stop(): Promise<void> {
    for (const worker of this.workers) {
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    }
    await Promise.allSettled(this.workers.map((worker) => worker.done));
    for (const child of this.processes) {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    }
    await Promise.allSettled(this.processes.map((child) => child.exited));
    // On a server that outlives the run (TEST_TEMPORAL_ADDRESS) a Ready integration's verify schedule
    // would fire every day for nobody. Best effort: most tests have none, and a dead server has nothing to keep.
    await this.client.schedule
      .getHandle(verifyScheduleId(this.spec.integrationId))
      .delete()
      .catch(() => undefined);
    await this.connection.close();
    await Promise.all([this.bi.stop(), this.okta.stop()]);
  }
}

export interface BiState {
  realms: { id: string; display_name: string }[];
  identities: { id: string; realm_id: string; traits: { username: string }; enrollment_status?: string }[];
  authenticator_configs: { id: string; realm_id: string; display_name?: string; config: { type: string } }[];
  applications: {
    id: string;
    realm_id: string;
    display_name: string;
    authenticator_config_id?: string;
    protocol_config: {
      confidentiality: string;
      grant_type: string[];
      redirect_uris: string[];
      token_endpoint_auth_method?: string;
      token_configuration: { expires_after: number; subject_field: string; token_signing_algorithm: string };
    };
  }[];
  credential_binding_jobs: { id: string; identity_id: string; state: string; delivery_method: string }[];
  credentials: { id: string; identity_id: string; state: string }[];
  outbox: { to: string; job_id: string }[];
}

export interface OktaState {
  users: {
    id: string;
    status: string;
    created: string;
    profile: { login: string; email: string } & Record<string, unknown>;
  }[];
  idps: {
    id: string;
    status: string;
    body: {
      name: string;
      protocol: {
        scopes: string[];
        endpoints: Record<string, { url: string; binding?: string }>;
        issuer: { url: string };
        credentials: { client: { client_id: string; client_secret?: string } };
      };
      policy: { subject: { userNameTemplate: { template: string }; matchType: string } };
    };
  }[];
  /** User-made rules in priority order (index 0 = priority 1); the default rule is kept apart, always last. */
  rules: {
    id: string;
    name: string;
    status: string;
    conditions: {
      userIdentifier?: { type?: string; attribute?: string; patterns?: { matchType: string; value: string }[] };
    };
    actions: { idp?: { providers?: { type: string; id?: string }[] } };
  }[];
  defaultRule: { id: string; name: string };
}
