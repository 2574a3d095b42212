// docs/guides/structured-concurrency.md:66
import { blockOn, type Coroutine, pending, ready, scoped, type TaskScope } from "@spindle/core";

function* body(scope: TaskScope<number>): Coroutine<number> {
  scope.spawn(pending()); // a task that would run forever: aborted when the body returns
  scope.spawn(ready(41));
  return (yield* scope.joinNext()) as number + 1;
}
console.log(blockOn(scoped(body))); // 42 (under blockOn the scope runs its tasks itself)
