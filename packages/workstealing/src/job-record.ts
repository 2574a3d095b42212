import { caughtInstanceOf, SpindleError, wakeShared } from "@spindle/core";
import type { SharedHeap } from "@spindle/codec";
import { decodeValue, dropMessage, encodeNumbersInto, numbersMessageBytes } from "@spindle/codec";
import type { ValueEncoder } from "@spindle/codec";
import { summaryEnd, summaryWords, writeErrorSummary } from "./error-summary.ts";

/**
 * A job record: 32 words of the shared heap (one {@linkcode BLOCK_BYTES} block) that every thread
 * reads and writes with `Atomics`. A job's id is the word index of its record. The layout and the
 * states come first, then {@linkcode JobRecords}, whose methods are the only transitions.
 *
 * Who writes what:
 * - the spawner fills every field before it publishes the id (injector or deque push, both
 *   `Atomics` operations that order those writes before the id becomes visible):
 *   {@linkcode JobRecords.create};
 * - `STATE` moves QUEUED → RUNNING (compare-exchange by the worker that takes the job, so that an
 *   `abort()` racing with it either removes the job or finds it running: {@linkcode JobRecords.claim}
 *   against {@linkcode JobRecords.cancelQueued}) and then to one terminal state, stored after the
 *   result payload is written: a reader that sees a terminal state sees the payload
 *   ({@linkcode JobRecords.settle}). A queued job that is cancelled goes QUEUED → CANCEL_PENDING →
 *   CANCELLED: the compare-exchange to CANCEL_PENDING takes the record from `claim`, the reason is
 *   written, and only then the CANCELLED store publishes it. That compare-exchange is made under
 *   the injector's lock, wherever the job waits, so that a job listed in the injector gives its
 *   place there back at once (`PLACE`; `injector.ts`, "Places"). No terminal state is ever stored
 *   before its payload: the rule every reader of a record (its handle, on any thread) relies on.
 * - `WAITER` and `WAITER_SLOT` belong to the handle's thread, `ABORT` to whoever aborts,
 *   `RUN_PREV`/`RUN_NEXT` to the worker running the job (its list of running jobs, which the
 *   runtime walks when that worker dies: `processor.ts`).
 * - `REFS` counts the handle and the execution; whichever drops it to zero frees the record
 *   ({@linkcode JobRecords.release}), unless the handle was detached and the job failed: that one
 *   hands the record to the runtime's thread instead ({@linkcode DETACHED}).
 * - `NEXT` and `PLACE` belong to the injector (`injector.ts`, "Memory model").
 */

/** The codec's option that lends a payload's typed array (see `readPayload`). */
const LEND = { lend: true } as const;

/** The record's state (see the states below). */
export const STATE = 0;
/** The job's index in its job set. */
export const JOB = 1;
/** Byte offset of the payload block in the heap, or 0 when the payload is inline. */
export const PAYLOAD = 2;
/** The payload's length in bytes (arguments while queued, then the result or error). */
export const LENGTH = 3;
/** References: the handle and the execution (the low 16 bits), plus {@linkcode DETACHED}. */
export const REFS = 4;
/**
 * Added to REFS, with the handle's reference dropped in the same `Atomics.add`, by a handle's
 * `detach()` ({@linkcode JobRecords.releaseDetached}): nobody will take the outcome. Whoever then
 * drops the last reference of a job that failed keeps the record and lists it for the runtime's
 * thread, which reports its error (`onUnhandledError`, {@linkcode JobRecords.takeUnobserved}).
 * One word for both, so that exactly one thread sees the count reach zero and sees the mark with
 * it: a handle that detaches after the settlement and a worker that settles after the detach
 * cannot both, or neither, report.
 */
const DETACHED = 1 << 16;
const REF_COUNT = DETACHED - 1;
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
 * For a job its worker settles (never LOST, so the word is free): that worker's settled count
 * just before this settlement, which tells the runtime, should the worker die in the middle of
 * it, whether the job was counted ({@linkcode JobRecords.publishOutcome}).
 */
export const SETTLED_BEFORE: number = EXIT_CODE;
/**
 * While the job is queued: 1 when it is listed in the injector and holds a place there (it
 * counts in the injector's length, the bounded queue's), else 0. The injector's word, read and
 * written under its lock only (`injector.ts`, "Places"), but for the 0 {@linkcode JobRecords.create}
 * writes before the id is published. Shares EXIT_CODE's word: that one is written only once the
 * job has run (its settlement, LOST), when the job is in no queue and no cancel reads PLACE (a
 * cancel reads it only after it took the record from QUEUED).
 */
export const PLACE: number = EXIT_CODE;
/**
 * When the record is a chunk of `runtime.map`, one more than the index of its first item in the
 * map's items (so that a result that cannot cross names its place in the whole list): its arguments
 * are `[items]` (an array, or a Float64Array when all are numbers), and the worker calls the job on
 * each item (see `map-chunk.ts`), its result the array of their results (a Float64Array when all
 * are numbers); 0 for a plain job. Written by the spawner before it publishes the id, like every field.
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
/**
 * With a payload block (PAYLOAD not 0): the bytes the block was allocated for, in the first inline
 * word (unused then), stored before the block is (`#writePayload`): LENGTH stays 0 until the
 * block's bytes are written, and the block's size class is known meanwhile, so that whoever frees
 * the payload of a worker that died writing it frees the right class and reads no bytes.
 */
