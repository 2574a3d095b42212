import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startWorker } from "@spindle/test-support";
import {
  blockOn,
  currentThreadId,
  PARK_CHECK_MS,
  PENDING,
  pollFn,
  recoverDeadThread,
  registerDeadThreadRecovery,
  type SharedWakerHandle,
  SpindleError,
  wakeShared,
  WakeTable,
  whileParked,
} from "./mod.ts";

const worker = startWorker(new URL("./test-support/wake-from-worker.ts", import.meta.url), null);
after(() => worker.terminate());

test("blockOn runs whileParked checks every PARK_CHECK_MS while it parks, and a check can wake the future", () => {
  let handle: SharedWakerHandle | null = null;
  let checks = 0;
  const stop = whileParked(() => {
    checks++;
    if (checks === 3) wakeShared(handle!); // as a check that found its thread dead fails its future
  });
  const start = performance.now();
  try {
    const output = blockOn(pollFn((cx) => {
      const table = WakeTable.forThisThread();
      if (handle === null) {
        handle = table.register(cx.waker);
        // A safety net for a blockOn that never runs the checks (the old code): the worker wakes
        // the future after 10 s, and the count of checks below fails.
        worker.postMessage({ kind: "wake", handle, delayMs: 10_000, times: 1 });
        return PENDING;
      }
      table.unregister(handle);
      return "woken";
    }));
    const elapsed = performance.now() - start;
    assert.equal(output, "woken");
    assert.equal(checks, 3);
    // Woken by the third check (the safety net's wake comes with no third check); not before two
    // check periods passed (a lower bound only: load makes checks later, never earlier).
    assert.ok(elapsed >= 2 * PARK_CHECK_MS, `woken after ${elapsed} ms`);
  } finally {
    stop();
  }
});

test("recoverDeadThread runs the recoveries registered on this thread for that thread only", () => {
  const calls: number[] = [];
  const target = {};
  registerDeadThreadRecovery(target, (_, id) => {
    calls.push(id);
    return id === 41 ? { what: "probe", threadId: id, counts: { things: 2 } } : null;
  });
  assert.deepEqual(recoverDeadThread(41), [{ what: "probe", threadId: 41, counts: { things: 2 } }]);
  assert.deepEqual(recoverDeadThread(42), []);
  assert.deepEqual(calls, [41, 42]);
});

test("recoverDeadThread refuses this live thread's id and ids that are not a thread's with INVALID_ARGUMENT naming them", () => {
  const calls: number[] = [];
  registerDeadThreadRecovery({}, (_, id) => (calls.push(id), null));
  const invalid = (shown: string) => (e: unknown): boolean =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("recoverDeadThread()") &&
    e.message.includes(shown);
  assert.throws(() => recoverDeadThread(currentThreadId()), invalid("this thread, which is alive"));
  // -1 is what Node leaves in worker.threadId once the worker exited: the usual mistake.
  for (
    const [id, shown] of [[-1, "got -1"], [NaN, "got NaN"], [1.5, "got 1.5"], ["3", 'got "3"'], [null, "got null"]]
  ) {
    assert.throws(() => recoverDeadThread(id as number), invalid(shown as string));
  }
  assert.deepEqual(calls, []);
});

test("whileParked and registerDeadThreadRecovery refuse what is not a function (or target) at once with INVALID_ARGUMENT", () => {
  const invalid = (what: string, shown: string) => (e: unknown): boolean =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(what) && e.message.includes(shown);
  // Accepted, they used to throw a TypeError from inside every later park check or recovery.
  assert.throws(() => whileParked(5 as never), invalid("whileParked()", "got 5"));
  assert.throws(
    () => registerDeadThreadRecovery({}, null as never),
    invalid("registerDeadThreadRecovery()", "got null"),
  );
  assert.throws(
    () => registerDeadThreadRecovery(7 as never, () => null),
    invalid("registerDeadThreadRecovery()", "got 7"),
  );
  assert.deepEqual(recoverDeadThread(43), []);
  assert.equal(blockOn(pollFn(() => "ready")), "ready");
});
