/**
 * Identities: create (409 on a username taken case-insensitively), list with the one documented
 * filter `traits.username eq "<v>"`, get, patch (also `status`: active | suspended), delete (with the
 * identity's jobs and credentials), and `identities:batchDelete` (all or nothing).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Params, Query, SimContext } from '../context';
import { apiErrors } from '../flavour';
import { newHexId } from '../ids';
import type { Identity, Traits } from '../model';
import { pageOf, readPageRequest, SMALL_PAGES } from '../paging';
import { isObject, readWrapped, safeName, withoutNulls } from '../validation';
import { requireScope } from './auth';
import { emptyOk, IDENTITY_PATH, listBody, REALM_PATH } from './common';

// The optional string traits of Traits_v0 in the spec; others are ignored like any unknown field.
const OPTIONAL_TRAITS = [
  'secondary_email_address',
  'external_id',
  'family_name',
  'given_name',
  'formatted_name',
  'middle_name',
  'honorific_prefix',
  'honorific_suffix',
  'nick_name',
  'title',
  'primary_phone',
  'secondary_phone',
  'profile_url',
  'photo',
  'preferred_language',
  'locale',
  'timezone',
  'formatted_address',
  'street_address',
  'locality',
  'region',
  'postal_code',
  'country',
  'user_type',
  'employee_number',
  'cost_center',
  'organization',
  'division',
  'department',
  'manager_id',
  'manager_name',
] as const;

const email = z.string().refine((value) => value === '' || /^[^@\s]+@[^@\s]+$/.test(value), 'invalid value');
const optionalTraits = Object.fromEntries(OPTIONAL_TRAITS.map((name) => [name, z.string().optional()]));
const traitsFields = { ...optionalTraits, primary_email_address: email.optional() };
const traitsInput = z.object({ type: z.literal('traits_v0'), username: safeName(), ...traitsFields });
// On update, `type` is still required on every write; the other traits are merged.
const traitsPatch = z.object({ type: z.literal('traits_v0'), username: safeName().optional(), ...traitsFields });
const status = z.enum(['active', 'suspended']);
const createIdentity = z.object({ display_name: safeName(), status: status.optional(), traits: traitsInput });
const updateIdentity = z.object({
  display_name: safeName().optional(),
  status: status.optional(),
  traits: traitsPatch.optional(),
});

// Not wrapped under a singular key, unlike every other body (spec: BatchDeleteIdentities).
const batchDelete = z.object({ ids: z.array(z.string().min(1)).min(1).max(1000) });

const USERNAME_FILTER = /^\s*traits\.username\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i;

/** The normalised filter and the username it asks for; anything else is a 400 (docs/contracts/beyond-identity.md §5: only this filter). */
function parseFilter(raw: unknown): { filter: string; username: string } | undefined {
  if (raw === undefined || raw === '') return undefined;
  const quoted = typeof raw === 'string' ? USERNAME_FILTER.exec(raw)?.[1] : undefined;
  let username: unknown;
  try {
    username = quoted === undefined ? undefined : JSON.parse(quoted);
  } catch {
    username = undefined;
  }
  if (typeof username !== 'string')
    throw apiErrors.invalidParameters([{ field: 'filter', description: 'invalid filter' }]);
  return { filter: `traits.username eq ${JSON.stringify(username)}`, username };
}

function compactTraits(traits: Record<string, string | undefined>): Traits {
  const entries = Object.entries(traits).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
  );
  return Object.fromEntries(entries) as Traits;
}

function readBatchDelete(body: unknown): string[] {
  if (!isObject(body)) throw apiErrors.invalidRequest();
  const result = batchDelete.safeParse(withoutNulls(body));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const description = body.ids === undefined || body.ids === null ? 'missing' : batchIssue(issue);
    throw apiErrors.invalidParameters([{ field: ['ids', ...issue.path.slice(1).map(String)].join('.'), description }]);
  }
  const repeated = result.data.ids.filter((id, index, ids) => ids.indexOf(id) !== index);
  if (repeated.length > 0)
    throw apiErrors.invalidParameters([
      { field: 'ids', description: `repeated ids: ${[...new Set(repeated)].join(', ')}` },
    ]);
  return result.data.ids;
}

function batchIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small') return issue.origin === 'array' ? 'too few items' : 'empty string';
  if (issue.code === 'too_big') return 'too many items';
  return 'invalid type';
}

export function registerIdentityRoutes(app: FastifyInstance, context: SimContext): void {
  const { store } = context;

  app.post(`${REALM_PATH}/identities`, { preHandler: requireScope(context, 'identities:create') }, async (request) => {
    const input = readWrapped(request.body, 'identity', createIdentity);
    const realm = store.getRealm((request.params as Params).realmId!);
    if (store.usernameTaken(realm.id, input.traits.username)) throw apiErrors.conflict('username already exists');
    const now = store.now();
    const identity: Identity = {
      id: newHexId(),
      realm_id: realm.id,
      tenant_id: store.tenant.id,
      display_name: input.display_name,
      status: input.status ?? 'active',
      traits: compactTraits(input.traits),
      create_time: now,
      update_time: now,
    };
    store.identities.set(identity.id, identity);
    store.changed();
    return store.presentIdentity(identity);
  });

  app.get(`${REALM_PATH}/identities`, { preHandler: requireScope(context, 'identities:read') }, async (request) => {
    const query = request.query as Query;
    const realm = store.getRealm((request.params as Params).realmId!);
    const requested = parseFilter(query.filter);
    const paging = readPageRequest(query, SMALL_PAGES, `identities:${realm.id}`, requested?.filter);
    const wanted = paging.filter === '' ? undefined : parseFilter(paging.filter)?.username.toLowerCase();
    const matches = store
      .inRealm(store.identities, realm.id)
      .filter((identity) => wanted === undefined || identity.traits.username.toLowerCase() === wanted);
    const page = pageOf(matches, paging);
    return listBody('identities', { ...page, items: page.items.map((identity) => store.presentIdentity(identity)) });
  });

  app.get(IDENTITY_PATH, { preHandler: requireScope(context, 'identities:read') }, async (request) => {
    const params = request.params as Params;
    return store.presentIdentity(store.getIdentity(params.realmId!, params.identityId!));
  });

  app.patch(IDENTITY_PATH, { preHandler: requireScope(context, 'identities:update') }, async (request) => {
    const input = readWrapped(request.body, 'identity', updateIdentity);
    const params = request.params as Params;
    const identity = store.getIdentity(params.realmId!, params.identityId!);
    // Absent traits stay as they are; an empty string clears one.
    const changes = Object.fromEntries(Object.entries(input.traits ?? {}).filter(([, value]) => value !== undefined));
    const traits = compactTraits({ ...identity.traits, ...changes });
    if (store.usernameTaken(identity.realm_id, traits.username, identity.id))
      throw apiErrors.conflict('username already exists');
    identity.traits = traits;
    if (input.display_name !== undefined) identity.display_name = input.display_name;
    if (input.status !== undefined) identity.status = input.status;
    identity.update_time = store.now();
    store.changed();
    return store.presentIdentity(identity);
  });

  function deleteIdentity(identity: Identity): void {
    for (const job of store.jobsOf(identity.id)) store.jobs.delete(job.id);
    for (const credential of [...store.credentials.values()])
      if (credential.identity_id === identity.id) store.credentials.delete(credential.id);
    store.identities.delete(identity.id);
  }

  app.delete(IDENTITY_PATH, { preHandler: requireScope(context, 'identities:delete') }, async (request, reply) => {
    const params = request.params as Params;
    deleteIdentity(store.getIdentity(params.realmId!, params.identityId!));
    store.changed();
    return emptyOk(reply);
  });

  // `::` is find-my-way's literal colon. Every id is checked before any is deleted: all or none.
  app.post(
    `${REALM_PATH}/identities::batchDelete`,
    { preHandler: requireScope(context, 'identities:delete') },
    async (request, reply) => {
      const ids = readBatchDelete(request.body);
      const realm = store.getRealm((request.params as Params).realmId!);
      const found = ids.map((id) => store.identities.get(id));
      const missing = ids.filter((id, index) => found[index]?.realm_id !== realm.id);
      if (missing.length > 0) throw apiErrors.batchNotFound('Identity', missing, 'identities');
      for (const identity of found) deleteIdentity(identity!);
      store.changed();
      return emptyOk(reply);
    },
  );
}