const BLOCK_LENGTH = INLINE;

/**
 * Waiting in the injector, a deque or a slot, or taken from a queue and not started yet; or
 * waiting on the runtime's thread for room in a bounded injector. Left once, never re-entered.
 */
export const QUEUED = 1;
/** Taken by a worker (running or suspended there). */
export const RUNNING = 2;
/** Finished: the payload is the result. */
export const DONE = 3;
/** Threw: the payload is the error. */
export const FAILED = 4;
/**
 * Aborted, or cancelled with a reason given as it is (payload: that reason, when one is encoded:
 * its handle fails with it exactly).
 */
export const CANCELLED = 5;
/** Its worker died while running it. */
export const LOST = 6;
/**
 * Being cancelled while queued: taken out of QUEUED by {@linkcode JobRecords.cancelQueued}, whose thread is writing the reason; CANCELLED follows. Not
 * terminal: a handle that sees it waits for the wake that CANCELLED's publication sends, as for a
 * running job.
 */
export const CANCEL_PENDING = 7;
/**
 * Its outcome had no room in the shared heap (the runtime's `maxHeapBytes`): no payload; the
 * record's first two inline words say what did not fit ({@linkcode NO_ROOM_BYTES}) and the state it
 * was to settle in ({@linkcode NO_ROOM_STATE}). Its handle fails with a `HeapFullError`.
 */
export const NO_ROOM = 8;
/** With state NO_ROOM: the encoded outcome's length in bytes. */
export const NO_ROOM_BYTES: number = INLINE;
/**
 * With state NO_ROOM or UNWRITTEN: the state the outcome was for (DONE, FAILED, CANCELLED or
 * RUNTIME_CANCELLED, and for NO_ROOM also LOST; a lost job's other failures end in LOST_UNWRITTEN).
 * NO_ROOM for LOST keeps a summary of the error that killed the worker at
 * {@linkcode UNWRITTEN_CAUSE} (see {@linkcode JobRecords.settleLost}).
 */
export const NO_ROOM_STATE: number = INLINE + 1;
/**
 * Its outcome could not be written for another reason than a full heap (the heap's lock given
 * up, an encoding or a write that threw): no payload; the record's inline words hold the state
 * it was to settle in ({@linkcode NO_ROOM_STATE}) and a summary of what went wrong (name and
 * start of message, `error-summary.ts`) from {@linkcode UNWRITTEN_CAUSE}. Its handle fails with
 * an `OutcomeWriteError` whose `cause` is that summary.
 */
export const UNWRITTEN = 9;
/** With state UNWRITTEN: where the summary of the failure starts, and its words. */
export const UNWRITTEN_CAUSE: number = INLINE + 2;
export const UNWRITTEN_CAUSE_WORDS: number = INLINE_BYTES / 4 - 2;

/**
 * Cancelled by the runtime itself: by a cancelling shutdown (`close({ force: true })`,
 * `shutdown({ mode: "cancel" })`, a drain's timeout), or, after an `abort()`, by the termination
 * of a worker whose job would not stop. The payload, when there is one, says why (a
 * `RuntimeShutdownError` naming the call; the termination's error): it is the `cause` of the
 * `CancelledError` the handle makes on its own thread, where a CANCELLED payload is the error
 * itself. A state of its own, not a flag in another word, so that the one SC store that publishes
 * the payload also says what it means (see {@linkcode JobRecords.settle}): no reader can see the
 * payload with a stale flag, and no other word of a settled record is free for it (words 0-15
 * all have owners above, 16-31 hold the payload). Nothing but the runtime's threads writes it:
 * a reason given to {@linkcode JobRecords.cancelQueued} by anyone else, whatever its class or
 * name, settles as CANCELLED and stays as given.
 */
export const RUNTIME_CANCELLED = 11;

/**
 * Its worker died (as LOST, EXIT_CODE included) and the error that killed it could not be written
 * into the heap for another reason than a full one (the heap's lock given up): no payload; from
 * {@linkcode LOST_SUMMARIES}, a summary of that error (`error-summary.ts`), then, from where it
 * ends, one of the write's failure. Its handle fails with a `WorkerLostError` whose `cause` is the
 * first, whose own `cause` is an `OutcomeWriteError` caused by the second: the death first, as for
 * every lost job, then why only a summary of it is known (as for NO_ROOM, see there).
 */
export const LOST_UNWRITTEN = 10;
/**
 * With state LOST_UNWRITTEN: where the two summaries start, and the words they share: every word
 * from MAP_CHUNK to the record's end, which nobody reads once the job has run (MAP_CHUNK and
 * SPAWNED_AT are its worker's, before it starts the job; the payload is gone).
 */
