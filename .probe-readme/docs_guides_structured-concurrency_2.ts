// docs/guides/structured-concurrency.md:104
import { type Coroutine, fromPromise, LocalExecutor, pending, TaskScope } from "@spindle/core";

const log: string[] = [];
function* sibling(): Coroutine<void> {
  try {
    yield* pending<void>();
  } finally {
    yield* fromPromise(Promise.resolve()); // clean-up may wait
    log.push("sibling cleaned up");
  }
}
function* broken(): Coroutine<void> {
  yield* fromPromise(Promise.resolve());
  throw new Error("disk full");
}
function* main(): Coroutine<void> {
  const scope = new TaskScope();
  scope.spawn(sibling());
  scope.spawn(broken());
  try {
    yield* scope.joinAll(); // waits for the tasks; re-throws the first failure once all settled
  } catch (error) {
    log.push(`joinAll threw: ${(error as Error).message}`);
  } finally {
    yield* scope.close(); // nothing left to throw: joinAll took the failure
  }
}
const executor = new LocalExecutor();
executor.spawn(main());
await executor.run();
console.log(log); // [ "sibling cleaned up", "joinAll threw: disk full" ]
