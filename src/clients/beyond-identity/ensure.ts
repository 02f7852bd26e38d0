/**
 * Idempotent steps of the guide on the Beyond Identity side. Each finds its object by a strict
 * key before creating it, so it is safe to repeat after a crash or a lost response: when a create
 * fails in a way that may have taken effect (a timeout, a reset connection, a 5xx), the object is
 * looked up again before anything is created a second time. Each says what it did.
 */
import { sameSet } from '../drift';
import { findOrCreate, type EnsureOptions, type Ensured } from '../find-or-create';
import { registerSecret } from '../http/secrets';
import { normalizeEmail } from '../../util/email';
import { BeyondIdentityApi, type OidcApplicationSettings } from './api';
import type { Application, BindingJob, Identity } from './schemas';
import type { NonRetryableType } from '../../workflows/failure-types';

/** The realm every Beyond Identity tenant has for its own administrators; never ours to use. */
const ADMIN_REALM_NAME = 'Beyond Identity Admin';

/** Job states in which the emailed link can still be used (docs/contracts/beyond-identity.md §4 step 7). */
const LIVE_JOB_STATES = ['LINK_SENT', 'LINK_OPENED', 'REQUEST_DELIVERED'] as const;

export class InvalidBeyondIdentityInputError extends Error {
  override name = 'InvalidBeyondIdentityInputError' satisfies NonRetryableType;
}

export interface RealmSummary {
  id: string;
  displayName: string;
}
export interface ApplicationSummary {
  id: string;
  displayName: string;
  clientId: string;
  authenticatorConfigId: string;
  redirectUris: string[];
}
export interface IdentitySummary {
  id: string;
  username: string;
  email?: string;
  enrollmentStatus?: string;
}
export interface BindingJobSummary {
  id: string;
  state?: string;
  expireTime?: string;
  credentialId?: string;
}
export interface BindingProgress {
  jobState?: string;
  credentialId?: string;
  activeCredential: boolean;
  enrollmentStatus?: string;
}

