/**
 * Test support (not published): wakers that record when they were woken, on the timer's clock,
 * and a context to poll a future with one of them.
 */
import { Context, type RawWakerVTable, Waker } from "@spindle/core";
import { clockNow } from "../clock.ts";

/** What one recording waker saw. */
export interface WakeRecord {
  /** The clock at each wake (by `wake` or `wakeByRef`). */
  readonly wokenAt: number[];
  /** Live wakers: clones minus wakes and drops (0 once every clone was released). */
  live: number;
}

const VTABLE: RawWakerVTable<WakeRecord> = {
  clone: (record) => {
    record.live++;
    return { data: record, vtable: VTABLE };
  },
  wake: (record) => {
    record.wokenAt.push(clockNow());
    record.live--;
  },
  wakeByRef: (record) => {
    record.wokenAt.push(clockNow());
  },
  drop: (record) => {
    record.live--;
  },
};

/** A fresh record and a context whose waker writes to it. */
export function recordingContext(): { cx: Context; record: WakeRecord } {
  const record: WakeRecord = { wokenAt: [], live: 1 };
  return { cx: new Context(Waker.fromRaw({ data: record, vtable: VTABLE })), record };
}
