import { type ParkerHandle, Unparker } from "@spindle/core";
import { isTerminal, type JobRecords, NEXT, QUEUED, RUN_NEXT, RUN_PREV, RUNNING, STATE, WORKER } from "./job-record.ts";
import type { SharedHeap } from "@spindle/codec";
import { decodeValue } from "@spindle/codec";
import type { ValueEncoder } from "@spindle/codec";
import { readErrorSummary, writeErrorSummary } from "./error-summary.ts";
import { WorkDeque } from "./work-deque.ts";

/**
 * One processor of a runtime (tokio's `Core`, async-std's `Processor`): the block of the control
 * block that the machine holding it works from, and that outlives that machine. Its words: the
 * next-task slot, the park word, the heartbeat, the abort-check flag and stop-request counts, the
 * running list, the job being called, the statistics, the crash words and the generation; then
 * its Chase–Lev deque.
 *
 * # Memory model
 *
 * Every word is read and written with `Atomics` (sequentially consistent, SC), except the
 * statistics, which only the owner writes (plain adds) and which others read with `Atomics` for
 * reporting only. Most words have one writer, the processor's machine (the *owner*); the others
 * are the park word (any unparker: `parker.ts`), the slot (taken by thieves too), the abort and
 * stop words (written by aborters) and the generation (bumped by the runtime's thread). Each method says what its accesses pair with.
 * After the owner's thread has exited, the runtime's thread reads and resets the words the thread
 * left (`heldJobs`, `takeCrash`, `isRetired`, the park word) before a replacement starts.
 */
export class Processor {
  /** This processor's number `p` (its worker is participant `p + 1`). */
  readonly index: number;
  /** Its Chase–Lev deque (owner: its machine; thieves: every other machine). */
  readonly deque: WorkDeque;
  /** Its machine's park word, for the machine's `Parker`. */
  readonly parker: ParkerHandle;
  readonly #control: Int32Array;
  readonly #heap: SharedHeap;
  readonly #at: number;
  readonly #unparker: Unparker;
  /** Whether its slot holds this thread's mark (takeOwnSlot), cleared when the job is held. */
  #slotMarked = false;

  /**
   * Processor `index`, whose block of {@linkcode Processor.words}`(dequeCapacity)` words starts at
   * `control[at]`; `heap` holds the job records of its running list and its crash report. `taker`:
   * this thread's number for the deques' steal locks (its lock owner number, see `SharedState`).
   */
  constructor(control: Int32Array, at: number, index: number, dequeCapacity: number, heap: SharedHeap, taker: number) {
    this.index = index;
    this.#control = control;
    this.#heap = heap;
    this.#at = at;
    this.deque = new WorkDeque(control, at + DEQUE, dequeCapacity, index, taker);
    this.parker = { buffer: control.buffer as SharedArrayBuffer, index: at + PARK };
    this.#unparker = new Unparker(this.parker);
  }

  /** Words of the control block one processor occupies (whole cache lines). */
  static words(dequeCapacity: number): number {
    return align(DEQUE + WorkDeque.words(dequeCapacity));
  }

  /** Wakes its machine if it is parked (or makes its next park return at once). */
  unpark(): void {
    // The parker's own protocol (parker.ts): a token left before the park is not lost.
    this.#unparker.unpark();
  }

  // ---- statistics and heartbeat ---------------------------------------------------------------

  /** Adds `n` to statistic `field` ({@linkcode STAT}). Its machine only. */
  count(field: number, n = 1): void {
    // Plain: only the owner writes a statistic, and `stats` reads it for reporting only, paired
    // with nothing; a reader sees some value the owner wrote.
    this.#control[this.#at + field]! += n;
  }

