/**
 * What one workflow history tells about where time went: its size, how it closed (and the result
 * it closed with), and for each activity and workflow task how long it waited for a worker
 * (schedule-to-start) and how long it ran (start-to-close), with its attempts and, once
 * completed, its result (which of several looks of the same activity type routed the person).
 */
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ActivityTiming {
  type: string;
  scheduledAt: number;
  startedAt?: number;
  closedAt?: number;
  scheduleToStartMs?: number;
  startToCloseMs?: number;
  attempts: number;
  outcome: 'completed' | 'failed' | 'timed-out' | 'cancelled' | 'open';
  /** What a completed activity returned (decoded). */
  result?: unknown;
}

export interface HistoryFacts {
  events: number;
  /** When the server recorded WorkflowExecutionStarted. */
  createdAt?: number;
  bytes: number;
  /** RUNNING, or how it closed: COMPLETED, FAILED, TIMED_OUT, TERMINATED, CANCELED, CONTINUED_AS_NEW. */
  execution: string;
  result?: unknown;
  activities: ActivityTiming[];
  workflowTasks: { scheduleToStartMs: number; startToCloseMs?: number }[];
  signals: number;
  /** Signals this workflow sent to another: initiated → delivered (the workflow waits that long when it awaits one). */
  externalSignalMs: number[];
}

const CLOSE_EVENTS: Record<number, string> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: 'COMPLETED',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: 'FAILED',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: 'TIMED_OUT',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: 'TERMINATED',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: 'CANCELED',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW]: 'CONTINUED_AS_NEW',
};

const id = (value: unknown): string => String(value ?? '');
const at = (event: HistoryEvent): number => tsToMs(event.eventTime);

/** Results as stored are encrypted (the bench runs with a codec key): decoded here, keyed by the stored payload. */
export type DecodedPayloads = Map<object, Payload>;

/** Decodes the payloads historyFacts reads (activity and workflow results) through the client's codecs. */
export async function decodeResults(
  history: temporal.api.history.v1.IHistory,
  codecs: readonly PayloadCodec[],
): Promise<DecodedPayloads> {
  const decoded: DecodedPayloads = new Map();
  for (const event of history.events ?? []) {
    const stored = (event.activityTaskCompletedEventAttributes ?? event.workflowExecutionCompletedEventAttributes)
      ?.result?.payloads?.[0];
    if (!stored) continue;
    let payloads = [stored as Payload];
    for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
    decoded.set(stored, payloads[0]!);
  }
  return decoded;
}

export function historyFacts(
  history: temporal.api.history.v1.IHistory,
  decoded: DecodedPayloads = new Map(),
): HistoryFacts {
  const events = history.events ?? [];
  const activities = new Map<string, ActivityTiming>();
  const tasks = new Map<string, { scheduledAt: number; startedAt?: number; closedAt?: number }>();
  let signals = 0;
  const outgoing = new Map<string, number>();
  const externalSignalMs: number[] = [];
  let execution = 'RUNNING';
  let result: unknown;
  for (const event of events) {
    const type = event.eventType ?? 0;
    switch (type) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        activities.set(id(event.eventId), {
          type: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
          scheduledAt: at(event),
          attempts: 0,
          outcome: 'open',
        });
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const attributes = event.activityTaskStartedEventAttributes;
        const activity = activities.get(id(attributes?.scheduledEventId));
        if (activity) {
          activity.scheduleToStartMs = at(event) - activity.scheduledAt;
          activity.attempts = attributes?.attempt ?? 1;
          activity.startedAt = at(event);
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attributes =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        const activity = activities.get(id(attributes?.scheduledEventId));
        if (!activity) break;
        activity.closedAt = at(event);
        if (activity.startedAt !== undefined) activity.startToCloseMs = activity.closedAt - activity.startedAt;
        const returned = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
        if (returned) activity.result = defaultPayloadConverter.fromPayload(decoded.get(returned) ?? returned);
        activity.outcome =
          type === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
            ? 'completed'
            : type === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
              ? 'failed'
              : type === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
                ? 'timed-out'
                : 'cancelled';
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        tasks.set(id(event.eventId), { scheduledAt: at(event) });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const task = tasks.get(id(event.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (task) task.startedAt = at(event);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
        const task = tasks.get(id(event.workflowTaskCompletedEventAttributes?.scheduledEventId));
        if (task) task.closedAt = at(event);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        signals += 1;
        break;
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        outgoing.set(id(event.eventId), at(event));
        break;
      case EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED: {
        const initiated = outgoing.get(id(event.externalWorkflowExecutionSignaledEventAttributes?.initiatedEventId));
        if (initiated !== undefined) externalSignalMs.push(at(event) - initiated);
        break;
      }
      default:
        if (CLOSE_EVENTS[type]) {
          execution = CLOSE_EVENTS[type]!;
          const payload = event.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
          if (payload) result = defaultPayloadConverter.fromPayload(decoded.get(payload) ?? payload);
        }
    }
  }
  return {
    events: events.length,
    createdAt: events[0] ? at(events[0]) : undefined,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    execution,
    result,
    activities: [...activities.values()],
    workflowTasks: [...tasks.values()]
      .filter((task) => task.startedAt !== undefined)
      .map((task) => ({
        scheduleToStartMs: task.startedAt! - task.scheduledAt,
        startToCloseMs: task.closedAt === undefined ? undefined : task.closedAt - task.startedAt!,
      })),
    signals,
    externalSignalMs,
  };
}
