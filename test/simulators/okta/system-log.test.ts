/**
 * The System Log (docs/contracts/okta.md §13): events written for membership, lifecycle and profile
 * changes, with their targets and actor; polling (a `next` link always, only newer events on
 * re-poll, nothing twice); filters; bounded queries; the errors; the scope and roles it needs;
 * its rate-limit bucket; persistence across a restart; responses against the published spec.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningOktaSimulator } from '../../../dev/simulators/okta';
import { describeWithSpec, OpenApiValidator } from '../../support/openapi';
import { acrossRestart, callWith, makeKey, obtainToken, setUpServiceApp } from './oauth-support';
import {
  expectOktaError,
  OktaClient,
  parseLinks,
  startSimulator,
  useSimulator,
  userBody,
  type Exchange,
} from './support';

interface LogTarget {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  changeDetails?: { from: Record<string, unknown>; to: Record<string, unknown> };
}
interface LogEvent {
  uuid: string;
  published: string;
  eventType: string;
  displayMessage: string;
  actor: { id: string; type: string; alternateId: string; displayName: string };
  outcome: { result: string };
  target: LogTarget[];
}
interface User {
  id: string;
}

const withPassword = (login: string) => ({ ...userBody(login), credentials: { password: { value: 'Passw0rd!x' } } });
const logsPath = (query: Record<string, string>) => `/api/v1/logs?${new URLSearchParams(query).toString()}`;
/** [eventType, target type:id, …] for comparing events without their timestamps and ids. */
const summary = (event: LogEvent) => [event.eventType, ...event.target.map((target) => `${target.type}:${target.id}`)];

/** Polls from `url` (a `next` link or a path) once; answers the events and the next link, which must be there. */
async function poll(okta: OktaClient, url: string): Promise<{ events: LogEvent[]; next: string }> {
  const answer = await okta.call('GET', url);
  expect(answer.status).toBe(200);
  const next = parseLinks(answer.headers.link).next;
  expect(next).toEqual(expect.stringContaining('/api/v1/logs?'));
  return { events: answer.body as LogEvent[], next: next! };
}

/** Polls from `url` until a page comes back empty; answers every event seen and the cursor to poll next. */
async function drain(okta: OktaClient, url: string): Promise<{ events: LogEvent[]; next: string }> {
  const events: LogEvent[] = [];
  let next = url;
  for (;;) {
    const page = await poll(okta, next);
    next = page.next;
    if (page.events.length === 0) return { events, next };
    events.push(...page.events);
  }
}

