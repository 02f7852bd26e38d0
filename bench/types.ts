/**
 * The shapes the bench's modules pass between them (the stack, the onboarding, the measures and the
 * chaos), kept apart from the code that makes them so that no two of those modules import each other.
 * `BenchStack` stays with `startStack` (bench/stack.ts): it names the classes that implement `Restartable`.
 */
import type { PersonState } from '../src/workflows/definitions';
import type { HistoryFacts } from './history';
import type { PeoplePlayer, Person } from './people';

/** Something the chaos kills and brings back. */
export interface Restartable {
  readonly label: string;
  kills: number;
  restarts: number;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface PersonOutcome {
  email: string;
  wave: number;
  execution: string;
  status: string;
  state?: PersonState;
  facts?: HistoryFacts;
}

export interface Wave {
  index: number;
  people: Person[];
  player: PeoplePlayer;
  startedAt: number;
  /** When the last person's workflow closed, or when the wave was stopped. */
  endedAt: number;
  finished: boolean;
}

export interface TimelinePoint {
  /** Seconds since the first wave started. */
  t: number;
  closed: number;
  onboarded: number;
  bound: number;
  workersUp: number;
}

export interface OnboardingRun {
  startedAt: number;
  waves: Wave[];
  timeline: TimelinePoint[];
  stoppedBy: 'finished' | 'timeout' | 'interrupted';
}
