// Port of piscina's test/abort-task.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README ("Deadlines, signals and stuck jobs").
// `pool.run(x, { signal })` is `runtime.spawnWith({ signal }, job, ...args)`; piscina's "The task
// has been aborted" is a `JobAbortedError` (name "AbortError", the signal's reason as `cause`).
// piscina aborts a task by terminating its worker; Spindle cancels a job at its next suspension
// point and terminates the worker only after `abortGraceMs`.
//
// Not portable:
// - "tasks can be aborted through EventEmitter while running": `signal` is an `AbortSignal` only
//   (an EventEmitter with an `abort` event is Node's own protocol); the AbortSignal form is the
//   first test. Its "before running" sibling is ported onto an AbortController.
// - "abortable tasks will not share workers (abortable posted second)" and "(on worker
//   available)": piscina's `concurrentTasksPerWorker` and its rule that an abortable task gets a
//   worker of its own (it can only abort by terminating it); a Spindle job that suspends always
//   shares its worker, and an abort does not need the worker.
// - The second "aborted AbortSignal rejects task immediately (with reason)" and "tasks can be
//   aborted through AbortController while running" (with a reason): the same code twice upstream.
import assert from "node:assert/strict";
import { test } from "node:test";
import { JobAbortedError, move } from "@spindle/workstealing";
import { hasName, within, withRuntime, wordReaches } from "./piscina/support.ts";

test("tasks can be aborted through AbortController while running", async () => {
  await withRuntime({ workers: 2 }, async (runtime, words) => {
    const controller = new AbortController();
    const handle = runtime.spawnWith({ signal: controller.signal }, "notifyThenSuspend", 0);
    await wordReaches(words, 0, 1, "the job starts");
    controller.abort();
    await assert.rejects(
      within("abort", 10_000, handle),
      (e) => e instanceof JobAbortedError && e.name === "AbortError",
    );
  });
});

test("tasks can be aborted through EventEmitter before running (onto an AbortController)", async () => {
  await withRuntime({ workers: 1, maxExtraMachines: 0 }, async (runtime, words) => {
    const first = runtime.spawn("blockUntilReleased", 0); // holds the one worker
    await wordReaches(words, 0, 1, "the first job starts");
    const controller = new AbortController();
    const second = runtime.spawnWith({ signal: controller.signal }, "blockUntilReleased", 2);
    assert.equal(runtime.queueSize, 1);
    controller.abort();
    assert.equal(runtime.queueSize, 0); // as piscina's: the aborted task left the queue at once
    await assert.rejects(within("abort", 10_000, second), hasName("AbortError"));
    Atomics.store(words, 1, 1);
    await within("first job", 10_000, first);
    assert.equal(Atomics.load(words, 2), 0, "the aborted job never ran");
  });
});

test("abortable tasks will not share workers (abortable posted first): a spinning job's abort frees its worker", async () => {
  // piscina terminates the worker; here the job never reaches a suspension point, so its worker is
  // terminated after abortGraceMs and replaced, and the job queued behind it runs.
  await withRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: 200 }, async (runtime, words) => {
    const controller = new AbortController();
    const spinning = runtime.spawnWith({ signal: controller.signal }, "spin", 0);
    await wordReaches(words, 1, 1, "the spinning job starts");
    const second = runtime.spawn("answer");
    assert.equal(runtime.queueSize, 1);
    controller.abort();
    await assert.rejects(within("abort", 20_000, spinning), hasName("AbortError"));
    assert.equal(await within("second job", 30_000, second), 42);
  });
});

test("abortable tasks will not share workers (destroy workers): a cancelling shutdown fails running and queued abortable jobs", async () => {
  await withRuntime({ workers: 1, maxExtraMachines: 0, abortGraceMs: 200 }, async (runtime) => {
    const first = runtime.spawn("sleepThen", 100, 1);
    const second = runtime.spawnWith({ signal: new AbortController().signal }, "sleepThen", 10_000, 2);
    const third = runtime.spawnWith({ signal: new AbortController().signal }, "sleepThen", 10_000, 3);
    assert.equal(await first, 1);
    const settled = Promise.allSettled([second, third]);
    await runtime.shutdown({ mode: "cancel" });
    for (const outcome of await settled) {
      assert.equal(outcome.status, "rejected");
      const name = (outcome.reason as Error).name;
      assert.ok(name === "CancelledError" || name === "RuntimeShutdownError", name);
    }
  });
});

test("aborted AbortSignal rejects task immediately", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const controller = new AbortController();
    controller.abort();
    assert.equal(controller.signal.aborted, true);
    const data = new Uint8Array(4); // piscina transfers it; move() copies it once, if the job runs
    await assert.rejects(
      Promise.resolve(runtime.spawnWith({ signal: controller.signal }, "movedLength", move(data))),
      hasName("AbortError"),
    );
    assert.equal(data.length, 4);
  });
});

test("task with AbortSignal cleans up properly", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    // Counts the signal's listeners through its own methods (getEventListeners is Node's).
    const controller = new AbortController();
    const signal = controller.signal;
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    for (let i = 0; i < 50; i++) assert.equal(await runtime.spawnWith({ signal }, "answer"), 42);
    assert.ok(listeners <= 1, `one signal used by 50 settled jobs holds ${listeners} listeners`);
    controller.abort(); // after they settled: changes nothing
    assert.equal(await runtime.spawn("answer"), 42);
  });
});

test("aborted AbortSignal rejects task immediately (with reason)", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const reason = new Error("custom reason");
    const controller = new AbortController();
    controller.abort(reason);
    assert.equal(controller.signal.reason, reason);
    const data = new Uint8Array(4);
    await assert.rejects(
      Promise.resolve(runtime.spawnWith({ signal: controller.signal }, "movedLength", move(data))),
      (e) => e instanceof JobAbortedError && e.cause === reason,
    );
    assert.equal(data.length, 4);
  });
});

test("tasks can be aborted through AbortController while running (with reason)", async () => {
  await withRuntime({ workers: 2 }, async (runtime, words) => {
    const reason = new Error("custom reason");
    const controller = new AbortController();
    const handle = runtime.spawnWith({ signal: controller.signal }, "notifyThenSuspend", 0);
    await wordReaches(words, 0, 1, "the job starts");
    controller.abort(reason);
    await assert.rejects(within("abort", 10_000, handle), (e) => e instanceof JobAbortedError && e.cause === reason);
  });
});
