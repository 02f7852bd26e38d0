/**
 * Chaos beyond worker kills (`--kill-server`, `--kill-simulators`): SIGKILL of the Temporal dev
 * server and of the simulators' process at seeded random moments spread over the onboarding, each
 * restarted after `--restart-after` on the same port and files; and what such a run must show at
 * the end (nobody lost, no duplicate, at most one email per link and never a second one while a
 * link was live), which fails the run otherwise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatorChecks } from './checks';
import type { PersonOutcome, Restartable } from './types';
import { errorMessage } from '../src/util/errors';

/** Seconds from the start: one moment at random in each of `count` equal slots of `spanSeconds`, so they spread over it and never bunch up. */
export function chaosMoments(count: number, spanSeconds: number, random: () => number): number[] {
  const slot = spanSeconds / Math.max(1, count);
  return Array.from({ length: count }, (_, index) => (index + random()) * slot);
}

export interface ChaosEvent {
  kind: 'server' | 'simulators';
  /** Seconds since the onboarding started. */
  killedAt: number;
  restartedAt?: number;
  /** Kill to answering again. */
  downSeconds?: number;
}

const RESTART_ATTEMPTS = 5;

/**
 * Kills `target` at each moment (seconds after `startedAt`) and restarts it `restartAfterSeconds`
 * later. When `signal` aborts (the onboarding is over), no more kills happen, and a target that is
 * down is restarted at once, so what follows finds everything up.
 */
export async function chaosLoop(
  kind: ChaosEvent['kind'],
  target: Restartable,
  moments: readonly number[],
  restartAfterSeconds: number,
  startedAt: number,
  events: ChaosEvent[],
  signal: AbortSignal,
  say: (line: string) => void,
): Promise<void> {
  const since = () => (Date.now() - startedAt) / 1000;
  for (const moment of moments) {
    try {
      await sleep(Math.max(0, startedAt + moment * 1000 - Date.now()), undefined, { signal });
    } catch {
      return;
    }
    const event: ChaosEvent = { kind, killedAt: since() };
    events.push(event);
    await target.kill();
    say(
      `  chaos: SIGKILL of the ${target.label} at t=${Math.round(event.killedAt)} s (${target.kills} of ${moments.length}); restarting it in ${restartAfterSeconds} s`,
    );
    await sleep(restartAfterSeconds * 1000, undefined, { signal }).catch(() => undefined);
    for (let attempt = 1; ; attempt++) {
      try {
        await target.restart();
        break;
      } catch (error) {
        if (attempt >= RESTART_ATTEMPTS)
          throw new Error(`the ${target.label} did not start again after ${attempt} attempts: ${errorMessage(error)}`);
        say(
          `  chaos: the ${target.label} did not start again (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); again in 2 s`,
        );
        await sleep(2_000);
      }
    }
    event.restartedAt = since();
    event.downSeconds = event.restartedAt - event.killedAt;
    say(
      `  chaos: the ${target.label} is back at t=${Math.round(event.restartedAt)} s (down ${event.downSeconds.toFixed(1)} s)`,
    );
  }
}

export interface ChaosFigures {
  /** Whether this run was a chaos run (--kill-server or --kill-simulators): only then do the checks below fail it. */
  enforced: boolean;
  planned: { serverKills: number; simulatorKills: number };
  serverKills: number;
  simulatorKills: number;
  restarts: number;
  workerKills: number;
  /** People not Onboarded at the end (any reason: failed, still running, no workflow). */
  lost: number;
  lostPeople: { email: string; execution: string; status: string }[];
  duplicates: number;
  /** The most binding emails sent for one link (one binding job). */
  maxEmailsPerLink: number;
  /** Emails sent while the same person's previous link was still live. */
  secondEmailWhileLinkLive: number;
  events: ChaosEvent[];
  /** Why the run failed its chaos checks (empty: it passed). */
  failures: string[];
}

export function chaosFigures(
  input: {
    enforced: boolean;
    planned: ChaosFigures['planned'];
    server: Restartable;
    simulators?: Restartable;
    workerKills: number;
    events: ChaosEvent[];
  },
  outcomes: readonly PersonOutcome[],
  checks: SimulatorChecks,
): ChaosFigures {
  const lost = outcomes.filter((outcome) => !(outcome.status === 'Onboarded' && outcome.execution === 'COMPLETED'));
  const figures = {
    serverKills: input.server.kills,
    simulatorKills: input.simulators?.kills ?? 0,
    restarts: input.server.restarts + (input.simulators?.restarts ?? 0),
    lost: lost.length,
    duplicates: checks.duplicates.total,
    maxEmailsPerLink: checks.emails.maxPerLink,
    secondEmailWhileLinkLive: checks.emails.sentWhileLinkLive,
  };
  const failures = [
    ...(figures.lost > 0
      ? [
          `${figures.lost} of ${outcomes.length} people not Onboarded (${lost
            .slice(0, 3)
            .map((outcome) => `${outcome.email}: ${outcome.status}`)
            .join(', ')}${lost.length > 3 ? ', …' : ''})`,
        ]
      : []),
    ...(figures.duplicates > 0 ? [`${figures.duplicates} duplicates in the simulators`] : []),
    ...(figures.maxEmailsPerLink > 1 ? [`a link was emailed ${figures.maxEmailsPerLink} times`] : []),
    ...(figures.secondEmailWhileLinkLive > 0
      ? [`${figures.secondEmailWhileLinkLive} binding emails went out while the person's previous link was live`]
      : []),
  ];
  return {
    enforced: input.enforced,
    planned: input.planned,
    ...figures,
    workerKills: input.workerKills,
    lostPeople: lost.slice(0, 50).map(({ email, execution, status }) => ({ email, execution, status })),
    events: input.events,
    failures,
  };
}
