/**
 * The System Log (docs/contracts/okta.md §13; spec `listLogEvents`, `LogEvent`): events written when
 * a user's lifecycle, profile or group memberships change, and `GET /api/v1/logs` in its two modes.
 * Polling (no `until`, ASCENDING): every event after the cursor in persistence order, and a `next`
 * link always, even on an empty page. Bounded (`until`, or DESCENDING): events published in
 * [since, until), `next` only while more remain. Cursors are opaque persistence sequence numbers.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pathOf } from '../shared/server';
import { queryOf, type OktaContext } from './context';
import { OktaApiError, validationFailed } from './errors';
import { newRequestId } from './ids';
import { setLinkHeaders } from './links';
import { parseLogFilter } from './log-filter';
import { SIM_ADMIN_USER_ID } from './oauth/principal';
import type { GroupRecord, OktaState, UserRecord } from './state';

type LogEventRecord = OktaState['logEvents'][number];

export type LogEventType =
  | 'group.user_membership.add'
  | 'group.user_membership.remove'
  | 'user.lifecycle.create'
  | 'user.lifecycle.activate'
  | 'user.lifecycle.deactivate'
  | 'user.lifecycle.suspend'
  | 'user.lifecycle.unsuspend'
  | 'user.lifecycle.reactivate'
  | 'user.lifecycle.delete.initiated'
  | 'user.lifecycle.delete.completed'
  | 'user.account.update_profile';

/** Display messages from Okta's event-type catalog; legacy types beyond the captured membership one are unverified. */
const EVENT_TYPES: Record<LogEventType, { displayMessage: string; legacyEventType: string }> = {
  'group.user_membership.add': {
    displayMessage: 'Add user to group membership',
    legacyEventType: 'core.user_group_member.user_add',
  },
  'group.user_membership.remove': {
    displayMessage: 'Remove user from group membership',
    legacyEventType: 'core.user_group_member.user_remove',
  },
  'user.lifecycle.create': {
    displayMessage: 'Create Okta user',
    legacyEventType: 'core.user.config.user_creation.success',
  },
  'user.lifecycle.activate': {
    displayMessage: 'Activate Okta user',
    legacyEventType: 'core.user.config.user_activated',
  },
  'user.lifecycle.deactivate': {
    displayMessage: 'Deactivate Okta user',
    legacyEventType: 'core.user.config.user_deactivated',
  },
  'user.lifecycle.suspend': {
    displayMessage: 'Suspend Okta user',
    legacyEventType: 'core.user.config.user_status.suspended',
  },
  'user.lifecycle.unsuspend': {
    displayMessage: 'Unsuspend Okta user',
    legacyEventType: 'core.user.config.user_status.unsuspended',
  },
  'user.lifecycle.reactivate': {
    displayMessage: 'Reactivate Okta user',
    legacyEventType: 'core.user.config.user_reactivated',
  },
  'user.lifecycle.delete.initiated': {
    displayMessage: 'Delete Okta user initiated',
    legacyEventType: 'core.user.config.user_deletion.initiated',
  },
  'user.lifecycle.delete.completed': {
    displayMessage: 'Delete Okta user completed',
    legacyEventType: 'core.user.config.user_deletion.completed',
  },
  'user.account.update_profile': {
    displayMessage: 'Update user profile for Okta',
    legacyEventType: 'core.user.config.profile_update.success',
  },
};

export interface LogTarget {
  id: string;
  type: 'User' | 'UserGroup';
  alternateId: string;
  displayName: string;
  changeDetails?: { from: Record<string, unknown>; to: Record<string, unknown> };
}

/** Who the console and API tokens act as (not one of the org's users). */
const ADMIN_ACTOR = {
  id: SIM_ADMIN_USER_ID,
  type: 'User',
  alternateId: 'admin@simulator.okta.test',
  displayName: 'Simulator Administrator',
};

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_SPAN_MS = 7 * DAY_MS;
const OLDEST_SINCE_MS = 180 * DAY_MS;
const MAX_KEYWORDS = 10;
const MAX_KEYWORD_LENGTH = 40;

export function userTarget(user: UserRecord): LogTarget {
  const { login, firstName, lastName } = user.profile;
  return {
    id: user.id,
    type: 'User',
    alternateId: String(login),
    displayName: [firstName, lastName].filter((part) => typeof part === 'string' && part !== '').join(' '),
  };
}

export function groupTarget(group: GroupRecord): LogTarget {
  // A captured event shows "unknown" as a group's alternateId (docs/contracts/okta.md §13).
  return { id: group.id, type: 'UserGroup', alternateId: 'unknown', displayName: group.profile.name };
}

/** The caller: an OAuth service app as `PublicClientApp`, anyone else (API token, `/_sim` console) as the administrator. */
function actorOf(context: OktaContext, request: FastifyRequest): Record<string, unknown> {
  const principal = request.oktaPrincipal;
  if (principal?.kind !== 'client') return ADMIN_ACTOR;
  const app = context.store.state.apps.find((candidate) => candidate.clientId === principal.clientId);
  return {
    id: principal.clientId,
    type: 'PublicClientApp',
    alternateId: principal.clientId,
    displayName: app?.label ?? principal.clientId,
  };
}

