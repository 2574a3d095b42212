// A queued job cancelled on one thread while its handle is joined on another (a worker's child
// that overflowed into the injector, cancelled by the runtime's thread in a cancelling shutdown):
// the handle fails once, in bounded time, with exactly the reason given, cause kept (an ordinary
// cancel: state CANCELLED), also when that reason is a RuntimeShutdownError or is named so; or,
// for the runtime's own cancel (state RUNTIME_CANCELLED), with a CancelledError made on the
// handle's thread whose cause is the reason. What the reason means travels in the record's state,
// never in the reason's class or name. The
// cancelling side below is what the runtime's thread does for each job it takes from the
// injector (`runtime.ts`, `#cancelTaken`); the joining side is the worker of
// `test-support/cancel-race-worker.ts`, which watches each handle's state in a busy loop, so that
// it reads the record the moment its state turns terminal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WakeTable } from "@spindle/core";
import { ValueEncoder } from "@spindle/codec";
import { request, workerPool } from "@spindle/test-support";
import { RuntimeShutdownError } from "./errors.ts";
import { CANCELLED, JOB, RUNTIME_CANCELLED } from "./job-record.ts";
import { RUNTIME_THREAD, SharedState, type SharedStateSetup } from "./shared-state.ts";
import type { CancelRaceReport, CancelRaceRun } from "./test-support/cancel-race-worker.ts";
import { sharedStateSetup } from "./test-support/shared-setup.ts";

const workers = workerPool(new URL("./test-support/cancel-race-worker.ts", import.meta.url), 1);
/** The worker's wake table, the same in every round (a thread adopts one table for good). */
const workerTable = WakeTable.createBuffer();

/** A runtime's shared state with one processor (participant 1: the worker), no machine running. */
function setupForOneWorker(): SharedStateSetup {
  return sharedStateSetup([workerTable], 64 << 20);
}

/** The reasons the test cancels with, by job number modulo 4, and how the handle must fail. */
const CASES = [
  // An ordinary cancel's reason, as given.
  {
    as: CANCELLED,
    reason: (job: number) => new Error(`reason ${job}`, { cause: { job } }),
    expected: (job: number) => ({ name: "Error", message: `reason ${job}`, isCancelledError: false, causeName: "" }),
  },
  // A RuntimeShutdownError given to an ordinary cancel: as given, not made a CancelledError's cause.
  {
    as: CANCELLED,
    reason: (job: number) => new RuntimeShutdownError(`child ${job}`, undefined, "the user", { cause: { job } }),
    expected: (job: number) => ({
      name: "RuntimeShutdownError",
      message: `cannot run job "child ${job}": the runtime was shut down by the user`,
      isCancelledError: false,
      causeName: "",
    }),
  },
  // Another class merely named so: as given too.
  {
    as: CANCELLED,
    reason: (job: number) =>
      Object.assign(new Error(`named ${job}`, { cause: { job } }), { name: "RuntimeShutdownError" }),
    expected: (job: number) => ({
      name: "RuntimeShutdownError",
      message: `named ${job}`,
      isCancelledError: false,
      causeName: "",
    }),
  },
  // The runtime's own cancel: a CancelledError of the handle's thread, the reason as its cause.
  {
    as: RUNTIME_CANCELLED,
    reason: (job: number) =>
      new RuntimeShutdownError(`child ${job}`, undefined, "close({ force: true })", { cause: { job } }),
    expected: () => ({
      name: "CancelledError",
      message: 'job "child" was cancelled',
      isCancelledError: true,
      causeName: "RuntimeShutdownError",
    }),
  },
] as const;

test("a job cancelled on another thread fails its handle with exactly the reason given (a RuntimeShutdownError too), or, cancelled by the runtime, with a CancelledError caused by it; cause kept, once", async () => {
  const n = 500;
  const limitMs = 20_000; // generous for a loaded 2-vCPU machine; a run takes well under a second
  const [worker] = await workers();
  for (let round = 0; round < 3; round++) {
    const setup = setupForOneWorker();
    const shared = new SharedState(setup, RUNTIME_THREAD);
    const encoder = new ValueEncoder();
    encoder.useHeap(setup.heap);
    const turn = new Int32Array(new SharedArrayBuffer(4));
    const run: CancelRaceRun = { setup, n, turn: turn.buffer as SharedArrayBuffer, limitMs };
    const report = request<CancelRaceReport>(worker!, run);
    // Every job in the injector, oldest first (the worker pushes them in job order)...
    const ids: number[] = [];
    const deadline = performance.now() + limitMs;
    while (ids.length < n && performance.now() < deadline) {
      if (shared.injector.popBatch(ids, n) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(ids.length, n, "every job reached the injector in time");
    // ...then each cancelled as soon as the worker watches its handle.
    let cancelled = 0;
    for (const id of ids) {
      const job = Atomics.load(shared.records.words, id + JOB);
      const { as, reason } = CASES[job % CASES.length]!;
      const length = encoder.encode(reason(job), "child", "error");
      while (Atomics.load(turn, 0) !== job + 1 && performance.now() < deadline);
      assert.ok(shared.records.cancelQueued(id, encoder, length, as), `job ${job} was still queued`);
      shared.records.release(id);
      cancelled++;
    }
    assert.equal(cancelled, n);
    const { outcomes, live } = await report;
    for (let job = 0; job < n; job++) {
      const outcome = outcomes[job];
      assert.ok(
        outcome !== null && outcome !== undefined,
        `round ${round}: job ${job}'s handle did not settle within ${limitMs} ms`,
      );
      assert.deepEqual(
        outcome,
        { ok: false, ...CASES[job % CASES.length]!.expected(job), causeJob: job, settlements: 1 },
        `round ${round}: job ${job}'s handle`,
      );
    }
    assert.equal(live, 0, `round ${round}: every job settled exactly once (spawned - settled)`);
  }
});