export const LOST_SUMMARIES: number = MAP_CHUNK;
export const LOST_SUMMARIES_WORDS: number = INLINE + INLINE_BYTES / 4 - MAP_CHUNK;
/**
 * The words the write's failure keeps at least, when the error that killed the worker needs more
 * than the rest: a `SpindleError`'s name and code (`SpindleError\nDEADLOCK\n`) and a few letters.
 */
const LOST_FAILURE_WORDS = 8;

/** Whether `state` is one a job ends in (CANCEL_PENDING is not: its payload is being written). */
export function isTerminal(state: number): boolean {
  return (state >= DONE && state <= LOST) || state === NO_ROOM || state === UNWRITTEN || state === LOST_UNWRITTEN ||
    state === RUNTIME_CANCELLED;
}

/**
 * The injector's part in a cancel: moves a queued job to CANCEL_PENDING under its lock, giving
 * back the place it holds there, if any (`Injector.takeOut`).
 */
export interface QueuePlaces {
  takeOut(id: number): boolean;
}

/** Who is told of a worker's spawn as it goes (a processor: `Processor.traceAllocation`, `traceSpawn`). */
export interface SpawnTrace {
  /** The spawn's record is about to be taken from the heap. */
  traceAllocation(): void;
  /** Record `id` (PAYLOAD 0, block length stored) is about to get its arguments' block. */
  traceArguments(id: number): void;
  /** The spawn failed before its count (no room in the heap): its record went back. */
  abandonSpawn(): void;
  /** Job `id` is about to be counted; the participant's spawn count is `spawnedBefore`. */
  traceSpawn(id: number, spawnedBefore: number): void;
}

// A participant's counter line (16 words of the control block, one cache line): the records it
// created and the ones it settled, and its record cache. Each is written by its participant only.
const SPAWNED = 0;
const SETTLED = 1;
/**
 * Where a participant's record cache starts in its counter line (`SharedHeap.keepRecordsIn`,
 * `RECORD_CACHE_WORDS` words): the runtime takes a dead worker's cache over.
 */
export const RECORD_CACHE = 2;
/** Words between two participants' counter lines (a 64-byte cache line). */
export const COUNTER_LINE = 16;

/**
 * The job records of one runtime as seen from one participant (the runtime's thread 0, or
 * processor `p`'s worker `p + 1`): every transition of the protocol above, and the per-participant
 * counts of records created and settled that tell how many jobs are live.
 */
export class JobRecords {
  readonly #heap: SharedHeap;
  readonly #injector: QueuePlaces;
  readonly #tables: readonly SharedArrayBuffer[];
  readonly #control: Int32Array;
  /** Where participant 0's counter line starts in the control block. */
  readonly #countersAt: number;
  /** This participant's counter line. */
  readonly #counters: number;
  /** The control word that heads the list of failed detached jobs ({@linkcode JobRecords.takeUnobserved}). */
  readonly #unobservedAt: number;

  /**
   * The records in `heap`, for `participant`; `tables` are the participants' wake tables (by
   * participant number), and the counter lines start at `control[countersAt]`, one per
   * participant, {@linkcode COUNTER_LINE} words apart. `injector` takes out a cancelled job that
   * holds a place in it ({@linkcode JobRecords.cancelQueued}).
   */
  constructor(
    heap: SharedHeap,
    tables: readonly SharedArrayBuffer[],
    control: Int32Array,
    countersAt: number,
    participant: number,
    injector: QueuePlaces,
    unobservedAt: number,
  ) {
    this.#heap = heap;
    this.#unobservedAt = unobservedAt;
    this.#injector = injector;
    this.#tables = tables;
    this.#control = control;
    this.#countersAt = countersAt;
    this.#counters = countersAt + participant * COUNTER_LINE;
  }

  /**
   * The heap's words: a record's fields are `words[id + FIELD]`. A view of a fixed length over
   * the heap as long as it is now (`SharedHeap.words`): read it after learning of a record (its
   * id taken from a queue, a slot or a message), not before, and do not keep it.
   */
  get words(): Int32Array {
    return this.#heap.words;
  }

