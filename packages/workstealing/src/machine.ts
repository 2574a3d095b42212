import { type Context, Future, type LocalExecutor, Parker, PENDING, type Poll, WakeTable } from "@spindle/core";
import type { Timer } from "@spindle/timer";
import { UnknownJobError } from "./errors.ts";
import { Harness } from "./harness.ts";
import { HeartbeatWatch } from "./heartbeat-watch.ts";
import { heapUsed } from "./heap-used.ts";
import { watchesSilentDeaths } from "./silent-death-watch.ts";
import type { InlineStart, JobContext } from "./job-context.ts";
import { createJobHandle, type JobHandle } from "./job-handle.ts";
import { NEXT, SPAWNED_AT } from "./job-record.ts";
import { retireAfterMs } from "./idle-retirement.ts";
import { epochMs } from "./metrics.ts";
import process from "node:process";
import type { JobSet } from "./job-set.ts";
import { type Processor, SLOT_BUSY, STAT } from "./processor.ts";
import { RecentArgs } from "./recent-args.ts";
import { type SharedState, STOPPING } from "./shared-state.ts";
import { MAX_SHARED_BUFFER_BYTES, SharedBuffer, ValueEncoder } from "@spindle/codec";
import { describe, SpindleError } from "@spindle/core";
import { EMPTY, RETRY, type WorkDeque } from "./work-deque.ts";

/**
 * The loop of one worker thread (async-std's `Machine`, holding processor `processor`): a future
 * on the worker's `LocalExecutor` that finds jobs and hands them to its {@linkcode Harness}, which
 * runs them, while the executor runs the jobs that wait (on child jobs, timers, sockets) between
 * them. This file is about where jobs come from, searching and parking.
 *
 * Where the next job comes from, in order (tokio's `next_task` and `steal_work`):
 * 1. every {@linkcode INJECTOR_INTERVAL}th job, the injector, so that nothing in it waits forever
 *    behind local work;
 * 2. the next-task slot (the child spawned last: fork/join locality), at most
 *    {@linkcode MAX_SLOT_RUNS} times in a row so that jobs that keep spawning cannot starve the
 *    deque;
 * 3. the local deque (newest first), then the injector (a batch: one job now, the rest into the
 *    deque);
 * 4. searching (when fewer than half of the workers already search): the injector, then about half
 *    of another processor's deque, starting at a random victim; a lost race is a retry. A victim
 *    whose machine has not moved since the last look (stuck in a long job) also gives up its slot.
 * A job of this worker that was woken (its stolen child finished, its timer fired) runs before
 * the machine searches or parks, so that the joins above a stolen child unwind without delay.
 * Then it spins for a while, registers as parked and looks once more, then parks: blocking in
 * `Atomics.wait` when no job of this worker waits on anything (fastest wake-up), else without
 * blocking, so that the worker's event loop goes on serving the jobs' timers and sockets.
 */
export class Machine extends Future<void> implements JobContext {
  readonly #shared: SharedState;
  readonly #processor: number;
  /** The processor this machine holds. */
  readonly #own: Processor;
  readonly #set: JobSet;
  readonly #executor: LocalExecutor;
  readonly #timer: Timer | null;
  readonly #deque: WorkDeque;
  readonly #parker: Parker;
  readonly #encoder = new ValueEncoder();
  readonly #recentArgs = new RecentArgs();
  readonly #wakeTable = WakeTable.forThisThread();
  readonly #harness: Harness;
  readonly #batch: number[] = [];
  /** The victims' heartbeats, to tell a stuck machine. */
  readonly #heartbeats: HeartbeatWatch;
  #ticks = 0;
  #slotRuns = 0;
  #random: number;
  #parkedAsync = false;
  #retiring = false;
  /** Set after a blocking park timed out: the next park waits without blocking. */
  #idleLong = false;
  /** When this machine last ran out of work (null while it has some). */
  #idleSince: number | null = null;
  /** The stop-request count this machine has published as handled. */
  #stopsHandled = 0;
  /** The processor's generation when this machine started (see {@linkcode Machine.#checkAlive}). */
  readonly #generation: number;
  /** The records' spawn times, over the heap (with metrics): a child's spawn writes its own. */
  readonly #spawnTimes: Float64Array | null;
  /** Whether its beats publish its heap use (the runtime watches a heap limit: `silent-death-watch.ts`). */
  readonly #publishesHeap: boolean;
  /** When it last published its heap use (`performance.now()`). */
  #heapPublishedAt = -Infinity;
  /**
   * The clock as the running search last read it (`performance.now()`), every
   * {@linkcode CLOCK_EVERY} rounds: the spin's deadline and the stuck-victim check use it.
   */
  #searchNow = 0;