/** Characters Beyond Identity refuses in a username (docs/contracts/beyond-identity.md §3.2); an email with one cannot be used as is. */
const FORBIDDEN_USERNAME_CHARACTERS = /[{}[\]<>;:?\\/|*^%$#=~`!]/;

/** Why this email cannot be a Beyond Identity username, or undefined when it can. */
export function usernameProblem(email: string): string | undefined {
  const username = normalizeEmail(email);
  if (username.length < 1 || username.length > 64)
    return `a Beyond Identity username must be 1 to 64 characters; "${username}" has ${username.length}`;
  const bad = FORBIDDEN_USERNAME_CHARACTERS.exec(username);
  if (bad) return `Beyond Identity does not accept "${bad[0]}" in a username ("${username}")`;
  return undefined;
}

/** The OIDC endpoints of an application, on the auth host (docs/contracts/beyond-identity.md §1.2): what Okta needs. */
export function oidcEndpoints(authUrl: string, tenantId: string, realmId: string, applicationId: string) {
  const issuer = `${authUrl.replace(/\/+$/, '')}/v1/tenants/${encodeURIComponent(tenantId)}/realms/${encodeURIComponent(realmId)}/applications/${encodeURIComponent(applicationId)}`;
  return {
    issuer,
    authorization: `${issuer}/authorize`,
    token: `${issuer}/token`,
    jwks: `${issuer}/.well-known/jwks.json`,
    discovery: `${issuer}/.well-known/openid-configuration`,
  };
}

export class BeyondIdentitySetup {
  constructor(readonly api: BeyondIdentityApi) {}

  async ensureRealm(displayName: string, options: EnsureOptions = {}): Promise<Ensured<RealmSummary>> {
    const { signal } = options;
    if (displayName.trim().toLowerCase() === ADMIN_REALM_NAME.toLowerCase()) {
      throw new InvalidBeyondIdentityInputError(
        `The "${ADMIN_REALM_NAME}" realm is Beyond Identity's own; choose a realm dedicated to the Okta integration.`,
      );
    }
    const find = async () => (await this.api.listRealms(signal)).find((realm) => realm.display_name === displayName);
    const result = await findOrCreate(
      find,
      () => this.api.createRealm(displayName, signal),
      undefined,
      options.beforeCreate,
    );
    return { outcome: result.outcome, value: { id: result.value.id, displayName: result.value.display_name } };
  }

  /** The hosted_web config an authorization-code app needs, found by display name. */
  async ensureHostedWebAuthenticatorConfig(
    realmId: string,
    displayName: string,
    options: EnsureOptions = {},
  ): Promise<Ensured<{ id: string }>> {
    const { signal } = options;
    const find = async () =>
      (await this.api.listAuthenticatorConfigs(realmId, signal)).find(
        (config) => config.display_name === displayName && config.config.type === 'hosted_web',
      );
    const result = await findOrCreate(
      find,
      () => this.api.createHostedWebAuthenticatorConfig(realmId, displayName, signal),
      undefined,
      options.beforeCreate,
    );
    return { outcome: result.outcome, value: { id: result.value.id } };
  }

  /**
   * The guide's OIDC application, found by display name. An existing one with other settings is
   * brought to the desired ones (and the differences reported); its authenticator config is kept,
   * since the app's own `authenticator_config_id` is what binding jobs must use (guide step 4).
   */
  async ensureOidcApplication(
    realmId: string,
    desired: OidcApplicationSettings,
    options: EnsureOptions = {},
  ): Promise<Ensured<ApplicationSummary>> {
    const { signal } = options;
    const find = async () =>
      (await this.api.listApplications(realmId, signal)).find((app) => app.display_name === desired.displayName);
    const result = await findOrCreate(
      find,
      () => this.api.createApplication(realmId, desired, signal),
      undefined,
      options.beforeCreate,
    );
    registerSecret(result.value.protocol_config.client_secret);
    if (result.outcome === 'created') return { outcome: 'created', value: summarizeApplication(result.value) };
    const existing = result.value;
    const settings = {
      ...desired,
      authenticatorConfigId: existing.authenticator_config_id ?? desired.authenticatorConfigId,
    };
    const drift = applicationDrift(existing, settings);
    if (drift.length === 0) return { outcome: 'adopted', value: summarizeApplication(existing) };
    const updated = await this.api.updateApplication(realmId, existing.id, settings, signal);
    return { outcome: 'updated', value: summarizeApplication(updated), drift };
  }

  /** The app's client id and secret, read from Beyond Identity at the moment they are needed. */
  async applicationCredentials(
    realmId: string,
    applicationId: string,
    signal?: AbortSignal,
  ): Promise<{ clientId: string; clientSecret: string }> {
    const app = await this.api.getApplication(realmId, applicationId, signal);
    const clientId = app?.protocol_config.client_id;
    const clientSecret = app?.protocol_config.client_secret;
    if (!app || !clientId || !clientSecret) {
      throw new InvalidBeyondIdentityInputError(
        app
          ? `Application ${applicationId} has no client secret (is it a confidential client?)`
          : `Application ${applicationId} does not exist in realm ${realmId}`,
      );
    }
    registerSecret(clientSecret);
    return { clientId, clientSecret };
  }

  async ensureIdentity(
    realmId: string,
    email: string,
    displayName?: string,
    options: EnsureOptions = {},
  ): Promise<Ensured<IdentitySummary>> {
    const { signal } = options;
    const problem = usernameProblem(email);
    if (problem) throw new InvalidBeyondIdentityInputError(problem);
    // One person, one username: the email, normalized, so Alice@Example.com and alice@example.com are one identity.
    const username = normalizeEmail(email);
    const find = () => this.api.findIdentityByUsername(realmId, username, signal);
    const result = await findOrCreate(
      find,
      () =>
        this.api.createIdentity(
          realmId,
          { username, email: username, displayName: (displayName ?? username).slice(0, 64) },
          signal,
        ),
      // 409 "username already exists": someone (or our own lost create) got there first.
      (error) => (error as { status?: number }).status === 409,
      options.beforeCreate,
    );
    return { outcome: result.outcome, value: summarizeIdentity(result.value) };
  }

  /**
   * An emailed binding link for the identity: a live job (link sent or opened, not expired) or a
   * completed one is reused, so a repeat never sends a second email; otherwise a new job is made.
   */
  async ensureBindingJob(
    realmId: string,
    identityId: string,
    authenticatorConfigId: string,
    options: EnsureOptions & { completedSince?: string } = {},
  ): Promise<Ensured<BindingJobSummary>> {
    const { signal } = options;
    const find = async () =>
      pickReusableJob(await this.api.listBindingJobs(realmId, identityId, signal), Date.now(), options.completedSince);
    const result = await findOrCreate(
      find,
      () => this.api.createEmailBindingJob(realmId, identityId, authenticatorConfigId, signal),
      undefined,
      options.beforeCreate,
    );
    return { outcome: result.outcome, value: summarizeJob(result.value) };
  }

  /** Has the person bound a passkey? The job's state, and an ACTIVE credential, both count (docs/contracts/beyond-identity.md §3.6). */
  async bindingProgress(
    realmId: string,
    identityId: string,
    jobId: string | undefined,
    signal?: AbortSignal,
  ): Promise<BindingProgress> {
    const [job, credentials, identity] = await Promise.all([
      jobId ? this.api.getBindingJob(realmId, identityId, jobId, signal) : Promise.resolve(undefined),
      this.api.listCredentials(realmId, identityId, signal),
      this.api.getIdentity(realmId, identityId, signal),
    ]);
    return {
      jobState: job?.state,
      credentialId: job?.credential_id,
      activeCredential: credentials.some((credential) => credential.state === 'ACTIVE'),
      enrollmentStatus: identity?.enrollment_status,
    };
  }
}

/** `completedSince`: a job completed for a passkey that is gone (created before a rebind) is not reused. */
export function pickReusableJob(jobs: BindingJob[], nowMs: number, completedSince?: string): BindingJob | undefined {
  const usable = jobs.filter((job) => {
    if (job.state === 'COMPLETE')
      return !completedSince || Date.parse(job.create_time ?? '') >= Date.parse(completedSince);
    if (!job.state || !(LIVE_JOB_STATES as readonly string[]).includes(job.state)) return false;
    return !job.expire_time || Date.parse(job.expire_time) > nowMs;
  });
  // A completed job first (nothing left to send), then the newest live one.
  return usable.sort((a, b) => rank(b) - rank(a) || (b.create_time ?? '').localeCompare(a.create_time ?? ''))[0];
}

function rank(job: BindingJob): number {
  return job.state === 'COMPLETE' ? 1 : 0;
}

export function applicationDrift(app: Application, desired: OidcApplicationSettings): string[] {
  const config = app.protocol_config;
  const token = config.token_configuration ?? {};
  const drift: string[] = [];
  if (config.type !== 'oidc') drift.push('protocol_config.type');
  if (config.confidentiality !== 'confidential') drift.push('protocol_config.confidentiality');
  if (!sameSet(config.grant_type, ['authorization_code'])) drift.push('protocol_config.grant_type');
  if (!sameSet(config.redirect_uris, desired.redirectUris)) drift.push('protocol_config.redirect_uris');
  if ((config.allowed_scopes ?? []).length > 0) drift.push('protocol_config.allowed_scopes');
  if (token.expires_after !== desired.expiresAfterSeconds)
    drift.push('protocol_config.token_configuration.expires_after');
  if (token.subject_field !== 'email') drift.push('protocol_config.token_configuration.subject_field');
  if ((token.token_signing_algorithm ?? 'RS256') !== 'RS256')
    drift.push('protocol_config.token_configuration.token_signing_algorithm');
  if (app.authenticator_config_id !== desired.authenticatorConfigId) drift.push('authenticator_config_id');
  return drift;
}

function summarizeApplication(app: Application): ApplicationSummary {
  return {
    id: app.id,
    displayName: app.display_name,
    clientId: app.protocol_config.client_id ?? '',
    authenticatorConfigId: app.authenticator_config_id ?? '',
    redirectUris: app.protocol_config.redirect_uris ?? [],
  };
}

function summarizeIdentity(identity: Identity): IdentitySummary {
  return {
    id: identity.id,
    username: identity.traits.username,
    email: identity.traits.primary_email_address,
    enrollmentStatus: identity.enrollment_status,
  };
}

function summarizeJob(job: BindingJob): BindingJobSummary {
  return { id: job.id, state: job.state, expireTime: job.expire_time, credentialId: job.credential_id };
}
