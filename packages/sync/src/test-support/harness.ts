// Test support for the sync tests: polling by hand (a waker that counts its wakes, for pending
// futures and stream polls that can be repeated and dropped at will), a seeded generator, and a
// hang bound for executor runs.
import {
  Context,
  type Future,
  type LocalExecutor,
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

/**
 * The next pick of `rand`, but while `dropped` is 0 one pick in two (at random) is replaced by
 * `droppedKind` (the pick of a wait dropped mid-way): a drop needs the resource unavailable at that
 * moment, and a stress run on a loaded machine can find it available at every random dropped-kind
 * pick, testing no drop at all. Only half are replaced, so that the other kinds (and what they do
 * at random, such as dropping an end under an awaited future) still run from the start: a thread
 * that never met the moment made only dropped-kind waits when all were replaced.
 */
export function pickUntilDropped(rand: () => number, dropped: number, droppedKind: number): number {
  const pick = rand();
  return dropped === 0 && rand() < 0.5 ? droppedKind : pick;
}

/**
 * Runs `executor` to completion, failing with a message naming `what` unless every task settled
 * within `ms` (a hang bound, generous for a loaded 2-vCPU machine; a lost permit or wake-up shows
 * as tasks that never finish). On failure the executor is closed, so nothing is left running.
 */
export async function runWithin(executor: LocalExecutor, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const left = executor.taskCount;
      executor.close();
      reject(new Error(`${what}: ${left} task(s) had not settled within ${ms} ms`));
    }, ms);
  });
  try {
    await Promise.race([executor.run(), limit]);
  } finally {
    clearTimeout(timer);
  }
}
