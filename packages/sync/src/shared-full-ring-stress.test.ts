// No lost wake-up on a full ring: four threads in a pipeline (a producer, two stages that pass each
// value on, a consumer; see test-support/shared-full-ring-worker.ts) joined by three channels of
// one sender and one receiver each, as the sync benchmark's flood. The receivers (blocking, and
// awaited futures waiting in `Atomics.waitAsync`) pause after bursts, so that each ring fills, its
// sender blocks in `sendBlocking()`, and frees reach it one by one. A blocked sender woken by a
// free looks for room for a batch without announcing itself before it sends again
// (shared-wait.ts): the frees made meanwhile do not notify, and no other sender can announce in
// its place. Nothing waits with a timeout, so a wake-up lost there (or on a receiver's side) hangs
// the run, which fails the test at its time bound (a sender made to sleep after a look that found
// no room, without announcing itself again, hung both runs on Bun and the capacity-4 run on Node
// 24). Also checked: every value arrives exactly once, in the order sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedChannel } from "./mod.ts";
import type { FullRingData, FullRingReport } from "./test-support/shared-full-ring-worker.ts";
import { runWorkers } from "./test-support/run-workers.ts";

const STAGES = 4;
const COUNT = 20_000;
/**
 * A hang bound for a loaded 2-vCPU machine, not a speed measure: a run takes 2-10 s on Node and
 * Bun, longer on Deno (which type-checks each worker's module graph as it starts).
 */
const LIMIT_MS = 150_000;
const url = new URL("./test-support/shared-full-ring-worker.ts", import.meta.url);

/** Runs one worker per `data`, each to its report, under the hang bound. */
const runAll = (datas: FullRingData[]): Promise<FullRingReport[]> =>
  runWorkers<FullRingData, FullRingReport>(url, datas, LIMIT_MS);

// Capacity 4: a blocked sender looks for room for 1 value past the tail; 64: for 16.
for (const capacity of [4, 64]) {
  test(`shared channels (capacity ${capacity}): a pipeline of 4 threads whose senders block in sendBlocking on full rings and whose receivers (blocking and awaited) pause after bursts: no lost wake-up, every value once and in order`, async () => {
    const channels = Array.from({ length: STAGES - 1 }, () => sharedChannel<number>(capacity));
    const datas: FullRingData[] = [];
    for (let stage = 0; stage < STAGES; stage++) {
      datas.push({
        stage,
        seed: 53 * capacity + stage,
        capacity,
        count: COUNT,
        awaits: stage % 2 === 1, // stages 1 and 3 await futures, stage 2 blocks
        rx: stage === 0 ? undefined : channels[stage - 1]![1].handle(),
        tx: stage === STAGES - 1 ? undefined : channels[stage]![0].handle(),
      });
    }
    const reports = runAll(datas);
    for (const [tx, rx] of channels) {
      tx.drop(); // each channel's sender is then its stage's: it closes the channel when done
      rx.drop();
    }
    const all = await reports;

    const received = all[STAGES - 1]!.received;
    for (let i = 0; i < received.length; i++) {
      assert.equal(received[i], i, `value ${i} of ${COUNT} (lost, repeated or out of order)`);
    }
    assert.equal(received.length, COUNT, "every value received");
    assert.ok(all.some((r) => r.fullRing > 0), "some sends found the ring full and blocked");
  });
}
