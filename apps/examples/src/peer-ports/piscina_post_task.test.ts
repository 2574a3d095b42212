// Port of piscina's test/post-task.ts (piscinajs/piscina 4e9791fd46b61c638e7ad05f14ec4540d40898aa)
// onto @spindle/workstealing, written from its README. `pool.run(task, { name })` is
// `runtime.spawn(name, ...args)` and `spawnWith(options, name, ...args)`; bad arguments throw at
// the spawn (piscina rejects the task's promise). `Piscina.move` / `transferList` is `move()`,
// which copies a buffer once into the shared heap: the sender keeps its buffer (piscina's
// transfer detaches it). piscina's `drain` and `needsDrain` events are the runtime's events of those
// names (`runtime.addEventListener`), which its monitor finds up to 10 ms late: the ports await them
// where piscina's emit synchronously has fired by the time its jobs settled.
//
// Not portable:
// - "validates transferList": there is no transfer list (`move(buffer)` marks a buffer).
// - "validates filename": one job module per runtime, given to `Runtime.start` (its validation is
//   ported in piscina_option_validation).
// - "Piscina can use async loaded esm workers": the same module as "async loaded workers" (ESM
//   only: there is no CommonJS form to tell apart).
// - The first "Piscina.minThreads should return ... (default)" test reads the default
//   `minThreads`; `minWorkers` defaults to `workers`, so the default pool's minimum is the
//   "maxThreads (default)" test's machine count, the same call.
import assert from "node:assert/strict";
import os from "node:os";
import { test } from "node:test";
import { MessageChannel } from "node:worker_threads";
import { SpindleError } from "@spindle/core";
import { move, QueueFullError, Runtime, UncloneableValueError, UnknownJobError } from "@spindle/workstealing";
import type asyncJobs from "./piscina/async-jobs.ts";
import { until, within, withRuntime, wordReaches } from "./piscina/support.ts";

const invalid = (shown: string) => (e: unknown) =>
  e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(shown);

test("postTask() can transfer ArrayBuffer instances (copied once by move)", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const ab = new ArrayBuffer(40);
    assert.equal(await runtime.spawn("movedLength", move(ab)), 40);
    await until("the job is counted", () => runtime.completed === 1);
    assert.equal(ab.byteLength, 40, "not detached: move() copies");
  });
});

test("postTask() cannot clone build-in objects", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const { port1, port2 } = new MessageChannel();
    try {
      assert.throws(
        () => runtime.spawn("echo", { obj: port1 }),
        (e) => e instanceof UncloneableValueError && /args\[0\]\.obj/.test(e.message),
      );
    } finally {
      port1.close();
      port2.close();
    }
  });
});

test("postTask() resolves with a rejection when the handler rejects", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("rejectWith", "foo")), /foo/);
    // An async function job is awaited on its worker (README, "What a job is").
    assert.equal(await runtime.spawn("asyncAnswer"), 42);
  });
});

test("postTask() resolves with a rejection when the handler throws", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("throwError", "foo")), /foo/);
  });
});

test("postTask() validates name", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const untyped = runtime.spawn.bind(runtime) as (name: unknown) => unknown; // as from JavaScript
    assert.throws(() => untyped(42), (e) => e instanceof UnknownJobError && e.message.includes("42"));
  });
});

test("postTask() validates abortSignal", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.throws(() => runtime.spawnWith({ signal: 42 as never }, "answer"), invalid("42"));
  });
});

test("Piscina emits drain", async () => {
  await withRuntime({ workers: 1, maxExtraMachines: 0, queue: { limit: 1 } }, async (runtime, words) => {
    const running = runtime.spawn("blockUntilReleased", 0);
    await wordReaches(words, 0, 1, "the worker is held");
    let needsDrain = true;
    const drained = new Promise<void>((resolve) =>
      runtime.addEventListener("drain", () => {
        needsDrain = runtime.needsDrain;
        resolve();
      }, { once: true })
    );
    const queued = [runtime.spawn("answer"), runtime.spawn("answer")]; // the second waits for room
    assert.equal(runtime.needsDrain, true);
    Atomics.store(words, 1, 1);
    await within("jobs", 30_000, Promise.all([running, ...queued]));
    await within("the drain event", 30_000, drained);
    assert.equal(needsDrain, false);
  });
});

test("Piscina exposes/emits needsDrain to true when capacity is exceeded", async () => {
  await withRuntime(
    { workers: 1, maxExtraMachines: 0, queue: { limit: 3, whenFull: "reject" } },
    async (runtime, words) => {
      const handles = [runtime.spawn("blockUntilReleased", 0)];
      await wordReaches(words, 0, 1, "the worker is held");
      const triggered = new Promise<void>((resolve) =>
        runtime.addEventListener("needsDrain", () => resolve(), { once: true })
      );
      const drained = new Promise<void>((resolve) =>
        runtime.addEventListener("drain", () => resolve(), { once: true })
      );
      for (let i = 0; i < 3; i++) handles.push(runtime.spawn("answer"));
      assert.equal(runtime.needsDrain, true);
      assert.throws(() => runtime.spawn("answer"), QueueFullError);
      await within("the needsDrain event", 30_000, triggered); // the worker is still held: the queue stays full
      Atomics.store(words, 1, 1);
      await within("jobs", 30_000, Promise.all(handles));
      await within("the drain event", 30_000, drained);
      assert.equal(runtime.needsDrain, false);
    },
  );
});

test("Piscina can use async loaded workers", async () => {
  const runtime = await Runtime.start<typeof asyncJobs>(new URL("./piscina/async-jobs.ts", import.meta.url), {
    workers: 1,
  });
  try {
    assert.equal(await runtime.spawn("echo", 1), 1);
  } finally {
    await runtime.shutdown();
  }
});

test("Piscina.run options is correct type", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    assert.throws(() => runtime.spawnWith(1 as never, "answer"), invalid("1"));
  });
});

test("Piscina.maxThreads should return the max number of threads to be used (default)", async () => {
  // workers defaults to the available parallelism (piscina: 1.5 times it), all started.
  const parallelism = os.availableParallelism?.() ?? os.cpus().length;
  await withRuntime({}, async (runtime) => {
    assert.equal(runtime.machines, Math.min(parallelism, 256));
  });
});

test("Piscina.maxThreads should return the max number of threads to be used (custom)", async () => {
  await withRuntime({ workers: 3 }, async (runtime) => {
    assert.equal(runtime.machines, 3);
  });
});

test("Piscina.minThreads should return the max number of threads to be used (custom)", async () => {
  await withRuntime({ workers: 3, minWorkers: 2 }, async (runtime) => {
    assert.equal(runtime.machines, 2);
  });
});
