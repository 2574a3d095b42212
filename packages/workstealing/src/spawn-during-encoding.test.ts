// A getter of an argument or result that spawns a job runs while the runtime (or the worker's
// machine) is encoding: the nested spawn must not touch the encoding in progress.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withRuntime } from "@spindle/test-support";
import { type JobHandle, Runtime, RuntimeShutdownError } from "./mod.ts";
import type jobs from "./test-support/encoding-jobs.ts";

const ENCODING_JOBS = new URL("./test-support/encoding-jobs.ts", import.meta.url);

test("runtime.spawn inside a getter of another spawn's argument: both jobs get their own arguments", async () => {
  await withRuntime(Runtime.start<typeof jobs>(ENCODING_JOBS, { workers: 2 }), async (runtime) => {
    const inner: JobHandle<unknown>[] = [];
    const argument = {
      a: 1,
      get b() {
        inner.push(runtime.spawn("echo", { nested: [1, 2, 3], text: "inner" }));
        inner.push(runtime.spawn("add", 2, 3));
        return 2;
      },
      c: 3,
      d: 4,
    };
    // On the old encoder this came back as 4: the nested encodings overwrote the outer one.
    assert.deepEqual(await runtime.spawn("echo", argument), { a: 1, b: 2, c: 3, d: 4 });
    assert.deepEqual(await Promise.all(inner), [{ nested: [1, 2, 3], text: "inner" }, 5]);
    assert.deepEqual(await runtime.spawn("echo", [argument, argument]), [{ a: 1, b: 2, c: 3, d: 4 }, {
      a: 1,
      b: 2,
      c: 3,
      d: 4,
    }]);
    assert.equal(inner.length, 4, "the getter ran once: the second reference is a back-reference");
    assert.deepEqual(await Promise.all(inner.slice(2)), [{ nested: [1, 2, 3], text: "inner" }, 5]);
  });
});

test("jobs.spawn inside getters on a worker, of a child's argument and of a result, corrupts nothing", async () => {
  await withRuntime(Runtime.start<typeof jobs>(ENCODING_JOBS, { workers: 2 }), async (runtime) => {
    assert.deepEqual(await runtime.spawn("spawnInArgumentGetter"), [{ a: "a", b: "b", c: "c", d: "d" }, 42]);
    assert.deepEqual(await runtime.spawn("spawnInResultGetter"), { a: 1, b: 2, c: 3, d: 4 });
  });
});

test("a getter that throws while spawn encodes fails that spawn only, with the getter's error", async () => {
  await withRuntime(Runtime.start<typeof jobs>(ENCODING_JOBS, { workers: 2 }), async (runtime) => {
    const failure = new Error("getter failed");
    const before = runtime.liveJobs;
    for (let i = 0; i < 1_000; i++) {
      const argument = {
        big: "x".repeat(4096), // past a record's inline bytes, so a payload block would be needed
        get bad(): never {
          throw failure;
        },
      };
      assert.throws(() => runtime.spawn("echo", argument), (error) => error === failure);
    }
    assert.equal(runtime.liveJobs, before, "no job was created for a failed spawn");
    assert.deepEqual(await runtime.spawn("echo", { after: "x".repeat(4096).length }), { after: 4096 });
  });
});

test("a getter that shuts the runtime down while spawn encodes makes that spawn throw RuntimeShutdownError", async () => {
  for (const mode of ["drain", "cancel"] as const) {
    const runtime = await Runtime.start<typeof jobs>(ENCODING_JOBS, { workers: 1 });
    let stopped: Promise<void> | undefined;
    const argument = {
      get x() {
        stopped = runtime.shutdown({ mode });
        return 1;
      },
    };
    // Before, the job was queued after the shutdown had begun: its handle and the shutdown hung.
    assert.throws(() => runtime.spawn("echo", argument), (error) => error instanceof RuntimeShutdownError, mode);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise((
      _,
      reject,
    ) => (timer = setTimeout(() => reject(new Error(`shutdown (${mode}) still pending after 10 s`)), 10_000)));
    try {
      await Promise.race([stopped, limit]);
    } finally {
      clearTimeout(timer);
    }
  }
});
