// Arguments a JavaScript caller may pass that throw when read (a revoked Proxy, a getter that
// throws, an object that only inherits from AbortSignal): each is INVALID_ARGUMENT naming what it
// was for, with the read's error as cause, and nothing was spawned for it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { defineJobs, join, move, Runtime, scope, UnknownJobError } from "./mod.ts";
import { settleWithin, startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const throwingGetter = (name: string): object =>
  Object.defineProperty({}, name, {
    enumerable: true,
    get() {
      throw new Error(`reading ${name}`);
    },
  });

/** An INVALID_ARGUMENT whose message says `needs` and whose cause is the read's error. */
const unreadable = (needs: RegExp) => (error: unknown): boolean =>
  error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && needs.test(error.message) &&
  error.cause instanceof Error;

test("Runtime.start with options, a queue, resourceLimits, a timer or a job module that cannot be read is INVALID_ARGUMENT", async () => {
  // Before: a revoked Proxy threw the engine's TypeError from inside start(), a getter its own error.
  const start = (options: unknown, module: unknown = TEST_JOBS) => Runtime.start(module as URL, options as never);
  await assert.rejects(start(revoked()), unreadable(/Runtime\.start\(\) needs options/));
  await assert.rejects(start(throwingGetter("workers")), unreadable(/Runtime\.start\(\) needs options/));
  await assert.rejects(start({ workers: 1, queue: revoked() }), unreadable(/queue option/));
  await assert.rejects(start({ workers: 1, queue: throwingGetter("limit") }), unreadable(/queue option/));
  await assert.rejects(start({ workers: 1, resourceLimits: revoked() }), unreadable(/resourceLimits/));
  await assert.rejects(start({ workers: 1, timer: revoked() }), unreadable(/timer option/));
  await assert.rejects(start({ workers: 1 }, revoked()), unreadable(/needs a job module/));
  await assert.rejects(
    start({ workers: 1, queue: 5 }),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /queue option's options/.test(e.message),
    "a queue option that is not an object was taken as no bound",
  );
});

test("Runtime.start reads each option once: a queue getter that throws on its second read starts a bounded runtime", async () => {
  let reads = 0;
  const queue = {
    get limit(): number {
      if (reads++ > 0) throw new Error("read twice");
      return 1;
    },
  };
  const runtime = await Runtime.start(TEST_JOBS, { workers: 1, queue });
  try {
    assert.equal(reads, 1);
  } finally {
    await runtime.shutdown();
  }
});

test("spawnWith, map and shutdown refuse options that cannot be read, and a fake AbortSignal spawns nothing", async () => {
  const { runtime } = await startTestRuntime({ workers: 1 });
  try {
    const fakeSignal = Object.create(AbortSignal.prototype) as AbortSignal;
    // Before: this signal passed `instanceof`, its `aborted` read threw after the job's record was
    // made, and that job never settled: the draining shutdown below waited for ever.
    assert.throws(() => runtime.spawnWith({ signal: fakeSignal }, "add", 1, 2), unreadable(/signal option/));
    assert.throws(() => runtime.spawnWith(revoked() as never, "add", 1, 2), unreadable(/spawnWith\(\) needs options/));
    assert.throws(() => runtime.spawnWith({ signal: revoked() as never }, "add", 1, 2), unreadable(/signal option/));
    await assert.rejects(runtime.map("echo", [1], { signal: fakeSignal }), unreadable(/signal option/));
    await assert.rejects(runtime.map("echo", revoked() as never), unreadable(/map\(\) items/));
    await assert.rejects(runtime.map("echo", [1], revoked() as never), unreadable(/map\(\) needs options/));
    await assert.rejects(runtime.map("echo", [1], throwingGetter("chunkSize")), unreadable(/map\(\) needs options/));
    assert.throws(() => runtime.shutdown(revoked() as never), unreadable(/shutdown\(\) needs options/));
    assert.throws(
      () => move(revoked() as never),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /move\(\)/.test(e.message),
    );
    assert.throws(
      () => (runtime.spawn as (name: unknown) => unknown)(revoked()),
      (e) => e instanceof UnknownJobError && e.job === "an object",
      "an unknown job name that cannot be read is still an UnknownJobError",
    );
    assert.equal(runtime.liveJobs, 0, "no job was spawned by a refused call");
    assert.equal(await runtime.spawnWith({ signal: new AbortController().signal }, "add", 1, 2), 3);
  } finally {
    const outcome = await settleWithin(runtime.shutdown(), "the draining shutdown", 30_000);
    assert.equal(outcome.status, "fulfilled");
  }
});

test("defineJobs, join and scope refuse a job object, handle or job set that cannot be read", () => {
  // Before: the engine's TypeError (a revoked Proxy) or the getter's own error came out of each.
  assert.throws(() => defineJobs(revoked() as never), unreadable(/defineJobs\(\) needs an object of job functions/));
  assert.throws(() => defineJobs(throwingGetter("fib") as never), unreadable(/defineJobs\(\) needs an object/));
  assert.throws(() => join(revoked() as never, revoked() as never), unreadable(/join\(\) takes two job handles/));
  assert.throws(() => scope(revoked() as never, function* () {}), unreadable(/scope\(\) takes the job set/));
  assert.throws(
    () => scope(throwingGetter("spawn") as never, function* () {}),
    unreadable(/scope\(\) takes the job set/),
  );
});
