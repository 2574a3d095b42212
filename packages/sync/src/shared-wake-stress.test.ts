// No lost wake-up across threads: four worker threads pass tokens on one shared channel, or take
// turns with the one permit of a shared semaphore, waiting mostly without a timeout (awaited
// futures, blocking calls) among waits dropped mid-wait, timed-out blocking calls and try* calls
// (see test-support/shared-wake-worker.ts). With fewer tokens than threads, most threads wait
// while a token is under way, so a wake-up lost while every thread waits hangs the run, which
// fails the test at its time bound (a signal skips its notify unless a waiter announced itself on
// the word first: shared-signal.ts). The channel runs also check that every hop is received
// exactly once and each receiver sees each sender's messages in the order sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedChannel, SharedSemaphore } from "./mod.ts";
import type { WakeData, WakeReport, WakeToken } from "./test-support/shared-wake-worker.ts";
import { runWorkers } from "./test-support/run-workers.ts";

const THREADS = 4;
/**
 * A hang bound for a loaded 2-vCPU machine, not a speed measure: a run takes 1-5 s on Node and Bun,
 * longer on Deno (which type-checks each worker's module graph as it starts).
 */
const LIMIT_MS = 150_000;
const url = new URL("./test-support/shared-wake-worker.ts", import.meta.url);

/** Runs one worker per `data`, each to its report, under the hang bound. */
const runAll = (datas: WakeData[]): Promise<WakeReport[]> => runWorkers<WakeData, WakeReport>(url, datas, LIMIT_MS);

/** The waits of every kind happened (the test exercised what it says). */
function assertMixedWaits(reports: WakeReport[]): void {
  const sum = (key: "dropped" | "blockingWaits" | "asyncWaits") => reports.reduce((n, r) => n + r[key], 0);
  assert.ok(sum("dropped") > 0, "some waits were dropped mid-wait");
  assert.ok(sum("blockingWaits") > 0, "some waits blocked their thread");
  assert.ok(sum("asyncWaits") > 0, "some waits were awaited futures");
}

for (
  const { capacity, tokens, hops } of [
    { capacity: 1, tokens: 1, hops: 3_000 },
    { capacity: 2, tokens: 5, hops: 600 },
    // Room for every token: only receivers wait, each on the one SENT word, announcing themselves
    // and being cleared by sends while others spin or sleep on it.
    { capacity: 8, tokens: 3, hops: 1_000 },
  ]
) {
  test(`shared channel (capacity ${capacity}, ${tokens} token(s) among 4 threads): no lost wake-up with blocking, awaited and dropped receives and sends mixed; every hop exactly once, per-sender order`, async () => {
    const [tx, rx] = sharedChannel<WakeToken>(capacity, { slotBytes: 64 });
    const done = new SharedArrayBuffer(4);
    const startLine = new SharedArrayBuffer(4);
    const datas: WakeData[] = [];
    for (let index = 0; index < THREADS; index++) {
      datas.push({
        kind: "channel",
        index,
        seed: 7919 * (capacity + tokens) + index,
        tokens,
        hops,
        // The tokens past the channel's capacity start held by the first threads, one each.
        first: capacity + index < tokens ? capacity + index : null,
        done,
        tx: tx.handle(),
        rx: rx.handle(),
        startLine,
        threads: THREADS,
      });
    }
    // The first hop of the tokens that fit, sent by this thread (as sender THREADS).
    for (let t = 0; t < Math.min(tokens, capacity); t++) assert.ok(tx.trySend({ t, hop: 0, p: THREADS, s: t }));
    const reports = runAll(datas);
    tx.drop();
    rx.drop();
    const all = await reports;

    const seen = new Set<string>();
    for (const report of all) {
      const last = new Array<number>(THREADS + 1).fill(-1);
      for (const [p, s, t, hop] of report.received) {
        const key = `${t}:${hop}`;
        assert.ok(!seen.has(key), `token ${t} hop ${hop} received twice`);
        seen.add(key);
        assert.ok(s > last[p]!, `sender ${p}: its message ${s} after ${last[p]} (out of order)`);
        last[p] = s;
      }
    }

    assert.equal(seen.size, tokens * hops, "every hop of every token received");
    assertMixedWaits(all);
  });
}

test("shared semaphore (1 permit, 4 threads): no lost wake-up with blocking, awaited and dropped acquires mixed; one holder at a time", async () => {
  const semaphore = new SharedSemaphore(1);
  const holders = new SharedArrayBuffer(4);
  const startLine = new SharedArrayBuffer(4);
  const rounds = 1_500;
  const all = await runAll(
    Array.from({ length: THREADS }, (_, index): WakeData => ({
      kind: "semaphore",
      index,
      seed: 104_729 + index,
      rounds,
      holders,
      semaphore: semaphore.handle,
      startLine,
      threads: THREADS,
    })),
  );
  assert.equal(all.reduce((n, r) => n + r.acquired, 0), THREADS * rounds);
  assert.equal(semaphore.availablePermits, 1, "the permit is back");
  assertMixedWaits(all);
});
