/**
 * The API requests a simulator receives, as its fault injector sees each one (method and path, in
 * arrival order): a test waits until the service has asked something ("the watch has looked at
 * the binding") instead of sleeping and hoping it did. It only records; every request is handled
 * exactly as before.
 */
import type { FaultInjector } from '../../dev/simulators/shared/faults';

export interface RequestLog {
  /** How many requests so far had this method and a path (no query string) matching `path`. */
  count(method: string, path: RegExp): number;
  /** Stops recording; the injector is as it was. */
  stop(): void;
}

export function recordRequests(simulator: { faults: FaultInjector }): RequestLog {
  const { faults } = simulator;
  const seen: { method: string; path: string }[] = [];
  const decide = faults.decide.bind(faults);
  faults.decide = (method: string, path: string) => {
    seen.push({ method: method.toUpperCase(), path });
    return decide(method, path);
  };
  return {
    count: (method, path) =>
      seen.filter((request) => request.method === method.toUpperCase() && path.test(request.path)).length,
    stop: () => {
      delete (faults as { decide?: unknown }).decide; // back to the prototype's
    },
  };
}