  /**
   * Jobs settled so far, by every participant. Each counter only grows and is written by its
   * participant alone (`Atomics.add` after the settlement), so the sum never exceeds the
   * settlements made and at most trails the ones being made while it is read.
   */
  get settled(): number {
    const control = this.#control;
    let settled = 0;
    for (let q = 0; q < this.#tables.length; q++) {
      settled += Atomics.load(control, this.#countersAt + q * COUNTER_LINE + SETTLED);
    }
    return settled;
  }

  /**
   * Jobs spawned and not settled. Settlements are read before spawns: both only grow and a job
   * settles after it was spawned, so 0 means that at some moment between the reads no job was
   * live (and none can be spawned by a job after that).
   */
  get live(): number {
    const control = this.#control;
    const participants = this.#tables.length;
    const settled = this.settled;
    let spawned = 0;
    for (let q = 0; q < participants; q++) {
      spawned += Atomics.load(control, this.#countersAt + q * COUNTER_LINE + SPAWNED);
    }
    return spawned - settled;
  }

  /**
   * A new queued record of job `job` holding the `length` bytes the encoder wrote; the caller
   * holds both references until it publishes the id and hands one to its handle. A worker passes
   * its `trace`, told of the record's allocation and of the job just before it is counted (its
   * death in the allocation gives the record and its block back, from then until the id's
   * publication the job runs once: `Processor.traceAllocation`, `Processor.traceSpawn`,
   * {@linkcode JobRecords.finishSpawn}).
   */
  create(job: number, encoder: ValueEncoder, length: number, trace?: SpawnTrace): number {
    trace?.traceAllocation();
    const id = this.#heap.allocRecord();
    try {
      this.#writePayload(id, encoder, length, trace);
    } catch (error) {
      this.#heap.freeRecord(id); // the heap had no room for the arguments (CAPACITY_EXCEEDED)
      trace?.abandonSpawn();
      throw error;
    }
    this.#fill(id, job, trace);
    return id;
  }

  /**
   * As {@linkcode JobRecords.create}, for a record whose payload is `values[from, to)` as one
   * Float64Array (a map chunk of numbers), written straight into the heap (codec
   * `encodeNumbersInto`: no packed copy, no encoder); 0 when one of them is not a number, which
   * leaves the heap as it was.
   */
  createNumbers(job: number, values: readonly unknown[], from: number, to: number): number {
    const id = this.#heap.allocRecord();
    const length = numbersMessageBytes(to - from);
    let start: number;
    try {
      start = this.#placePayload(id, length);
    } catch (error) {
      this.#heap.freeRecord(id); // the heap had no room for the arguments (CAPACITY_EXCEEDED)
      throw error;
    }
    if (encodeNumbersInto(values, from, to, this.#heap.bytes, start) === 0) {
      if (length > INLINE_BYTES) this.#heap.freeFrom(this.words, id + PAYLOAD, length);
      this.#heap.freeRecord(id);
      return 0;
    }
    this.words[id + LENGTH] = length;
    this.#fill(id, job);
    return id;
  }

  /** Fills a new record's fields but its payload, QUEUED, and counts the spawn (see `create`). */
  #fill(id: number, job: number, trace?: SpawnTrace): void {
    // Plain writes: nobody else can see the record until the caller publishes its id with an
    // `Atomics` operation (a deque push or the injector's lock), which orders them before it.
    const records = this.words;
    records[id + JOB] = job;
    records[id + REFS] = 2;
    records[id + WORKER] = -1;
    records[id + ABORT] = 0;
    records[id + WAITER] = 0;
    records[id + MAP_CHUNK] = 0;
    records[id + PLACE] = 0; // in no queue yet; read under the injector's lock after the publication
    records[id + STATE] = QUEUED;
    // Plain: only this thread writes its counter line. It comes before the id's publication (an
    // `Atomics` operation), hence before the job's settlement; `live` reads it with `Atomics`.
    // Counting at the publication instead would let a worker that takes the job settle it before
    // it is counted, and `live` read 0 while its parent still runs.
    const control = this.#control;
    const counter = this.#counters + SPAWNED;
    const spawned = control[counter] as number;
    trace?.traceSpawn(id, spawned);
    // After the trace names it (a death between the two leaves it named twice: the runtime frees
    // the record in hand only when the spawn's trace does not name it).
    this.#heap.recordPlaced();
    control[counter] = spawned + 1;
  }

  /**
   * Ends the spawn of job `id` that participant `participant`'s worker died in (the runtime's
   * thread, after the thread's exit; `spawnedBefore`: its count before the job, from its trace):
   * counts the job unless the dead worker did, and drops the handle's reference, which nobody
   * holds (the spawn never returned). The job runs once: from the queue it showed in, or from the
   * injector, where the runtime puts it when it showed in none (`Processor.heldJobs`). Before the
   * job can settle, hence before the caller queues it.
   */
  finishSpawn(id: number, participant: number, spawnedBefore: number): void {
    // The dead worker's counter line has no writer now (its replacement starts after this), and
    // its plain writes came before its exit. It moved past spawnedBefore exactly when the worker
    // counted the job (traceSpawn came first; 32-bit wrap-around included). An `Atomics` store,
    // as `live` on other threads reads the line.
    const at = this.#countersAt + participant * COUNTER_LINE + SPAWNED;
    if (Atomics.load(this.#control, at) === spawnedBefore) Atomics.store(this.#control, at, spawnedBefore + 1);
    this.release(id);
  }

  /**
   * QUEUED → RUNNING, by the worker that took job `id` from a queue (its only taker), whose
   * processor WORKER already names (`Processor.hold`, `holdRunning`); returns `false` when an
   * `abort()` cancelled it first (the caller then drops the queue's reference with
   * {@linkcode JobRecords.release}).
   */
  claim(id: number): boolean {
    // WORKER was stored (SC) before this, so an abort() that sees RUNNING reads the processor to
    // ask. The compare-exchange pairs with cancelQueued's: exactly one of them moves the state out
    // of QUEUED.
    return Atomics.compareExchange(this.words, id + STATE, QUEUED, RUNNING) === QUEUED;
  }

  /**
   * Decodes the record's payload (arguments, result or error); with `lend`, a typed array that is
   * the whole payload is lent (codec `decodeValue`'s `lend`): valid until the record is released.
   */
  readPayload(id: number, lend: boolean = false): unknown {
    // Plain reads: the caller read STATE (or took the job) with an `Atomics` operation after the
    // writer wrote the payload and then published it.
    const records = this.words;
    const length = records[id + LENGTH] as number;
    const offset = records[id + PAYLOAD] as number;
    const start = offset === 0 ? (id + INLINE) << 2 : offset;
    const bytes = this.#heap.bytes.subarray(start, start + length);
    return lend ? decodeValue(bytes, LEND) : decodeValue(bytes);
  }

  /**
   * Replaces the record's payload with the encoder's `length` bytes. By the record's only writer
   * at this point (its executor, or the runtime's thread for a job whose worker died), before the
   * state store that publishes it.
   */
  replacePayload(id: number, encoder: ValueEncoder, length: number): void {
    this.#freePayload(id);
    this.#writePayload(id, encoder, length);
  }

  /**
   * As {@linkcode JobRecords.replacePayload} for an outcome the record is about to settle in
   * `state`; returns the state to settle in: `state`, NO_ROOM when the shared heap has no room for
   * the outcome, or UNWRITTEN when writing it failed otherwise (see
   * {@linkcode JobRecords.writeFailure}). Never throws: what did not fit, or why the write failed,
   * goes into the record's own words, which need no heap, so that the job still settles (before,
   * it never did, or its worker died).
   */
  writeOutcome(id: number, state: number, encoder: ValueEncoder, length: number): number {
    try {
      this.replacePayload(id, encoder, length);
      return state;
    } catch (error) {
      return isNoRoom(error) ? this.#noRoom(id, state, length) : this.writeFailure(id, state, error);
    }
  }

  /** Records that the `length` bytes of the outcome job `id` was to settle in `state` had no room; returns NO_ROOM. */
  #noRoom(id: number, state: number, length: number): number {
    // Plain writes, published by the caller's SC store of NO_ROOM (see settle). The failed write
    // left no payload: #freePayload ran first, and #writePayload allocates before it writes.
    const records = this.words;
    records[id + NO_ROOM_BYTES] = length;
    records[id + NO_ROOM_STATE] = state;
    return NO_ROOM;
  }

  /**
   * Records that the outcome job `id` was to settle in `state` could not be written because of
   * `failure` (a summary of it goes into the record's own words), and returns UNWRITTEN, the
   * state to settle in. The payload is freed if it can be, else forgotten (the failure may be
   * the heap's lock, or have come halfway through freeing it): a block leaked is better than one
   * freed twice.
   */
  writeFailure(id: number, state: number, failure: unknown): number {
    this.#dropPayload(id);
    // Plain writes, published by the caller's SC store of UNWRITTEN (see settle).
    const records = this.words;
    records[id + NO_ROOM_STATE] = state;
    writeErrorSummary(records, id + UNWRITTEN_CAUSE, UNWRITTEN_CAUSE_WORDS, failure);
    return UNWRITTEN;
  }

  /**
   * After a failed write: frees the record's payload if it can, else forgets it (the failure may
   * be the heap's lock, or have come halfway through freeing it): a block leaked is better than
   * one freed twice.
   */
  #dropPayload(id: number): void {
    try {
      this.#freePayload(id); // a no-op when the failed write had freed it
    } catch {
      // forgotten below
    }
    // `Atomics`, as #freePayload writes them; published by the caller's SC store of the state.
    Atomics.store(this.words, id + PAYLOAD, 0);
    Atomics.store(this.words, id + LENGTH, 0);
  }

  /** The shared heap's limit in bytes (the runtime's `maxHeapBytes`, at least 1 MiB). */
  get heapLimit(): number {
    return this.#heap.buffer.maxByteLength;
  }

  /**
   * Ends job `id` in terminal `state` (its payload already written), wakes the thread whose
   * handle waits, and drops the execution's reference.
   */
  settle(id: number, state: number): void {
    // The SC store of the terminal state comes after the payload's writes, so a reader that sees
    // it sees the payload; and before `#announce` reads WAITER, pairing with the handle's
    // "store WAITER, then re-read STATE" (job-handle.ts, poll): one of the two sees the other.
    Atomics.store(this.words, id + STATE, state);
    this.#announce(id);
    this.release(id);
  }

  /**
   * A worker's settlement of job `id` (named by its processor's CURRENT) in terminal `state`, its
   * payload already written, in steps its death can be recovered from: the state is published,
   * the job counted and its waiter woken. The caller then clears CURRENT and only after that drops
   * the execution's reference: a record that CURRENT names in a terminal state was not released
   * by it, and {@linkcode JobRecords.finishPublished} ends what the dead worker began.
   */
  publishOutcome(id: number, state: number): void {
    const records = this.words;
    // Plain: only this thread writes its counter line, and the write to the record is published
    // by the SC store of the state below, which the runtime reads first (finishPublished).
    records[id + SETTLED_BEFORE] = this.#control[this.#counters + SETTLED] as number;
    // As in settle: the payload before the state, the state before #announce's WAITER load.
    Atomics.store(records, id + STATE, state);
    this.#announce(id);
  }

  /**
   * Ends the settlement that participant `participant`'s worker began with
   * {@linkcode JobRecords.publishOutcome} and died in: the runtime's thread, after the thread's
   * exit, for a record in a terminal state that the dead worker's CURRENT names. Counts the job
   * unless the dead worker did, wakes its waiter again (a second wake is a spurious one, which a
   * handle takes as a reason to look at the state), and drops the execution's reference.
   */
  finishPublished(id: number, participant: number): void {
    const records = this.words;
    // The SC load of the state (heldJobs) read the dead worker's SC store of it, so the plain
    // write of SETTLED_BEFORE before that store is visible. The dead worker's counter line has no
    // writer now (its replacement starts after this); it is one above SETTLED_BEFORE exactly when
    // the worker's #announce counted this job (32-bit wrap-around included).
    const counted = Atomics.load(this.#control, this.#countersAt + participant * COUNTER_LINE + SETTLED);
    if (counted === (records[id + SETTLED_BEFORE] as number)) Atomics.add(this.#control, this.#counters + SETTLED, 1);
    const waiter = Atomics.load(records, id + WAITER);
    if (waiter !== 0) this.#wake(waiter, Atomics.load(records, id + WAITER_SLOT));
    this.release(id);
  }

  /** Tells whoever waits that job `id` settled: its handle's thread, and a waiter for no live jobs. */
  #announce(id: number): void {
    const records = this.words;
    // An `Atomics` add although only this thread writes the line: `live` on another thread must
    // see it, ordered after the state store above (SC).
    Atomics.add(this.#control, this.#counters + SETTLED, 1);
    const waiter = Atomics.load(records, id + WAITER);
    if (waiter !== 0) this.#wake(waiter, Atomics.load(records, id + WAITER_SLOT));
  }

  /**
   * Cancels a job that is still queued: it will never run, and whoever takes it from its queue
   * only drops the execution's reference. A job listed in the injector gives its place there back
   * at once (`Injector.takeOut`). Its handle fails with the error `reason` holds (the encoder's
   * last `length` bytes) as it is, or a `CancelledError`; with `as` RUNTIME_CANCELLED (the
   * runtime's threads, for a cancelling shutdown), with a `CancelledError` whose cause that reason
   * is. Returns `false` when a worker took it first.
   */
  cancelQueued(
    id: number,
    reason: ValueEncoder | null = null,
    length = 0,
    as: typeof CANCELLED | typeof RUNTIME_CANCELLED = CANCELLED,
  ): boolean {
    const records = this.words;
    // Not QUEUED (RUNNING, settled, being cancelled): STATE never comes back to QUEUED, so this
    // look is final, and the abort() of a running job takes no lock. QUEUED: the compare-exchange
    // under the injector's lock decides (Injector.takeOut). It moves STATE to CANCEL_PENDING, not
    // CANCELLED: the handle may be on another thread (a worker's child that overflowed into the
    // injector, cancelled by the runtime's thread in a cancelling shutdown), and must not see a
    // terminal state before the reason. The reason's writes (plain, and the heap's lock) come
    // before the SC store of CANCELLED below, so a handle whose SC load sees CANCELLED reads the
    // reason, never the arguments it replaced; one that sees CANCEL_PENDING waits (not terminal),
    // its WAITER store paired with `#announce`'s load as in `settle`. `as` goes into that same
    // store (RUNTIME_CANCELLED is a state): whoever reads the reason read what it means with it.
    if (Atomics.load(records, id + STATE) !== QUEUED || !this.#injector.takeOut(id)) return false;
    let state: number = as;
    if (reason === null) {
      this.#freePayload(id);
      Atomics.store(records, id + LENGTH, 0);
    } else {
      state = this.writeOutcome(id, as, reason, length);
    }
    Atomics.store(records, id + STATE, state);
    this.#announce(id);
    return true;
  }

  /**
   * Ends a job whose worker died (the runtime's thread, after the exit): state LOST with the exit
   * code and, when the encoder holds one (`length` > 0), the error that killed the worker
   * (`error`, encoded) as its payload; as {@linkcode JobRecords.settle}. When it cannot be written,
   * a summary of `error` goes into the record's own words, so that the handle still says what
   * killed the worker: from {@linkcode UNWRITTEN_CAUSE} when the heap had no room (NO_ROOM), else
   * beside a summary of the write's failure (LOST_UNWRITTEN).
   */
  settleLost(id: number, exitCode: number, cause: ValueEncoder | null = null, length = 0, error?: unknown): void {
    let state = LOST;
    const records = this.words;
    if (cause === null || length === 0) {
      this.#freePayload(id);
      Atomics.store(records, id + LENGTH, 0);
    } else {
      try {
        this.replacePayload(id, cause, length);
      } catch (failure) {
        // Plain writes, published by settle's SC store of the state.
        if (isNoRoom(failure)) {
          state = this.#noRoom(id, LOST, length);
          writeErrorSummary(records, id + UNWRITTEN_CAUSE, UNWRITTEN_CAUSE_WORDS, error);
        } else {
          this.#dropPayload(id);
          state = LOST_UNWRITTEN;
          const at = id + LOST_SUMMARIES;
          const first = Math.min(
            summaryWords(error),
            LOST_SUMMARIES_WORDS - Math.min(summaryWords(failure), LOST_FAILURE_WORDS),
          );
          writeErrorSummary(records, at, first, error);
          const second = summaryEnd(records, at);
          writeErrorSummary(records, second, at + LOST_SUMMARIES_WORDS - second, failure);
        }
      }
    }
    Atomics.store(records, id + EXIT_CODE, exitCode);
    this.settle(id, state);
  }

  /**
   * Ends an aborted job whose worker died before the job stopped (terminated as it would not stop,
   * or dead of something else meanwhile): the runtime's thread, after the exit. State
   * RUNTIME_CANCELLED, with the encoder's `length` bytes (why: the termination's error, or the
   * cancelling shutdown's reason caused by it) as its payload, so that the handle's
   * `CancelledError` says why; as {@linkcode JobRecords.settle}, the payload's writes before the
   * state's SC store. Never throws: what cannot be written goes into the record's own words
   * ({@linkcode JobRecords.writeOutcome}).
   */
  settleTerminated(id: number, why: ValueEncoder, length: number): void {
    this.settle(id, this.writeOutcome(id, RUNTIME_CANCELLED, why, length));
  }

  /** Drops one reference to the record; the last one frees it and its payload. */
  release(id: number): void {
    // SC subtract: the two holders (handle, execution) release on different threads, and exactly
    // one sees the count reach zero; the other's reads of the record came before its subtract.
    const refs = Atomics.sub(this.words, id + REFS, 1) - 1;
    if ((refs & REF_COUNT) === 0) this.#dropLast(id, refs);
  }

  /** A detached handle's release: drops its reference and marks the record {@linkcode DETACHED}. */
  releaseDetached(id: number): void {
    // One SC add for both, paired with the other holder's subtract in `release` (see DETACHED).
    const refs = Atomics.add(this.words, id + REFS, DETACHED - 1) + DETACHED - 1;
    if ((refs & REF_COUNT) === 0) this.#dropLast(id, refs);
  }

  /**
   * The last reference is gone: frees the record, or, when its handle was detached and the job
   * failed, lists it for the runtime's thread. The state is terminal here: the execution drops its
   * reference only after it settled the job, and its SC store of the state came before its
   * subtract, which this thread's read-modify-write of REFS follows.
   */
  #dropLast(id: number, refs: number): void {
    if ((refs & DETACHED) !== 0 && this.#failed(id)) {
      this.#listUnobserved(id);
      return;
    }
    // In this thread's hands until its cache has it: a worker that dies meanwhile leaves it named
    // there, its payload still named in it until the block is free (#freePayload), and the
    // runtime frees what is left (`Processor.allocationInHand`).
    this.#heap.holdRecord(id);
    this.#freePayload(id);
    this.#heap.freeRecord(id);
  }

  /** Whether settled job `id` failed: threw, or its error could not be written (its handle would throw). */
  #failed(id: number): boolean {
    const records = this.words;
    // Plain reads: this thread's read-modify-write of REFS follows every other holder's, and the
    // state's SC store (the payload's plain writes before it) came before the execution's. No
    // `Atomics` call either between the last drop and `holdRecord`, where a worker that dies
    // leaves the record unnamed (take-death.test.ts counts that one window).
    const state = records[id + STATE];
    return state === FAILED || ((state === NO_ROOM || state === UNWRITTEN) && records[id + NO_ROOM_STATE] === FAILED);
  }

  /**
   * Pushes record `id`, which this thread alone holds, onto the list of failed detached jobs (a
   * Treiber stack headed by a control word, linked through NEXT: the injector's word, free once
   * the job has left every queue). Its one reference is now the runtime thread's.
   */
  #listUnobserved(id: number): void {
    const records = this.words;
    const control = this.#control;
    const at = this.#unobservedAt;
    // Plain writes, published by the SC compare-exchange that lists the id; the runtime's thread
    // reads them after its exchange of the head (takeUnobserved) reads that id.
    records[id + REFS] = 1;
    let head = Atomics.load(control, at);
    for (;;) {
      records[id + NEXT] = head;
      const seen = Atomics.compareExchange(control, at, head, id);
      if (seen === head) return;
      head = seen;
    }
  }

  /**
   * Takes every listed failed detached job (the runtime's thread): their ids, oldest first. Each
   * record keeps one reference, which the caller drops once it has read the error.
   */
  takeUnobserved(): number[] {
    // Only this thread takes, all at once: no ABA. The exchange pairs with the pushers'
    // compare-exchange: their plain writes to the records are visible from here on.
    let id = Atomics.load(this.#control, this.#unobservedAt) === 0
      ? 0
      : Atomics.exchange(this.#control, this.#unobservedAt, 0);
    const ids: number[] = [];
    const records = this.words;
    while (id !== 0) {
      ids.push(id);
      id = records[id + NEXT] as number;
    }
    return ids.reverse();
  }

  /** Wakes the thread waiting on a record: participant `waiter - 1`'s wake-table slot `slot`. */
  #wake(waiter: number, slot: number): void {
    const buffer = this.#tables[waiter - 1];
    if (buffer !== undefined) wakeShared({ buffer, slot });
  }

  /**
   * Writes the encoder's `length` bytes as the record's payload: inline, or in a block of the
   * heap named in PAYLOAD under the heap's lock before it is taken (`SharedHeap.allocInto`), its
   * length in BLOCK_LENGTH before and LENGTH only once its bytes are written, so that a thread
   * that dies on the way leaves the block named, with its class, and no bytes to read. A spawn's
   * `trace` is told before the block is allocated.
   */
  #writePayload(id: number, encoder: ValueEncoder, length: number, trace?: SpawnTrace): void {
    // Plain writes, published by the caller's later `Atomics` store (the id's publication, or the
    // terminal state); a death reads them after the thread's exit.
    const start = this.#placePayload(id, length, trace);
    const bytes = encoder.bytes;
    this.#heap.bytes.set(bytes.length === length ? bytes : bytes.subarray(0, length), start);
    this.words[id + LENGTH] = length;
  }

  /**
   * Where a payload of `length` bytes goes: inside the record when it fits, else in a block of
   * the heap (throws `CAPACITY_EXCEEDED` when it has no room), which PAYLOAD then names. Its byte
   * offset in the heap is a multiple of 8 either way (a block's of 128, INLINE's of 64 from the
   * record's). Plain writes, published as the payload's (see `#writePayload`).
   */
  #placePayload(id: number, length: number, trace?: SpawnTrace): number {
    const records = this.words;
    records[id + PAYLOAD] = 0; // a new record's are stale; a replaced payload was freed
    records[id + LENGTH] = 0;
    if (length <= INLINE_BYTES) return (id + INLINE) << 2;
    records[id + BLOCK_LENGTH] = length;
    trace?.traceArguments(id);
    // Names the block in PAYLOAD under the heap's lock before it takes it (see `#writePayload`).
    return this.#heap.allocInto(length, records, id + PAYLOAD);
  }

  /**
   * Frees the record's payload (the inline one too), first releasing the buffers `move` copied
   * into the heap for it that no decoder received (the arguments of a job aborted before it ran,
   * a result nobody read); received ones belong to their receiver. LENGTH becomes 0, so that a
   * second call finds no payload to read; PAYLOAD becomes 0 once the block is free
   * (`SharedHeap.freeFrom`), so that a thread that dies here never leaves a freed block named.
   */
  #freePayload(id: number): void {
    const words = this.words;
    const offset = Atomics.load(words, id + PAYLOAD);
    const length = Atomics.load(words, id + LENGTH);
    if (length > 0) dropMessage(this.#heap.bytes, offset === 0 ? (id + INLINE) << 2 : offset, length);
    Atomics.store(words, id + LENGTH, 0);
    // BLOCK_LENGTH (plain) was written with the payload, before the `Atomics` operation that
    // published it, or that made this thread its only holder (release's subtract).
    if (offset !== 0) this.#heap.freeFrom(words, id + PAYLOAD, words[id + BLOCK_LENGTH] as number);
  }

  /**
   * Under the heap's lock recovered from a worker that died holding it (`SharedState.recoverLocksOf`):
   * forgets record `id`'s payload block when it is the heap's next block (`SharedHeap.isNextBlock`):
   * named by the dead worker before it took it, or just freed by it before it cleared the name.
   */
  forgetUntakenPayload(id: number): void {
    // Plain: the dead worker's writes came before its exit, and the lock orders the rest.
    const words = this.words;
    const offset = words[id + PAYLOAD] as number;
    if (offset !== 0 && this.#heap.isNextBlock(offset, words[id + BLOCK_LENGTH] as number)) words[id + PAYLOAD] = 0;
  }

  /**
   * Frees record `id`, which a dead worker had in its hands (`SharedHeap.adoptRecordsOf`), and,
   * with `payload`, the block its PAYLOAD names (a spawn's arguments, or the payload of a record
   * being released, see `Processor.allocationInHand`); no bytes are read (they may be unwritten,
   * or already dropped). By the runtime's thread.
   */
  freeInHand(id: number, payload: boolean): void {
    // Plain reads of the dead worker's writes to a record nobody else holds, after its exit.
    const words = this.words;
    if (payload && words[id + PAYLOAD] !== 0) {
      this.#heap.freeFrom(words, id + PAYLOAD, words[id + BLOCK_LENGTH] as number);
    }
    this.#heap.freeRecord(id);
  }
}

/** Whether a write's failure was the heap's want of room (NO_ROOM), not another one (UNWRITTEN). */
function isNoRoom(failure: unknown): boolean {
  return caughtInstanceOf(failure, SpindleError) && failure.code === "CAPACITY_EXCEEDED";
}
