/**
 * `onboard --okta-group <name or id>`: the worker finds the group and reads its members (the
 * `oktaGroup` workflow; the CLI never talks to Okta), then the ACTIVE members with a usable email
 * are onboarded exactly as `onboard` does, and the others are listed with why they were skipped.
 * An unknown or ambiguous group starts nobody, not even the integration (exit 2). `--dry-run`
 * prints who would be onboarded and starts nothing but the resolving workflow.
 */
import type { OktaGroupMember, OktaGroupResolution, OktaGroupSummary, SkippedMember } from '../activities/okta-group';
import { TASK_PRIORITY, type PersonInput } from '../workflows/definitions';
import type { oktaGroup as oktaGroupWorkflow } from '../workflows/okta-group';
import { onboard, type OnboardAnswer } from './people-commands';
import { PeopleInputError, validatePeople } from './people';
import { startedLines } from './render';
import { CliError, EXIT, workerWarning, type Output, type Session } from './session';
import { errorMessage } from '../util/errors';

export interface OktaGroupOptions {
  oktaGroup: string;
  dryRun?: boolean;
  /** Members read per Okta page (1–1000). */
  pageSize?: number;
}

/** How long the CLI waits for a worker to resolve the group (paging a large group under Okta's rate limits takes a while). */
const RESOLVE_TIMEOUT = '5 minutes';
/** People handed to `onboard` at a time; a progress line after each batch of a larger group. */
const BATCH = 100;
export const MAX_PAGE_SIZE = 1000;

/** `onboard --okta-group` takes no emails and no --file; --dry-run and --page-size only with it. */
export function checkOktaGroupUsage(
  emails: string[],
  options: { oktaGroup?: string; file?: string; dryRun?: boolean; pageSize?: number },
): void {
  if (options.oktaGroup === undefined) {
    if (options.dryRun || options.pageSize !== undefined)
      throw new CliError('--dry-run and --page-size go with --okta-group <name or id>.', EXIT.usage);
    return;
  }
  if (options.oktaGroup.trim() === '') throw new CliError('--okta-group needs a group name or id.', EXIT.usage);
  if (emails.length > 0 || options.file)
    throw new CliError('Give either --okta-group or emails/--file, not both: nothing was started.', EXIT.usage);
}

function groupLine(group: OktaGroupSummary): string {
  return `"${group.name}" (${group.id}${group.type === 'OKTA_GROUP' ? '' : `, ${group.type}`})`;
}

/** Finds the group and reads its members on the worker (the `oktaGroup` workflow); `sync` resolves its group here too. */
export async function resolveOktaGroup(
  session: Session,
  out: Output,
  options: OktaGroupOptions,
): Promise<OktaGroupResolution> {
  const warning = await workerWarning(session);
  if (warning) out.info(`Warning: ${warning}`);
  try {
    return await session.client.workflow.execute<typeof oktaGroupWorkflow>('oktaGroup', {
      taskQueue: session.taskQueue,
      workflowId: `${session.spec.integrationId}/okta-group/${Date.now()}`,
      workflowExecutionTimeout: RESOLVE_TIMEOUT,
      args: [{ group: options.oktaGroup.trim(), ...(options.pageSize ? { pageSize: options.pageSize } : {}) }],
    });
  } catch (error) {
    const messages = causes(error);
    const timedOut = messages.some((message) => /timed? ?out/i.test(message));
    throw new CliError(
      timedOut
        ? `No worker resolved the Okta group within ${RESOLVE_TIMEOUT}: start one on task queue "${session.taskQueue}" (npm start, or npm run worker), then run the command again. Nobody was started.`
        : `Could not read the Okta group: ${messages[messages.length - 1] ?? 'unknown error'}. Nobody was started.`,
      timedOut ? EXIT.unreachable : EXIT.failed,
    );
  }
}

/** The messages of an error and its causes, outermost first: a workflow's failure says why only in its activity's cause. */
function causes(error: unknown): string[] {
  const messages: string[] = [];
  for (
    let current = error;
    current !== undefined && current !== null && messages.length < 10;
    current = (current as { cause?: unknown }).cause
  ) {
    messages.push(errorMessage(current));
  }
  return messages;
}

