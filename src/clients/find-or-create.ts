/**
 * The shape every ensure-operation shares: find by a strict key; else create; and when the
 * create fails in a way that may have taken effect (timeout, reset connection, 5xx) or says the
 * object already exists, find again before creating a second time. What is found then is
 * 'created' if our own create may have landed, 'adopted' if the upstream said someone else's did.
 */
import { TransientUpstreamError } from './http/errors';

export type EnsureOutcome = 'created' | 'adopted' | 'updated';

export interface Ensured<T> {
  outcome: EnsureOutcome;
  value: T;
  /** For 'updated': which settings differed from the desired ones (names only, never secret values). */
  drift?: string[];
}

/** What callers of an ensure-operation may pass. */
export interface EnsureOptions {
  signal?: AbortSignal;
  /**
   * Called just before the first create request. An activity records it (a heartbeat) so that,
   * if the process dies after the create landed, its next attempt knows the object it then finds
   * is its own (created), not someone else's (adopted).
   */
  beforeCreate?: () => void;
}

/** How often a create whose outcome is unknown is looked up and tried again, within one call. */
const AMBIGUOUS_CREATE_ATTEMPTS = 3;

export async function findOrCreate<T>(
  find: () => Promise<T | undefined>,
  create: () => Promise<T>,
  alreadyExists: (error: unknown) => boolean = () => false,
  beforeCreate?: () => void,
): Promise<{ outcome: 'created' | 'adopted'; value: T }> {
  const existing = await find();
  if (existing) return { outcome: 'adopted', value: existing };
  beforeCreate?.();
  let mayHaveLanded = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return { outcome: 'created', value: await create() };
    } catch (error) {
      const ambiguous = error instanceof TransientUpstreamError && error.kind !== 'rate-limited';
      if (!(ambiguous || alreadyExists(error)) || attempt >= AMBIGUOUS_CREATE_ATTEMPTS) throw error;
      mayHaveLanded ||= ambiguous;
      // After an ambiguous failure our own create may have landed: then that object is ours. An
      // "already exists" with no such failure before it means someone else made it since we looked.
      const landed = await find();
      if (landed) return { outcome: mayHaveLanded ? 'created' : 'adopted', value: landed };
    }
  }
}
