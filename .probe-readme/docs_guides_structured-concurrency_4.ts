// docs/guides/structured-concurrency.md:231
import { CancellationToken, type Coroutine, LocalExecutor } from "@spindle/core";

const shutdown = new CancellationToken();
const log: string[] = [];
function* worker(name: string, token: CancellationToken): Coroutine<void> {
  const reason = yield* token.cancelled();
  log.push(`${name} stopped: ${reason}`);
}
const executor = new LocalExecutor();
executor.spawn(worker("a", shutdown.child()));
executor.spawn(worker("b", shutdown.child()));
const run = executor.run();
shutdown.cancel("SIGTERM");
await run;
console.log(log); // [ "a stopped: SIGTERM", "b stopped: SIGTERM" ]
