/**
 * What the workflow behaviour tests check again and again: a person's state, the routing rule as
 * Okta has it, history events, and secrets in histories. Histories carry payloads (inputs,
 * results, signals, search attributes, summaries, failure details) base64-encoded, so a secret in
 * one would never show as a substring of the history's JSON: `historyText` decodes them first.
 */
import { request } from 'undici';
import * as commands from '../../src/cli/commands';
import type { Output, Session } from '../../src/cli/session';
import { integrationStatusQuery, personStatusQuery, type PersonState } from '../../src/workflows/definitions';
import type { ServiceHarness } from './service';
import { waitFor } from './wait';

export async function personState(harness: ServiceHarness, email: string): Promise<PersonState> {
  return harness.personHandle(email).query(personStatusQuery);
}

/** Waits until the person's `status` query satisfies `done`; fails with the last state seen. */
export async function waitForPerson(
  harness: ServiceHarness,
  email: string,
  done: (state: PersonState) => boolean,
  timeoutMs = 20_000,
): Promise<PersonState> {
  return waitFor(() => personState(harness, email), done, timeoutMs);
}

/**
 * `teardown --yes --wait` as the CLI runs it, watched by the integration's own state: waits until
 * its status query says TornDown, failing with the last state seen (NeedsAttention at the step that
 * was refused, say) rather than hanging until jest's timeout; then returns the command's exit code.
 */
export async function tearDown(
  harness: ServiceHarness,
  session: Session,
  output: Output,
  timeoutMs = 30_000,
): Promise<number> {
  const command = commands.teardown(session, output, true).then(
    (code) => ({ code }),
    (error: unknown) => ({ error }),
  );
  await waitFor(
    () => harness.client.workflow.getHandle(session.spec.integrationId).query(integrationStatusQuery),
    (state) => state.status === 'TornDown',
    timeoutMs,
    100,
  );
  const outcome = await command;
  if ('error' in outcome) throw outcome.error;
  return outcome.code;
}

/**
 * The emails Okta routes to the harness integration's IdP now: the users whose routing property
 * holds the integration's value, while its one rule (ATTRIBUTE, one EQUALS pattern) is active.
 * [] when there is no active rule. Fails if there is more than one rule of that name, or if the
 * rule has any other shape.
 */
export async function routedByOkta(
  harness: ServiceHarness,
  ruleName = harness.spec.routingRuleName,
): Promise<string[]> {
  const okta = await harness.oktaState();
  const rules = okta.rules.filter((rule) => rule.name === ruleName);
  if (rules.length > 1) throw new Error(`${rules.length} routing rules named "${ruleName}"`);
  const rule = rules[0];
  if (!rule || rule.status !== 'ACTIVE') return [];
  const { attribute, value } = harness.spec.routing;
  expect(rule.conditions.userIdentifier).toEqual({
    type: 'ATTRIBUTE',
    attribute,
    patterns: [{ matchType: 'EQUALS', value }],
  });
  return okta.users
    .filter((user) => user.profile[attribute] === value)
    .map((user) => user.profile.login)
    .sort();
}

/** The routing rule exactly as Okta holds it (to compare before and after more people are onboarded). */
export async function routingRuleAsStored(harness: ServiceHarness): Promise<unknown> {
  const okta = await harness.oktaState();
  return okta.rules.filter((rule) => rule.name === harness.spec.routingRuleName);
}

/** What both upstreams hold (the Okta rate-limit counters move with any read, so they are left out): to show a command wrote nothing. */
export async function heldByUpstreams(harness: ServiceHarness): Promise<unknown[]> {
  const { rateLimits: _counters, ...okta } = (await harness.oktaState()) as unknown as Record<string, unknown>;
  return [await harness.biState(), okta];
}

/** The custom properties of Okta's default user schema (names). */
export async function customProfileProperties(harness: ServiceHarness): Promise<string[]> {
  const schema = (await oktaApi(harness, 'GET', '/api/v1/meta/schemas/user/default')) as {
    definitions: { custom: { properties: Record<string, unknown> } };
  };
  return Object.keys(schema.definitions.custom.properties).sort();
}

/** A call to the Okta simulator's management API with its token, as an administrator would make it. */
export async function oktaApi(
  harness: ServiceHarness,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await request(`${harness.okta.url}${path}`, {
    method,
    headers: {
      authorization: `SSWS ${harness.okta.apiToken}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 400) throw new Error(`Okta ${method} ${path}: HTTP ${response.statusCode} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Expires a live binding job now (the BI simulator's test hook). */
export async function expireBindingJob(harness: ServiceHarness, jobId: string): Promise<void> {
  const response = await request(`${harness.bi.managementUrl}/_sim/binding-jobs/${encodeURIComponent(jobId)}/expire`, {
    method: 'POST',
  });
  const text = await response.body.text();
  if (response.statusCode >= 400) throw new Error(`expire ${jobId}: HTTP ${response.statusCode} ${text}`);
}

interface HistoryEvent {
  eventId?: string;
  eventType?: string;
  eventTime?: { seconds?: string; nanos?: number };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string };
}

export function historyEvents(json: string): HistoryEvent[] {
  return (JSON.parse(json) as { events?: HistoryEvent[] }).events ?? [];
}

/** An event's time in ms since the epoch (fractions kept). */
function eventMs(event: HistoryEvent): number {
  return Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
}

function activityType(event: HistoryEvent): string | undefined {
  return event.activityTaskScheduledEventAttributes?.activityType?.name;
}

/** When each activity of `type` was scheduled, in history order. */
export function scheduledAt(events: HistoryEvent[], type: string): number[] {
  return events
    .filter((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' && activityType(event) === type)
    .map(eventMs);
}

/** When each activity of `type` completed, in history order. */
export function completedAt(events: HistoryEvent[], type: string): number[] {
  const scheduled = new Set(events.filter((event) => activityType(event) === type).map((event) => event.eventId));
  return events
    .filter(
      (event) =>
        event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED' &&
        scheduled.has(event.activityTaskCompletedEventAttributes?.scheduledEventId),
    )
    .map(eventMs);
}

/** How many times each activity type was scheduled in one history. */
export function scheduledActivities(json: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of historyEvents(json)) {
    if (event.eventType !== 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED') continue;
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** The activity types in the order they were scheduled. */
export function activityOrder(json: string): string[] {
  return historyEvents(json)
    .filter((event) => event.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')
    .map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The history's JSON followed by every base64 string in it decoded (payload data and metadata). */
export function historyText(json: string): string {
  const decoded: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 4 && value.length % 4 === 0 && BASE64.test(value))
        decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      Object.values(value).forEach(visit);
    }
  };
  visit(JSON.parse(json));
  return `${json}\n${decoded.join('\n')}`;
}

/**
 * Every history of the harness's integration (people included), decoded, must contain none of
 * `secrets`; and must contain `mustContain` (proof that the payloads were really decoded).
 * Returns the number of histories scanned.
 */
export async function expectNoSecretsInHistories(
  harness: ServiceHarness,
  secrets: Iterable<string>,
  mustContain = harness.spec.realmName,
): Promise<number> {
  const all = [...new Set(secrets)].filter((secret) => secret.length >= 8);
  const histories = await harness.histories();
  const texts = histories.map(({ workflowId, json }) => ({ workflowId, text: historyText(json) }));
  expect(texts.some(({ text }) => text.includes(mustContain))).toBe(true);
  for (const { workflowId, text } of texts) {
    const found = all.filter((secret) => text.includes(secret));
    expect({ workflowId, found }).toEqual({ workflowId, found: [] });
  }
  return histories.length;
}
