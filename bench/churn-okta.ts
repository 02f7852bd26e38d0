/**
 * The churn run's Okta side (`--preset churn`, bench/churn.ts), through the Okta simulator's
 * console controls (`/_sim`: no rate limit, the administrator as actor) and, once at the end, its
 * System Log: the group's users imported as a directory brings them, the group, a member added or
 * removed (each writes the `group.user_membership.*` event the sync's fast path reads), and when
 * Okta wrote each of those events.
 */
import { request } from 'undici';
import { nextLink } from '../src/clients/okta/link-header';
import { mapLimit } from '../src/util/concurrency';

const CONCURRENCY = 8;
const BENCH_DIRECTORY = { type: 'ACTIVE_DIRECTORY', name: 'corp.bench.example' } as const;
/** At most this many pages of 1,000 events are read back. */
const MAX_LOG_PAGES = 20;

export type MembershipChange = 'join' | 'leave';

async function simCall(url: string, method: 'POST' | 'DELETE', body?: unknown): Promise<unknown> {
  const response = await request(url, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300)
    throw new Error(
      `the Okta simulator refused ${method} ${new URL(url).pathname}: HTTP ${response.statusCode} ${text.slice(0, 200)}`,
    );
  return text ? JSON.parse(text) : undefined;
}

/** Okta users as a directory import brings them (ACTIVE), their ids by email. */
export async function createOktaUsers(oktaUrl: string, emails: readonly string[]): Promise<Map<string, string>> {
  const ids = await mapLimit(emails, CONCURRENCY, async (email) => {
    const [local = email] = email.split('@');
    const user = (await simCall(`${oktaUrl}/_sim/users`, 'POST', {
      profile: { login: email, email, firstName: local, lastName: 'Churn' },
      source: BENCH_DIRECTORY,
    })) as { id: string };
    return user.id;
  });
  return new Map(emails.map((email, index) => [email, ids[index]!]));
}

/** A group (imported, as a directory brings it) of these users; its id. */
export async function createGroup(oktaUrl: string, name: string, memberIds: readonly string[]): Promise<string> {
  const group = (await simCall(`${oktaUrl}/_sim/groups`, 'POST', {
    profile: { name, description: 'the bench churn run' },
    members: memberIds,
  })) as { id: string };
  return group.id;
}

/** A member added or removed in the Admin Console. */
export async function changeMembership(
  oktaUrl: string,
  groupId: string,
  userId: string,
  change: MembershipChange,
): Promise<void> {
  if (change === 'join') await simCall(`${oktaUrl}/_sim/groups/${groupId}/members`, 'POST', { userId });
  else await simCall(`${oktaUrl}/_sim/groups/${groupId}/members/${userId}`, 'DELETE');
}

const MEMBERSHIP_EVENTS: Record<string, MembershipChange> = {
  'group.user_membership.add': 'join',
  'group.user_membership.remove': 'leave',
};

/**
 * When Okta wrote each membership event of the group since `since` (ms), keyed `join:<userId>` /
 * `leave:<userId>` (the latest of each): the System Log read in bounded mode with the API token.
 */
export async function membershipEvents(
  okta: { url: string; apiToken: string },
  groupId: string,
  since: number,
): Promise<Map<string, number>> {
  const published = new Map<string, number>();
  const query = new URLSearchParams({
    since: new Date(since).toISOString(),
    until: new Date(Date.now() + 1_000).toISOString(),
    filter: `target.id eq "${groupId}"`,
    limit: '1000',
  });
  let url: string | undefined = `${okta.url}/api/v1/logs?${query}`;
  for (let page = 0; url && page < MAX_LOG_PAGES; page++) {
    const response = await request(url, {
      headers: { authorization: `SSWS ${okta.apiToken}`, accept: 'application/json' },
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`GET /api/v1/logs answered HTTP ${response.statusCode}`);
    }
    const events = (await response.body.json()) as {
      eventType: string;
      published: string;
      target?: { id: string; type: string }[];
    }[];
    for (const event of events) {
      const change = MEMBERSHIP_EVENTS[event.eventType];
      const user = event.target?.find((target) => target.type === 'User');
      if (change && user) published.set(`${change}:${user.id}`, Date.parse(event.published));
    }
    url = nextLink(response.headers);
  }
  return published;
}
