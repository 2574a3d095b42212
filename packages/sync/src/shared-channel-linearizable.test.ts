// A completed operation is seen by every later try-call (crossbeam-channel's `linearizable`, found
// failing by its port): a `tryRecv` after a send of this thread's own finds a value even while
// another thread is between its claim of the slot in front and its publish of it, and a `trySend`
// after a receive of this thread's own finds room even while another receiver is still reading
// the slot in front. Four threads, a channel of capacity 4.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startWorker } from "@spindle/test-support";
import { sharedChannel } from "./mod.ts";
import type { LinearizableData } from "./test-support/linearizable-worker.ts";

const THREADS = 4;
const COUNT = 50_000;
/** A hang bound for a loaded 2-vCPU machine, not a speed measure. */
const LIMIT_MS = 120_000;

for (const side of ["receive", "send"] as const) {
  test(`shared channel: a try-call after this thread's own ${side === "receive" ? "send finds a value" : "receive finds room"}, whatever the other threads are doing`, async () => {
    const [tx, rx] = sharedChannel<number>(THREADS, { slotBytes: 8 });
    if (side === "send") { for (let i = 0; i < THREADS; i++) assert.equal(tx.trySend(-1), true); }
    const url = new URL("./test-support/linearizable-worker.ts", import.meta.url);
    const workers = Array.from({ length: THREADS }, () => {
      const data: LinearizableData = { side, count: COUNT, tx: tx.handle(), rx: rx.handle() };
      return startWorker(url, data);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not done within ${LIMIT_MS} ms`)), LIMIT_MS);
      });
      const reports = workers.map((worker) =>
        new Promise<number[]>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
        })
      );
      const wrong = await Promise.race([Promise.all(reports), hang]);
      assert.deepEqual(wrong, [[], [], [], []], "iterations whose try-call answered wrong, per thread");
      assert.equal(rx.length, side === "receive" ? 0 : THREADS);
    } finally {
      clearTimeout(timer);
      tx.drop();
      rx.drop();
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  });
}
