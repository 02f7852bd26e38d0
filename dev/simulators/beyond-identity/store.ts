/**
 * All simulator state for one tenant: the records, the outbox and the signing key, kept in
 * memory and, when a state file is configured, written to it after every change. Lookups throw
 * the API's 404s, so handlers read as the contract does.
 */
import { JsonStateFile } from '../shared/persistence';
import { apiErrors } from './flavour';
import { derivedHexId, derivedUuid } from './ids';
import {
  LIVE_JOB_STATES,
  persistedStateSchema,
  type Application,
  type AuthenticatorConfig,
  type Credential,
  type EnrollmentStatus,
  type Identity,
  type Job,
  type JobRecord,
  type OutboxMessage,
  type PersistedState,
  type Realm,
  type Tenant,
} from './model';
import { MANAGEMENT_SCOPES } from './scopes';
import { SigningKey } from './signing-key';

const ADMIN_REALM_NAME = 'Beyond Identity Admin';
const MANAGEMENT_APP_NAME = 'Beyond Identity Management API';

export interface StoreConfig {
  tenantId: string;
  managementClient: { clientId: string; clientSecret: string };
  accessTokenTtlSeconds: number;
  stateFile?: string;
  clock?: () => number;
}

export class Store {
  readonly realms = new Map<string, Realm>();
  readonly identities = new Map<string, Identity>();
  readonly authenticatorConfigs = new Map<string, AuthenticatorConfig>();
  readonly applications = new Map<string, Application>();
  readonly jobs = new Map<string, JobRecord>();
  readonly credentials = new Map<string, Credential>();
  readonly outbox: OutboxMessage[] = [];
  readonly adminRealmId: string;
  readonly managementAppId: string;
  readonly managementResourceServerId: string;

  private constructor(
    readonly tenant: Tenant,
    readonly signingKey: SigningKey,
    private readonly file: JsonStateFile<PersistedState> | undefined,
    private readonly clock: () => number,
  ) {
    // Derived from the tenant so the seeded ids are the same on every start, state file or not.
    this.adminRealmId = derivedHexId(`${tenant.id}:admin-realm`);
    this.managementAppId = derivedUuid(`${tenant.id}:management-application`);
    this.managementResourceServerId = derivedUuid(`${tenant.id}:management-resource-server`);
  }

  static async open(config: StoreConfig): Promise<Store> {
    const clock = config.clock ?? Date.now;
    const file = config.stateFile ? new JsonStateFile(config.stateFile, persistedStateSchema) : undefined;
    const saved = file?.load();
    if (saved && saved.tenant.id !== config.tenantId) {
      throw new Error(
        `The Beyond Identity simulator state file ${config.stateFile} belongs to tenant ${saved.tenant.id}, not ${config.tenantId}; move it away or use that tenant id.`,
      );
    }
    const key = saved ? SigningKey.fromStored(saved.signing_key) : await SigningKey.generate();
    const created = new Date(clock()).toISOString();
    const tenant = saved?.tenant ?? {
      id: config.tenantId,
      display_name: 'Simulated Tenant',
      create_time: created,
      update_time: created,
    };
    const store = new Store(tenant, key, file, clock);
    if (saved) store.restore(saved);
    store.seedAdminRealm(config);
    store.changed();
    return store;
  }

  now(): string {
    return new Date(this.clock()).toISOString();
  }

  nowMs(): number {
    return this.clock();
  }

  /** Call after every mutation; writes are coalesced by the state file. */
  changed(): void {
    this.file?.scheduleSave(() => this.snapshot());
  }

  flush(): void {
    this.file?.flush();
  }

  snapshot(): PersistedState {
    return {
      version: 1,
      tenant: this.tenant,
      realms: [...this.realms.values()],
      identities: [...this.identities.values()],
      authenticator_configs: [...this.authenticatorConfigs.values()],
      applications: [...this.applications.values()],
      jobs: [...this.jobs.values()],
      credentials: [...this.credentials.values()],
      outbox: this.outbox,
      signing_key: this.signingKey.toStored(),
    };
  }

  private restore(saved: PersistedState): void {
    for (const realm of saved.realms) this.realms.set(realm.id, realm);
    for (const identity of saved.identities) this.identities.set(identity.id, identity);
    for (const config of saved.authenticator_configs) this.authenticatorConfigs.set(config.id, config);
    for (const application of saved.applications) this.applications.set(application.id, application);
    for (const job of saved.jobs) this.jobs.set(job.id, job);
    for (const credential of saved.credentials) this.credentials.set(credential.id, credential);
    this.outbox.push(...saved.outbox);
  }

  /** Every tenant has the admin realm with the Management API application; its credentials and token lifetime follow the options on every start. */
  private seedAdminRealm(config: StoreConfig): void {
    const now = this.now();
    if (!this.realms.has(this.adminRealmId)) {
      this.realms.set(this.adminRealmId, {
        id: this.adminRealmId,
        tenant_id: this.tenant.id,
        display_name: ADMIN_REALM_NAME,
        classification: 'SECURE_WORKFORCE',
        create_time: now,
        update_time: now,
      });
    }
    this.applications.set(this.managementAppId, {
      id: this.managementAppId,
      realm_id: this.adminRealmId,
      tenant_id: this.tenant.id,
      resource_server_id: this.managementResourceServerId,
      display_name: MANAGEMENT_APP_NAME,
      is_managed: true,
      classification: 'management_api',
      protocol_config: {
        type: 'oauth2',
        allowed_scopes: [...MANAGEMENT_SCOPES],
        client_id: config.managementClient.clientId,
        client_secret: config.managementClient.clientSecret,
        confidentiality: 'confidential',
        grant_type: ['client_credentials'],
        redirect_uris: [],
        token_configuration: {
          expires_after: config.accessTokenTtlSeconds,
          token_signing_algorithm: 'RS256',
          subject_field: 'id',
        },
        pkce: 'disabled',
        token_format: 'self_contained',
      },
    });
  }

