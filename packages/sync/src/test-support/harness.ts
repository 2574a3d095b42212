// Polling by hand for the sync tests: a waker that counts its wakes, and a pending future or stream
// poll that can be repeated and dropped at will.
import {
  Context,
  type Future,
  type Poll,
  type RawWakerVTable,
  type Stream,
  type StreamEnd,
  Waker,
} from "@spindle/core";

/** A task stand-in: its waker counts wakes (by value or by reference); `live` counts unended clones. */
export class TestTask {
  wakes = 0;
  live = 0;
  readonly cx: Context;

  constructor() {
    const vtable: RawWakerVTable<TestTask> = {
      clone: (task) => {
        task.live++;
        return { data: task, vtable };
      },
      wake: (task) => {
        task.wakes++;
        task.live--;
      },
      wakeByRef: (task) => {
        task.wakes++;
      },
      drop: (task) => {
        task.live--;
      },
    };
    this.cx = new Context(Waker.fromRaw({ data: this, vtable }));
  }

  /** Polls `future` with this task's context. */
  poll<T>(future: Future<T>): Poll<T> {
    return future.poll(this.cx);
  }

  /** Polls `stream` with this task's context. */
  pollNext<T>(stream: Stream<T>): Poll<T | StreamEnd> {
    return stream.pollNext(this.cx);
  }
}

/** A seeded pseudo-random generator (mulberry32), so that a failing stress run can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
