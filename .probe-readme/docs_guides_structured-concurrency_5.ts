// docs/guides/structured-concurrency.md:259
import { CANCELLED, CancellationToken, type Coroutine, LocalExecutor, pending, ready } from "@spindle/core";

const token = new CancellationToken();
function* main(): Coroutine<string[]> {
  const done = yield* token.runUntilCancelled(ready("done"));
  token.cancel();
  const stopped = yield* token.runUntilCancelled(pending<string>());
  return [String(done), stopped === CANCELLED ? "cancelled" : stopped];
}
const executor = new LocalExecutor();
const results = executor.spawn(main());
await executor.run();
console.log(await results); // [ "done", "cancelled" ]
