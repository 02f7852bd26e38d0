/**
 * Credential binding as a person lives it. A job starts LINK_SENT; an EMAIL job puts a message
 * with the link into the outbox (a RETURN job hands the link to the caller). Opening the link
 * moves it to LINK_OPENED; submitting the page's form binds a passkey: the job is COMPLETE with
 * `credential_id`, an ACTIVE credential exists, and the identity reads ENROLLED. Past
 * `expire_time` a job reads EXPIRED and its link binds nothing; while the identity is suspended
 * its link binds nothing either (and does not count as opened).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { SimContext } from './context';
import { newHexId, newOpaqueToken, sameSecret } from './ids';
import { LIVE_JOB_STATES, type Credential, type Identity, type JobRecord } from './model';
import { jwkThumbprint } from './signing-key';

export interface NewJob {
  delivery_method: 'EMAIL' | 'RETURN';
  authenticator_config_id?: string;
  authenticator_config?: Record<string, unknown>;
  post_binding_redirect_uri?: string;
}

/** Where a job's link points: a page on the auth host, in the shape of the spec's example link. */
export function bindingLinkPath(job: Pick<JobRecord, 'tenant_id' | 'realm_id' | 'identity_id' | 'id'>): string {
  return `/v1/tenants/${job.tenant_id}/realms/${job.realm_id}/identities/${job.identity_id}/credential-binding-jobs/${job.id}:invokeAuthenticator`;
}

function bindingLink(context: SimContext, job: JobRecord): string {
  return `${context.urls.auth}${bindingLinkPath(job)}?token=${job.link_token}`;
}

export function createBindingJob(
  context: SimContext,
  identity: Identity,
  input: NewJob,
): { job: JobRecord; link: string } {
  const { store, settings } = context;
  const now = store.nowMs();
  const job: JobRecord = {
    id: newHexId(),
    identity_id: identity.id,
    realm_id: identity.realm_id,
    tenant_id: identity.tenant_id,
    delivery_method: input.delivery_method,
    state: 'LINK_SENT',
    ...(input.post_binding_redirect_uri !== undefined && {
      post_binding_redirect_uri: input.post_binding_redirect_uri,
    }),
    ...(input.authenticator_config !== undefined && { authenticator_config: input.authenticator_config }),
    ...(input.authenticator_config_id !== undefined && { authenticator_config_id: input.authenticator_config_id }),
    expire_time: new Date(now + settings.bindingLinkTtlSeconds * 1000).toISOString(),
    create_time: new Date(now).toISOString(),
    update_time: new Date(now).toISOString(),
    link_token: newOpaqueToken(36),
  };
  store.jobs.set(job.id, job);
  const link = bindingLink(context, job);
  if (job.delivery_method === 'EMAIL') {
    const realm = store.getRealm(job.realm_id);
    store.outbox.push({
      id: newHexId(),
      to: identity.traits.primary_email_address ?? '',
      subject: `Set up your passkey for ${realm.display_name}`,
      text: `Hello ${identity.display_name},\n\nOpen this link to bind a passkey to your account (${identity.traits.username}):\n${link}\n\nThe link expires at ${job.expire_time}.`,
      link,
      job_id: job.id,
      identity_id: identity.id,
      realm_id: identity.realm_id,
      tenant_id: identity.tenant_id,
      sent_time: job.create_time,
    });
  }
  store.changed();
  return { job, link };
}

export type LinkOutcome =
  | { kind: 'unknown' }
  | { kind: 'expired' | 'revoked' | 'unavailable' | 'suspended'; job: JobRecord }
  | { kind: 'ready'; job: JobRecord; identity: Identity }
  | { kind: 'bound'; job: JobRecord; identity: Identity; credential: Credential };

/** The job a link names, if the link's token is right, with expiry applied. */
function jobForLink(context: SimContext, jobId: string, token: string): JobRecord | undefined {
  const job = context.store.jobs.get(jobId);
  if (!job || !sameSecret(job.link_token, token)) return undefined;
  return context.store.refreshJob(job);
}

function unusable(job: JobRecord): LinkOutcome | undefined {
  if (job.state === 'EXPIRED') return { kind: 'expired', job };
  if (job.state === 'REVOKED') return { kind: 'revoked', job };
  if (job.state !== 'COMPLETE' && !LIVE_JOB_STATES.includes(job.state)) return { kind: 'unavailable', job };
  return undefined;
}

/** What a link leads to right now: `ready` when a passkey can still be bound with it. */
function resolveLink(context: SimContext, jobId: string, token: string): LinkOutcome {
  const job = jobForLink(context, jobId, token);
  const identity = job && context.store.identities.get(job.identity_id);
  if (!job || !identity) return { kind: 'unknown' };
  const refused = unusable(job);
  if (refused) return refused;
  // A suspended identity "is unable to generate passkeys": the link waits, untouched, until it is unsuspended.
  if (identity.status === 'suspended') return { kind: 'suspended', job };
  if (job.state === 'COMPLETE') return boundOutcome(context, job, identity);
  return { kind: 'ready', job, identity };
}

/** GET of the link: LINK_SENT → LINK_OPENED. */
export function openBindingLink(context: SimContext, jobId: string, token: string): LinkOutcome {
  const outcome = resolveLink(context, jobId, token);
  if (outcome.kind === 'ready' && outcome.job.state === 'LINK_SENT') {
    outcome.job.state = 'LINK_OPENED';
    outcome.job.update_time = context.store.now();
    context.store.changed();
  }
  return outcome;
}

/** The form's POST: binds a passkey once; a repeated submit reports the same credential. */
export function completeBinding(context: SimContext, jobId: string, token: string): LinkOutcome {
  const { store } = context;
  const outcome = resolveLink(context, jobId, token);
  if (outcome.kind !== 'ready') return outcome;
  const { job, identity } = outcome;
  const now = store.now();
  const credential = newPasskey(identity, now);
  store.credentials.set(credential.id, credential);
  job.state = 'COMPLETE';
  job.credential_id = credential.id;
  job.update_time = now;
  store.changed();
  return { kind: 'bound', job, identity, credential };
}

function boundOutcome(context: SimContext, job: JobRecord, identity: Identity): LinkOutcome {
  const credential = job.credential_id ? context.store.credentials.get(job.credential_id) : undefined;
  return credential ? { kind: 'bound', job, identity, credential } : { kind: 'unavailable', job };
}

/** A passkey's public half, as a real one is recorded: a P-256 JWK (as a JSON string) and its thumbprint. */
function newPasskey(identity: Identity, now: string): Credential {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const publicJwk = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return {
    id: newHexId(),
    identity_id: identity.id,
    realm_id: identity.realm_id,
    tenant_id: identity.tenant_id,
    state: 'ACTIVE',
    csr_type: 'WEBAUTHN',
    jwk_json: JSON.stringify(publicJwk),
    jwk_thumbprint: jwkThumbprint(jwk),
    create_time: now,
    update_time: now,
  };
}

/** Test hook (`/_sim`): end a live job now, as the clock would. */
export function expireJobNow(context: SimContext, job: JobRecord): void {
  if (!LIVE_JOB_STATES.includes(job.state)) return;
  job.state = 'EXPIRED';
  job.expire_time = context.store.now();
  job.update_time = job.expire_time;
  context.store.changed();
}