/** Appends one SUCCESS event for what `request` just did (the caller persists the state). */
export function writeLogEvent(
  context: OktaContext,
  request: FastifyRequest,
  eventType: LogEventType,
  targets: LogTarget[],
): void {
  const { store } = context;
  const event = {
    uuid: randomUUID(),
    published: new Date().toISOString(),
    eventType,
    version: '0',
    severity: 'INFO',
    ...EVENT_TYPES[eventType],
    actor: actorOf(context, request),
    client: { userAgent: { rawUserAgent: request.headers['user-agent'] ?? 'unknown' }, ipAddress: request.ip },
    outcome: { result: 'SUCCESS' },
    target: targets,
    transaction: { type: 'WEB', id: newRequestId(), detail: {} },
    debugContext: { debugData: { requestUri: pathOf(request) } },
  };
  store.appendLogEvent(event);
}

function encodeCursor(seq: number): string {
  return Buffer.from(`log:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^log:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** Okta's words for a date it cannot read (system-log-query docs). */
function parseDate(name: 'since' | 'until', value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const at = ISO_8601.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at))
    throw new OktaApiError(
      400,
      'E0000001',
      `Api validation failed: '${name}': The date format in your query is not recognized. Please enter dates using ISO8601 string format.`,
      [
        `${name}: The date format in your query is not recognized. Please enter dates using ISO8601 string format.`,
        `${name}: must be a valid date-time or empty.`,
      ],
    );
  return at;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 0 && limit <= MAX_LIMIT))
    throw validationFailed([{ field: 'limit', message: `The limit must be an integer between 0 and ${MAX_LIMIT}.` }]);
  return limit;
}

/** `q`: every keyword appears, ignoring case, somewhere in the event. */
function keywordPredicate(q: string | undefined): (event: Record<string, unknown>) => boolean {
  const keywords = (q ?? '').split(/\s+/).filter(Boolean);
  if (keywords.some((keyword) => keyword.length > MAX_KEYWORD_LENGTH))
    throw new OktaApiError(
      400,
      'E0000001',
      "Api validation failed: 'q': Freeform search cannot contain items longer than 40 characters. Please shorten the items in your search or use an advanced filter to query by specific fields.",
    );
  if (keywords.length > MAX_KEYWORDS)
    throw validationFailed([{ field: 'q', message: `At most ${MAX_KEYWORDS} keywords.` }]);
  const folded = keywords.map((keyword) => keyword.toLowerCase());
  return (event) => {
    const text = JSON.stringify(event).toLowerCase();
    return folded.every((keyword) => text.includes(keyword));
  };
}

export function registerSystemLogRoutes(app: FastifyInstance, context: OktaContext): void {
  app.get('/api/v1/logs', async (request, reply) => {
    const query = queryOf(request);
    const sortOrder = query.sortOrder ?? 'ASCENDING';
    if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING')
      throw validationFailed([{ field: 'sortOrder', message: 'sortOrder must be ASCENDING or DESCENDING.' }]);
    const now = Date.now();
    const until = parseDate('until', query.until);
    const since = parseDate('since', query.since) ?? (until ?? now) - DEFAULT_SPAN_MS;
    if (since < now - OLDEST_SINCE_MS)
      throw new OktaApiError(
        400,
        'E0000053',
        'Invalid parameter: The since parameter is over 180 days prior to the current day.',
      );
    if (until !== undefined && since > until)
      throw validationFailed([{ field: 'since', message: 'since must not be after until.' }]);
    const limit = parseLimit(query.limit);
    const filter = query.filter === undefined ? () => true : parseLogFilter(query.filter);
    const keywords = keywordPredicate(query.q);
    let afterSeq: number | undefined;
    if (query.after !== undefined && query.after !== '') {
      afterSeq = decodeCursor(query.after);
      if (afterSeq === undefined)
        throw validationFailed([{ field: 'after', message: 'The after cursor is not one this server issued.' }]);
    }
    const matches = (record: LogEventRecord) => filter(record.event) && keywords(record.event);
    const events = context.store.state.logEvents;
    const publishedAt = (record: LogEventRecord) => Date.parse(String(record.event.published));

    if (until === undefined && sortOrder === 'ASCENDING') {
      // Polling: events are appended in persistence order, so everything up to the newest seq seen
      // now has been looked at; the cursor moves there unless the page filled up first.
      const taken: LogEventRecord[] = [];
      let scannedTo = afterSeq ?? 0;
      for (const record of events) {
        if (record.seq <= scannedTo) continue;
        if (taken.length >= limit) break;
        scannedTo = record.seq;
        if (publishedAt(record) >= since && matches(record)) taken.push(record);
      }
      setLinkHeaders(reply, context.orgUrl(), request, encodeCursor(scannedTo));
      return taken.map((record) => record.event);
    }

    const end = until ?? now;
    const ordered = events.filter((record) => {
      const at = publishedAt(record);
      return at >= since && at < end && matches(record);
    });
    if (sortOrder === 'DESCENDING') ordered.reverse();
    const rest =
      afterSeq === undefined
        ? ordered
        : ordered.filter((record) => (sortOrder === 'ASCENDING' ? record.seq > afterSeq! : record.seq < afterSeq!));
    const taken = rest.slice(0, limit);
    const last = taken[taken.length - 1];
    setLinkHeaders(
      reply,
      context.orgUrl(),
      request,
      rest.length > taken.length && last ? encodeCursor(last.seq) : undefined,
    );
    return taken.map((record) => record.event);
  });
}
