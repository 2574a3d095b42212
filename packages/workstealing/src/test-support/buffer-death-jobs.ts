// The job module of buffer-death.test.ts: jobs that come to hold a SharedBuffer of the runtime's
// shared heap in each way a job can, then end their worker in each way a worker can die.
import process from "node:process";
import { type Coroutine, pending } from "@spindle/core";
import { defineJobs, type JobSet, move, type SharedBuffer } from "../mod.ts";

/** How the worker dies: `process.exit`, an error thrown in a host callback, an endless loop (its deadline terminates the worker), out of memory. */
export type Death = "exit" | "throw" | "spin" | "oom";

/** What the job holds when its worker dies. */
export type Holding = "alloc" | "movedArg" | "childResult" | "lent";

/** Kept by the job module: the worker's thread holds them until it dies. */
const held: SharedBuffer[] = [];

/** Counts the dying jobs that started (the runtime's workerData: `{ started: Int32Array }`). */
function markStarted(): void {
  Atomics.add((jobs.workerData as { started: Int32Array }).started, 0, 1);
}

function* dieBy(death: Death): Coroutine<never> {
  if (death === "exit") process.exit(7);
  if (death === "throw") {
    setTimeout(() => {
      throw new Error("thrown in a host callback while holding a buffer");
    }, 0);
    return yield* pending();
  }
  if (death === "oom") {
    const kept: number[][] = [];
    for (;;) kept.push(new Array<number>(131_072).fill(1.5));
  }
  for (;;); // "spin": until the runtime terminates the worker
}

/** The jobs of the test. */
export type BufferDeathJobs = {
  allocThenDie: (bytes: number, death: Death) => Coroutine<never>;
  receiveThenDie: (buffer: SharedBuffer, death: Death) => Coroutine<never>;
  borrowThenDie: (buffer: SharedBuffer, death: Death) => Coroutine<never>;
  joinChildResultThenDie: (bytes: number, death: Death) => Coroutine<never>;
  allocFilled: (bytes: number, value: number) => SharedBuffer;
  movedFilled: (bytes: number, value: number) => SharedBuffer;
  die: (death: Death) => Coroutine<never>;
};

const jobs: JobSet<BufferDeathJobs> = defineJobs({
  /** Allocates `bytes` inside the job, fills them, then dies. */
  *allocThenDie(bytes: number, death: Death): Coroutine<never> {
    markStarted();
    const buffer = jobs.alloc(bytes);
    buffer.bytes().fill(1);
    held.push(buffer);
    return yield* dieBy(death);
  },
  /** Receives a moved buffer (the job owns it), then dies. */
  *receiveThenDie(buffer: SharedBuffer, death: Death): Coroutine<never> {
    markStarted();
    buffer.bytes().fill(2);
    held.push(buffer);
    return yield* dieBy(death);
  },
  /** Borrows a buffer the runtime's thread allocated (lent by reference), then dies. */
  *borrowThenDie(buffer: SharedBuffer, death: Death): Coroutine<never> {
    markStarted();
    buffer.bytes().fill(3);
    held.push(buffer);
    return yield* dieBy(death);
  },
  /** Joins a child that allocates and returns a buffer (handed over, or the same thread's), then dies. */
  *joinChildResultThenDie(bytes: number, death: Death): Coroutine<never> {
    markStarted();
    const buffer = yield* jobs.spawn("allocFilled", bytes, 4);
    held.push(buffer);
    return yield* dieBy(death);
  },
  /** A buffer allocated here, filled with `value` and returned: its taker owns it. */
  allocFilled(bytes: number, value: number): SharedBuffer {
    const buffer = jobs.alloc(bytes);
    buffer.bytes().fill(value);
    return buffer;
  },
  /** Returns a moved copy of `bytes` bytes of `value`. */
  movedFilled(bytes: number, value: number): SharedBuffer {
    return move(new Uint8Array(bytes).fill(value));
  },
  /** Dies at once. */
  *die(death: Death): Coroutine<never> {
    return yield* dieBy(death);
  },
});
export default jobs;