  // ---- lookups that answer the API's 404s ----

  getRealm(realmId: string): Realm {
    const realm = this.realms.get(realmId);
    if (!realm) throw apiErrors.notFound('Realm', realmId, 'realm');
    return realm;
  }

  getIdentity(realmId: string, identityId: string): Identity {
    this.getRealm(realmId);
    const identity = this.identities.get(identityId);
    if (!identity || identity.realm_id !== realmId) throw apiErrors.notFound('Identity', identityId, 'identity');
    return identity;
  }

  getAuthenticatorConfig(realmId: string, configId: string): AuthenticatorConfig {
    this.getRealm(realmId);
    const config = this.authenticatorConfigs.get(configId);
    if (!config || config.realm_id !== realmId)
      throw apiErrors.notFound('AuthenticatorConfig', configId, 'authenticator configuration');
    return config;
  }

  getApplication(realmId: string, applicationId: string): Application {
    this.getRealm(realmId);
    const application = this.applications.get(applicationId);
    if (!application || application.realm_id !== realmId)
      throw apiErrors.notFound('Application', applicationId, 'application');
    return application;
  }

  getJob(realmId: string, identityId: string, jobId: string): JobRecord {
    this.getIdentity(realmId, identityId);
    const job = this.jobs.get(jobId);
    if (!job || job.identity_id !== identityId)
      throw apiErrors.notFound('CredentialBindingJob', jobId, 'credential binding job');
    return this.refreshJob(job);
  }

  getCredential(realmId: string, identityId: string, credentialId: string): Credential {
    this.getIdentity(realmId, identityId);
    const credential = this.credentials.get(credentialId);
    if (!credential || credential.identity_id !== identityId)
      throw apiErrors.notFound('Credential', credentialId, 'credential');
    return credential;
  }

  /** Records of one identity, or of every identity in the realm for `-` (docs/contracts/beyond-identity.md §3.5, §3.6); 404 for an unknown parent. */
  ofIdentityOrWildcard<T extends { realm_id: string; identity_id: string }>(
    records: Map<string, T>,
    realmId: string,
    identityId: string,
  ): T[] {
    if (identityId === '-') this.getRealm(realmId);
    else this.getIdentity(realmId, identityId);
    return this.inRealm(records, realmId).filter((record) => identityId === '-' || record.identity_id === identityId);
  }

  // ---- queries ----

  inRealm<T extends { realm_id: string }>(records: Map<string, T>, realmId: string): T[] {
    return [...records.values()].filter((record) => record.realm_id === realmId);
  }

  usernameTaken(realmId: string, username: string, exceptIdentityId?: string): boolean {
    const wanted = username.toLowerCase();
    return this.inRealm(this.identities, realmId).some(
      (identity) => identity.id !== exceptIdentityId && identity.traits.username.toLowerCase() === wanted,
    );
  }

  /** The identity a login hint names: its username or its primary email, case-insensitively. */
  findIdentityByLoginHint(realmId: string, hint: string): Identity | undefined {
    const wanted = hint.trim().toLowerCase();
    const inRealm = this.inRealm(this.identities, realmId);
    return (
      inRealm.find((identity) => identity.traits.username.toLowerCase() === wanted) ??
      inRealm.find((identity) => identity.traits.primary_email_address?.toLowerCase() === wanted)
    );
  }

  activeCredentials(identityId: string): Credential[] {
    return [...this.credentials.values()].filter(
      (credential) => credential.identity_id === identityId && credential.state === 'ACTIVE',
    );
  }

  jobsOf(identityId: string): JobRecord[] {
    return [...this.jobs.values()].filter((job) => job.identity_id === identityId).map((job) => this.refreshJob(job));
  }

  enrollmentStatus(identity: Identity): EnrollmentStatus {
    if (this.activeCredentials(identity.id).length > 0) return 'ENROLLED';
    if (this.jobsOf(identity.id).some((job) => LIVE_JOB_STATES.includes(job.state))) return 'PENDING';
    return 'UNENROLLED';
  }

  /** Expiry is evaluated lazily: a live job past its expire_time becomes EXPIRED when next read. */
  refreshJob(job: JobRecord): JobRecord {
    if (LIVE_JOB_STATES.includes(job.state) && Date.parse(job.expire_time) <= this.nowMs()) {
      job.state = 'EXPIRED';
      job.update_time = this.now();
      this.changed();
    }
    return job;
  }

  // ---- API representations ----

  presentIdentity(identity: Identity): Identity & { enrollment_status: EnrollmentStatus } {
    return { ...identity, enrollment_status: this.enrollmentStatus(identity) };
  }

  presentJob(job: JobRecord): Job {
    const { link_token: _secret, ...visible } = this.refreshJob(job);
    return visible;
  }

  /** `token_endpoint_auth_method` follows the spec's normative text: the server ignores the input and shows basic/none. */
  presentApplication(
    application: Application,
  ): Application & { protocol_config: { token_endpoint_auth_method: string } } {
    const config = application.protocol_config;
    const method = config.confidentiality === 'confidential' ? 'client_secret_basic' : 'none';
    return { ...application, protocol_config: { ...config, token_endpoint_auth_method: method } };
  }
}
