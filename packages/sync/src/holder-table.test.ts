// The holder table (holder-table.ts) under recoveries of one dead thread run on two threads at
// once: each counter the dead thread held is given back exactly once, by one of them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDeadThreadId, currentThreadId, recoverDeadThread, SpindleError } from "@spindle/core";
import { nextMessage, startWorker, within } from "@spindle/test-support";
import { HOLDER_ENTRIES, HolderTable } from "./holder-table.ts";
import { sharedChannel, SharedSemaphore } from "./mod.ts";
import type { RecoveryData } from "./test-support/holder-recovery-worker.ts";

const WORKER = new URL("./test-support/holder-recovery-worker.ts", import.meta.url);
const LIMIT_MS = 120_000;

/** Races per test, of 4,000 tables each (each entry padded to a cache line: 16 MB per race). */
const RACES = 8;

test("HolderTable: two threads recovering one dead thread at once give back each counter exactly once", async () => {
  for (let race = 0; race < RACES; race++) await recoverTwiceAtOnce(race);
});

async function recoverTwiceAtOnce(race: number): Promise<void> {
  const fields = 3;
  const tables = 4_000;
  const deadThreadId = 4242;
  const stride = HolderTable.words(fields);
  const entryStride = stride / HOLDER_ENTRIES;
  const buffer = new SharedArrayBuffer((1 + tables * stride) * 4);
  const words = new Int32Array(buffer);
  // The dead thread's entry in each table, as if it had recorded holdings and died: the owner
  // word (its id + 1) and counters 1, 2, 3 (the second entry, so that a recovery scans past one).
  for (let t = 0; t < tables; t++) {
    const entry = 1 + t * stride + entryStride;
    words[entry] = deadThreadId + 1;
    for (let f = 1; f <= fields; f++) words[entry + f] = f;
  }
  const data: RecoveryData = { buffer, tables, fields, deadThreadId, startLine: 0 };
  const racers = [startWorker(WORKER, data), startWorker(WORKER, data)];
  try {
    const [a, b] = await within(Promise.all(racers.map((w) => nextMessage<number[]>(w))), LIMIT_MS, "the recoveries");
    let lost = 0;
    let twice = 0;
    for (let t = 0; t < tables; t++) {
      for (let f = 1; f <= fields; f++) {
        const i = t * fields + f - 1;
        const total = a![i]! + b![i]!;
        if (total < f) lost++;
        if (a![i]! !== 0 && b![i]! !== 0) twice++;
      }
    }
    assert.deepEqual({ lost, twice }, { lost: 0, twice: 0 }, `race ${race}: every counter recovered exactly once`);
    // Every entry is free again (owner word 0, counters 0).
    for (let t = 0; t < tables; t++) {
      const entry = 1 + t * stride + entryStride;
      for (let f = 0; f <= fields; f++) assert.equal(words[entry + f], 0, `table ${t} word ${f}`);
    }
  } finally {
    await Promise.all(racers.map((w) => w.terminate()));
  }
}

test("HolderTable: an entry this thread freed through one table object is not used through another's cached index once another thread took it", () => {
  const fields = 3;
  const words = new Int32Array(new SharedArrayBuffer(HolderTable.words(fields) * 4));
  const ends = new HolderTable(words, 0, fields);
  const records = new HolderTable(words, 0, fields);
  ends.add(1, 1); // takes the first entry
  const record = records.fieldIndex(3);
  assert.equal(record, 3, "the second object finds this thread's entry");
  assert.equal(words[0], currentThreadId() + 1);
  ends.add(1, -1); // every counter 0: the entry is freed
  assert.equal(words[0], 0);
  words[0] = currentThreadId() + 2; // another thread takes the free entry (its CAS from 0)
  assert.equal(records.fieldIndex(3), -1, "no entry of this thread's is left: nothing to record into");
  records.set(3, 7); // takes an entry of its own, not the other thread's
  assert.equal(words[3], 0, "the other thread's entry is untouched");
  assert.equal(words[HolderTable.words(fields) / 64 + 3], 7);
});

test("a recovery refuses a thread id past 2^31 - 2: a record's Int32 owner word would wrap it onto another thread's entry or a free one", () => {
  const fields = 1;
  const words = new Int32Array(new SharedArrayBuffer(HolderTable.words(fields) * 4));
  const table = new HolderTable(words, 0, fields);
  table.add(1, 2); // this live thread holds 2, in the first entry
  const semaphore = new SharedSemaphore(2);
  const held = semaphore.tryAcquire(2)!;
  const [tx, rx] = sharedChannel<number>(1);
  const owners = () => Array.from({ length: HOLDER_ENTRIES }, (_, e) => words[e * (words.length / HOLDER_ENTRIES)]);
  const before = owners();
  // 2^32 + id wraps to this thread's owner word (id + 1); 2^32 - 1 to 0, every free entry's.
  for (const id of [2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32 + currentThreadId(), 2 ** 53]) {
    const recoveries: [string, () => unknown][] = [
      ["recoverDeadThread()", () => recoverDeadThread(id)],
      ["SharedSemaphore.recover()", () => semaphore.recover(id)],
      ["SharedSender.recover()", () => tx.recover(id)],
      ["SharedReceiver.recover()", () => rx.recover(id)],
      ["checkDeadThreadId()", () => checkDeadThreadId(id, "checkDeadThreadId()")],
    ];
    for (const [what, recover] of recoveries) {
      assert.throws(recover, (e: unknown) => {
        assert.ok(e instanceof SpindleError && e.code === "INVALID_ARGUMENT", `${what}(${id}): ${e}`);
        assert.match(e.message, new RegExp(`^${what.replace(/[().]/g, "\\$&")}: .*from 0 to 2147483646.*got ${id}`));
        return true;
      });
    }
    assert.deepEqual(table.takeDead(2 ** 31 - 2), null, "a valid id of no holder finds nothing");
  }
  assert.deepEqual(owners(), before, "no entry was claimed: this thread's is its own, the others free");
  assert.equal(semaphore.availablePermits, 0, "the permits this live thread holds were not given back");
  assert.equal(rx.senderCount, 1);
  assert.equal(tx.receiverCount, 1);
  held.release();
  tx.drop();
  rx.drop();
});
