/**
 * Test worker for parker-dead-owner.test.ts. `park`: owns the parker of `handle` and parks on it,
 * blocked in `park()` until its parent terminates it; `park-async`: parks with `parkAsync()` and
 * calls `process.exit` while that is pending. Either way it dies parked, leaving the word PARKED.
 * `unpark`: unparks `handle` every 5 ms until its parent stores 1 in `stop[0]`.
 */
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import { Parker, type ParkerHandle, Unparker } from "../mod.ts";

export type DyingParkerData =
  | { op: "park" | "park-async"; handle: ParkerHandle }
  | { op: "unpark"; handle: ParkerHandle; stop: Int32Array };

const data = workerData as DyingParkerData;

if (data.op === "unpark") {
  const unparker = new Unparker(data.handle);
  // Not one unpark: on Deno the dead owner may take one (see the test).
  while (Atomics.load(data.stop, 0) === 0) {
    unparker.unpark();
    Atomics.wait(data.stop, 0, 0, 5);
  }
} else {
  const parker = new Parker(data.handle);
  if (data.op === "park-async") {
    const parked = parker.parkAsync();
    parentPort!.postMessage("parking");
    // A timer of the event loop that parkAsync leaves free: the thread dies with it pending.
    setTimeout(() => process.exit(3), 20);
    await parked;
  } else {
    parentPort!.postMessage("parking");
    parker.park();
  }
}
