import { describe, SpindleError } from "./errors.ts";

/**
 * Checks that run while this thread is parked in {@linkcode blockOn}: the host's event loop does
 * not run then, so an event that would tell this thread that another thread died (a worker's
 * `exit`) is not delivered until the park ends, and a future waiting for that thread would wait
 * forever. A component whose progress depends on another thread (the timer's client of the timer
 * thread) registers a check while it waits; `blockOn` parks in slices of
 * {@linkcode PARK_CHECK_MS} while any check is registered and runs every check between slices.
 * A check that finds its thread dead fails what waits on it (and wakes its waker).
 *
 * @example
 * ```ts
 * import { whileParked } from "@spindle/core";
 *
 * const stop = whileParked(() => {
 *   // e.g. probe another thread's liveness word; wake a waker if it died
 * });
 * stop(); // no longer checked
 * ```
 */
export function whileParked(check: () => void): () => void {
  // Checked now: a check that is not a function would throw in every later park of this thread.
  if (typeof check !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `whileParked() needs a function, got ${describe(check)}`);
  }
  const entry = { check };
  checks.add(entry);
  return () => void checks.delete(entry);
}

/** How often a thread parked in `blockOn` runs the checks registered by {@linkcode whileParked}. */
export const PARK_CHECK_MS = 250;

const checks = new Set<{ readonly check: () => void }>();

/** Whether any check is registered on this thread. */
export function hasParkChecks(): boolean {
  return checks.size > 0;
}

/** Runs every registered check once (one that throws does not stop the others; the first error is rethrown). */
export function runParkChecks(): void {
  let failure: { error: unknown } | undefined;
  for (const entry of [...checks]) {
    try {
      entry.check();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}
