/**
 * A job record: 32 words of the shared heap (one {@linkcode BLOCK_BYTES} block) that every thread
 * reads and writes with `Atomics`. A job's id is the word index of its record.
 *
 * Who writes what:
 * - the spawner fills every field before it publishes the id (injector or deque push, both
 *   `Atomics` operations that order those writes before the id becomes visible);
 * - `STATE` moves QUEUED → RUNNING (compare-exchange by the worker that takes the job, so that an
 *   `abort()` racing with it either removes the job or finds it running) and then to one terminal
 *   state, stored after the result payload is written: a reader that sees a terminal state sees
 *   the payload;
 * - `WAITER` and `WAITER_SLOT` belong to the handle's thread, `ABORT` to whoever aborts,
 *   `RUN_PREV`/`RUN_NEXT` to the worker running the job (its list of running jobs, which the
 *   runtime walks when that worker dies).
 * - `REFS` counts the handle and the execution; whichever drops it to zero frees the record.
 */

/** The record's state (see the states below). */
export const STATE = 0;
/** The job's index in its job set. */
export const JOB = 1;
/** Byte offset of the payload block in the heap, or 0 when the payload is inline. */
export const PAYLOAD = 2;
/** The payload's length in bytes (arguments while queued, then the result or error). */
export const LENGTH = 3;
/** References: the handle and the execution. */
export const REFS = 4;
/** The processor running the job, or -1; stored just before STATE becomes RUNNING, so an `abort()` that sees RUNNING finds it. */
export const WORKER = 5;
/** 1 once `abort()` asked a running job to stop. */
export const ABORT = 6;
/** The participant (runtime thread 0, processor i + 1) whose handle waits, plus one; 0 for none. */
export const WAITER = 7;
/** The waiter's slot in that participant's wake table. */
export const WAITER_SLOT = 8;
/** The next record in the injector's list (0 ends it). */
export const NEXT = 9;
/** Neighbours in the running list of the worker running the job. */
export const RUN_PREV = 10;
export const RUN_NEXT = 11;
/** The exit code of the worker that died running the job (state LOST; the payload, if any, is the error that killed it). */
export const EXIT_CODE = 12;
/**
 * 1 when the record is a chunk of `runtime.map`: its arguments are `[items]`, and the worker calls
 * the job on each item (see `map-chunk.ts`), its result the array of their results; 0 for a
 * plain job. Written by the spawner before it publishes the id, like every field.
 */
export const MAP_CHUNK = 13;
/**
 * Words 14-15: when the job was spawned (epoch ms, a float64: the record's byte offset is a
 * multiple of 128, so this word pair is 8-byte aligned), written by the spawner before it publishes
 * the id, only when the runtime keeps metrics.
 */
export const SPAWNED_AT = 14;
/** Where an inline payload starts, and how many bytes fit there. */
export const INLINE = 16;
export const INLINE_BYTES = 64;

/** Waiting in the injector, a deque or a slot. */
export const QUEUED = 1;
/** Taken by a worker (running or suspended there). */
export const RUNNING = 2;
/** Finished: the payload is the result. */
export const DONE = 3;
/** Threw: the payload is the error. */
export const FAILED = 4;
/** Aborted, or dropped by a cancelling shutdown (payload: the reason, when one is encoded). */
export const CANCELLED = 5;
/** Its worker died while running it. */
export const LOST = 6;

/** Whether `state` is one a job ends in. */
export function isTerminal(state: number): boolean {
  return state >= DONE;
}
