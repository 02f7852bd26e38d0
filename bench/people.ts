/**
 * The people of a run, and a player that acts as each of them: when a person's binding email
 * lands in the simulator's outbox, they wait their own (seeded) delay, open the newest link and
 * submit the page (`bindPasskeyFromOutbox`). A link that expired before they got to it is dropped
 * and they take the next email as soon as it comes. Once bound, `onBound` runs for those the
 * operator signals (the operator's `credentialBound`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { bindPasskeyFromOutbox, type OutboxEntry } from '../dev/simulators/beyond-identity/person-agent';
import { request } from 'undici';
import type { BenchConfig } from './options';
import { errorMessage } from '../src/util/errors';

export interface Person {
  email: string;
  /** How long after their email arrives the person binds. */
  bindDelayMs: number;
  /** The operator also sends `credentialBound` for this person. */
  signalled: boolean;
  /** Already an Okta user, imported from a directory before the wave starts (`--directory-share`). */
  directorySourced: boolean;
}

/** How many of a wave's people are directory-sourced (`--directory-share`). */
export function directoryCount(share: number, people: number): number {
  return Math.round(share * people);
}

export function makeRoster(config: BenchConfig, wave: number, random: () => number): Person[] {
  const { min, max } = config.bindDelaySeconds;
  // Spread evenly over the roster (exactly `sourced` of them), so both kinds meet every bind
  // delay; no draw from `random`, so a run without directory people plays exactly as before.
  const sourced = directoryCount(config.directoryShare, config.n);
  const spreads = (index: number) =>
    Math.floor(((index + 1) * sourced) / config.n) > Math.floor((index * sourced) / config.n);
  return Array.from({ length: config.n }, (_, index) => ({
    email: `p${String(index).padStart(4, '0')}.w${wave}@bench.example.com`,
    bindDelayMs: Math.round((min + random() * (max - min)) * 1000),
    signalled: random() < config.signalShare,
    directorySourced: spreads(index),
  }));
}

export interface PersonProgress {
  /** When the first binding email was sent (the simulator's clock, which is ours). */
  emailAt?: number;
  bindDueAt?: number;
  boundAt?: number;
  attempts: number;
  expiredLinks: number;
  /** Outbox messages seen for the person, and how many of them were already tried (a newer one is needed after an expired link). */
  messages: number;
  triedMessages: number;
  retryAt?: number;
  lastError?: string;
  signalledAt?: number;
  signalError?: string;
}

const POLL_MS = 1_000;
const MAX_ATTEMPTS = 30;
const BIND_CONCURRENCY = 16;

export class PeoplePlayer {
  readonly progress = new Map<string, PersonProgress>();
  private readonly busy = new Set<string>();
  private binding = 0;
  private loop?: Promise<void>;

  constructor(
    private readonly managementUrl: string,
    private readonly people: readonly Person[],
    private readonly onBound?: (person: Person) => Promise<void>,
  ) {
    for (const person of people)
      this.progress.set(person.email, { attempts: 0, expiredLinks: 0, messages: 0, triedMessages: 0 });
  }

  start(signal: AbortSignal): void {
    this.loop = this.run(signal);
  }

  async stopped(): Promise<void> {
    await this.loop;
  }

  boundCount(): number {
    return [...this.progress.values()].filter((progress) => progress.boundAt !== undefined).length;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.boundCount() < this.people.length) {
      try {
        await this.tick(signal);
      } catch {
        // The outbox could not be read this time (the process is busy): try again next tick.
      }
      try {
        await sleep(POLL_MS, undefined, { signal });
      } catch {
        return;
      }
    }
  }

  private async tick(signal: AbortSignal): Promise<void> {
    const response = await request(`${this.managementUrl}/_sim/outbox`, {
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      signal,
    });
    const { messages } = (await response.body.json()) as { messages: OutboxEntry[] };
    const counts = new Map<string, { count: number; first: number }>();
    for (const message of messages) {
      const to = message.to.toLowerCase();
      const entry = counts.get(to) ?? { count: 0, first: Date.parse(message.sent_time) };
      entry.count += 1;
      entry.first = Math.min(entry.first, Date.parse(message.sent_time));
      counts.set(to, entry);
    }
    for (const person of this.people) {
      const progress = this.progress.get(person.email)!;
      const mail = counts.get(person.email);
      if (!mail || progress.boundAt !== undefined) continue;
      progress.messages = mail.count;
      if (progress.emailAt === undefined) {
        progress.emailAt = mail.first;
        progress.bindDueAt = mail.first + person.bindDelayMs;
        // On time to the millisecond, not to the next tick.
        const wait = progress.bindDueAt - Date.now();
        if (wait > 0) setTimeout(() => this.maybeBind(person, signal), wait).unref();
      }
      this.maybeBind(person, signal);
    }
  }

  /** Binds now if the person's time has come, they are not already at it, and they have a link they have not tried. */
  private maybeBind(person: Person, signal: AbortSignal): void {
    const progress = this.progress.get(person.email)!;
    const now = Date.now();
    if (
      signal.aborted ||
      progress.boundAt !== undefined ||
      this.busy.has(person.email) ||
      this.binding >= BIND_CONCURRENCY
    )
      return;
    if (progress.bindDueAt === undefined || now < progress.bindDueAt || progress.attempts >= MAX_ATTEMPTS) return;
    if (progress.messages <= progress.triedMessages) return; // waiting for a new link after an expired one
    if (progress.retryAt !== undefined && now < progress.retryAt) return;
    this.busy.add(person.email);
    this.binding += 1;
    void this.bind(person, progress.messages, signal).finally(() => {
      this.binding -= 1;
    });
  }

  private async bind(person: Person, messagesSeen: number, signal: AbortSignal): Promise<void> {
    const progress = this.progress.get(person.email)!;
    try {
      if (signal.aborted) return;
      progress.attempts += 1;
      await bindPasskeyFromOutbox(this.managementUrl, person.email);
      progress.boundAt = Date.now();
      progress.retryAt = undefined;
    } catch (error) {
      const message = errorMessage(error);
      progress.lastError = message;
      if (/HTTP 410/.test(message)) {
        // The link expired (or was replaced): the person waits for the next email.
        progress.expiredLinks += 1;
        progress.triedMessages = messagesSeen;
      } else {
        progress.retryAt = Date.now() + 1_000;
      }
    } finally {
      this.busy.delete(person.email);
    }
    if (progress.boundAt === undefined || !this.onBound || !person.signalled) return;
    try {
      await this.onBound(person);
      progress.signalledAt = Date.now();
    } catch (error) {
      progress.signalError = errorMessage(error);
    }
  }
}
