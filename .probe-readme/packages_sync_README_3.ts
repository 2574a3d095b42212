// packages/sync/README.md:271
import { type Coroutine, LocalExecutor, pending } from "@spindle/core";
import { Mutex } from "@spindle/sync";

const mutex = new Mutex(0);
function* holder(): Coroutine<void> {
  const guard = yield* mutex.lock();
  try {
    yield* pending(); // stands for work that is cancelled
  } finally {
    guard.release();
  }
}
const executor = new LocalExecutor();
const task = executor.spawn(holder());
executor.spawn(function* (): Coroutine<void> {
  task.abort();
}());
await executor.run().catch(() => {});
console.log(mutex.isLocked); // false
