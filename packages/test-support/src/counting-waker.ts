// A waker whose every vtable call is counted, for tests of who clones, wakes and drops wakers.
import { Context, type RawWakerVTable, Waker } from "@spindle/core";

/** What a {@linkcode countingWaker} saw; `live` counts the original and its clones not yet ended. */
export interface Counter {
  clones: number;
  wakes: number;
  wakesByRef: number;
  drops: number;
  live: number;
}

/** A counting waker, a context around it and its counts. */
export interface CountingWaker {
  readonly waker: Waker;
  /** A context whose waker is {@linkcode CountingWaker.waker}. */
  readonly cx: Context;
  readonly counter: Counter;
  /** Wakes of either kind so far: `counter.wakes + counter.wakesByRef`. */
  woken(): number;
}

interface State {
  readonly counter: Counter;
  readonly onWake: (() => void) | undefined;
}

const VTABLE: RawWakerVTable<State> = {
  clone: (s) => {
    s.counter.clones++;
    s.counter.live++;
    return { data: s, vtable: VTABLE };
  },
  wake: (s) => {
    s.counter.wakes++;
    s.counter.live--;
    s.onWake?.();
  },
  wakeByRef: (s) => {
    s.counter.wakesByRef++;
    s.onWake?.();
  },
  drop: (s) => {
    s.counter.drops++;
    s.counter.live--;
  },
};

/**
 * A waker (the original counts as one live waker) whose clones, wakes and drops are counted;
 * `onWake` runs after each wake of either kind (by the original or a clone), once it is counted.
 */
export function countingWaker(onWake?: () => void): CountingWaker {
  const counter: Counter = { clones: 0, wakes: 0, wakesByRef: 0, drops: 0, live: 1 };
  const waker = Waker.fromRaw({ data: { counter, onWake }, vtable: VTABLE });
  return { waker, cx: new Context(waker), counter, woken: () => counter.wakes + counter.wakesByRef };
}
