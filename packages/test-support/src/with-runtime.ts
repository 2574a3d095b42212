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
