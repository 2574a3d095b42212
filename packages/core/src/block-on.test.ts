import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  blockOn,
  type Coroutine,
  fromPromise,
  LocalExecutor,
  PENDING,
  pollFn,
  type SharedWakerHandle,
  SpindleError,
  WakeTable,
} from "./mod.ts";
import { nextMessage, startWorker } from "@spindle/test-support";

const worker = startWorker(new URL("./test-support/wake-from-worker.ts", import.meta.url), null);
after(() => worker.terminate());

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test("a wake that lands while the future is being polled is not lost", async () => {
  let handle: SharedWakerHandle | null = null;
  const output = blockOn(
    pollFn((cx) => {
      const table = WakeTable.forThisThread();
      if (handle === null) {
        handle = table.register(cx.waker);
        worker.postMessage({ kind: "wake", handle, delayMs: 0, times: 1 });
        busyWait(50); // the worker's wake lands now, before blockOn parks
        return PENDING;
      }
      table.unregister(handle);
      return "not lost";
    }),
  );
  assert.equal(output, "not lost");
  await nextMessage(worker);
});

test("a future that wakes itself during poll is polled again without parking", () => {
  let polls = 0;
  const output = blockOn(
    pollFn((cx) => {
      if (++polls < 5) {
        cx.waker.wakeByRef();
        return PENDING;
      }
      return polls;
    }),
  );
  assert.equal(output, 5);
});

test("blockOn inside a task throws BLOCKING_NOT_ALLOWED", async () => {
  const executor = new LocalExecutor();
  const handle = executor.spawn(pollFn(() => blockOn(pollFn(() => 1))));
  await executor.run();
  await assert.rejects(
    Promise.resolve(handle),
    (e: unknown) => e instanceof SpindleError && e.code === "BLOCKING_NOT_ALLOWED" && /inside a task/.test(e.message),
  );
});

test("blockOn on a future nothing can wake throws DEADLOCK instead of hanging", () => {
  assert.throws(
    () => blockOn(pollFn(() => PENDING)),
    (e: unknown) => e instanceof SpindleError && e.code === "DEADLOCK",
  );
});

test("a DEADLOCK drops the future first: a coroutine's finally blocks run and give back what it held", () => {
  const log: string[] = [];
  function* holds(): Coroutine<void> {
    log.push("locked");
    try {
      yield* fromPromise(new Promise<void>(() => {})); // the event loop cannot settle it while blocked
    } finally {
      log.push("released");
    }
  }
  assert.throws(() => blockOn(holds()), (e: unknown) => e instanceof SpindleError && e.code === "DEADLOCK");
  assert.deepEqual(log, ["locked", "released"]);
  let drops = 0;
  const future = pollFn(() => PENDING, () => drops++);
  assert.throws(() => blockOn(future), (e: unknown) => e instanceof SpindleError && e.code === "DEADLOCK");
  assert.equal(drops, 1, "a future given to blockOn is dropped once");
});
