// The job module of heap-lock-death.test.ts: a job that takes the shared heap's lock through the
// codec's test-only hook (not part of either package's API) and then has its worker die while it
// holds it, and a job whose result needs the heap.
import process from "node:process";
import { type Future, pending } from "@spindle/core";
import { SharedHeap } from "@spindle/codec";
// The same module as the one `@spindle/codec` loads (one path on disk): the hook it assigns is the
// one this heap's class fills in.
import { holdHeapLock } from "../../../codec/src/shared-heap.ts";
import { defineJobs, type JobSet, type SharedBuffer } from "../mod.ts";

/** How the worker holding the lock dies. */
export type Death = "exit" | "throw" | "spin";

/** The jobs of the test. */
export type HeapLockJobs = {
  holdHeapLockThen: (flag: SharedBuffer, death: Death) => Future<never>;
  bigResult: (index: number) => string;
};

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
});
export default jobs;
