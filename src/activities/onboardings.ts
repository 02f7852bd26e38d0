/**
 * Starts the person workflows of an integration, and tells them about routing, through Temporal's
 * own client, from an activity. One integration starting thousands of children, or signalling
 * thousands of people, would carry every one of them in its own history and take its own lock for
 * each (Temporal advises against thousands of children per parent; our benchmark saw starts slow
 * to a few a second at 2,000, and routing wait behind the acknowledgements of its signals); an
 * activity does them in parallel instead. A retry is harmless: a person already running is
 * reported, not started twice, and telling a person the same routing twice changes nothing.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  emailKey,
  integrationKey,
  normalizeEmail,
  onboardingStatusKey,
  onboardingStepKey,
  personWorkflowId,
  routingChangedSignal,
  type PersonContext,
  type PersonInput,
} from '../workflows/definitions';
import { classified } from './failures';

/** Start (or signal) requests in flight at once. */
const PARALLEL_REQUESTS = 50;

export interface StartOnboardingsResult {
  started: string[];
  alreadyRunning: string[];
}

export interface NotifyRoutingResult {
  told: number;
  /** People whose workflow has ended or is gone: nothing waits for the news. */
  gone: string[];
}

/** Runs `work` on every item, at most PARALLEL_REQUESTS at a time. */
async function eachInParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL_REQUESTS, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

export function createOnboardingActivities(temporal: { client: Client; taskQueue: string }) {
  return {
    startOnboardings: classified(
      async (input: { integrationId: string; people: PersonInput[]; context: PersonContext }): Promise<StartOnboardingsResult> => {
        const result: StartOnboardingsResult = { started: [], alreadyRunning: [] };
        const startOne = async (person: PersonInput) => {
          const email = normalizeEmail(person.email);
          try {
            await temporal.client.workflow.start('personOnboarding', {
              workflowId: personWorkflowId(input.integrationId, email),
              taskQueue: temporal.taskQueue,
              args: [{ person: { ...person, email }, context: input.context }],
              // A person whose onboarding ended (expired, cancelled) may be onboarded again.
              workflowIdReusePolicy: 'ALLOW_DUPLICATE',
              typedSearchAttributes: [
                { key: integrationKey, value: input.integrationId },
                { key: emailKey, value: email },
                { key: onboardingStatusKey, value: 'Running' },
                { key: onboardingStepKey, value: 'Start' },
              ],
              staticSummary: `Onboard ${email} to Beyond Identity passkeys`,
              staticDetails: `Integration \`${input.integrationId}\`: identity, binding email, wait for the passkey, Okta user, routing.`,
            });
            result.started.push(email);
          } catch (error) {
            if (error instanceof WorkflowExecutionAlreadyStartedError) result.alreadyRunning.push(email);
            else throw error;
          }
        };
        await eachInParallel(input.people, startOne);
        return result;
      },
    ),

    /** Tells each person whether the routing rule now includes them (a `routingChanged` signal). */
    notifyRouting: classified(
      async (input: { integrationId: string; changes: { email: string; routed: boolean }[] }): Promise<NotifyRoutingResult> => {
        const result: NotifyRoutingResult = { told: 0, gone: [] };
        await eachInParallel(input.changes, async ({ email, routed }) => {
          try {
            await temporal.client.workflow.getHandle(personWorkflowId(input.integrationId, email)).signal(routingChangedSignal, { routed });
            result.told += 1;
          } catch (error) {
            if (error instanceof WorkflowNotFoundError) result.gone.push(email);
            else throw error;
          }
        });
        return result;
      },
    ),
  };
}
