/**
 * Test support (not published): wakers that record when they were woken, on the timer's clock,
 * and a context to poll a future with one of them (a counting waker of @spindle/test-support).
 */
import type { Context } from "@spindle/core";
import { countingWaker } from "@spindle/test-support";
import { clockNow } from "../clock.ts";

/** What one recording waker saw. */
export interface WakeRecord {
  /** The clock at each wake (by `wake` or `wakeByRef`). */
  readonly wokenAt: number[];
  /** Live wakers: clones minus wakes and drops (0 once every clone was released). */
  readonly live: number;
}

/** A fresh record and a context whose waker writes to it. */
export function recordingContext(): { cx: Context; record: WakeRecord } {
  const wokenAt: number[] = [];
  const { cx, counter } = countingWaker(() => wokenAt.push(clockNow()));
  return {
    cx,
    record: {
      wokenAt,
      get live() {
        return counter.live;
      },
    },
  };
}
