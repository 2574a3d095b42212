/**
 * Child-process script: runs tasks to completion, and registers then unregisters a cross-thread
 * waker (starting and stopping the WakeTable listener). Nothing is pending afterwards, so the
 * process must exit on its own.
 */
import { type Coroutine, LocalExecutor, Waker, WakeTable, yieldNow } from "../mod.ts";

function* work(n: number): Coroutine<number> {
  yield* yieldNow();
  return n;
}

const executor = new LocalExecutor();
const handles = [1, 2, 3].map((n) => executor.spawn(work(n)));
await executor.run();
const table = WakeTable.forThisThread();
table.unregister(table.register(Waker.noop()));
let sum = 0;
for (const handle of handles) sum += await handle;
console.log(`idle after ${sum}`);