describe('Okta simulator: System Log', () => {
  const t = useSimulator({ rateLimits: { logs: 1000, other: 1000, windowSeconds: 3600 } });
  let since: string;
  beforeAll(() => {
    since = new Date(Date.now() - 1000).toISOString();
  });

  it('writes an event for each membership, lifecycle and profile change, naming its targets and the caller', async () => {
    const start = await poll(t.okta, logsPath({ since }));
    const group = await t.okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Logged group' } });
    const user = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword('logged@example.org'));
    await t.okta.expect(204, 'PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
    await t.okta.expect(204, 'PUT', `/api/v1/groups/${group.id}/users/${user.id}`); // already a member: no event
    await t.okta.ok('POST', `/api/v1/users/${user.id}`, { profile: { firstName: 'Renamed' } });
    await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/suspend`);
    await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/unsuspend`);
    await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/deactivate`);
    await t.okta.call('POST', `/api/v1/users/${user.id}/lifecycle/activate`);
    await t.okta.expect(204, 'DELETE', `/api/v1/groups/${group.id}/users/${user.id}`);
    await t.okta.expect(204, 'POST', `/_sim/groups/${group.id}/members`, { userId: 'logged@example.org' });
    await t.okta.expect(204, 'DELETE', `/_sim/groups/${group.id}/members/${user.id}`);
    await t.okta.call('POST', `/_sim/users/${user.id}/lifecycle/suspend`);
    await t.okta.call('DELETE', `/api/v1/users/${user.id}`);
    await t.okta.call('DELETE', `/api/v1/users/${user.id}`);
    const staged = await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('logged.staged@example.org'));
    await t.okta.ok('POST', `/api/v1/users/${staged.id}/lifecycle/activate`);
    await t.okta.ok('POST', `/api/v1/users/${staged.id}/lifecycle/reactivate`);

    const { events } = await poll(t.okta, start.next);
    const u = `User:${user.id}`;
    const g = `UserGroup:${group.id}`;
    const s = `User:${staged.id}`;
    expect(events.map(summary)).toEqual([
      ['user.lifecycle.create', u],
      ['user.lifecycle.activate', u],
      ['group.user_membership.add', u, g],
      ['user.account.update_profile', u],
      ['user.lifecycle.suspend', u],
      ['user.lifecycle.unsuspend', u],
      ['user.lifecycle.deactivate', u],
      ['user.lifecycle.activate', u],
      ['group.user_membership.remove', u, g],
      ['group.user_membership.add', u, g],
      ['group.user_membership.remove', u, g],
      ['user.lifecycle.suspend', u],
      ['user.lifecycle.deactivate', u],
      ['user.lifecycle.delete.initiated', u],
      ['user.lifecycle.delete.completed', u],
      ['user.lifecycle.create', s],
      ['user.lifecycle.activate', s],
      ['user.lifecycle.reactivate', s],
    ]);
    const membership = events[2]!;
    expect(membership).toMatchObject({
      displayMessage: 'Add user to group membership',
      outcome: { result: 'SUCCESS' },
      actor: { type: 'User', id: expect.stringMatching(/^00u/) },
      target: [
        { type: 'User', id: user.id, alternateId: 'logged@example.org', displayName: 'Bi Tester' },
        { type: 'UserGroup', id: group.id, displayName: 'Logged group' },
      ],
    });
    expect(events[3]!.target[0]!.changeDetails).toEqual({ from: { firstName: 'Bi' }, to: { firstName: 'Renamed' } });
    expect(new Set(events.map((event) => event.uuid)).size).toBe(events.length);
  });

  it('polls: a next link always, even with nothing new; a re-poll returns only newer events, none twice', async () => {
    // Catch up first, a page of 2 at a time: each page's next link carries on where it stopped.
    const caughtUp = await drain(t.okta, logsPath({ since, limit: '2' }));
    const seen = caughtUp.events.map((event) => event.uuid);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(10);

    const empty = await poll(t.okta, caughtUp.next);
    expect(empty.events).toEqual([]);
    const again = await poll(t.okta, empty.next);
    expect(again.events).toEqual([]);

    const group = await t.okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Polled group' } });
    const user = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword('polled@example.org'));
    await t.okta.expect(204, 'PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
    // The link keeps limit=2: the three come in two pages, then an empty one.
    const fresh = await drain(t.okta, again.next);
    expect(fresh.events.map(summary)).toEqual([
      ['user.lifecycle.create', `User:${user.id}`],
      ['user.lifecycle.activate', `User:${user.id}`],
      ['group.user_membership.add', `User:${user.id}`, `UserGroup:${group.id}`],
    ]);
    expect(fresh.events.some((event) => seen.includes(event.uuid))).toBe(false);
    expect((await poll(t.okta, fresh.next)).events).toEqual([]);
    // The older cursor still reads from where it was: the same three.
    expect((await drain(t.okta, again.next)).events.map((event) => event.uuid)).toEqual(
      fresh.events.map((event) => event.uuid),
    );
  });

  it('filters by eventType and target.id, joined with and/or, and keeps the filter in the next link', async () => {
    const group = await t.okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Filtered group' } });
    const other = await t.okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Other group' } });
    const ann = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword('ann@example.org'));
    const ben = await t.okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword('ben@example.org'));
    for (const user of [ann, ben]) {
      await t.okta.expect(204, 'PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
      await t.okta.expect(204, 'PUT', `/api/v1/groups/${other.id}/users/${user.id}`);
    }
    await t.okta.expect(204, 'DELETE', `/api/v1/groups/${group.id}/users/${ben.id}`);
    await t.okta.call('POST', `/api/v1/users/${ann.id}/lifecycle/deactivate`);

    const inGroup = `target.id eq "${group.id}" and (eventType eq "group.user_membership.add" or eventType eq "group.user_membership.remove")`;
    const first = await poll(t.okta, logsPath({ since, filter: inGroup }));
    expect(first.events.map(summary)).toEqual([
      ['group.user_membership.add', `User:${ann.id}`, `UserGroup:${group.id}`],
      ['group.user_membership.add', `User:${ben.id}`, `UserGroup:${group.id}`],
      ['group.user_membership.remove', `User:${ben.id}`, `UserGroup:${group.id}`],
    ]);
    expect(new URL(first.next).searchParams.get('filter')).toBe(inGroup);

    const annLifecycle = await poll(
      t.okta,
      logsPath({ since, filter: `eventType sw "user.lifecycle." and target.id eq "${ann.id}"` }),
    );
    expect(annLifecycle.events.map((event) => event.eventType)).toEqual([
      'user.lifecycle.create',
      'user.lifecycle.activate',
      'user.lifecycle.deactivate',
    ]);
    const byType = await poll(t.okta, logsPath({ since, filter: 'eventType eq "group.user_membership.remove"' }));
    expect(byType.events.every((event) => event.eventType === 'group.user_membership.remove')).toBe(true);
    expect(byType.events.length).toBeGreaterThan(0);
  });

  it('bounded by since and until: pages in published order, the last page without a next link; DESCENDING reversed', async () => {
    const from = new Date().toISOString();
    const created: string[] = [];
    for (const login of ['b1@example.org', 'b2@example.org', 'b3@example.org'])
      created.push((await t.okta.ok<User>('POST', '/api/v1/users?activate=false', userBody(login))).id);
    const until = new Date(Date.now() + 1000).toISOString();
    const filter = 'eventType eq "user.lifecycle.create"';
    const ids: string[] = [];
    let url: string | undefined = logsPath({ since: from, until, filter, limit: '2' });
    let pages = 0;
    while (url !== undefined) {
      const answer = await t.okta.call('GET', url);
      expect(answer.status).toBe(200);
      ids.push(...(answer.body as LogEvent[]).map((event) => event.target[0]!.id));
      url = parseLinks(answer.headers.link).next;
      pages += 1;
    }
    expect({ ids, pages }).toEqual({ ids: created, pages: 2 });

    const descending = await t.okta.ok<LogEvent[]>(
      'GET',
      logsPath({ since: from, until, filter, sortOrder: 'DESCENDING' }),
    );
    expect(descending.map((event) => event.target[0]!.id)).toEqual([...created].reverse());
    const none = await t.okta.call('GET', logsPath({ since: from, until: from, filter }));
    expect({ body: none.body, next: parseLinks(none.headers.link).next }).toEqual({ body: [], next: undefined });
  });

  it('refuses bad dates, filters, limits and cursors with the errors of §13', async () => {
    const bad = async (query: Record<string, string>, status: number, code: string) =>
      expectOktaError(await t.okta.call('GET', logsPath(query)), status, code);
    expect((await bad({ since: 'yesterday' }, 400, 'E0000001')).errorSummary).toMatch(/'since'.*ISO8601/);
    await bad({ since, until: '2026-13-45T00:00:00Z' }, 400, 'E0000001');
    const old = new Date(Date.now() - 181 * 24 * 3600 * 1000).toISOString();
    expect((await bad({ since: old }, 400, 'E0000053')).errorSummary).toMatch(/over 180 days/);
    expect((await bad({ filter: 'eventType eqq "x"' }, 400, 'E0000053')).errorSummary).toMatch(
      /Unrecognized attribute operator 'eqq'/,
    );
    expect((await bad({ filter: 'colour eq "red"' }, 400, 'E0000053')).errorSummary).toBe('field is not valid: colour');
    await bad({ filter: 'eventType eq "x" and' }, 400, 'E0000053');
    await bad({ filter: 'eventType eq unquoted' }, 400, 'E0000053');
    expect((await bad({ filter: 'published gt "2026-01-01T00:00:00Z"' }, 400, 'E0000031')).errorSummary).toMatch(
      /Operator: gt, Field: published/,
    );
    await bad({ filter: 'eventType lt "user"' }, 400, 'E0000031');
    await bad({ limit: '1001' }, 400, 'E0000001');
    await bad({ limit: '-1' }, 400, 'E0000001');
    await bad({ after: 'not-a-cursor' }, 400, 'E0000001');
    await bad({ sortOrder: 'SIDEWAYS' }, 400, 'E0000001');
    const zero = await poll(t.okta, logsPath({ since, limit: '0' }));
    expect(zero.events).toEqual([]);
  });

  it('needs okta.logs.read, and a role that reads the log (REPORT_ADMIN, READ_ONLY_ADMIN)', async () => {
    const key = await makeKey('ES256', 'logs-key');
    const usersOnly = await setUpServiceApp(t.okta, 'no log scope', [key], {
      scopes: ['okta.users.read'],
      roles: ['SUPER_ADMIN'],
    });
    const refused = await callWith(
      t.okta,
      await obtainToken(t.sim, usersOnly, key, 'okta.users.read'),
      'GET',
      '/api/v1/logs',
    );
    expect(refused.status).toBe(403);
    expect(String(refused.headers['www-authenticate'])).toContain('scope="okta.logs.read"');

    const expectations: [string, number][] = [
      ['REPORT_ADMIN', 200],
      ['READ_ONLY_ADMIN', 200],
      ['USER_ADMIN', 403],
    ];
    for (const [role, status] of expectations) {
      const app = await setUpServiceApp(t.okta, `logs ${role}`, [key], { scopes: ['okta.logs.read'], roles: [role] });
      const token = await obtainToken(t.sim, app, key, 'okta.logs.read');
      const answer = await callWith(t.okta, token, 'GET', logsPath({ since }));
      expect([role, answer.status]).toEqual([role, status]);
      if (status === 403) expectOktaError(answer, 403, 'E0000006');
    }

    // A change made by a service app names the app as its actor.
    const manager = await setUpServiceApp(t.okta, 'log writer', [key], {
      scopes: ['okta.users.manage'],
      roles: ['USER_ADMIN'],
    });
    const token = await obtainToken(t.sim, manager, key, 'okta.users.manage');
    const made = await callWith(t.okta, token, 'POST', '/api/v1/users?activate=false', {
      body: userBody('by.app@example.org'),
    });
    const events = await t.okta.ok<LogEvent[]>(
      'GET',
      logsPath({ since, filter: `target.id eq "${(made.body as User).id}"` }),
    );
    expect(events.map((event) => event.actor)).toEqual([
      { id: manager.clientId, type: 'PublicClientApp', alternateId: manager.clientId, displayName: 'log writer' },
    ]);
  });

  it('counts in a bucket of its own', async () => {
    const answer = await t.okta.call('GET', logsPath({ since }));
    expect(answer.headers['x-rate-limit-limit']).toBe('1000');
    const state = await t.okta.ok<{
      rateLimits: { totals: { bucket: string; counted: number }[] };
      logEventCount: number;
    }>('GET', '/_sim/state');
    expect(state.rateLimits.totals.find((total) => total.bucket === 'logs')!.counted).toBeGreaterThan(0);
    expect(state.logEventCount).toBeGreaterThan(0);
  });
});

describe('Okta simulator: System Log across a restart', () => {
  it('keeps the events and the polling cursor in the state file', async () => {
    const text = await acrossRestart(
      async (sim) => {
        const okta = new OktaClient(sim);
        const first = await poll(okta, '/api/v1/logs');
        const user = await okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('kept@example.org'));
        const seen = await poll(okta, first.next);
        expect(seen.events.map(summary)).toEqual([['user.lifecycle.create', `User:${user.id}`]]);
        return { next: new URL(seen.next).pathname + new URL(seen.next).search, userId: user.id };
      },
      async (sim, { next, userId }) => {
        const okta = new OktaClient(sim);
        await okta.call('POST', `/api/v1/users/${userId}/lifecycle/deactivate`);
        // The cursor from before the restart goes on from where it was: only the new event.
        expect((await poll(okta, next)).events.map(summary)).toEqual([['user.lifecycle.deactivate', `User:${userId}`]]);
        expect((await okta.ok<LogEvent[]>('GET', '/api/v1/logs')).map((event) => event.eventType)).toEqual([
          'user.lifecycle.create',
          'user.lifecycle.deactivate',
        ]);
      },
    );
    // The events live in a file of their own (appended), not in the state file rewritten on each change.
    expect(JSON.parse(text).logEvents).toEqual([]);
  });
});

describe('Okta simulator: System Log file', () => {
  it('skips a line cut short by a kill, and numbers new events past the newest kept one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okta-log-'));
    const stateFile = join(dir, 'okta.json');
    try {
      const before = await startSimulator({ stateFile });
      const first = new OktaClient(before);
      await first.ok('POST', '/api/v1/users?activate=false', userBody('torn.one@example.org'));
      const { next } = await drain(first, '/api/v1/logs');
      await before.stop();
      // A kill mid-append leaves half a line; the state file's counter may lag the log's too.
      appendFileSync(`${stateFile}.events.jsonl`, '{"seq":99,"event":{"uu');
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { nextSeq: number };
      writeFileSync(stateFile, JSON.stringify({ ...state, nextSeq: 1 }));

      const after = await startSimulator({ stateFile });
      try {
        const okta = new OktaClient(after);
        const user = await okta.ok<User>('POST', '/api/v1/users?activate=false', userBody('torn.two@example.org'));
        const cursor = `/api/v1/logs${new URL(next).search}`;
        expect((await drain(okta, cursor)).events.map(summary)).toEqual([['user.lifecycle.create', `User:${user.id}`]]);
        expect((await okta.ok<LogEvent[]>('GET', '/api/v1/logs')).length).toBe(2);
      } finally {
        await after.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithSpec(
  'okta-management',
  'Okta simulator: System Log and lifecycle responses against the published spec',
  () => {
    let sim: RunningOktaSimulator;
    let okta: OktaClient;
    beforeAll(async () => {
      sim = await startSimulator();
      okta = new OktaClient(sim);
    });
    afterAll(async () => {
      await sim.stop();
    });

    it('validates every response kind', async () => {
      const group = await okta.ok<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Spec log group' } });
      const user = await okta.ok<User>('POST', '/api/v1/users?activate=true', withPassword('spec.log@example.org'));
      const staged = await okta.ok<User>(
        'POST',
        '/api/v1/users?activate=false',
        userBody('spec.log.staged@example.org'),
      );
      await okta.call('PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
      await okta.call('POST', `/api/v1/users/${user.id}`, { body: { profile: { nickName: 'Spec' } } });
      await okta.call('POST', `/api/v1/users/${user.id}/lifecycle/suspend`);
      await okta.call('POST', `/api/v1/users/${user.id}/lifecycle/suspend`); // 400
      await okta.call('POST', `/api/v1/users/${user.id}/lifecycle/unsuspend`);
      await okta.call('POST', `/api/v1/users/${user.id}/lifecycle/unsuspend`); // 400
      await okta.call('POST', `/api/v1/users/${user.id}/lifecycle/reactivate`); // 403
      await okta.call('POST', `/api/v1/users/${staged.id}/lifecycle/activate`);
      await okta.call('POST', `/api/v1/users/${staged.id}/lifecycle/reactivate?sendEmail=false`);
      await okta.call('POST', `/api/v1/users/${staged.id}/lifecycle/activate`); // 403
      await okta.call('DELETE', `/api/v1/groups/${group.id}/users/${user.id}`);
      await okta.call('DELETE', `/api/v1/groups/${group.id}/users/00uNoSuchUser00000000`); // 404
      await okta.call('GET', '/api/v1/logs');
      await okta.call('GET', '/api/v1/logs?limit=2&sortOrder=DESCENDING');
      await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('eventType eq "user.lifecycle.suspend"')}`);
      await okta.call('GET', '/api/v1/logs?since=nonsense'); // 400
      await okta.call('GET', `/api/v1/logs?filter=${encodeURIComponent('published gt "x"')}`); // 400

      const validator = new OpenApiValidator('okta-management');
      const apiExchanges = okta.exchanges.filter((exchange: Exchange) => exchange.path.startsWith('/api/v1/'));
      expect([...new Set(apiExchanges.map((exchange) => exchange.status))].sort()).toEqual([200, 204, 400, 403, 404]);
      const logs = apiExchanges.filter((exchange) => exchange.path === '/api/v1/logs' && exchange.status === 200);
      expect(logs.every((exchange) => (exchange.body as unknown[]).length > 0)).toBe(true);
      const problems: string[] = [];
      for (const exchange of apiExchanges) {
        const check = validator.check(exchange.method, exchange.path, exchange.status, exchange.body);
        if (check.errors.length > 0)
          problems.push(
            `${exchange.method} ${exchange.path} ${exchange.status} (${check.response}): ${check.errors.join('; ')}`,
          );
      }
      expect(problems).toEqual([]);
    });
  },
);
