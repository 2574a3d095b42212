import { after } from "node:test";

/** Anything a test must shut down: a runtime, or a test's fixture holding one as `runtime`. */
export type ShutsDown = { shutdown(): PromiseLike<unknown> } | { runtime: { shutdown(): PromiseLike<unknown> } };

/**
 * Runs `body` with the runtime `started` gives, then shuts the runtime down, whether `body`
 * returned or threw: a failing assertion never leaves worker threads behind to hang the test
 * file. `started` is a runtime or a fixture holding one as `runtime` (such as
 * `{ runtime, counters }`), or a promise of either. When `body` fails, its error is the one
 * thrown even if the shutdown fails too; a shutdown that fails after `body` succeeded fails the
 * test.
 */
export async function withRuntime<S extends ShutsDown, T>(
  started: S | PromiseLike<S>,
  body: (started: S) => T | PromiseLike<T>,
): Promise<T> {
  const fixture = await started;
  const shutdown = (): PromiseLike<unknown> => "shutdown" in fixture ? fixture.shutdown() : fixture.runtime.shutdown();
  let result: T;
  try {
    result = await body(fixture);
  } catch (error) {
    await Promise.resolve(shutdown()).catch(() => {});
    throw error;
  }
  await shutdown();
  return result;
}

/**
 * A fixture (a runtime and what a scenario did with it) shared by several tests that each assert
 * one of its behaviours: `start` runs when the first of them asks, once, and the runtime is shut
 * down after the test file. For scenarios too slow to repeat per test (starting a runtime and
 * replacing a worker took 10–40 s under `deno test` on a loaded 2-vCPU machine).
 */
export function sharedRuntime<S extends ShutsDown>(start: () => Promise<S>): () => Promise<S> {
  let started: Promise<S> | undefined;
  after(async () => {
    if (started === undefined) return;
    const fixture = await started;
    await ("shutdown" in fixture ? fixture.shutdown() : fixture.runtime.shutdown());
  });
  return () => (started ??= start());
}