  /** The runtime's `workerData`, as this worker received it. */
  readonly workerData: unknown;

  constructor(
    shared: SharedState,
    processor: number,
    set: JobSet,
    executor: LocalExecutor,
    timer: Timer | null,
    workerData: unknown,
  ) {
    super();
    this.workerData = workerData;
    this.#shared = shared;
    this.#processor = processor;
    this.#set = set;
    this.#executor = executor;
    this.#timer = timer;
    this.#own = shared.processor(processor);
    this.#deque = this.#own.deque;
    this.#parker = new Parker(this.#own.parker);
    this.#heartbeats = new HeartbeatWatch(shared.processors);
    this.#random = (processor + 1) * 0x9e3779b9;
    this.#generation = this.#own.generation();
    this.#harness = new Harness(
      shared,
      this.#own,
      set,
      executor,
      this.#encoder,
      this.#recentArgs,
      () => this.#checkAlive(),
      () => this.#beat(),
    );
    this.#encoder.useHeap(shared.setup.heap);
    this.#spawnTimes = shared.setup.metrics === null ? null : new Float64Array(shared.setup.heap);
    this.#publishesHeap = watchesSilentDeaths(shared.setup.resourceLimits?.maxOldGenerationSizeMb);
  }

  /**
   * Stops this thread for good, without touching shared state, when the runtime has given up on
   * it (terminated it because a job would not stop) and yet it runs on: Deno 2.9's `terminate()`
   * leaves a thread in a busy loop running (measured), and a job that ends its loop late would
   * otherwise settle jobs and take work that the runtime already handed to the replacement.
   */
  #checkAlive(): void {
    if (this.#own.generation() === this.#generation) return;
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // sleeps, costs no CPU
  }

  /**
   * Bumps the heartbeat (on every turn and job start) and, when the runtime watches a heap limit,
   * publishes this thread's heap use with it, at most every {@linkcode HEAP_PUBLISH_MS}: the watch
   * adds the process's growth since the last beat to this figure (`silent-death-watch.ts`), so a
   * figure from an earlier beat would leave out what the jobs between allocated (published on
   * turns alone, it stayed at 8 MiB while one turn's jobs filled a 48 MiB heap, measured on Deno).
   */
  #beat(): void {
    // The figure first: a watch that sees the new heartbeat then reads this figure or a later one.
    if (this.#publishesHeap) {
      const now = performance.now();
      if (now - this.#heapPublishedAt >= HEAP_PUBLISH_MS) {
        this.#heapPublishedAt = now;
        this.#own.publishHeapKib(Math.ceil(heapUsed() / 1024));
      }
    }
    this.#own.beat();
  }

  /** Runs jobs until the runtime stops. */
  poll(cx: Context): Poll<void> {
    this.#checkAlive();
    const shared = this.#shared;
    this.#beat();
    // Wakes for this worker's jobs (a child job finished, a timer fired) run their tasks now,
    // not only when the wake table's listener gets an event-loop turn.
    const woken = this.#wakeTable.drain();
    // The count is read before the check is taken: see Processor.requestStop.
    const stopRequests = this.#own.stopRequests();
    if (this.#own.takeAbortCheck()) this.#harness.abortFlagged();
    if (stopRequests !== this.#stopsHandled) {
      this.#stopsHandled = stopRequests;
      this.#own.markStopsHandled(stopRequests);
    }
    if (this.#retiring || (shared.state === STOPPING && this.#harness.running === 0)) return undefined;
    if (this.#harness.recycleDue) return this.#pollRecycling(cx, woken);
    let found = false;
    for (let n = 0; n < JOBS_PER_POLL; n++) {
      const id = this.#nextLocal();
      if (id === 0) break;
      // Named as this processor's at once, before anything else runs (see Processor.hold).
      this.#own.hold(id);
      // A searcher that found work stops searching before it runs it (a job may run long), and
      // if it was the last searcher it wakes another worker for whatever else is queued.
      if (!found) this.#stopSearching();
      found = true;
      if (this.#harness.start(id)) break; // a task to run: let the executor poll it before the next job
      if (this.#harness.recycleDue) break;
    }
    // A woken job runs before this machine searches (which spins) or parks: a joiner whose
    // stolen child just finished goes on at once, and so does the chain of joins above it.
    if (found || woken > 0) {
      this.#idleSince = null;
      cx.waker.wakeByRef();
      return PENDING;
    }
    const stolen = this.#search();
    if (stolen !== 0) {
      this.#own.hold(stolen);
      this.#idleSince = null;
      this.#harness.start(stolen);
      cx.waker.wakeByRef();
      return PENDING;
    }
    if (this.#wakeTable.drain() > 0) {
      cx.waker.wakeByRef(); // woken while searching
      return PENDING;
    }
    return this.#park(cx);
  }

  /**
   * A machine due for replacement (after `maxJobsPerWorker` jobs, or above
   * `maxMemoryBeforeRecycle`): it takes nothing more from the injector or other processors, and
   * runs only what is its own (its slot and deque, which its running jobs may be about to join),
   * until none of its jobs is running; then it ends its thread between jobs. The runtime moves
   * what is left in its slot and deque to the injector and starts a fresh machine over the
   * processor, as after a death, and nothing is lost: no job was running. Meanwhile it is not on
   * the idle sleepers' list (a notifier must not wake it for work it would refuse): it waits on
   * its parker with a short timeout, woken early by a child spawned here or an abort request.
   */
  #pollRecycling(cx: Context, woken: number): Poll<void> {
    if (this.#harness.running === 0) process.exit(0);
    const own = this.#own.takeOwnSlot() || this.#deque.pop();
    if (own > 0) {
      this.#own.hold(own);
      this.#harness.start(own);
      cx.waker.wakeByRef();
      return PENDING;
    }
    if (woken > 0) {
      cx.waker.wakeByRef();
      return PENDING;
    }
    this.#parkedAsync = true;
    const waker = cx.waker.clone();
    void this.#parker.parkAsync(RECYCLE_WAIT_MS).then(() => {
      this.#parkedAsync = false;
      waker.wake();
    });
    return PENDING;
  }

  // ---- JobContext: what jobs on this worker use ---------------------------------------------

  /** Spawns a child job of a job on this worker: into the slot, the previous occupant into the deque. */
  spawn(set: object, name: string, args: unknown[]): JobHandle<unknown> {
    this.#checkAlive();
    const shared = this.#shared;
    const job = checkJob(set, this.#set, name);
    shared.markForking(job);
    const length = this.#encoder.encode(args, name, "args");
    let id: number;
    try {
      // Traced as it is counted: a death before the slot or the deque shows it leaves it to run once.
      id = shared.records.create(job, this.#encoder, length, this.#own);
    } catch (error) {
      this.#encoder.discard(); // the arguments will never be read: their moved buffers go back
      throw error;
    }
    if (this.#spawnTimes !== null) this.#spawnTimes[(id + SPAWNED_AT) >> 1] = epochMs();
    this.#recentArgs.remember(id, args);
    const bumped = this.#own.putInSlot(id);
    if (bumped === SLOT_BUSY) {
      this.#pushLocal(id);
      this.#own.pushedInstead();
      shared.idle.notifyWork();
    } else if (bumped !== 0) {
      this.#pushLocal(bumped);
      this.#own.finishBump(id);
      shared.idle.notifyWork();
    }
    if (this.#parkedAsync) this.#own.unpark();
    const handle = createJobHandle(shared, id, name, this.#processor + 1);
    // From here the handle is its job's: a death leaves it with the job's other handles.
    this.#own.spawnReturned();
    return handle;
  }

  /** Takes a child job back for its joiner (see {@linkcode JobContext.takeBack}). */
  takeBack(id: number): InlineStart | null {
    this.#checkAlive();
    // Looked at before it is taken: a job popped only to be pushed back would be in no queue
    // meanwhile, lost should the thread die there. Peeked as `id`, the pop returns `id`, or
    // `EMPTY` when a thief took it since.
    if (!this.#own.takeSlotIf(id) && (this.#deque.peek() !== id || this.#deque.pop() !== id)) return null;
    return this.#harness.startInPlace(id);
  }

  /** Ends a job joined in place (see {@linkcode JobContext.settleInline}). */
  settleInline(id: number, state: number): void {
    this.#harness.settleInline(id, state);
  }

  /** A buffer of the shared heap for a job on this worker (see {@linkcode JobContext.alloc}). */
  alloc(byteLength: number): SharedBuffer {
    this.#checkAlive();
    if (
      typeof byteLength !== "number" || !Number.isInteger(byteLength) || byteLength < 0 ||
      byteLength > MAX_SHARED_BUFFER_BYTES
    ) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `jobs.alloc() needs a byte length from 0 to ${MAX_SHARED_BUFFER_BYTES}, got ${describe(byteLength)}`,
      );
    }
    return SharedBuffer.allocate(this.#shared.setup.heap, byteLength);
  }

  /** The runtime's timer on this worker. */
  get timer(): Timer {
    if (this.#timer === null) {
      throw new TypeError("jobs.timer: the runtime was started without a timer (Runtime.start(module, { timer }))");
    }
    return this.#timer;
  }

  // ---- finding work ------------------------------------------------------------------------

  /** The next job of this processor (slot, deque, injector), or 0. */
  #nextLocal(): number {
    this.#ticks++;
    if (this.#ticks % INJECTOR_INTERVAL === 0) {
      const id = this.#fromInjector();
      if (id !== 0) return id;
    }
    if (this.#slotRuns < MAX_SLOT_RUNS) {
      const id = this.#own.takeOwnSlot();
      if (id !== 0) {
        this.#slotRuns++;
        return id;
      }
    }
    this.#slotRuns = 0;
    const popped = this.#deque.pop();
    if (popped !== EMPTY) return popped;
    const slot = this.#own.takeOwnSlot();
    if (slot !== 0) return slot;
    const injected = this.#fromInjector();
    if (injected !== 0) return injected;
    return 0;
  }

  /** A batch from the injector: returns the first job and pushes the rest onto the deque. */
  #fromInjector(): number {
    const shared = this.#shared;
    const batch = this.#batch;
    const share = Math.ceil(shared.injector.length / Math.max(1, shared.idle.active));
    const room = (shared.setup.dequeCapacity >>> 1) - this.#deque.length;
    batch.length = 0;
    // At most `room` jobs: their pushes below never overflow, so the deque's bottom counts them
    // (Processor.traceBatch, traced under the injector's lock until the first job is named).
    // The pop itself tells a spawner waiting for room (Injector.popBatch).
    if (shared.injector.popBatch(batch, Math.max(1, Math.min(share, room)), this.#own) === 0) return 0;
    this.#own.count(STAT.FROM_INJECTOR, batch.length);
    for (let i = batch.length - 1; i >= 1; i--) this.#pushLocal(batch[i] as number);
    // Work left behind (on the deque, or still in the injector: its spawners skipped the wake while
    // a worker searched, and this one may be that searcher, or a parking worker's last look) must
    // not wait for this worker's job: tokio's `notify_if_work_pending`.
    if (batch.length > 1 || shared.injector.length > 0) shared.idle.notifyWork();
    return batch[0] as number;
  }

  /**
   * Searches other processors (and the injector) for work, spinning a while; 0 when none, or
   * when a job of this worker was woken meanwhile (it runs first).
   */
  #search(): number {
    const shared = this.#shared;
    const p = this.#processor;
    if (!shared.idle.tryStartSearching(p)) return 0;
    const table = this.#wakeTable;
    const epoch = table.epoch;
    this.#searchNow = performance.now();
    const deadline = this.#searchNow + SPIN_MS;
    for (let round = 1;; round++) {
      const id = this.#stealOnce();
      if (id !== 0) {
        this.#stopSearching();
        return id;
      }
      if (shared.state === STOPPING || this.#own.hasAbortCheck() || table.epoch !== epoch) break;
      if (round % CLOCK_EVERY === 0 && (this.#searchNow = performance.now()) >= deadline) break;
    }
    return 0;
  }

  /**
   * This machine found work and stops searching. The last searcher wakes another worker when work
   * is left for it in the injector or a deque (tokio wakes one in any case; here a worker that
   * would find nothing is not woken, so a lone job in flight keeps one worker spinning, not two,
   * and the thread waiting for its result finds a vCPU free). No wake-up is lost: a spawner
   * publishes its job and then reads the searcher count, this machine lowers that count and then
   * reads the queues, all sequentially consistent, so either the spawner sees no searcher and
   * wakes a worker, or this machine sees the job.
   */
  #stopSearching(): void {
    const shared = this.#shared;
    if (shared.idle.stopSearching(this.#processor) && this.#workLeft()) shared.idle.notifyWork();
  }

  /** Whether another worker could take work now: the injector or a deque holds some. */
  #workLeft(): boolean {
    const shared = this.#shared;
    if (shared.injector.length > 0) return true;
    for (let p = 0; p < shared.setup.processors; p++) {
      if (!shared.processor(p).deque.isEmpty) return true;
    }
    return false;
  }

  /** One round over the injector and every other processor. */
  #stealOnce(): number {
    const shared = this.#shared;
    const injected = this.#fromInjector();
    if (injected !== 0) return injected;
    const processors = shared.setup.processors;
    const start = this.#nextRandom() % processors;
    let retry = true;
    while (retry) {
      retry = false;
      for (let i = 0; i < processors; i++) {
        const victim = (start + i) % processors;
        if (victim === this.#processor) continue;
        const deque = shared.processor(victim).deque;
        if (!deque.isEmpty) {
          const before = this.#deque.length;
          const id = deque.stealHalfInto(this.#deque, shared.setup.dequeCapacity >>> 1);
          if (id === RETRY) retry = true;
          else if (id !== EMPTY) return this.#stole(id, 1 + this.#deque.length - before);
        }
        const slot = this.#slotOfStuck(victim);
        if (slot !== 0) return this.#stole(slot, 1);
      }
    }
    return 0;
  }

  #stole(id: number, jobs: number): number {
    this.#own.count(STAT.STEALS);
    this.#own.count(STAT.JOBS_STOLEN, jobs);
    return id;
  }

  /**
   * The slot of `victim` when its machine has not moved for {@linkcode STUCK_MS} (a long job, or
   * parked with a job left in its slot), else 0. Otherwise the slot stays with its owner: it is
   * the child its running job is about to join.
   */
  #slotOfStuck(victim: number): number {
    return this.#heartbeats.stillFor(victim, this.#searchNow) >= STUCK_MS
      ? this.#own.takeSlotOf(this.#shared.processor(victim))
      : 0;
  }

  #nextRandom(): number {
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x;
    return x >>> 0;
  }

  /** Pushes onto the local deque; when it is full, moves half of it to the injector first. */
  #pushLocal(id: number): void {
    const deque = this.#deque;
    if (deque.push(id)) return;
    const records = this.#shared.records.words;
    const injector = this.#shared.injector;
    deque.takeOldest(
      this.#shared.setup.dequeCapacity >>> 1,
      // Links between records that no thread takes meanwhile (takeOldest's lock), written before
      // pushChain's lock, which orders them before any popper's reads (injector.ts, memory model).
      (job, next) => Atomics.store(records, job + NEXT, next),
      (first, last, n) => injector.pushChain(first, last, n, deque),
    );
    if (!deque.push(id)) injector.push(id);
  }

  // ---- parking -----------------------------------------------------------------------------

  #park(cx: Context): Poll<void> {
    const shared = this.#shared;
    const p = this.#processor;
    shared.idle.transitionToParked(p);
    this.#own.count(STAT.PARKS);
    if (this.#hasWork()) {
      shared.idle.transitionFromParked(p);
      cx.waker.wakeByRef();
      return PENDING;
    }
    this.#idleSince ??= performance.now();
    if (this.#executor.taskCount === 1 && !this.#idleLong) {
      // Nothing of this worker waits on its event loop: block, for the fastest wake-up when work
      // comes soon. After SYNC_PARK_MS without any, park without blocking instead, so that the
      // event loop runs (a job may have left host callbacks behind) and an idle worker costs
      // nothing.
      const parkedAt = this.#harness.timesParks ? performance.now() : 0;
      const woken = this.#parker.park(SYNC_PARK_MS);
      if (this.#harness.timesParks) this.#harness.parked(performance.now() - parkedAt);
      if (this.#wokenUp(woken)) return undefined;
      if (!woken) this.#idleLong = true;
      cx.waker.wakeByRef();
      return PENDING;
    }
    // Jobs of this worker wait on timers, sockets or child jobs: park without blocking.
    this.#parkedAsync = true;
    const waker = cx.waker.clone();
    const parkedAt = this.#harness.timesParks ? performance.now() : 0;
    void this.#parker.parkAsync(retireAfterMs(shared.setup, p)).then((woken) => {
      if (this.#harness.timesParks) this.#harness.parked(performance.now() - parkedAt);
      this.#parkedAsync = false;
      this.#idleLong = false;
      this.#retiring = this.#wokenUp(woken);
      waker.wake();
    });
    return PENDING;
  }

  /**
   * After a park: takes this machine off the sleepers (unless a notifier did); returns whether
   * it retires instead: a machine that may retire ({@linkcode retireAfterMs}) idle that long.
   */
  #wokenUp(woken: boolean): boolean {
    const shared = this.#shared;
    const p = this.#processor;
    const notified = shared.idle.transitionFromParked(p);
    if (woken || notified) {
      this.#idleSince = null;
      return false;
    }
    const retireAfter = retireAfterMs(shared.setup, p);
    if (retireAfter === Infinity || this.#harness.running > 0 || this.#hasWork()) return false;
    if (performance.now() - (this.#idleSince as number) < retireAfter) return false;
    this.#own.setRetired(true);
    return true;
  }

  /** The last look before sleeping: anything queued anywhere, or a request to this machine. */
  #hasWork(): boolean {
    const shared = this.#shared;
    if (shared.state === STOPPING || this.#own.hasAbortCheck() || this.#workLeft()) return true;
    for (let p = 0; p < shared.setup.processors; p++) {
      if (shared.processor(p).hasSlot()) return true;
    }
    return false;
  }
}

/** The job's number in `own` (the worker's job set); throws for another set or an unknown name. */
export function checkJob(set: object, own: JobSet, name: string): number {
  if (set !== own) {
    throw new TypeError(`jobs.spawn(${JSON.stringify(name)}): this job set is not the runtime's job module`);
  }
  const index = own.indexOf(name);
  if (index < 0) throw new UnknownJobError(name, own.names);
  return index;
}

const JOBS_PER_POLL = 32;
/** How often a machine due for replacement looks whether its last running job has ended. */
const RECYCLE_WAIT_MS = 5;
const INJECTOR_INTERVAL = 61;
const MAX_SLOT_RUNS = 3;
/** How long an idle machine blocks in `Atomics.wait` before it parks without blocking. */
const SYNC_PARK_MS = 10;

/** How long a machine must not move before a thief takes the job in its slot. */
const STUCK_MS = 1;
/** How long a searching machine spins before it parks (a wake from an idle vCPU costs ~50 µs). */
const SPIN_MS = 0.1;
/**
 * A searching machine reads the clock every this many rounds, not every round: on Node each
 * `performance.now()` there allocated a heap number (its slow API path, twice a round with the
 * stuck-victim check), and a spin that allocates steadily walks into young-generation pages that
 * V8 had given back, each a page fault: 3-5 per spin on this machine's guest kernel, where one
 * costs tens of microseconds (perf record -e page-faults, 2026-12-06), while a bare thread's
 * round made none. A round takes well under a microsecond, so the spin overshoots by less than
 * that many rounds' time.
 */
const CLOCK_EVERY = 16;
/**
 * At most one heap measurement per this many ms of a busy machine's beats (one costs 1-4 µs): what
 * a machine allocates in the last such stretch before it stops is the watch's blind spot.
 */
const HEAP_PUBLISH_MS = 1;
