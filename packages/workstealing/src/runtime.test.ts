import assert from "node:assert/strict";
import { test } from "node:test";
import { threadId } from "node:worker_threads";
import { blockOn, type Coroutine, LocalExecutor, SpindleError } from "@spindle/core";
import { withRuntime } from "@spindle/test-support";
import { type JobHandle, Runtime, RuntimeShutdownError, UncloneableValueError, UnknownJobError } from "./mod.ts";
import { startTestRuntime } from "./test-support/runtime.ts";
import testJobs from "./test-support/test-jobs.ts";

function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

test("a job runs on a worker thread and its result comes back", async () => {
  await withRuntime(startTestRuntime(), async ({ runtime }) => {
    assert.equal(await runtime.spawn("add", 2, 40), 42);
    const worker = await runtime.spawn("whoami");
    assert.notEqual(worker, threadId);
  });
});

test("fork/join fib and a parallel sum equal the sequential results", async () => {
  await withRuntime(startTestRuntime(), async ({ runtime }) => {
    assert.equal(await runtime.spawn("fib", 24, 10), fibSequential(24));
    const stats = runtime.stats();
    const run = stats.reduce((total, worker) => total + worker.jobsRun, 0);
    assert.ok(run >= 1_000, `the fork/join tree's jobs were counted (${run})`);
    assert.ok(stats.some((worker) => worker.steals > 0), "an idle worker stole children");
    const values = Float64Array.from({ length: 100_000 }, (_, i) => (i % 97) * 0.5);
    const expected = values.reduce((a, b) => a + b, 0);
    assert.equal(await runtime.spawn("sum", values, 1_000), expected);
  });
});

test("the job module's spawn, workerData and timer fail clearly outside a job", () => {
  const outside = (operation: string) => (error: unknown) =>
    error instanceof SpindleError && error.code === "INVALID_ARGUMENT" &&
    error.message.startsWith(`${operation} works inside a job`);
  assert.throws(() => testJobs.spawn("add", 1, 2), outside('jobs.spawn("add")'));
  assert.throws(() => testJobs.workerData, outside("jobs.workerData"));
  assert.throws(() => testJobs.timer, outside("jobs.timer"));
});

test("a child joined in place gets its arguments as they were at spawn", async () => {
  await withRuntime(startTestRuntime(), async ({ runtime }) => {
    // Objects are copied at spawn even when the joiner runs the child itself; primitives may be
    // handed over as they are (they cannot change), and come back equal either way.
    assert.deepEqual(await runtime.spawn("spawnThenChange"), { n: 1, list: [1] });
    assert.equal(await runtime.spawn("fib", 16, 4), fibSequential(16));
  });
});

test("plain data, typed arrays and errors cross intact", async () => {
  await withRuntime(startTestRuntime(), async ({ runtime }) => {
    const value = {
      n: -0,
      big: 2n ** 70n,
      when: new Date(5),
      map: new Map([["k", [1, "x", null]]]),
      bytes: new Uint8Array([1, 2, 3]),
    };
    assert.deepEqual(await runtime.spawn("echo", value), value);
    await assert.rejects(Promise.resolve(runtime.spawn("fail", "RangeError", "out of range")), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "out of range");
      assert.match(error.stack ?? "", /test-jobs\.ts/); // the stack of the worker that threw
      return true;
    });
    await assert.rejects(Promise.resolve(runtime.spawn("failCustom", "bad token")), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, "ParseError");
      assert.equal(error.message, "bad token");
      assert.equal((error as { code?: number }).code, 42);
      return true;
    });
  });
});

test("a child's error reaches the parent that joins it", async () => {
  await withRuntime(startTestRuntime(), async ({ runtime }) => {
    assert.equal(await runtime.spawn("catchChild", "RangeError", "inner"), "RangeError: inner; finished true");
  });
});

test("bad input fails at spawn, naming the job and the value", async () => {
  const stopped = await withRuntime(startTestRuntime({ workers: 1 }), async ({ runtime }) => {
    assert.throws(
      // @ts-expect-error: no such job
      () => runtime.spawn("nope"),
      (error: unknown) =>
        error instanceof UnknownJobError && /"nope"/.test(error.message) && /"add"/.test(error.message),
    );
    assert.throws(
      () => runtime.spawn("echo", { callback: () => 1 }),
      (error: unknown) =>
        error instanceof UncloneableValueError && /job "echo"/.test(error.message) &&
        /args\[0\]\.callback/.test(error.message),
    );
    // Errors cross as their name, message and stack (a class of the worker's is not this thread's).
    await assert.rejects(Promise.resolve(runtime.spawn("returnFunction")), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, "UncloneableValueError");
      assert.match(error.message, /job "returnFunction": result\.callback \(function callback\) cannot cross threads/);
      return true;
    });
    // Options that are not an object: a TypeError from reading `null.mode` before.
    assert.throws(
      () => runtime.shutdown(null as never),
      (e: unknown) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" &&
        /shutdown\(\)'s options .* got null/.test(e.message),
    );
    await assert.rejects(
      Runtime.start(new URL("./test-support/test-jobs.ts", import.meta.url), 5 as never),
      (e: unknown) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" &&
        /Runtime\.start\(\)'s options .* got 5/.test(e.message),
    );
    // workerData no worker can receive: the engine's DataCloneError, naming no option, before.
    await assert.rejects(
      Runtime.start(new URL("./test-support/test-jobs.ts", import.meta.url), { workerData: { f: () => 1 } }),
      (e: unknown) =>
        e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /^workerData must be/.test(e.message) &&
        e.cause instanceof Error,
    );
    assert.equal(await runtime.spawn("add", 1, 1), 2); // the runtime still works
    return runtime;
  });
  assert.throws(() => stopped.spawn("add", 1, 2), RuntimeShutdownError);
});

function* joinBoth(a: JobHandle<number>, b: JobHandle<number>): Coroutine<number> {
  return (yield* a) + (yield* b);
}

test("handles are futures: joined from a coroutine on the spawning thread", async () => {
  await withRuntime(startTestRuntime(), async ({ runtime }) => {
    const executor = new LocalExecutor();
    const total = executor.spawn(joinBoth(runtime.spawn("add", 1, 2), runtime.spawn("add", 3, 4)));
    await executor.run();
    assert.equal(await total, 10);
    assert.equal(blockOn(runtime.spawn("add", 5, 5)), 10); // blockOn parks this thread until the worker wakes it
  });
});
