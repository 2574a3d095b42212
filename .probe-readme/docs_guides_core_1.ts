// docs/guides/core.md:70
import { CancelledError, fromPromise, LocalExecutor, pending, type Coroutine } from "@spindle/core";

const log: string[] = [];
function* holdConnection(): Coroutine<void> {
  try {
    yield* pending<void>(); // waits until aborted
  } finally {
    yield* fromPromise(Promise.resolve()); // clean-up may wait
    log.push("connection closed");
  }
}
function* session(): Coroutine<void> {
  try {
    yield* holdConnection();
    log.push("never runs: the yield* above was cancelled");
  } catch (error) {
    if (!(error instanceof CancelledError)) log.push("handle real errors here");
    throw error; // let the cancellation go on
  }
}
const executor = new LocalExecutor();
const handle = executor.spawn(session());
const run = executor.run();
await Promise.resolve();
handle.abort();
await handle.then(undefined, (e) => log.push((e as Error).name));
await run;
console.log(log); // [ "connection closed", "CancelledError" ]
