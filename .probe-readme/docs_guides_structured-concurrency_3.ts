// docs/guides/structured-concurrency.md:196
import { type Coroutine, LocalExecutor, pending, PENDING, STREAM_END, TaskScope, yieldNow } from "@spindle/core";

function* slow(n: number): Coroutine<number> {
  for (let i = 0; i < n; i++) yield* yieldNow();
  return n;
}
function* main(): Coroutine<string[]> {
  const scope = TaskScope.from([slow(3), slow(1)]);
  const stuck = scope.spawn(pending<number>());
  const log = [`waiting: ${scope.tryJoinNext() === PENDING}`];
  stuck.abort();
  for (let outcome; (outcome = yield* scope.joinNextWithId()) !== STREAM_END;) {
    const what = outcome.status === "fulfilled" ? outcome.value : outcome.status;
    log.push(`${outcome.id === stuck.id ? "stuck" : "slow"}: ${what}`);
  }
  yield* scope.close();
  return log;
}
const executor = new LocalExecutor();
const log = executor.spawn(main());
await executor.run();
console.log(await log); // [ "waiting: true", "stuck: cancelled", "slow: 1", "slow: 3" ]
