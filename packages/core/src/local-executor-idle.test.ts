import assert from "node:assert/strict";
import { test } from "node:test";
import { LocalExecutor, PENDING, pollFn, type Waker } from "./mod.ts";

/** A future that stays pending until `release()` wakes it. */
function gate(): { future: ReturnType<typeof pollFn<string>>; release: () => void } {
  let waker: Waker | null = null;
  let open = false;
  const future = pollFn((cx) => {
    if (open) return "released";
    waker = cx.waker.clone();
    return PENDING;
  });
  const release = (): void => {
    open = true;
    waker?.wake();
  };
  return { future, release };
}

test("onIdle that calls again is called again after a host turn instead of parking, until it stops asking", async () => {
  const { future, release } = gate();
  const events: string[] = [];
  let calls = 0;
  const executor = new LocalExecutor({
    onIdle: (again) => {
      calls++;
      events.push(`idle ${calls}`);
      if (calls === 1) setImmediate(() => events.push("host turn"));
      if (calls < 3) again();
      else setTimeout(release, 5);
    },
  });
  const handle = executor.spawn(future);
  await executor.run();
  assert.equal(await handle, "released");
  // The host ran between the first two calls; after the third the executor parked until the wake,
  // and became idle no more (the task completed).
  assert.deepEqual(events, ["idle 1", "host turn", "idle 2", "idle 3"]);
});

test("again called while the executor is parked resumes it, and it calls onIdle again", async () => {
  const { future, release } = gate();
  let calls = 0;
  const executor = new LocalExecutor({
    onIdle: (again) => {
      calls++;
      if (calls === 1) setTimeout(again, 5); // later, while parked
      if (calls === 2) release();
    },
  });
  const handle = executor.spawn(future);
  await executor.run();
  assert.equal(await handle, "released");
  assert.equal(calls, 2);
});

test("close() called from onIdle ends run(): the waiting tasks are cancelled, their finally blocks run once", async () => {
  const { future } = gate(); // never released
  let finallies = 0;
  const executor = new LocalExecutor({ onIdle: () => executor.close() });
  const handle = executor.spawn(function* () {
    try {
      return yield* future;
    } finally {
      finallies++;
    }
  }());
  const outcome = await Promise.race([
    executor.run().then(() => "settled"),
    new Promise((resolve) => setTimeout(resolve, 5_000, "run() still pending after 5 s")),
  ]);
  assert.equal(outcome, "settled");
  assert.equal(finallies, 1);
  assert.equal(handle.isFinished, true);
});
