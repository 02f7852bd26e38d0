/**
 * The measured run on Temporal: onboard a wave of N people with the operator's `onboard` (as
 * `onboard --file` does: the integration started if it is not running, then each person's
 * workflow started directly), play the people, send `credentialBound` for the share that gets one,
 * and wait until every person's workflow has closed, the deadline passes or the run is interrupted. The soak preset starts wave after wave until its duration is up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as commands from '../src/cli/commands';
import { validatePeople } from '../src/cli/people';
import type { Output } from '../src/cli/session';
import { credentialBoundSignal, personWorkflowId } from '../src/workflows/definitions';
import { seedDirectoryUsers } from './directory';
import type { BenchConfig } from './options';
import { makeRoster, PeoplePlayer, type Person } from './people';
import type { BenchStack } from './stack';
import type { OnboardingRun, TimelinePoint, Wave } from './types';

const silent: Output = { json: true, print: () => undefined, info: () => undefined };
/** How long the bench's own calls to Temporal keep trying: through a server kill and restart (the SDK's own retries give up after some 20 s). */
const RETRY_FOR_MS = 120_000;

/** `call` again every second or two until it succeeds or `RETRY_FOR_MS` has passed, then its last error. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + RETRY_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() >= giveUpAt) throw error;
      await sleep(Math.min(2_000, 500 * attempt));
    }
  }
}
const SAMPLE_MS = 2_000;
const PROGRESS_EVERY_MS = 10_000;

export async function runOnboarding(
  stack: BenchStack,
  config: BenchConfig,
  random: () => number,
  deadline: number,
  interrupted: AbortSignal,
  say: (line: string) => void,
): Promise<OnboardingRun> {
  const run: OnboardingRun = { startedAt: Date.now(), waves: [], timeline: [], stoppedBy: 'finished' };
  const { client, spec } = stack;
  const scope = `WorkflowType = 'personOnboarding' AND Integration = '${spec.integrationId}'`;
  const count = async (extra: string) => Number((await client.workflow.count(`${scope} AND ${extra}`)).count);

  const signalBound = async (person: Person): Promise<void> => {
    const handle = client.workflow.getHandle(personWorkflowId(spec.integrationId, person.email));
    await retrying(() => handle.signal(credentialBoundSignal));
  };

  for (let index = 0; ; index++) {
    const people = makeRoster(config, index, random);
    const player = new PeoplePlayer(stack.sims.bi.managementUrl, people, signalBound);
    const playing = new AbortController();
    const wave: Wave = { index, people, player, startedAt: Date.now(), endedAt: 0, finished: false };
    run.waves.push(wave);
    const before = config.n * index; // earlier waves have all closed before this one starts
    const sourced = await seedDirectoryUsers(stack.sims.okta.url, people);
    if (sourced > 0)
      say(
        `wave ${index + 1}: ${sourced} of them are already Okta users imported from ${'Active Directory'} (profile mastered there)`,
      );
    say(`wave ${index + 1}: onboarding ${people.length} people`);
    // Again if the server went away meanwhile: those already started count as already onboarding.
    const roster = validatePeople(
      people.map((person, at) => ({ email: person.email, where: `#${at}` })),
      spec.integrationId,
    );
    await retrying(() => commands.onboard(stack.session, silent, roster));
    say(`  every start answered after ${((Date.now() - wave.startedAt) / 1000).toFixed(1)} s`);
    player.start(playing.signal);

    let lastProgress = Date.now();
    for (;;) {
      if (interrupted.aborted) run.stoppedBy = 'interrupted';
      else if (Date.now() >= deadline) run.stoppedBy = 'timeout';
      if (run.stoppedBy !== 'finished') break;
      let point: TimelinePoint | undefined;
      try {
        const [closed, onboarded] = await Promise.all([
          count(`ExecutionStatus != 'Running'`),
          count(`OnboardingStatus = 'Onboarded'`),
        ]);
        point = {
          t: (Date.now() - run.startedAt) / 1000,
          closed,
          onboarded,
          bound: player.boundCount() + before,
          workersUp: stack.workers.liveCount(),
        };
        run.timeline.push(point);
      } catch {
        // Visibility did not answer this time; the next sample will.
      }
      if (point && point.closed - before >= people.length) {
        wave.finished = true;
        break;
      }
      if (point && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        say(
          `  t=${Math.round(point.t)} s  bound ${point.bound - before}/${people.length}  onboarded ${point.onboarded - before}  closed ${point.closed - before}  workers up ${point.workersUp}`,
        );
      }
      await sleep(SAMPLE_MS, undefined, { signal: interrupted }).catch(() => undefined);
    }
    wave.endedAt = Date.now();
    playing.abort();
    await player.stopped();
    say(
      `wave ${index + 1}: ${wave.finished ? 'every workflow closed' : `stopped (${run.stoppedBy})`} after ${Math.round((wave.endedAt - wave.startedAt) / 1000)} s`,
    );
    const soakGoesOn = config.durationSeconds > 0 && Date.now() - run.startedAt < config.durationSeconds * 1000;
    if (!wave.finished || !soakGoesOn) break;
  }
  return run;
}
