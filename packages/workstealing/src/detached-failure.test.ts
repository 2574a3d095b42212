// A job whose handle was detached and that then fails reports its error on the runtime's thread
// (`onUnhandledError`, else an unhandled rejection), as core's LocalExecutor does for a detached
// task; a detached job that succeeds or is cancelled reports nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { SpindleError } from "@spindle/core";
import { runScript, runtime, until } from "@spindle/test-support";
import { Runtime, type UnhandledJobInfo } from "./mod.ts";
import { startTestRuntime, TEST_JOBS } from "./test-support/runtime.ts";

interface Report {
  readonly error: unknown;
  readonly info: UnhandledJobInfo;
}

async function reportingRuntime(): Promise<
  { reports: Report[]; started: Awaited<ReturnType<typeof startTestRuntime>> }
> {
  const reports: Report[] = [];
  const started = await startTestRuntime({ onUnhandledError: (error, info) => reports.push({ error, info }) });
  return { reports, started };
}

test(`${runtime}: a detached job that fails reaches onUnhandledError once, with its error as its handle throws it`, async () => {
  const { reports, started: { runtime: rt } } = await reportingRuntime();
  try {
    rt.spawn("checkItem", -1).detach(); // most likely detached before it ran: the worker lists it
    await until(() => reports.length === 1, "the report of the detached failure");
    const [report] = reports;
    assert.ok(report !== undefined);
    assert.equal(report.info.job, "checkItem");
    assert.equal(typeof report.info.id, "number");
    assert.ok(report.error instanceof RangeError, String(report.error));
    assert.equal(report.error.message, "item -1");
    assert.deepEqual(report.error.cause, { item: -1 }, "the cause is kept");
  } finally {
    await rt.shutdown();
  }
  assert.equal(reports.length, 1, "reported once, shutdown included");
});

test(`${runtime}: a handle detached after its job failed reports the error too`, async () => {
  const { reports, started: { runtime: rt } } = await reportingRuntime();
  try {
    const handle = rt.spawn("fail", "TypeError", "settled first");
    await until(() => handle.isFinished, "the job's failure");
    assert.equal(reports.length, 0, "not reported while its handle may still be joined");
    handle.detach(); // the handle's is the last reference: its thread lists the record
    await until(() => reports.length === 1, "the report of the detached failure");
    const error = reports[0]?.error;
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, "settled first");
    assert.equal(reports[0]?.info.job, "fail");
  } finally {
    await rt.shutdown();
  }
  assert.equal(reports.length, 1);
});

test(`${runtime}: a child detached on a worker that fails is reported on the runtime's thread`, async () => {
  const { reports, started: { runtime: rt } } = await reportingRuntime();
  try {
    assert.equal(await rt.spawn("detachFailingChild", "child failed"), 1);
    await until(() => reports.length === 1, "the report of the detached child's failure");
    assert.ok(reports[0]?.error instanceof RangeError);
    assert.equal(reports[0].error.message, "child failed");
    assert.equal(reports[0].info.job, "fail");
  } finally {
    await rt.shutdown();
  }
  assert.equal(reports.length, 1);
});

test(`${runtime}: detached jobs that succeed or are aborted report nothing`, async () => {
  const { reports, started: { runtime: rt, counters } } = await reportingRuntime();
  try {
    rt.spawn("add", 1, 2).detach();
    const running = rt.spawn("guarded", 0);
    await until(() => Atomics.load(counters, 0) === 1, "the guarded job's start");
    running.abort();
    running.detach();
    const settled = rt.spawn("guarded", 1);
    await until(() => Atomics.load(counters, 1) === 1, "the second guarded job's start");
    settled.abort();
    await until(() => settled.isFinished, "the aborted job's cancellation");
    settled.detach();
    // A detached failure after them, so that reports are known to be up to date when it arrives.
    rt.spawn("fail", "RangeError", "marker").detach();
    await until(() => reports.length >= 1 && rt.liveJobs === 0, "the marker's report");
    assert.equal(Atomics.load(counters, 0), 2, "the running job was cancelled");
  } finally {
    await rt.shutdown();
  }
  assert.deepEqual(reports.map(({ info }) => info.job), ["fail"]);
});

test(`${runtime}: a cancelling shutdown's detached jobs report nothing`, async () => {
  const { reports, started: { runtime: rt, counters } } = await reportingRuntime();
  rt.spawn("guarded", 0).detach();
  await until(() => Atomics.load(counters, 0) === 1, "the guarded job's start");
  for (let i = 0; i < 4; i++) rt.spawn("add", i, i).detach();
  await rt.shutdown({ mode: "cancel" });
  assert.equal(Atomics.load(counters, 0), 2, "the running job was cancelled");
  assert.equal(reports.length, 0);
});

test(`${runtime}: onUnhandledError must be a function`, async () => {
  await assert.rejects(
    Runtime.start(TEST_JOBS, { workers: 1, onUnhandledError: "log" as never }),
    (error) =>
      error instanceof SpindleError && error.code === "INVALID_ARGUMENT" &&
      /onUnhandledError.*"log"/.test(error.message),
  );
});

test(`${runtime}: without onUnhandledError a detached job's failure is an unhandled rejection that ends the process`, async () => {
  const script = fileURLToPath(new URL("./test-support/detached-failure.ts", import.meta.url));
  const result = await runScript(script, 60_000);
  assert.notEqual(result.code, 0, `exit code ${result.code}; stdout: ${result.stdout}`);
  assert.doesNotMatch(result.stdout, /not reported/);
  assert.match(result.stderr, /nobody joins this/);
});
