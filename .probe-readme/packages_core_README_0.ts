// packages/core/README.md:7
import { fromPromise, joinAll, LocalExecutor, yieldNow, type Coroutine } from "@spindle/core";

function* length(text: string): Coroutine<number> {
  const value: string = yield* fromPromise(Promise.resolve(text));
  yield* yieldNow();
  return value.length;
}

const executor = new LocalExecutor();
const lengths = executor.spawn(joinAll([length("spin"), length("dle")]));
await executor.run();
console.log(await lengths); // [ 4, 3 ]
