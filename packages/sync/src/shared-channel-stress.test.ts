// Four worker threads each send and receive on one shared channel at random (awaited futures,
// futures dropped mid-send and mid-receive, futures whose end was dropped under them, try* and
// blocking calls with timeouts; one thread's receiver leaves for good halfway, each producer's
// sender when it is done): every message is received exactly once and each receiver sees each
// producer's messages in the order sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Worker } from "node:worker_threads";
import { startWorker } from "@spindle/test-support";
import { sharedChannel } from "./mod.ts";
import type { StressData, StressMessage, StressReport } from "./test-support/shared-channel-worker.ts";

const THREADS = 4;
const PER_PRODUCER = 3_000;
/**
 * A hang bound for a loaded 2-vCPU machine, not a speed measure: a run takes 1–7 s on Node and Bun,
 * 25–40 s on Deno (which type-checks each worker's module graph as it starts).
 */
const LIMIT_MS = 150_000;

for (const capacity of [1, 16]) {
  test(`shared channel (capacity ${capacity}): 4 threads sending and receiving at random, receives and sends dropped mid-way, ends dropped under pending futures and for good: exactly once, per-producer order`, async () => {
    const [tx, rx] = sharedChannel<StressMessage>(capacity, { slotBytes: 96 });
    const workers: Worker[] = [];
    const reports: Promise<StressReport>[] = [];
    const sent: Promise<void>[] = [];
    const url = new URL("./test-support/shared-channel-worker.ts", import.meta.url);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (let index = 0; index < THREADS; index++) {
        const data: StressData = {
          index,
          count: PER_PRODUCER,
          seed: 1000 * capacity + index,
          quitAfter: index === THREADS - 1 ? PER_PRODUCER / 2 : undefined,
          tx: tx.handle(),
          rx: rx.handle(),
        };
        const worker = startWorker(url, data);
        workers.push(worker);
        let doneSending!: () => void;
        sent.push(new Promise((resolve) => (doneSending = resolve)));
        reports.push(
          new Promise((resolve, reject) => {
            worker.on("message", (message: "sent" | StressReport) => {
              if (message === "sent") doneSending();
              else resolve(message);
            });
            worker.on("error", reject);
            worker.on("exit", (code) => reject(new Error(`worker ${index} exited (${code}) before reporting`)));
          }),
        );
      }
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not done within ${LIMIT_MS} ms`)), LIMIT_MS);
      });
      await Promise.race([Promise.all(sent), hang]);
      tx.close(); // every producer is done: the consumers drain, then see STREAM_END
      const all = await Promise.race([Promise.all(reports), hang]);

      const seen = new Set<string>();
      let total = 0;
      for (const report of all) {
        const last = new Array<number>(THREADS).fill(-1);
        for (const [p, s] of report.received) {
          const key = `${p}:${s}`;
          assert.ok(!seen.has(key), `message ${key} received twice`);
          seen.add(key);
          assert.ok(s > last[p]!, `producer ${p}: ${s} after ${last[p]} (out of order)`);
          last[p] = s;
          total++;
        }
      }
      assert.equal(
        total,
        THREADS * PER_PRODUCER,
        `every message received (left in the channel: ${rx.length}; per thread: ${all.map((r) => r.received.length)})`,
      );
      assert.equal(rx.length, 0);
      const dropped = all.reduce((n, r) => n + r.droppedReceives, 0);
      assert.ok(dropped > 0, "some receives were dropped mid-receive");
      assert.ok(all.some((r) => r.droppedSends > 0), "some sends were dropped mid-send");
      assert.ok(all.every((r) => r.endSwaps > 0), "every thread dropped ends under its pending futures");
      // At most: the others may drain the channel before this receiver took its half.
      assert.ok(all[THREADS - 1]!.received.length <= PER_PRODUCER / 2, "the receiver that left took no more");
    } finally {
      clearTimeout(timer);
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  });
}
