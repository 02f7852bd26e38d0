/**
 * Starts the person workflows of an integration, through Temporal's own client, from an activity.
 * One integration starting thousands of children would carry every one of them in its own state
 * and history (Temporal advises against thousands of children per parent; our benchmark saw
 * starts slow to a few a second at 2,000); an activity starts them in parallel instead, and a
 * retry of it is harmless: a person already running is reported, not started twice.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  emailKey,
  integrationKey,
  normalizeEmail,
  onboardingStatusKey,
  onboardingStepKey,
  personWorkflowId,
  type PersonContext,
  type PersonInput,
} from '../workflows/definitions';
import { classified } from './failures';

/** Start requests in flight at once. */
const PARALLEL_STARTS = 50;

export interface StartOnboardingsResult {
  started: string[];
  alreadyRunning: string[];
}

export function createOnboardingActivities(temporal: { client: Client; taskQueue: string }) {
  return {
    startOnboardings: classified(
      async (input: { integrationId: string; people: PersonInput[]; context: PersonContext }): Promise<StartOnboardingsResult> => {
        const result: StartOnboardingsResult = { started: [], alreadyRunning: [] };
        const queue = [...input.people];
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
        await Promise.all(
          Array.from({ length: Math.min(PARALLEL_STARTS, queue.length) }, async () => {
            for (let person = queue.shift(); person; person = queue.shift()) await startOne(person);
          }),
        );
        return result;
      },
    ),
  };
}
