// The job module of heap-lock-death.test.ts: a job that takes the shared heap's lock through the
// codec's test-only hook (not part of either package's API) and then has its worker die while it
// holds it, and a job whose result needs the heap; and jobs whose outcome cannot be written because
// their own thread holds the lock when it is written, and jobs for a worker's death while another
// worker's live job holds it (outcome-write.test.ts).
import process from "node:process";
import { threadId } from "node:worker_threads";
import { type Coroutine, type Future, pending, yieldNow } from "@spindle/core";
import { SharedHeap } from "@spindle/codec";
// The same module as the one `@spindle/codec` loads (one path on disk): the hook it assigns is the
// one this heap's class fills in.
import { holdHeapLock, releaseHeapLock } from "../../../codec/src/shared-heap.ts";
import { defineJobs, type JobSet, type SharedBuffer } from "../mod.ts";

/** How the worker holding the lock dies. */
export type Death = "exit" | "throw" | "spin";

/** The jobs of the test. */
export type HeapLockJobs = {
  holdHeapLockThen: (flag: SharedBuffer, death: Death) => Future<never>;
  bigResult: (index: number) => string;
  whoami: () => number;
  heapLockedResult: (flag: SharedBuffer) => { text: string };
  heapLockedResultLater: (flag: SharedBuffer) => Coroutine<{ text: string }>;
  heapLockedErrorLater: (flag: SharedBuffer) => Coroutine<never>;
  holdHeapLockUntilFreed: (flag: SharedBuffer) => void;
  waitForDeath: (flag: SharedBuffer, index: number) => Future<never>;
  spinUntilFreed: (flag: SharedBuffer, index: number) => void;
  textLength: (text: string) => number;
};

/** How long a job below waits for the test to free it before it gives up (a hang bound). */
const FREED_WITHIN_MS = 60_000;

/**
 * Sets word `index` of `flag` to 1, then waits (`spin`: without blocking) until word `index + 1`
 * is set; returns its value.
 */
function markThenWait(flag: SharedBuffer, index: number, spin: boolean): number {
  const words = flag.array(Int32Array);
  Atomics.store(words, index, 1);
  const giveUpAt = performance.now() + FREED_WITHIN_MS;
  for (;;) {
    const freed = Atomics.load(words, index + 1);
    if (freed !== 0) return freed;
    if (performance.now() > giveUpAt) throw new Error(`word ${index + 1} was not set within ${FREED_WITHIN_MS} ms`);
    if (!spin) Atomics.wait(words, index + 1, 0, 50);
  }
}

/**
 * Makes `target`'s enumerable `text` a getter that takes the heap's lock (of `flag`'s heap) on
 * this thread and gives it back from a timer (then sets word 0 of `flag` to 1, which the test
 * waits for before it spawns more): read while the outcome is encoded, it leaves the
 * lock held when the outcome, too long for a job record, is written into the heap, which then
 * fails (`DEADLOCK`: held by this thread).
 */
function lockingWhileRead<T extends object>(target: T, flag: SharedBuffer): T & { text: string } {
  const heap = new SharedHeap(flag.locate().heap);
  return Object.defineProperty(target, "text", {
    enumerable: true,
    get(): string {
      holdHeapLock(heap);
      setTimeout(() => {
        releaseHeapLock(heap);
        Atomics.store(flag.array(Int32Array), 0, 1);
      });
      return "t".repeat(1_000);
    },
  }) as T & { text: string };
}

const jobs: JobSet<HeapLockJobs> = defineJobs({
  /**
   * Takes the heap's lock and keeps it, sets word 0 of `flag` to 1 (the test waits for it), then
   * ends its worker with `process.exit`, an uncaught error thrown in a host callback, or an
   * endless loop that the runtime terminates once the job is aborted.
   */
  holdHeapLockThen(flag: SharedBuffer, death: Death): Future<never> {
    const words = flag.array(Int32Array);
    holdHeapLock(new SharedHeap(flag.locate().heap));
    Atomics.store(words, 0, 1);
    if (death === "exit") process.exit(7);
    if (death === "spin") { for (;;); }
    setTimeout(() => {
      throw new Error("thrown while holding the heap lock");
    });
    return pending();
  },
  /** A result too big for a job record: the worker allocates it in the heap. */
  bigResult(index: number): string {
    return `${index}:${"r".repeat(1_000)}`;
  },
  /** The worker's thread id. */
  whoami(): number {
    return threadId;
  },
  heapLockedResult(flag) {
    return lockingWhileRead({}, flag);
  },
  *heapLockedResultLater(flag) {
    yield* yieldNow();
    return lockingWhileRead({}, flag);
  },
  *heapLockedErrorLater(flag) {
    yield* yieldNow();
    throw lockingWhileRead(new Error("the job's own error"), flag);
  },
  /**
   * Takes the heap's lock, sets word 0 of `flag` to 1 and keeps its thread blocked (its job
   * running) until word 1 is set: to 1, it gives the lock back (a live holder); to 2, it returns
   * holding it, as a thread taken for dead must (its lock was recovered, and its owner number may
   * hold it again in its processor's next machine). Nothing else gives it back: an error (the wait
   * given up, or a termination that Deno turns into one) leaves it held, as a death would.
   */
  holdHeapLockUntilFreed(flag) {
    const heap = new SharedHeap(flag.locate().heap);
    holdHeapLock(heap);
    if (markThenWait(flag, 0, false) === 1) releaseHeapLock(heap);
  },
  /** Sets word `index` of `flag` to 1 and never settles: its worker's death ends it. */
  waitForDeath(flag, index) {
    Atomics.store(flag.array(Int32Array), index, 1);
    return pending();
  },
  /**
   * Sets word `index` of `flag` to 1, then runs without a suspension point (an abort cannot stop
   * it: its worker is terminated) until word `index + 1` is 1, which frees a thread that outlives
   * its termination (Deno's, see runtime.ts).
   */
  spinUntilFreed(flag, index) {
    markThenWait(flag, index, true);
  },
  /** The length of `text`: a job whose arguments, when long, its spawner writes into the heap. */
  textLength(text) {
    return text.length;
  },
});
export default jobs;