  /** What its machines did so far. */
  stats(): ProcessorStats {
    const control = this.#control;
    const word = (field: number): number => Atomics.load(control, this.#at + field);
    return {
      jobsRun: word(STAT.JOBS_RUN),
      steals: word(STAT.STEALS),
      jobsStolen: word(STAT.JOBS_STOLEN),
      fromInjector: word(STAT.FROM_INJECTOR),
      parks: word(STAT.PARKS),
    };
  }

  /** Bumps the heartbeat: its machine, on every turn and every job start. */
  beat(): void {
    // Only the owner writes it. The watchers (`heartbeat-watch.ts`: a thief's stuck check, the
    // runtime's blocked check) only compare it with the value they saw before; the silent-death
    // watch also reads the heap figure after it (see publishHeapKib), the one word it pairs with.
    // An `Atomics` add so that each bump is visible to them at once.
    Atomics.add(this.#control, this.#at + HEARTBEAT, 1);
  }

  /** The heartbeat (see {@linkcode Processor.beat}). */
  heartbeat(): number {
    return Atomics.load(this.#control, this.#at + HEARTBEAT);
  }

  /** Publishes how many KiB of JS heap its machine's thread uses: its machine, as it beats. */
  publishHeapKib(kib: number): void {
    // Only the owner writes it (and the runtime's thread, resetting it between machines, once the
    // thread has exited). The runtime's silent-death watch reads it paired with the heartbeat:
    // stored before the machine's beat (`Machine.#beat`), loaded after it by the
    // watch, so a watch that saw a beat reads the figure of that beat or a later one.
    Atomics.store(this.#control, this.#at + HEAP_KIB, kib);
  }

  /** The heap use its machine last published, in KiB (0: none yet). */
  heapKib(): number {
    return Atomics.load(this.#control, this.#at + HEAP_KIB);
  }

  // ---- the next-task slot ---------------------------------------------------------------------

  /**
   * Records that its machine begins a spawn's allocation (`JobRecords.create`): its record, taken
   * from the thread's record cache in shared memory (`SharedHeap.keepRecordsIn`), and its
   * arguments' block ({@linkcode Processor.traceArguments}). Should the thread die before the
   * count ({@linkcode Processor.traceSpawn}), the runtime frees both
   * ({@linkcode Processor.allocationInHand}). Owner only.
   */
  traceAllocation(): void {
    this.#control[this.#at + SPAWNING] = ALLOCATING; // plain, see SPAWNING
  }

  /** Records that record `id` of the spawn traced by {@linkcode Processor.traceAllocation} is about to get its arguments' block. Owner only. */
  traceArguments(id: number): void {
    const control = this.#control;
    // Plain, see SPAWNING: the record first, the phase that names it last.
    control[this.#at + SPAWN_NEW] = id;
    control[this.#at + SPAWNING] = ALLOCATING_ARGUMENTS;
  }

  /** Ends the trace of a spawn whose allocation failed (its record went back to the cache). Owner only. */
  abandonSpawn(): void {
    this.#control[this.#at + SPAWNING] = 0; // plain, see SPAWNING
  }

  /**
   * In the recovery of the heap's lock from its dead machine (under the lock, before anyone else
   * changes the heap): forgets a payload block the machine had named and not taken, or freed and
   * not unnamed (`JobRecords.forgetUntakenPayload`): its spawn's arguments block, the payload of
   * the record it had in hand (`inHand`, `SharedHeap.recordInHand`: one it was releasing), or the
   * result it was writing for the job it was calling. After the thread's exit, as heldJobs.
   */
  forgetUntakenBlocks(records: JobRecords, inHand: number): void {
    const control = this.#control;
    // Plain: the dead machine's trace words (see allocationInHand).
    const spawning = control[this.#at + SPAWNING]!;
    if (spawning === ALLOCATING_ARGUMENTS) records.forgetUntakenPayload(control[this.#at + SPAWN_NEW]!);
    // A record in hand (see allocationInHand): its PAYLOAD is its own, except while ALLOCATING
    // (a record just taken from the cache, whose words are stale).
    if (inHand !== 0 && spawning !== ALLOCATING) records.forgetUntakenPayload(inHand);
    // CURRENT = id once the job is claimed: its machine writes its result there, and only there
    // (SC load: its last writer was the dead machine).
    const current = Atomics.load(control, this.#at + CURRENT);
    if (current > 0) records.forgetUntakenPayload(current);
  }

  /**
   * What its dead machine left in its hands of the heap, given the record it had in hand
   * (`SharedHeap.adoptRecordsOf`, 0: none): null when there is nothing to free (none, or the
   * record its spawn's trace names from the count on, which the spawn's recovery keeps), else the
   * record to free and whether its PAYLOAD names a block to free too (`JobRecords.freeInHand`):
   * not while ALLOCATING (the record just taken from the cache: its words are stale), else the
   * spawn's arguments, or the payload of a record whose last reference the machine dropped
   * (`JobRecords.release`: PAYLOAD names the block until it is free). By the runtime's thread,
   * after the exit, before heldJobs.
   */
  allocationInHand(inHand: number): { record: number; payload: boolean } | null {
    if (inHand === 0) return null;
    const control = this.#control;
    // Plain: the dead machine's trace words, written before its exit, read after it (as heldJobs).
    const spawning = control[this.#at + SPAWNING]!;
    if (isCountingPhase(spawning) && control[this.#at + SPAWN_NEW] === inHand) return null;
    return { record: inHand, payload: spawning !== ALLOCATING };
  }

  /**
   * Records that its machine is spawning job `id` (`JobRecords.create` calls this just before it
   * counts the job, whose record is written; `spawnedBefore`: the count before): until the job
   * shows in the slot or the deque ({@linkcode Processor.putInSlot} and what follows), it is in no
   * queue, and should the thread die meanwhile the runtime queues it again from this trace
   * (`heldJobs`), so that it runs once and the live count comes back to 0. Owner only.
   */
  traceSpawn(id: number, spawnedBefore: number): void {
    const control = this.#control;
    // Plain, see SPAWNING: the job and the count first, the phase that makes them count last.
    control[this.#at + SPAWN_NEW] = id;
    control[this.#at + SPAWN_COUNT] = spawnedBefore;
    control[this.#at + SPAWNING] = COUNTING;
  }

  /**
   * Puts `id` (traced by {@linkcode Processor.traceSpawn}) in the slot, or, when the slot holds a
   * job, returns that job, left marked (`-job`, as {@linkcode Processor.takeOwnSlot} does) for the
   * caller to push onto the deque and then call {@linkcode Processor.finishBump}`(id)`. Should the
   * thread die in between, the runtime finds the mark and the deque's bottom: the job is queued
   * again unless the push happened. Returns {@linkcode SLOT_BUSY}, leaving the slot alone, while a
   * thief's mark is there ({@linkcode Processor.takeSlotOf}): the caller pushes `id` onto the deque
   * instead and then calls {@linkcode Processor.pushedInstead}. Owner only, from a running job (no
   * mark of its own is left then).
   */
  putInSlot(id: number): number {
    const control = this.#control;
    const at = this.#at + SLOT;
    // SC load: a thief may take the job there (takeSlotOf's compare-exchange), never put one; so 0
    // stays 0, and a job seen may only turn into a thief's mark (later 0).
    const bumped = Atomics.load(control, at);
    if (bumped !== 0) {
      // The trace first (plain, see SPAWNING): the new job is in no queue until the slot holds it
      // (a bump, finishBump) or the deque's bottom moves past SPAWN_BOTTOM (pushedInstead).
      control[this.#at + SPAWN_BOTTOM] = this.deque.ownBottom;
      if (bumped < 0) {
        // A thief's mark (takeSlotOf): the job there is the thief's, which clears the mark once
        // it named the job; the new job goes to the deque instead (a negative slot is never the
        // owner's own mark here: a running job's machine has cleared it, see #clearTakeTraces).
        control[this.#at + SPAWNING] = PUSHING_NEW;
        return SLOT_BUSY;
      }
      // Then the mark by compare-exchange against a thief's.
      control[this.#at + SPAWNING] = BUMPING_OLD;
      if (Atomics.compareExchange(control, at, bumped, -bumped) === bumped) return bumped;
      // A thief took it (nobody else takes a live owner's slot): its mark is there until it named
      // the job, so the new job goes to the deque, as above.
      control[this.#at + SPAWNING] = PUSHING_NEW;
      return SLOT_BUSY;
    }
    control[this.#at + SPAWNING] = PUTTING; // plain, see SPAWNING
    // SC store: only this thread puts jobs here; it also publishes the new job's record (written
    // before it) to whoever takes it.
    Atomics.store(control, at, id);
    control[this.#at + SPAWNING] = SHOWN; // plain, see SPAWNING
    return 0;
  }

  /** Ends the move {@linkcode Processor.putInSlot} began: `id` replaces the mark. Owner only. */
  finishBump(id: number): void {
    const control = this.#control;
    // The marked job is in the deque now (plain, see SPAWNING): a death from here on leaves it
    // there, and the new job in the slot once the slot holds anything but the mark.
    control[this.#at + SPAWNING] = PUTTING;
    // SC store over our own mark (a thief leaves marks alone).
    Atomics.store(control, this.#at + SLOT, id);
    control[this.#at + SPAWNING] = SHOWN; // plain, see SPAWNING
  }

  /** Ends the push of a new job that {@linkcode Processor.putInSlot} found no room for (SLOT_BUSY). Owner only. */
  pushedInstead(): void {
    this.#control[this.#at + SPAWNING] = SHOWN; // plain, see SPAWNING
  }

  /**
   * Ends the trace of a spawn whose job shows in the slot or the deque (phase SHOWN, see SPAWNING)
   * once the spawn returns its handle: a thread that dies before leaves a handle nobody has, whose
   * reference the runtime drops (`JobRecords.finishSpawn`). Owner only.
   */
  spawnReturned(): void {
    this.#control[this.#at + SPAWNING] = 0; // plain, see SPAWNING
  }

  /**
   * The owner's take of its slot: the job there, or 0. The slot keeps the mark `-id` (taken, not
   * held) until {@linkcode Processor.hold} names the job, so that a thread that dies in between
   * leaves the job named ({@linkcode Processor.heldJobs}). Owner only.
   */
  takeOwnSlot(): number {
    const at = this.#at + SLOT;
    // The load skips the compare-exchange when the slot holds no job. The compare-exchange against
    // a thief's (takeSlot): exactly one of them moves the slot off `id`; a failure means a thief
    // took it, and only the owner puts jobs there.
    const id = Atomics.load(this.#control, at);
    if (id <= 0 || Atomics.compareExchange(this.#control, at, id, -id) !== id) return 0;
    this.#slotMarked = true;
    return id;
  }

  /** Takes job `id` out of the slot if it is there, leaving its mark as takeOwnSlot; returns whether it was. Owner only. */
  takeSlotIf(id: number): boolean {
    // Against a thief's compare-exchange in takeSlot: one of them moves the slot off `id`.
    if (Atomics.compareExchange(this.#control, this.#at + SLOT, id, -id) !== id) return false;
    this.#slotMarked = true;
    return true;
  }

  /**
   * The runtime's take of the slot, after the owner's thread exited: the job there, or 0 (the
   * runtime's thread does not die, so it needs no trace).
   */
  takeSlot(): number {
    const at = this.#at + SLOT;
    // The load only skips the compare-exchange when the slot holds no job (0, or a mark, the
    // dead owner's or a live thief's, which is not this take's); a compare-exchange, not an
    // exchange, so that a thief's mark stored meanwhile is left alone.
    const id = Atomics.load(this.#control, at);
    return id > 0 && Atomics.compareExchange(this.#control, at, id, 0) === id ? id : 0;
  }

  /**
   * This processor's machine, a thief, takes the job in `victim`'s slot (a machine stuck in a
   * long job, see the machine's steal), or 0. The victim's slot keeps this thief's mark, and this
   * processor's words a trace of the take, until {@linkcode Processor.hold} names the job here,
   * so that a thief that dies in between leaves the job to run once (`heldJobs`). Owner of this
   * processor only.
   */
  takeSlotOf(victim: Processor): number {
    const control = this.#control;
    const at = victim.#at + SLOT;
    // The load only skips the compare-exchange when the slot holds no job (0, or a mark, which
    // is not this thief's to take); a job put there just after it is the victim's to run.
    const id = Atomics.load(control, at);
    if (id <= 0) return 0;
    // The trace (plain, see SLOT_TAKING) before the take, so that a death after the take finds it.
    control[this.#at + SLOT_FROM] = at;
    control[this.#at + SLOT_JOB] = id;
    control[this.#at + SLOT_TAKING] = 1;
    // SC compare-exchange against the owner's (takeOwnSlot, takeSlotIf, putInSlot's bump), other
    // thieves' and the runtime's: exactly one moves the slot off `id`. The mark names this thief:
    // nobody but this thread, or the runtime's thread after its exit, changes a thief's mark.
    if (Atomics.compareExchange(control, at, id, thiefMark(this.index)) === id) return id;
    control[this.#at + SLOT_TAKING] = 0;
    return 0;
  }

  /**
   * Traces the batch its machine just took from the injector, `count` jobs linked from `first`
   * through their NEXT words: called by `Injector.popBatch` under its lock, so that the trace
   * exists once the take is final (a popper that dies holding the lock has its pop undone). The
   * machine then pushes all but the first onto its deque, which must have room for them (no
   * overflow: the deque's bottom then counts the pushes), and names the first. Owner only.
   */
  traceBatch(first: number, count: number): void {
    const control = this.#control;
    // Plain, see BATCHING.
    control[this.#at + BATCH_FIRST] = first;
    control[this.#at + BATCH_COUNT] = count;
    control[this.#at + BATCH_BOTTOM] = this.deque.ownBottom;
    control[this.#at + BATCHING] = 1;
  }

  /** Whether the slot holds a job. */
  hasSlot(): boolean {
    // A parking machine's last look and the runtime's blocked check. SC: the owner's exchange
    // that filled the slot comes before, or after, this load in one order; a job put there later
    // is its owner's, which is running (it just spawned it).
    return Atomics.load(this.#control, this.#at + SLOT) > 0;
  }

  // ---- jobs running here (read by the runtime after the machine died) --------------------------

  /**
   * Records that its machine took job `id` from a queue and is about to claim it: WORKER names
   * this processor and CURRENT holds `-id` (taken, not claimed), so that, should the thread die
   * before the claim, the runtime finds the job never started and queues it again
   * ({@linkcode Processor.heldJobs}). After the claim, {@linkcode Processor.setCurrent}`(id)`.
   * Owner only.
   */
  hold(id: number): void {
    // WORKER (SC) before CURRENT (SC): the runtime, after the thread's exit, reads CURRENT and then
    // WORKER, and an abort() that sees the claim's RUNNING (SC, later) reads WORKER. The machine is
    // the job's only taker (it took the id out of its queue), so the early store harms nothing if
    // an abort() cancelled the job while queued.
    Atomics.store(this.#heap.words, id + WORKER, this.index);
    this.setCurrent(-id);
    this.#clearTakeTraces();
  }

  /** As {@linkcode Processor.hold}, for a child taken back to run in place: it joins the running list. Owner only. */
  holdRunning(id: number): void {
    Atomics.store(this.#heap.words, id + WORKER, this.index); // as in hold
    this.linkRunning(id);
    this.#clearTakeTraces();
  }

  /**
   * Clears the traces of the take whose job was just named in CURRENT or the running list: the
   * slot's mark, and its deque's pop and steal traces (`WorkDeque.named`).
   */
  #clearTakeTraces(): void {
    const control = this.#control;
    this.deque.named();
    control[this.#at + BATCHING] = 0; // plain, see BATCHING
    if (control[this.#at + SLOT_TAKING] === 1) {
      // A take from a victim's slot (takeSlotOf), after the SC store that named the job: a thread
      // that dies between the two leaves it named and marked, and heldJobs counts it once. The SC
      // store pairs with the victim's load in putInSlot (which then fills the slot again); only
      // this thread changes its mark.
      Atomics.store(control, control[this.#at + SLOT_FROM]!, 0);
      control[this.#at + SLOT_TAKING] = 0; // plain, see SLOT_TAKING
    }
    if (!this.#slotMarked) return;
    this.#slotMarked = false;
    // After the SC store that named the job: a thread that dies between the two leaves it named
    // twice, and heldJobs counts it once. Plain: only the owner writes a negative slot or
    // overwrites one (thieves leave it alone, takeSlot), the owner's next exchange of the slot
    // follows this write in program order, and a thief's racing load that still sees the mark
    // skips the slot, as it would an empty one.
    this.#control[this.#at + SLOT] = 0;
  }

  /**
   * Records that its machine is calling job `id`, which it claimed, or settling it (0: none;
   * `-id`: taken, not claimed, see {@linkcode Processor.hold}), for its death. Owner only.
   */
  setCurrent(id: number): void {
    // SC store: the runtime's watchdog reads it while the machine runs (hasRunningJobs), and the
    // runtime's thread takes it after the thread exited (heldJobs).
    Atomics.store(this.#control, this.#at + CURRENT, id);
  }

  /** Links `id` into its running list. Owner only. */
  linkRunning(id: number): void {
    const control = this.#control;
    const records = this.#heap.words;
    const head = this.#at + RUN_HEAD;
    // Only the owner changes the list while its thread lives; the runtime walks it once the
    // thread has exited. `Atomics` because record words are (job-record.ts), and because the
    // watchdog reads the head while the machine runs (hasRunningJobs).
    const first = Atomics.load(control, head);
    Atomics.store(records, id + RUN_PREV, 0);
    Atomics.store(records, id + RUN_NEXT, first);
    if (first !== 0) Atomics.store(records, first + RUN_PREV, id);
    Atomics.store(control, head, id);
  }

  /** Unlinks `id` from its running list. Owner only. */
  unlinkRunning(id: number): void {
    const records = this.#heap.words;
    // As in linkRunning: the owner alone, while its thread lives.
    const prev = Atomics.load(records, id + RUN_PREV);
    const next = Atomics.load(records, id + RUN_NEXT);
    if (prev === 0) Atomics.store(this.#control, this.#at + RUN_HEAD, next);
    else Atomics.store(records, prev + RUN_NEXT, next);
    if (next !== 0) Atomics.store(records, next + RUN_PREV, prev);
  }

  /**
   * What its dead machine held (for the runtime, once the thread has exited), each job once:
   * `started`, the jobs it was running (its current call and its running list), which are lost;
   * `unstarted`, jobs it had taken from a queue and not yet claimed ({@linkcode Processor.hold}),
   * which go back to a queue and run once; `published`, the job it died settling, its outcome
   * published but the settlement unfinished (`JobRecords.finishPublished`); and `unreleased`, jobs
   * it had taken that were cancelled while queued, whose queue reference it had not dropped yet.
   * Jobs it had taken and not named yet (its slot's mark, {@linkcode Processor.takeOwnSlot}, and
   * `fromDeques`, what `SharedState.recoverStealsOf` and `recoverPopOf` found, and its injector batch unless
   * `batchUndone`) count as taken, and so does a job it was spawning that shows in no queue
   * ({@linkcode Processor.traceSpawn}). `spawn`: the job it was spawning, shown or not, with its
   * spawn count before it (for `JobRecords.finishSpawn`), or null. Empties the words.
   */
  heldJobs(fromDeques: readonly number[], batchUndone: boolean): HeldJobs {
    const control = this.#control;
    const records = this.#heap.words;
    // After the thread's exit: nobody else writes these words now. Both are cleared for the
    // processor's next machine.
    const current = Atomics.exchange(control, this.#at + CURRENT, 0);
    const held = new Set<number>();
    // The machine clears CURRENT and unlinks a job before it drops its reference to the record
    // (harness.ts), so every record named here is still allocated, and WORKER names this
    // processor: stored (by `hold`, `holdRunning`) before the record was named.
    if (current !== 0) held.add(Math.abs(current));
    for (let id = Atomics.load(control, this.#at + RUN_HEAD); id !== 0; id = Atomics.load(records, id + RUN_NEXT)) {
      held.add(id);
    }
    Atomics.store(control, this.#at + RUN_HEAD, 0);
    const { taken: unnamed, spawn } = this.#takenUnnamed(batchUndone);
    const jobs: HeldJobs = { started: [], unstarted: [], published: [], unreleased: [], spawn };
    // Taken and not named: no queue holds them, and no other thread takes them (a thief leaves a
    // mark alone), so each record is still allocated (the queue's reference came with it). WORKER
    // may still name an earlier worker: the machine stores it in hold. A job both marked and named
    // (the thread died in hold, between CURRENT's store and the mark's clearing) counts once.
    const taken: number[] = [];
    for (const id of [...unnamed, ...fromDeques]) {
      if (!held.has(id)) taken.push(id);
      held.add(id);
    }
    for (const id of held) {
      if (!taken.includes(id) && Atomics.load(records, id + WORKER) !== this.index) continue; // defensive: see above
      // The machine's SC writes of STATE (claim, publishOutcome) came before its exit; another
      // thread moves STATE only out of QUEUED (cancelQueued), which claim's compare-exchange
      // excludes once RUNNING.
      const state = Atomics.load(records, id + STATE);
      if (state === RUNNING) jobs.started.push(id); // claimed, not settled (also: died before CURRENT = id)
      else if (state === QUEUED) jobs.unstarted.push(id);
      // CURRENT = id only after a successful claim: this machine published the outcome.
      else if (current === id && isTerminal(state)) jobs.published.push(id);
      // Taken (CURRENT = -id, or in the running list unclaimed) and cancelled while queued: the
      // canceller settled it (or, CANCEL_PENDING, is settling it); the queue's reference is left.
      else jobs.unreleased.push(id);
    }
    return jobs;
  }

  /**
   * The jobs its dead machine had taken and not named yet: its slot's mark (takeOwnSlot, or a
   * bump not pushed yet), its mark in a victim's slot (takeSlotOf), an injector batch (traceBatch)
   * unless `batchUndone` (the injector's recovery undid the pop), and the job it was spawning when
   * that job shows in no queue (traceSpawn); and that spawn. Clears the marks and the traces for
   * the next machine.
   */
  #takenUnnamed(batchUndone: boolean): { taken: number[]; spawn: SpawnInFlight | null } {
    const control = this.#control;
    const taken: number[] = [];
    // After the thread's exit: its plain trace words are all visible; the deque's bottom has no
    // other writer (the runtime's recovery of a steal into it ran before, recoverStealsOf).
    const bottom = this.deque.ownBottom;
    // SC load: only the owner writes a negative slot (a thief's compare-exchange never matches
    // one), so the mark is what the dead machine left.
    const slot = Atomics.load(control, this.#at + SLOT);
    // A thief's mark is the live thief's to clear (or its own death's recovery): left alone.
    const ownMark = slot < 0 && !isThiefMark(slot);
    const spawning = control[this.#at + SPAWNING]!;
    // A push during a spawn happened when bottom moved (nothing else pushes between).
    const pushed = bottom !== control[this.#at + SPAWN_BOTTOM];
    if (ownMark) {
      Atomics.store(control, this.#at + SLOT, 0);
      // A bump whose push happened (BUMPING_OLD with bottom moved, or PUTTING: finishBump) left
      // the job in the deque.
      if (!(spawning === PUTTING || (spawning === BUMPING_OLD && pushed))) taken.push(-slot);
    }
    let spawn: SpawnInFlight | null = null;
    if (isCountingPhase(spawning)) {
      const id = control[this.#at + SPAWN_NEW]!;
      spawn = { id, spawnedBefore: control[this.#at + SPAWN_COUNT]! };
      if (!this.#spawnShown(spawning, id, slot, ownMark, pushed)) taken.push(id);
    }
    control[this.#at + SPAWNING] = 0;
    if (control[this.#at + SLOT_TAKING] === 1) {
      // Its take from a victim's slot (takeSlotOf): the victim's slot still holds its mark only if
      // the take happened and was not cleared (SC compare-exchange: a live thief's or the victim's
      // accesses to that slot never write this mark; only this dead thread did).
      const from = control[this.#at + SLOT_FROM]!;
      if (Atomics.compareExchange(control, from, thiefMark(this.index), 0) === thiefMark(this.index)) {
        taken.push(control[this.#at + SLOT_JOB]!);
      }
      control[this.#at + SLOT_TAKING] = 0;
    }
    if (control[this.#at + BATCHING] === 1 && !batchUndone) {
      // The pushes are the bottom's rise (each push one bottom store); the jobs not pushed are the
      // first `count - pushed` of the chain, whose NEXT links nobody wrote since the pop (they are
      // in no queue).
      const count = control[this.#at + BATCH_COUNT]!;
      const pushed = Math.max(0, Math.min(count - 1, (bottom - control[this.#at + BATCH_BOTTOM]!) | 0));
      let id = control[this.#at + BATCH_FIRST]!;
      for (let n = count - pushed; n > 0; n--) {
        taken.push(id);
        id = Atomics.load(this.#heap.words, id + NEXT);
      }
    }
    control[this.#at + BATCHING] = 0;
    return { taken, spawn };
  }

  /**
   * Whether the job `id` its dead machine was spawning (phase `spawning`, see SPAWNING) shows in
   * its slot or deque (or was taken from there since), from the slot as the runtime found it
   * (`slot`; `ownMark`: a mark of the dead machine's) and whether its deque's bottom moved since
   * SPAWN_BOTTOM.
   */
  #spawnShown(spawning: number, id: number, slot: number, ownMark: boolean, pushed: boolean): boolean {
    if (spawning === SHOWN) return true;
    if (spawning === PUSHING_NEW) return pushed;
    if (spawning !== PUTTING) return false; // COUNTING, BUMPING_OLD: put nowhere yet
    // PUTTING: the slot held 0, or this thread's mark, which nobody else writes, until the store
    // of `id`; after it, the job, a thief's mark, or 0 once that thief named the job. A thief
    // stores WORKER (SC, in hold) before it clears its mark (SC), and this load of WORKER comes
    // after the slot's: a 0 with WORKER still -1 (JobRecords.create) is the slot before the
    // store. The record is still allocated: its handle's reference is dropped only by
    // JobRecords.finishSpawn, after this.
    if (ownMark) return false;
    return slot !== 0 || Atomics.load(this.#heap.words, id + WORKER) !== -1;
  }

  /** Whether it has running jobs (a current call or a non-empty running list). */
  hasRunningJobs(): boolean {
    // The watchdog, while the machine runs: a stale answer at worst terminates a machine that has
    // just finished its last job (it is replaced and its queued jobs move to the injector), or
    // waits one more tick.
    return Atomics.load(this.#control, this.#at + CURRENT) !== 0 ||
      Atomics.load(this.#control, this.#at + RUN_HEAD) !== 0;
  }

  // ---- abort checks and stop requests ---------------------------------------------------------

  /** Asks its machine to look at its jobs' abort flags (and the runtime's state). */
  requestAbortCheck(): void {
    // SC store, then the unpark: the machine takes the flag at the top of its turn and looks at it
    // in its search and in its last look before parking (hasAbortCheck); a machine that parks
    // before seeing it is woken by the unpark, whose token the parker keeps if it comes early.
    Atomics.store(this.#control, this.#at + ABORT_PENDING, 1);
    this.unpark();
  }

  /**
   * Asks its machine to stop a running job (whose abort flag the caller set) and counts the
   * request, so that the runtime can tell whether the machine got to it.
   */
  requestStop(): void {
    // The check is requested before the request is counted, and the machine reads the count
    // before it takes the check (all sequentially consistent): a machine that publishes, as
    // handled, a count that includes this request has taken this request's check too.
    this.requestAbortCheck();
    Atomics.add(this.#control, this.#at + STOP_REQUESTS, 1);
  }

  /** How many stop requests it has received (see {@linkcode Processor.requestStop}). */
  stopRequests(): number {
    return Atomics.load(this.#control, this.#at + STOP_REQUESTS);
  }

  /** The stop-request count its machine has handled. */
  stopsHandled(): number {
    return Atomics.load(this.#control, this.#at + STOPS_HANDLED);
  }

  /** Publishes that its machine took every stop request up to `count`. Its machine only. */
  markStopsHandled(count: number): void {
    // SC, after the machine's takeAbortCheck: see requestStop.
    Atomics.store(this.#control, this.#at + STOPS_HANDLED, count);
  }

  /** Whether an abort check was requested (clears the request). Its machine only. */
  takeAbortCheck(): boolean {
    const at = this.#at + ABORT_PENDING;
    // The load skips the exchange on the common path; a request stored just after it is taken on
    // the next turn (requestAbortCheck's unpark makes sure there is one).
    return Atomics.load(this.#control, at) !== 0 && Atomics.exchange(this.#control, at, 0) !== 0;
  }

  /** Whether an abort check is pending (without clearing it). */
  hasAbortCheck(): boolean {
    return Atomics.load(this.#control, this.#at + ABORT_PENDING) !== 0;
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Its generation (see {@linkcode GENERATION}): read by a machine when it starts and as it runs. */
  generation(): number {
    return Atomics.load(this.#control, this.#at + GENERATION);
  }

  /** Gives up on its thread: a machine of an older generation stops where it is. */
  abandon(): void {
    // SC add before the runtime's terminate(): a thread that outlives the termination reads the
    // new generation at its next check (machine.ts, #checkAlive) and stops there.
    Atomics.add(this.#control, this.#at + GENERATION, 1);
  }

  /** Marks its machine as retired on purpose (or not), before its thread exits. */
  setRetired(retired: boolean): void {
    // Stored by the retiring machine before its thread exits, and reset by the runtime's thread
    // before it starts the next one; read by the runtime's thread after the exit (isRetired).
    Atomics.store(this.#control, this.#at + RETIRED, retired ? 1 : 0);
  }

  /** Whether its machine retired on purpose. */
  isRetired(): boolean {
    return Atomics.load(this.#control, this.#at + RETIRED) === 1;
  }

  /**
   * Stores the error that is about to end its thread (the encoder's last `length` bytes) for the
   * runtime, which attaches it to the jobs it loses. Its machine only.
   */
  reportCrash(encoder: ValueEncoder, length: number, error: unknown): void {
    let at: number;
    try {
      at = this.#heap.alloc(Math.max(1, length));
    } catch {
      // No room in the heap (or its lock held by this very thread, which failed inside it): a
      // summary of the error, in this processor's own words, which need no heap. Plain writes,
      // ordered before the store of CRASH_SUMMARIZED below as the bytes are in the other case.
      writeErrorSummary(this.#control, this.#at + CRASH_SUMMARY, CRASH_SUMMARY_WORDS, error);
      Atomics.store(this.#control, this.#at + CRASH_AT, CRASH_SUMMARIZED);
      return;
    }
    const bytes = encoder.bytes;
    this.#heap.bytes.set(bytes.length === length ? bytes : bytes.subarray(0, length), at);
    // The bytes (plain writes) are ordered before these stores; the runtime reads the offset
    // first, once the thread has exited, and only then the length and the bytes.
    Atomics.store(this.#control, this.#at + CRASH_LENGTH, length);
    Atomics.store(this.#control, this.#at + CRASH_AT, at);
  }

  /** The error its last thread reported before it ended, or `undefined`; clears it. */
  takeCrash(): unknown {
    // The exchange pairs with reportCrash's last store (see there) and takes the report once.
    const at = Atomics.exchange(this.#control, this.#at + CRASH_AT, 0);
    if (at === 0) return undefined;
    if (at === CRASH_SUMMARIZED) return readErrorSummary(this.#control, this.#at + CRASH_SUMMARY);
    const length = Atomics.load(this.#control, this.#at + CRASH_LENGTH);
    try {
      return decodeValue(this.#heap.bytes.subarray(at, at + length));
    } finally {
      this.#heap.free(at, Math.max(1, length));
    }
  }
}

/** What a dead machine held (see {@linkcode Processor.heldJobs}). */
export interface HeldJobs {
  readonly started: number[];
  readonly unstarted: number[];
  readonly published: number[];
  readonly unreleased: number[];
  readonly spawn: SpawnInFlight | null;
}

/** A spawn its machine died in (see {@linkcode Processor.traceSpawn}). */
export interface SpawnInFlight {
  /** The job being spawned. */
  readonly id: number;
  /** The machine's spawn count before it counted this job. */
  readonly spawnedBefore: number;
}

/** What one processor's machine did since the runtime started (across replacements). */
export interface ProcessorStats {
  /** Jobs it started, including children joined in place. */
  readonly jobsRun: number;
  /** Successful steals: batches taken from other processors. */
  readonly steals: number;
  /** Jobs those steals took. */
  readonly jobsStolen: number;
  /** Jobs it took from the injector. */
  readonly fromInjector: number;
  /** Times it parked for want of work. */
  readonly parks: number;
}

/** How long an extra machine waits for work before it retires. */
export const EXTRA_MACHINE_IDLE_MS = 100;

/** Statistic fields of a processor, for {@linkcode Processor.count}. */
export const STAT = { JOBS_RUN: 7, STEALS: 8, JOBS_STOLEN: 9, FROM_INJECTOR: 10, PARKS: 11 } as const;

// A processor's block, in 64-byte cache lines (16 words).
const LINE = 16;
const align = (words: number): number => Math.ceil(words / LINE) * LINE;
/** Its machine's parker word. */
const PARK = 0;
/** Bumped by its machine on every turn, so others can tell a machine stuck in a long job. */
const HEARTBEAT = 1;
/** The first record of its list of running jobs. */
const RUN_HEAD = 2;
/** Set when a job of it was aborted or the runtime is cancelling: its machine looks at its jobs. */
const ABORT_PENDING = 3;
/** The next-task slot: a job id or 0. */
const SLOT = 4;
/** 1 once its (extra) machine retired on purpose. */
const RETIRED = 5;
/** The job its machine is calling right now (a plain job, or a job's first call), or 0. */
const CURRENT = 6;
// Words 7–11: statistics (STAT), written by the processor's machine only, read with Atomics.
/**
 * The error its machine reported just before its thread ended (an uncaught error, a rejection
 * nobody handled, an aborted job that would not stop): the heap offset of the encoded error, or 0,
 * and its length. Written by the dying machine (length, then offset), read and cleared by the
 * runtime once the thread has exited.
 */
const CRASH_AT = 12;
const CRASH_LENGTH = 13;
/**
 * Bumped whenever someone asks this processor's machine to stop a running job (`abort()`, a
 * deadline, a signal, a cancelling shutdown). The runtime compares it with the count its machine
 * handled to tell a machine that cannot get to the request (stuck in a job) from one that did.
 */
const STOP_REQUESTS = 14;
/**
 * The stop-request count its machine had read before it last took its abort check: every
 * request counted up to here has been taken (see {@linkcode Processor.requestStop}).
 */
const STOPS_HANDLED = 15;
/**
 * Bumped by the runtime when it gives up on the processor's thread (terminates it): a machine
 * that finds it changed since its start is a thread that outlived its termination (Deno 2.9's
 * `terminate()` does not stop a thread in a busy loop, measured) and must not touch shared state.
 */
const GENERATION = LINE;
/**
 * A crash report that had no room in the heap: CRASH_AT holds CRASH_SUMMARIZED (no heap offset
 * is negative), and the rest of this line a summary of the error (`error-summary.ts`). Written by
 * the dying machine before that store, read by the runtime after it exited, as the heap report.
 */
const CRASH_SUMMARIZED = -1;
const CRASH_SUMMARY = LINE + 1;
const CRASH_SUMMARY_WORDS = LINE - 1;
/**
 * The JS heap its machine's thread used at its last turn, in KiB, when the runtime has a heap
 * limit (`resourceLimits.maxOldGenerationSizeMb`): see `silent-death-watch.ts`. Its own line, as
 * the owner writes it every millisecond of a busy machine.
 */
const HEAP_KIB = 2 * LINE;
/**
 * Its machine's take traces beside the deque's (line 3), plain words written by its machine only
 * and read by the runtime's thread after the thread exited (see work-deque.ts, "Takes that survive
 * the taker's death"): an injector batch not named yet (BATCHING, its first job, its size, the
 * deque's bottom before the rest was pushed), and a spawn (SPAWNING).
 */
const BATCHING = 3 * LINE;
const BATCH_FIRST = 3 * LINE + 1;
const BATCH_COUNT = 3 * LINE + 2;
const BATCH_BOTTOM = 3 * LINE + 3;
/**
 * A spawn, from the start of its record's allocation (ALLOCATING, ALLOCATING_ARGUMENTS below: no
 * job yet) and from just before its job is counted until the job shows in the slot or the deque
 * (`Machine.spawn`: traceAllocation, traceSpawn, putInSlot, then finishBump or pushedInstead); 0
 * when none. From the count on, the phase, in which the new job (SPAWN_NEW) is:
 * - COUNTING: counted or about to be (SPAWN_COUNT: the count before), in no queue;
 * - BUMPING_OLD: in no queue; the job in the slot is being marked and pushed onto the deque
 *   (SPAWN_BOTTOM: the deque's bottom before), in it once bottom moved;
 * - PUSHING_NEW: going onto the deque (the slot holds a thief's mark), in it once bottom moved
 *   past SPAWN_BOTTOM;
 * - PUTTING: going into the slot, over 0 or over this thread's mark of the job a bump pushed; in
 *   it once the slot holds anything else (see #spawnShown);
 * - SHOWN: in the slot or the deque, its handle not returned yet (the handle's reference is then
 *   nobody's).
 * Each phase is stored before the step it names, so a thread that dies anywhere leaves the phase
 * whose step it was in: the runtime queues the job again when it shows in no queue, and counts it
 * when the thread died before it did (`JobRecords.finishSpawn`).
 */
const SPAWNING = 3 * LINE + 4;
const SPAWN_BOTTOM = 3 * LINE + 5;
const SPAWN_NEW = 3 * LINE + 9;
const SPAWN_COUNT = 3 * LINE + 10;
const BUMPING_OLD = 1;
const PUSHING_NEW = 2;
const COUNTING = 3;
const PUTTING = 4;
/**
 * Before COUNTING, the allocation (traceAllocation): ALLOCATING while the record is taken from
 * the thread's record cache (the heap names it in hand); ALLOCATING_ARGUMENTS (SPAWN_NEW: the
 * record) while its arguments' block is allocated into its PAYLOAD word. A death in either leaves
 * no job: the runtime frees what the thread held (allocationInHand).
 */
const ALLOCATING = 5;
const ALLOCATING_ARGUMENTS = 6;
/**
 * After PUTTING, PUSHING_NEW or the bump's PUTTING: the job shows in the slot or the deque (or was
 * taken from there since), and the spawn has not returned its handle yet (spawnReturned).
 */
const SHOWN = 7;
/** Whether spawn phase `spawning` is one from the count on (the job exists, see SPAWNING). */
const isCountingPhase = (spawning: number): boolean =>
  (spawning >= BUMPING_OLD && spawning <= PUTTING) || spawning === SHOWN;
/**
 * A take from a stuck victim's slot not named yet (takeSlotOf), plain words as the other traces:
 * 1 while it lasts, the control index of the victim's slot, the job.
 */
const SLOT_TAKING = 3 * LINE + 6;
const SLOT_FROM = 3 * LINE + 7;
const SLOT_JOB = 3 * LINE + 8;

/** What {@linkcode Processor.putInSlot} returns while a thief's mark holds the slot. */
export const SLOT_BUSY = -1;

// A thief's mark in a victim's slot names the thief's processor: below every owner's mark (-id,
// and a job id is a heap word offset, under 2^29).
const THIEF_MARKS = -(2 ** 30);
const thiefMark = (p: number): number => THIEF_MARKS - p;
const isThiefMark = (slot: number): boolean => slot <= THIEF_MARKS;
/** Its deque (32-word aligned, see work-deque.ts). */
const DEQUE = 4 * LINE;
