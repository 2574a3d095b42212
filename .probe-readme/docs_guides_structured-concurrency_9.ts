// docs/guides/structured-concurrency.md:397
import { type Coroutine, LocalExecutor, TaskLocal, TaskScope, yieldNow } from "@spindle/core";

const requestId = new TaskLocal<string>("requestId");
const log: string[] = [];
function* audit(what: string): Coroutine<void> {
  yield* yieldNow();
  log.push(`${requestId.get()}: ${what}`);
}
function* handle(): Coroutine<void> {
  const scope = new TaskScope();
  try {
    scope.spawn(audit("read")); // inherits requestId
    scope.spawn(audit("write"));
    yield* scope.joinAll();
  } finally {
    yield* scope.close();
  }
}
const executor = new LocalExecutor();
executor.spawn(requestId.scope("req-1", handle()));
executor.spawn(requestId.scope("req-2", handle()));
await executor.run();
console.log(log.sort()); // [ "req-1: read", "req-1: write", "req-2: read", "req-2: write" ]
