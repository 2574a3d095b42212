// OwnedMutex: the word names its holder, a survivor takes the lock back from a dead holder (and
// waiters on other threads are woken), a wait gives up after its patience, and a holder that asks
// again is told at once instead of waiting for itself; a waiter's holder check may take the lock
// back from a holder it knows dead while it waits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import { startWorker } from "@spindle/test-support";
import { OwnedMutex } from "./owned-mutex.ts";

const words = (): Int32Array => new Int32Array(new SharedArrayBuffer(8));

test("the lock word holds its owner's number while it is held, 0 once released", () => {
  const word = words();
  const mutex = new OwnedMutex(word, 0, 7);
  mutex.lock();
  assert.equal(word[0], 7);
  mutex.unlock();
  assert.equal(word[0], 0);
});

test("holder() names the owner holding the lock, contended or not, and 0 once released", () => {
  const word = words();
  const held = new OwnedMutex(word, 0, 5);
  const watcher = new OwnedMutex(word, 0, 1);
  assert.equal(watcher.holder(), 0);
  held.lock();
  assert.equal(watcher.holder(), 5);
  Atomics.or(word, 0, 0x4000_0000); // a waiter marked it contended
  assert.equal(watcher.holder(), 5);
  held.unlock();
  assert.equal(watcher.holder(), 0);
});

test("a lock held by a dead owner is taken back by the survivor that recovers it, and only from that owner", () => {
  const word = words();
  new OwnedMutex(word, 0, 3).lock(); // owner 3 "dies" holding it
  const survivor = new OwnedMutex(word, 0, 1);
  assert.equal(survivor.recover(4), false, "owner 4 does not hold it");
  assert.equal(survivor.recover(3), true);
  new OwnedMutex(word, 0, 3).unlock(); // a late unlock by the dead owner releases nothing
  assert.notEqual(word[0], 0, "still held by the survivor");
  survivor.unlock();
  assert.equal(word[0], 0);
  assert.equal(survivor.recover(3), false, "nothing to recover once free");
});

test("a wait longer than the patience throws DEADLOCK naming the lock and its owner", () => {
  const word = words();
  new OwnedMutex(word, 0, 3).lock();
  const started = performance.now();
  assert.throws(
    () => new OwnedMutex(word, 0, 1, 120, "the test's lock").lock(),
    (error: unknown) =>
      error instanceof SpindleError && error.code === "DEADLOCK" && /the test's lock .*owner 3/.test(error.message),
  );
  assert.ok(performance.now() - started >= 100, "it waited about its patience first");
});

test("a holder that locks again gets DEADLOCK at once instead of waiting for itself", () => {
  const word = words();
  const mutex = new OwnedMutex(word, 0, 5);
  mutex.lock();
  assert.throws(() => mutex.lock(), (error: unknown) => error instanceof SpindleError && error.code === "DEADLOCK");
  mutex.unlock();
});

test("a bad word, index or owner is refused with INVALID_ARGUMENT naming it", () => {
  const invalid = (error: unknown): boolean => error instanceof SpindleError && error.code === "INVALID_ARGUMENT";
  assert.throws(() => new OwnedMutex(new Int32Array(2), 0, 1), invalid);
  assert.throws(() => new OwnedMutex(words(), 2, 1), invalid);
  assert.throws(() => new OwnedMutex(words(), 0, 0), (e: unknown) => invalid(e) && /got 0/.test(String(e)));
  assert.throws(() => new OwnedMutex(words(), 0, 2 ** 30), invalid);
});

test("a patience that is not a number >= 0 is a RangeError naming it, a checkHolder that is not a function INVALID_ARGUMENT", () => {
  // A NaN patience never runs out: a lock() behind a dead holder would wait for good.
  for (const bad of [NaN, -1, "20", null]) {
    assert.throws(
      () => new OwnedMutex(words(), 0, 1, bad as never),
      (e: unknown) => e instanceof RangeError && /patienceMs must be a number of milliseconds >= 0/.test(String(e)),
    );
  }
  assert.throws(
    () => new OwnedMutex(words(), 0, 1, 10, "l", 5 as never),
    (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /checkHolder .*got 5/.test(String(e)),
  );
  const held = words();
  Atomics.store(held, 0, 3);
  assert.throws(
    () => new OwnedMutex(held, 0, 1, 0).lock(),
    (e: unknown) => e instanceof SpindleError && e.code === "DEADLOCK",
  );
});

test("a thread waiting for a dead owner's lock gets it once a survivor recovers it", async () => {
  const word = words();
  new OwnedMutex(word, 0, 3).lock(); // owner 3 "dies" holding it
  const worker = startWorker(new URL("./test-support/lock-waiter.ts", import.meta.url), { buffer: word.buffer });
  try {
    const reply = new Promise<number>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    // Wait until the worker waits (it marks the lock contended), then recover the lock.
    const deadline = performance.now() + 10_000;
    while ((Atomics.load(word, 0) & 0x4000_0000) === 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const survivor = new OwnedMutex(word, 0, 1);
    assert.equal(survivor.recover(3), true);
    survivor.unlock();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const held = await Promise.race([
      reply,
      new Promise<never>((
        _,
        reject,
      ) => (timer = setTimeout(() => reject(new Error("the waiter did not get the lock within 10 s")), 10_000))),
    ]).finally(() => clearTimeout(timer));
    assert.equal(held, 2, "the waiter held it as owner 2");
  } finally {
    await worker.terminate();
  }
});

test("a waiter's checkHolder, told the holder, may recover the lock from it: the wait ends at once, not at its patience", () => {
  const word = words();
  new OwnedMutex(word, 0, 3).lock(); // owner 3 dies holding it (its thread never unlocks)
  const asked: number[] = [];
  let waiter: OwnedMutex | null = null;
  waiter = new OwnedMutex(word, 0, 1, 60_000, "the test's lock", (holder) => {
    asked.push(holder);
    // The waiter knows owner 3 dead: it takes the lock back, repairs nothing, and unlocks.
    if ((waiter as OwnedMutex).recover(holder)) (waiter as OwnedMutex).unlock();
  });
  waiter.lock();
  assert.deepEqual(asked, [3], "asked once, about the holder");
  assert.equal(waiter.holder(), 1, "then took the lock");
  waiter.unlock();
});

test("a checkHolder that finds the holder alive is asked again after each wait slice, until the patience runs out", () => {
  const word = words();
  new OwnedMutex(word, 0, 3).lock();
  let asked = 0;
  const waiter = new OwnedMutex(word, 0, 1, 200, "the test's lock", (holder) => {
    assert.equal(holder, 3);
    asked++;
  });
  assert.throws(() => waiter.lock(), (error: unknown) => error instanceof SpindleError && error.code === "DEADLOCK");
  assert.ok(asked >= 2, `asked before the wait and after its slices, got ${asked}`);
});
