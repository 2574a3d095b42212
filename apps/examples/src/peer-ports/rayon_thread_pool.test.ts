// Port of rayon-core's src/thread_pool/test.rs (rayon-rs/rayon c4dac9f82ee03f61e855075b668229a9e4d759ad)
// onto @spindle/workstealing, written from its README. A `ThreadPool` is a runtime,
// `pool.install(op)` is `runtime.spawn(op)`, dropping the pool is `shutdown()`, and
// `wait_until_stopped` is `runtime.machines` reaching 0. `num_threads(22)` is 8 workers here:
// 22 worker threads took 13 s to start on this 2-vCPU machine (measured, Node 24, load 2).
//
// Not portable:
// - panic_thread_name: there are no thread names (nor start and exit handlers).
// - mutual_install, mutual_install_sleepy, nested_scopes, nested_fifo_scopes: a job reaches only
//   its own runtime (`jobs.spawn`); a `Runtime` cannot be passed to another runtime's jobs.
// - scope_fifo_order, in_place_scope_fifo_no_deadlock, yield_local_to_spawn: no `scope_fifo` and
//   no `yield_local` (the same JavaScript as scope_lifo_order, in_place_scope_no_deadlock and
//   yield_now_to_spawn).
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { Runtime, UnsupportedOptionError } from "@spindle/workstealing";
import { PANIC } from "./rayon/jobs.ts";
import { JOBS, logged, ONE_THREAD, withPool } from "./rayon/support.ts";
import { until, within } from "./piscina/support.ts";

test("panic_propagate", async () => {
  await withPool({ workers: 2 }, async (runtime) => {
    await assert.rejects(Promise.resolve(runtime.spawn("fail", PANIC)), { message: PANIC });
  });
});

test("workers_stop", async () => {
  await withPool({ workers: 8 }, async (runtime) => {
    assert.equal(await within("joinALot", 120_000, runtime.spawn("joinALot", 12)), 4096);
    assert.equal(runtime.machines, 8);
    await within("shutdown", 60_000, runtime.shutdown());
    assert.equal(runtime.machines, 0, "every worker stopped");
  });
});

test("sleeper_stop", async () => {
  await withPool({ workers: 8 }, async (runtime) => {
    // Some of the workers fall asleep (park) with nothing to do.
    await until("a worker parks", () => runtime.metrics().parks > 0);
    await within("shutdown", 60_000, runtime.shutdown());
    assert.equal(runtime.machines, 0, "every worker stopped");
  });
});

test("failed_thread_stack", async () => {
  // A stack no thread can have: the start fails (Node's ERR_WORKER_INIT_FAILED), and does not hang
  // or leave threads behind (this file's process would not end). Deno applies only
  // maxOldGenerationSizeMb and Bun no limit: both refuse the option (README, resourceLimits).
  const start = Runtime.start(JOBS, { workers: 10, resourceLimits: { stackSizeMb: 1e12 } });
  if (process.versions.bun !== undefined || "Deno" in globalThis) {
    await assert.rejects(start, UnsupportedOptionError);
  } else {
    await assert.rejects(start, { code: "ERR_WORKER_INIT_FAILED" });
  }
});

test("self_install", async () => {
  // If the inner job waited for a free worker, nothing would ever run it.
  await withPool(ONE_THREAD, async (runtime) => {
    assert.equal(await within("installInside", 30_000, runtime.spawn("installInside")), true);
  });
});

test("check_thread_pool_new", async () => {
  await withPool({ workers: 8 }, async (runtime) => {
    assert.equal(runtime.machines, 8);
  });
});

test("scope_lifo_order", async () => {
  await withPool(ONE_THREAD, async (runtime, { log }) => {
    await runtime.spawn("scopePushTen");
    assert.deepEqual(logged(log), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });
});

test("spawn_lifo_order", async () => {
  await withPool(ONE_THREAD, async (runtime, { log }) => {
    await runtime.spawn("spawnPushTen");
    await until("10 pushes", () => Atomics.load(log, 0) >= 10);
    assert.deepEqual(logged(log), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });
});

test("spawn_fifo_order (onto the injector: jobs spawned from the runtime's thread)", async () => {
  // No spawn_fifo inside a job; jobs spawned from the runtime's thread go through the injector, a
  // FIFO (README, "How it schedules"). The only worker is held by a job until all ten are queued.
  await withPool(ONE_THREAD, async (runtime, { words, log }) => {
    const holder = runtime.spawn("barrier", 0, 2);
    await until("the worker is held", () => Atomics.load(words, 0) === 1);
    const pushes = Array.from({ length: 10 }, (_, i) => runtime.spawn("push", i));
    Atomics.store(words, 0, 2);
    Atomics.notify(words, 0);
    await holder;
    await Promise.all(pushes);
    assert.deepEqual(logged(log), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

test("in_place_scope_no_deadlock", async () => {
  // The only worker blocks its thread until a job of its scope has run: that job runs on an extra
  // machine (README, "Blocking resilience"), where rayon runs the scope's op on the caller's thread.
  await withPool({ workers: 1 }, async (runtime) => {
    assert.equal(await within("spawnThenBlock", 60_000, runtime.spawn("spawnThenBlock", 0)), 1);
  });
});

test("yield_now_to_spawn", async () => {
  // The spawned job must have run by the time the yield returns (one worker: nobody steals it).
  await withPool(ONE_THREAD, async (runtime) => {
    assert.equal(await runtime.spawn("spawnThenYield", 0), 22);
  });
});