/** The error for a group that cannot be used; in JSON mode its data goes to stdout too. */
export function refuseOktaGroup(out: Output, resolution: Exclude<OktaGroupResolution, { outcome: 'found' }>): never {
  if (out.json) out.print(resolution, () => '');
  switch (resolution.outcome) {
    case 'notFound': {
      const similar = resolution.similar.length
        ? ` Groups whose names start with it: ${resolution.similar.map(groupLine).join(', ')}.`
        : '';
      const what =
        resolution.searchedBy === 'id'
          ? `with id ${resolution.searched}`
          : `named exactly "${resolution.searched}" (names are case-sensitive)`;
      throw new CliError(`No Okta group ${what}.${similar} Nobody was started.`, EXIT.usage);
    }
    case 'ambiguous':
      throw new CliError(
        `${resolution.matches.length} Okta groups are named "${resolution.searched}": ${resolution.matches.map(groupLine).join(', ')}. Pass the id of the one you mean (--okta-group 00g…). Nobody was started.`,
        EXIT.usage,
      );
    case 'tooLarge':
      throw new CliError(
        `Okta group ${groupLine(resolution.group)} has more than ${resolution.limit} members, more than one command onboards: onboard them in parts with --file. Nobody was started.`,
        EXIT.usage,
      );
  }
}

/** Members as people `onboard` takes; one that its checks refuse is skipped with their words, never stopping the rest. */
function toPeople(session: Session, members: OktaGroupMember[], skipped: SkippedMember[]): PersonInput[] {
  const people: PersonInput[] = [];
  for (const member of members) {
    try {
      people.push(
        ...validatePeople(
          [
            {
              email: member.email,
              firstName: member.firstName,
              lastName: member.lastName,
              where: `Okta user ${member.login}`,
            },
          ],
          session.spec.integrationId,
        ),
      );
    } catch (error) {
      if (!(error instanceof PeopleInputError)) throw error;
      skipped.push({ ...member, reason: error.problems.join('; ') || error.message });
    }
  }
  return people;
}

/** `onboard` in batches, its answers joined, with a progress line for a large group. */
async function onboardInBatches(session: Session, out: Output, people: PersonInput[]): Promise<OnboardAnswer> {
  const answer: OnboardAnswer = { integrationId: session.spec.integrationId, people: [] };
  for (let start = 0; start < people.length; start += BATCH) {
    const batch = await onboard(session, people.slice(start, start + BATCH), TASK_PRIORITY.bulk);
    answer.people.push(...batch.people);
    answer.warning = batch.warning;
    if (people.length > BATCH) out.info(`Started ${Math.min(start + BATCH, people.length)} of ${people.length} …`);
  }
  return answer;
}

function skippedLines(skipped: SkippedMember[]): string[] {
  return skipped.length
    ? [
        '',
        `Skipped ${skipped.length}:`,
        ...skipped.map((member) => `  ${member.email || member.login} (${member.status}): ${member.reason}`),
      ]
    : [];
}

export async function onboardOktaGroup(session: Session, out: Output, options: OktaGroupOptions): Promise<number> {
  const resolution = await resolveOktaGroup(session, out, options);
  if (resolution.outcome !== 'found') refuseOktaGroup(out, resolution);
  const { group, pages } = resolution;
  const skipped = [...resolution.skipped];
  const people = toPeople(session, resolution.members, skipped);
  const read = `${resolution.members.length + resolution.skipped.length} members read in ${pages} page${pages === 1 ? '' : 's'}`;

  if (options.dryRun) {
    out.print(
      {
        dryRun: true,
        group,
        pages,
        wouldOnboard: people.map(({ email, firstName, lastName }) => ({ email, firstName, lastName })),
        skipped,
      },
      () =>
        [
          `Okta group ${groupLine(group)}: ${read}.`,
          `Would onboard ${people.length}:`,
          ...people.map((person) => `  ${person.email}`),
          ...skippedLines(skipped),
          '',
          'Dry run: nobody was started.',
        ].join('\n'),
    );
    return EXIT.ok;
  }
  if (people.length === 0) {
    out.print({ group, pages, people: [], skipped }, () =>
      [`Okta group ${groupLine(group)}: ${read}; nobody to onboard.`, ...skippedLines(skipped)].join('\n'),
    );
    return EXIT.failed;
  }
  const answer = await onboardInBatches(session, out, people);
  out.print({ group, pages, ...answer, skipped }, () =>
    [
      `Okta group ${groupLine(group)}: ${read}. Onboarding ${answer.people.length} on integration ${answer.integrationId}:`,
      ...startedLines(answer),
      ...skippedLines(skipped),
      '',
      'Their existing Okta users are adopted (routed once bound; never deleted by cancel or teardown). Progress: `npm run cli -- watch`.',
      ...(answer.warning ? ['', `Warning: ${answer.warning}`] : []),
    ].join('\n'),
  );
  return EXIT.ok;
}
