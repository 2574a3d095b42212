import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  blockOn,
  type Coroutine,
  type Future,
  LocalExecutor,
  Parker,
  PENDING,
  pollFn,
  type SharedWakerHandle,
  WakeTable,
} from "./mod.ts";
import { nextMessage, startWorker } from "@spindle/test-support";

const worker = startWorker(new URL("./test-support/wake-from-worker.ts", import.meta.url), null);
after(() => worker.terminate());

/** A future that registers a cross-thread waker, has the worker wake it, and completes when woken. */
function wokenFromWorker(delayMs: number): { future: Future<string>; acknowledged: Promise<unknown> } {
  let handle: SharedWakerHandle | null = null;
  let acknowledged: Promise<unknown> = Promise.resolve();
  const future = pollFn((cx) => {
    const table = WakeTable.forThisThread();
    if (handle === null) {
      handle = table.register(cx.waker);
      worker.postMessage({ kind: "wake", handle, delayMs, times: 1 });
      acknowledged = nextMessage(worker);
      return PENDING;
    }
    table.unregister(handle);
    return "woken by the worker";
  });
  return {
    future,
    get acknowledged() {
      return acknowledged;
    },
  };
}

test("a LocalExecutor task parked on a cross-thread waker is woken by another thread", async () => {
  const executor = new LocalExecutor();
  const woken = wokenFromWorker(20);
  const handle = executor.spawn(woken.future);
  await executor.run();
  await woken.acknowledged;
  assert.equal(await handle, "woken by the worker");
  assert.equal(WakeTable.forThisThread().registered, 0);
});

test("blockOn parks on the futex and is woken by another thread", async () => {
  const woken = wokenFromWorker(30);
  assert.equal(blockOn(woken.future), "woken by the worker");
  await woken.acknowledged;
});

test("a Parker is unparked by another thread, in park and in parkAsync", async () => {
  const parker = new Parker();
  worker.postMessage({ kind: "unpark", handle: parker.handle, delayMs: 20 });
  assert.equal(parker.park(10_000), true);
  await nextMessage(worker);
  worker.postMessage({ kind: "unpark", handle: parker.handle, delayMs: 20 });
  const acknowledged = nextMessage(worker);
  assert.equal(await parker.parkAsync(10_000), true);
  await acknowledged;
});

test("an unpark before park is kept as one token: the next park returns at once, the one after waits", () => {
  const parker = new Parker();
  assert.equal(parker.park(0), false, "no token yet");
  parker.unparker().unpark();
  parker.unparker().unpark();
  assert.equal(parker.park(0), true, "a token given before park is kept");
  assert.equal(parker.park(1), false, "tokens do not accumulate");
});

test("park rejects a negative or NaN timeout", () => {
  const parker = new Parker();
  assert.throws(() => parker.park(-1), RangeError);
  assert.throws(() => parker.park(Number.NaN), /got NaN/);
});

test("many wakes from another thread are never lost: every slot is drained", async () => {
  const table = WakeTable.forThisThread();
  const executor = new LocalExecutor();
  const count = 5000;
  const handles: SharedWakerHandle[] = [];
  let parked = 0;
  let completed = 0;
  function* waiter(i: number): Coroutine<void> {
    let registered = false;
    yield* pollFn((cx) => {
      if (!registered) {
        registered = true;
        handles[i] = table.register(cx.waker);
        parked++;
        return PENDING;
      }
      table.unregister(handles[i]!);
      return undefined;
    });
    completed++;
  }
  for (let i = 0; i < count; i++) executor.spawn(waiter(i));
  const run = executor.run();
  while (parked < count) await new Promise((resolve) => setImmediate(resolve));
  worker.postMessage({ kind: "wake-many", handles });
  const acknowledged = nextMessage(worker);
  await run;
  await acknowledged;
  assert.equal(completed, count);
  assert.equal(table.registered, 0);
});
