// A thread that dies parked (terminated while blocked in park, or exiting while a parkAsync is
// pending) leaves its parker's word PARKED. The next owner of the word parks as on a fresh one:
// it waits on the futex (no spin) and an unpark wakes it, and parkAsync leaves its event loop
// free meanwhile. Before the fix, the next park decremented PARKED to -2, on which Atomics.wait
// returns at once: park spun until a token came, and parkAsync held its thread's event loop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nextMessage, startWorker } from "@spindle/test-support";
import { Parker, type ParkerHandle } from "./mod.ts";
import type { DyingParkerData } from "./test-support/dying-parker.ts";

const WORKER = new URL("./test-support/dying-parker.ts", import.meta.url);
/** The bound on a worker's start and death, and on each park (a loaded 2-vCPU machine). */
const LIMIT_MS = 60_000;

/** A parker's handle whose owner died parked on it, the way `op` says. */
async function wordLeftParked(op: "park" | "park-async"): Promise<ParkerHandle> {
  const handle = new Parker().handle;
  const owner = startWorker(WORKER, { op, handle } satisfies DyingParkerData);
  const exited = new Promise((resolve) => owner.once("exit", resolve));
  await nextMessage(owner);
  const word = new Int32Array(handle.buffer);
  // Parked once the word says so (the message comes just before the park).
  while (Atomics.load(word, handle.index) !== -1) await new Promise((resolve) => setTimeout(resolve, 1));
  if (op === "park") await owner.terminate();
  await exited;
  assert.equal(Atomics.load(word, handle.index), -1, "the dead owner left the word PARKED");
  return handle;
}

/** Unparks `handle` from a worker every 5 ms until the returned function is called. */
function unparkRepeatedly(handle: ParkerHandle): () => Promise<void> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const unparker = startWorker(WORKER, { op: "unpark", handle, stop } satisfies DyingParkerData);
  const exited = new Promise<void>((resolve) => unparker.once("exit", () => resolve()));
  return () => {
    Atomics.store(stop, 0, 1);
    Atomics.notify(stop, 0);
    return exited;
  };
}

for (const op of ["park", "park-async"] as const) {
  const death = op === "park" ? "terminated in park()" : "exited with a parkAsync() pending";
  test(`a parker whose owner ${death}: the next owner's park waits on the futex and an unpark wakes it`, async () => {
    const handle = await wordLeftParked(op);
    const parker = new Parker(handle);
    const stopUnparking = unparkRepeatedly(handle);
    // Counts the waits on the word: one per wake (an unpark every 5 ms until it returns), where
    // the spin called Atomics.wait thousands of times between two unparks.
    const wait = Atomics.wait;
    let waits = 0;
    Atomics.wait = ((array: Int32Array, index: number, value: number, timeout?: number) => {
      if (array.buffer === handle.buffer) waits++;
      return wait(array, index, value, timeout);
    }) as typeof Atomics.wait;
    let unparked: boolean;
    try {
      unparked = parker.park(LIMIT_MS);
    } finally {
      Atomics.wait = wait;
      await stopUnparking();
    }
    assert.equal(unparked, true);
    // Deno: the dead owner may still be queued on the word (see parker.ts) and take a token or two.
    assert.ok(waits <= 20, `${waits} waits on the word for one unpark`);
  });

  test(`a parker whose owner ${death}: the next owner's parkAsync leaves its event loop free and is unparked from it`, async () => {
    const handle = await wordLeftParked(op);
    const parker = new Parker(handle);
    const unparker = parker.unparker();
    // Unparked from this thread's event loop, which the spin held: it then timed out, unparked never.
    const unparking = setInterval(() => unparker.unpark(), 5);
    try {
      assert.equal(await parker.parkAsync(LIMIT_MS), true);
    } finally {
      clearInterval(unparking);
    }
  });
}
