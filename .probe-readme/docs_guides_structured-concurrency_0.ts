// docs/guides/structured-concurrency.md:36
import { type Coroutine, fromPromise, LocalExecutor, STREAM_END, TaskScope } from "@spindle/core";

function* download(name: string, ms: number): Coroutine<string> {
  yield* fromPromise(new Promise((resolve) => setTimeout(resolve, ms)));
  return name;
}
function* main(): Coroutine<string[]> {
  const scope = new TaskScope<string>();
  try {
    scope.spawn(download("big", 30));
    scope.spawn(download("small", 5));
    scope.spawn(download("medium", 15));
    const order: string[] = [];
    for (let name; (name = yield* scope.joinNext()) !== STREAM_END;) order.push(name);
    return order;
  } finally {
    yield* scope.close(); // aborts what is left and waits for it
  }
}
const executor = new LocalExecutor();
const order = executor.spawn(main());
await executor.run();
console.log(await order); // [ "small", "medium", "big" ]
