// Port of tinypool's test/runtime.test.ts (tinylibs/tinypool abc247f85cba0309e3f1e5655db1837a2a1c2483)
// onto @spindle/workstealing, written from its README. Workers are worker threads.
//
// Not portable:
// - worker_threads "sets tinypool state": `process.__tinypool_state__` is tinypool's own marker.
// - worker_threads "worker's threadId is used as threadId": the runtime does not list its workers'
//   thread ids (`pool.threads[0].threadId`); a job reads its own from `node:worker_threads`.
// - worker_threads "channel is closed when isolated", "... non-isolated": there is no per-task
//   `channel` option (a `sharedChannel` end in workerData serves every job).
// - every child_process test ("runs code in child_process", "sets tinypool state", "sub-process's
//   process ID is used as threadId", "child process workerId should be internal tinypool
//   workerId", "errors are serialized", "can send messages to port", "can send complex messages to
//   port", "channel is closed when isolated", "... non-isolated"), "runtime can be changed after
//   recycle", "isolated idle workers change runtime after recycle": there is no child-process
//   runtime.
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { withRuntime } from "./piscina/support.ts";

test("worker_threads: runs code in worker_threads", async () => {
  await withRuntime({ workers: 1 }, async (runtime) => {
    const result = await runtime.spawn("sumOnWorker", 11, 12);
    assert.equal(result.sum, 23);
    assert.equal(result.isMainThread, false);
    assert.equal(result.pid, process.pid);
  });
});
