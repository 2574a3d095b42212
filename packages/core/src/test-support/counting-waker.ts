// A waker whose every vtable call is counted, for tests of who clones, wakes and drops wakers.
import { type RawWakerVTable, Waker } from "../mod.ts";

/** What a {@linkcode countingWaker} saw; `live` counts the original and its clones not yet ended. */
export interface Counter {
  clones: number;
  wakes: number;
  wakesByRef: number;
  drops: number;
  live: number;
}

/** A waker (the original counts as one live waker) whose clones, wakes and drops are counted. */
export function countingWaker(): { waker: Waker; counter: Counter } {
  const counter: Counter = { clones: 0, wakes: 0, wakesByRef: 0, drops: 0, live: 1 };
  const vtable: RawWakerVTable<Counter> = {
    clone: (c) => {
      c.clones++;
      c.live++;
      return { data: c, vtable };
    },
    wake: (c) => {
      c.wakes++;
      c.live--;
    },
    wakeByRef: (c) => {
      c.wakesByRef++;
    },
    drop: (c) => {
      c.drops++;
      c.live--;
    },
  };
  return { waker: Waker.fromRaw({ data: counter, vtable }), counter };
}
