import {
  CancelledError,
  type Context,
  type Coroutine,
  Future,
  type IntoFuture,
  isFuture,
  type JoinHandle,
  type LocalExecutor,
  Parker,
  PENDING,
  type Poll,
  WakeTable,
} from "@spindle/core";
import type { Timer } from "@spindle/timer";
import { crash } from "./crash-report.ts";
import { RuntimeShutdownError, UncloneableValueError, UnknownJobError } from "./errors.ts";
import type { InlineStart, JobContext } from "./job-context.ts";
import { isCoroutine } from "@spindle/core";
import { createJobHandle, type JobHandle } from "./job-handle.ts";
import { ABORT, CANCELLED, DONE, FAILED, JOB, NEXT, QUEUED, RUNNING, STATE, WORKER } from "./job-record.ts";
import type { JobSet } from "./job-set.ts";
import { CANCELLING, EXTRA_MACHINE_IDLE_MS, HEARTBEAT, type Scheduler, STAT, STOPPING } from "./scheduler.ts";
import { RecentArgs } from "./recent-args.ts";
import { ValueEncoder } from "@spindle/codec";
import { EMPTY, RETRY, type WorkDeque } from "./work-deque.ts";

/**
 * The loop of one worker thread (async-std's `Machine`, holding processor `processor`): a future
 * on the worker's `LocalExecutor` that finds jobs and starts them, while the executor runs the
 * jobs that wait (on child jobs, timers, sockets) between them.
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
  readonly #scheduler: Scheduler;
  readonly #processor: number;
  readonly #set: JobSet;
  readonly #executor: LocalExecutor;
  readonly #timer: Timer | null;
  readonly #deque: WorkDeque;
  readonly #parker: Parker;
  readonly #encoder = new ValueEncoder();
  readonly #recentArgs = new RecentArgs();
  readonly #wakeTable = WakeTable.forThisThread();
  /** Jobs running as tasks on the executor (they waited at least once, or may). */
  readonly #running = new Map<number, JoinHandle<void>>();
  readonly #batch: number[] = [];
  /** Each victim's heartbeat at this machine's last look, to tell a stuck machine. */
  readonly #lastSeen: Int32Array;
  readonly #lastSeenAt: Float64Array;
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
  /** Jobs whose tasks this machine aborted and that have not finished: when each was aborted. */
  readonly #aborting = new Map<number, number>();
  #abortTimer: ReturnType<typeof setTimeout> | null = null;
  /** The processor's generation when this machine started (see {@linkcode Machine.#checkAlive}). */
  readonly #generation: number;

  /** The runtime's `workerData`, as this worker received it. */
  readonly workerData: unknown;

  constructor(
    scheduler: Scheduler,
    processor: number,
    set: JobSet,
    executor: LocalExecutor,
    timer: Timer | null,
    workerData: unknown,
  ) {
    super();
    this.workerData = workerData;
    this.#scheduler = scheduler;
    this.#processor = processor;
    this.#set = set;
    this.#executor = executor;
    this.#timer = timer;
    this.#deque = scheduler.deque(processor);
    this.#parker = new Parker({ buffer: scheduler.setup.control, index: scheduler.parkWord(processor) });
    this.#lastSeen = new Int32Array(scheduler.setup.processors).fill(-1);
    this.#lastSeenAt = new Float64Array(scheduler.setup.processors);
    this.#random = (processor + 1) * 0x9e3779b9;
    this.#generation = scheduler.generation(processor);
  }

  /**
   * Stops this thread for good, without touching shared state, when the runtime has given up on
   * it (terminated it because a job would not stop) and yet it runs on: Deno 2.9's `terminate()`
   * leaves a thread in a busy loop running (measured), and a job that ends its loop late would
   * otherwise settle jobs and take work that the runtime already handed to the replacement.
   */
  #checkAlive(): void {
    if (this.#scheduler.generation(this.#processor) === this.#generation) return;
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // sleeps, costs no CPU
  }

  /** Runs jobs until the runtime stops. */
  poll(cx: Context): Poll<void> {
    this.#checkAlive();
    const scheduler = this.#scheduler;
    const p = this.#processor;
    Atomics.add(scheduler.control, scheduler.processorWord(p, HEARTBEAT), 1);
    // Wakes for this worker's jobs (a child job finished, a timer fired) run their tasks now,
    // not only when the wake table's listener gets an event-loop turn.
    const woken = this.#wakeTable.drain();
    // The count is read before the check is taken: see Scheduler.requestStop.
    const stopRequests = scheduler.stopRequests(p);
    if (scheduler.takeAbortCheck(p)) this.#abortFlagged();
    if (stopRequests !== this.#stopsHandled) {
      this.#stopsHandled = stopRequests;
      scheduler.markStopsHandled(p, stopRequests);
    }
    if (this.#retiring || (scheduler.closed === STOPPING && this.#running.size === 0)) return undefined;
    let found = false;
    for (let n = 0; n < JOBS_PER_POLL; n++) {
      const id = this.#nextLocal();
      if (id === 0) break;
      // A searcher that found work stops searching before it runs it (a job may run long), and
      // if it was the last searcher it wakes another worker for whatever else is queued.
      if (!found) this.#stopSearching();
      found = true;
      if (this.#start(id)) break; // a task to run: let the executor poll it before the next job
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
      this.#idleSince = null;
      this.#start(stolen);
      cx.waker.wakeByRef();
      return PENDING;
    }
    if (this.#wakeTable.drain() > 0) {
      cx.waker.wakeByRef(); // woken while searching
      return PENDING;
    }
    return this.#park(cx);
  }

  // ---- JobContext: what jobs on this worker use ---------------------------------------------

  /** Spawns a child job of a job on this worker: into the slot, the previous occupant into the deque. */
  spawn(set: JobSet, name: string, args: unknown[]): JobHandle<unknown> {
    this.#checkAlive();
    const scheduler = this.#scheduler;
    const job = checkJob(set, this.#set, name);
    const length = this.#encoder.encode(args, name, "args");
    const id = scheduler.createRecord(job, this.#encoder, length);
    this.#recentArgs.remember(id, args);
    const bumped = scheduler.swapSlot(this.#processor, id);
    if (bumped !== 0) {
      this.#pushLocal(bumped);
      scheduler.idle.notifyWork();
    }
    if (this.#parkedAsync) scheduler.unpark(this.#processor);
    return createJobHandle(scheduler, id, name, this.#processor + 1);
  }

  /** Takes a child job back for its joiner (see {@linkcode JobContext.takeBack}). */
  takeBack(id: number): InlineStart | null {
    this.#checkAlive();
    const scheduler = this.#scheduler;
    const p = this.#processor;
    if (!scheduler.takeSlotIf(p, id)) {
      const bottom = this.#deque.pop();
      if (bottom !== id) {
        if (bottom !== EMPTY) this.#deque.push(bottom);
        return null;
      }
    }
    const records = scheduler.records;
    // WORKER before STATE (see #start): an abort() that sees RUNNING knows whom to ask.
    Atomics.store(records, id + WORKER, p);
    if (Atomics.compareExchange(records, id + STATE, QUEUED, RUNNING) !== QUEUED) {
      scheduler.release(id); // aborted while queued: the joiner finds it cancelled
      return null;
    }
    scheduler.linkRunning(p, id);
    scheduler.count(p, STAT.JOBS_RUN);
    const name = this.#set.names[records[id + JOB] as number] as string;
    try {
      const args = this.#recentArgs.take(id) ?? scheduler.readPayload(id) as unknown[];
      return { ok: true, output: (this.#set.jobs[name] as (...args: unknown[]) => unknown)(...args) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Ends a job joined in place (see {@linkcode JobContext.settleInline}). */
  settleInline(id: number, state: number): void {
    this.#checkAlive();
    const scheduler = this.#scheduler;
    scheduler.unlinkRunning(this.#processor, id);
    scheduler.settle(id, state); // drops the execution's reference
    scheduler.release(id); // and the handle's: its joiner has the outcome
  }

  /** The runtime's timer on this worker. */
  get timer(): Timer {
    if (this.#timer === null) {
      throw new TypeError("jobs.timer: the runtime was started without a timer (Runtime.start(module, { timer }))");
    }
    return this.#timer;
  }

  /** Whether job `id` (a task of this worker) is being aborted: its `abort()` or a cancelling shutdown. */
  isAborting(id: number): boolean {
    return Atomics.load(this.#scheduler.records, id + ABORT) !== 0 || this.#scheduler.closed === CANCELLING;
  }

  /** Ends job `id` (a task of this worker) in `state` with `value`. Called by {@linkcode runJob}. */
  finish(id: number, state: number, value: unknown): void {
    this.#running.delete(id);
    if (this.#aborting.delete(id) && this.#aborting.size === 0 && this.#abortTimer !== null) {
      clearTimeout(this.#abortTimer);
      this.#abortTimer = null;
    }
    this.#scheduler.unlinkRunning(this.#processor, id);
    this.#settle(id, state, value);
  }

  // ---- finding work ------------------------------------------------------------------------

  /** The next job of this processor (slot, deque, injector), or 0. */
  #nextLocal(): number {
    const scheduler = this.#scheduler;
    const p = this.#processor;
    this.#ticks++;
    if (this.#ticks % INJECTOR_INTERVAL === 0) {
      const id = this.#fromInjector();
      if (id !== 0) return id;
    }
    if (this.#slotRuns < MAX_SLOT_RUNS) {
      const id = scheduler.takeSlot(p);
      if (id !== 0) {
        this.#slotRuns++;
        return id;
      }
    }
    this.#slotRuns = 0;
    const popped = this.#deque.pop();
    if (popped !== EMPTY) return popped;
    const slot = scheduler.takeSlot(p);
    if (slot !== 0) return slot;
    const injected = this.#fromInjector();
    if (injected !== 0) return injected;
    return 0;
  }

  /** A batch from the injector: returns the first job and pushes the rest onto the deque. */
  #fromInjector(): number {
    const scheduler = this.#scheduler;
    const batch = this.#batch;
    const share = Math.ceil(scheduler.injector.length / Math.max(1, scheduler.idle.active));
    const room = (scheduler.setup.dequeCapacity >>> 1) - this.#deque.length;
    batch.length = 0;
    if (scheduler.injector.popBatch(batch, Math.max(1, Math.min(share, room))) === 0) return 0;
    scheduler.roomFreed();
    scheduler.count(this.#processor, STAT.FROM_INJECTOR, batch.length);
    for (let i = batch.length - 1; i >= 1; i--) this.#pushLocal(batch[i] as number);
    // Work left behind (on the deque, or still in the injector: its spawners skipped the wake while
    // a worker searched, and this one may be that searcher, or a parking worker's last look) must
    // not wait for this worker's job: tokio's `notify_if_work_pending`.
    if (batch.length > 1 || scheduler.injector.length > 0) scheduler.idle.notifyWork();
    return batch[0] as number;
  }

  /**
   * Searches other processors (and the injector) for work, spinning a while; 0 when none, or
   * when a job of this worker was woken meanwhile (it runs first).
   */
  #search(): number {
    const scheduler = this.#scheduler;
    const p = this.#processor;
    if (!scheduler.idle.tryStartSearching(p)) return 0;
    const table = this.#wakeTable;
    const epoch = table.epoch;
    const deadline = performance.now() + SPIN_MS;
    do {
      const id = this.#stealOnce();
      if (id !== 0) {
        this.#stopSearching();
        return id;
      }
      if (scheduler.closed === STOPPING || scheduler.hasAbortCheck(p) || table.epoch !== epoch) break;
    } while (performance.now() < deadline);
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
    const scheduler = this.#scheduler;
    if (scheduler.idle.stopSearching(this.#processor) && this.#workLeft()) scheduler.idle.notifyWork();
  }

  /** Whether another worker could take work now: the injector or a deque holds some. */
  #workLeft(): boolean {
    const scheduler = this.#scheduler;
    if (scheduler.injector.length > 0) return true;
    for (let p = 0; p < scheduler.setup.processors; p++) {
      if (!scheduler.deque(p).isEmpty) return true;
    }
    return false;
  }

  /** One round over the injector and every other processor. */
  #stealOnce(): number {
    const scheduler = this.#scheduler;
    const injected = this.#fromInjector();
    if (injected !== 0) return injected;
    const processors = scheduler.setup.processors;
    const start = this.#nextRandom() % processors;
    let retry = true;
    while (retry) {
      retry = false;
      for (let i = 0; i < processors; i++) {
        const victim = (start + i) % processors;
        if (victim === this.#processor) continue;
        const deque = scheduler.deque(victim);
        if (!deque.isEmpty) {
          const before = this.#deque.length;
          const id = deque.stealHalfInto(this.#deque, scheduler.setup.dequeCapacity >>> 1);
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
    this.#scheduler.count(this.#processor, STAT.STEALS);
    this.#scheduler.count(this.#processor, STAT.JOBS_STOLEN, jobs);
    return id;
  }

  /**
   * The slot of `victim` when its machine has not moved for {@linkcode STUCK_MS} (a long job, or
   * parked with a job left in its slot), else 0. Otherwise the slot stays with its owner: it is
   * the child its running job is about to join.
   */
  #slotOfStuck(victim: number): number {
    const scheduler = this.#scheduler;
    const heartbeat = Atomics.load(scheduler.control, scheduler.processorWord(victim, HEARTBEAT));
    const now = performance.now();
    if (heartbeat !== this.#lastSeen[victim]) {
      this.#lastSeen[victim] = heartbeat;
      this.#lastSeenAt[victim] = now;
      return 0;
    }
    return now - (this.#lastSeenAt[victim] as number) >= STUCK_MS ? scheduler.takeSlot(victim) : 0;
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
    const records = this.#scheduler.records;
    let first = 0;
    let last = 0;
    let count = 0;
    for (let n = this.#scheduler.setup.dequeCapacity >>> 1; n > 0; n--) {
      const moved = deque.steal();
      if (moved < 0) break;
      if (last === 0) first = moved;
      else Atomics.store(records, last + NEXT, moved);
      last = moved;
      count++;
    }
    if (count > 0) this.#scheduler.injector.pushChain(first, last, count);
    if (!deque.push(id)) this.#scheduler.injector.push(id);
  }

  // ---- parking -----------------------------------------------------------------------------

  #park(cx: Context): Poll<void> {
    const scheduler = this.#scheduler;
    const p = this.#processor;
    scheduler.idle.park(p);
    scheduler.count(p, STAT.PARKS);
    if (this.#hasWork()) {
      scheduler.idle.unparked(p);
      cx.waker.wakeByRef();
      return PENDING;
    }
    this.#idleSince ??= performance.now();
    if (this.#executor.taskCount === 1 && !this.#idleLong) {
      // Nothing of this worker waits on its event loop: block, for the fastest wake-up when work
      // comes soon. After SYNC_PARK_MS without any, park without blocking instead, so that the
      // event loop runs (a job may have left host callbacks behind) and an idle worker costs
      // nothing.
      const woken = this.#parker.park(SYNC_PARK_MS);
      if (this.#wokenUp(woken)) return undefined;
      if (!woken) this.#idleLong = true;
      cx.waker.wakeByRef();
      return PENDING;
    }
    // Jobs of this worker wait on timers, sockets or child jobs: park without blocking.
    this.#parkedAsync = true;
    const waker = cx.waker.clone();
    void this.#parker.parkAsync(p >= scheduler.setup.workers ? EXTRA_MACHINE_IDLE_MS : Infinity).then((woken) => {
      this.#parkedAsync = false;
      this.#idleLong = false;
      this.#retiring = this.#wokenUp(woken);
      waker.wake();
    });
    return PENDING;
  }

  /**
   * After a park: takes this machine off the sleepers (unless a notifier did); returns whether
   * it retires instead — an extra machine idle for {@linkcode EXTRA_MACHINE_IDLE_MS}.
   */
  #wokenUp(woken: boolean): boolean {
    const scheduler = this.#scheduler;
    const p = this.#processor;
    const notified = scheduler.idle.unparked(p);
    if (woken || notified) {
      this.#idleSince = null;
      return false;
    }
    const extra = p >= scheduler.setup.workers;
    if (!extra || this.#running.size > 0 || this.#hasWork()) return false;
    if (performance.now() - (this.#idleSince as number) < EXTRA_MACHINE_IDLE_MS) return false;
    scheduler.setRetired(p, true);
    return true;
  }

  /** The last look before sleeping: anything queued anywhere, or a request to this machine. */
  #hasWork(): boolean {
    const scheduler = this.#scheduler;
    if (scheduler.closed === STOPPING || scheduler.hasAbortCheck(this.#processor) || this.#workLeft()) return true;
    for (let p = 0; p < scheduler.setup.processors; p++) {
      if (scheduler.hasSlot(p)) return true;
    }
    return false;
  }

  // ---- running jobs ------------------------------------------------------------------------

  /** Starts job `id`; returns whether it became a task (it did not finish in one call). */
  #start(id: number): boolean {
    const scheduler = this.#scheduler;
    const records = scheduler.records;
    const p = this.#processor;
    // WORKER is stored before STATE becomes RUNNING, so that an abort() that sees RUNNING asks
    // this machine (this thread is the job's only taker, so the early store harms nothing if an
    // abort() cancelled it while queued).
    Atomics.store(records, id + WORKER, p);
    if (Atomics.compareExchange(records, id + STATE, QUEUED, RUNNING) !== QUEUED) {
      scheduler.release(id); // aborted while queued: its handle already settled
      return false;
    }
    scheduler.count(p, STAT.JOBS_RUN);
    scheduler.count(p, HEARTBEAT); // a machine that starts jobs is not stuck, however long its turn
    const name = this.#set.names[records[id + JOB] as number] as string;
    if (scheduler.closed === CANCELLING) {
      this.#settle(id, CANCELLED, new RuntimeShutdownError(name));
      return false;
    }
    // While the job's function runs, CURRENT names it (should the worker die now, the runtime
    // fails it); a job that becomes a task joins the running list instead.
    scheduler.setCurrent(p, id);
    let output: unknown;
    try {
      const args = scheduler.readPayload(id) as unknown[];
      output = (this.#set.jobs[name] as (...args: unknown[]) => unknown)(...args);
    } catch (error) {
      this.#settle(id, FAILED, error);
      return false;
    }
    if (!isCoroutine(output) && !isFuture(output)) {
      this.#settle(id, DONE, output);
      return false;
    }
    scheduler.linkRunning(p, id);
    scheduler.setCurrent(p, 0);
    this.#running.set(id, this.#executor.spawn(runJob(this, id, output)));
    return true;
  }

  /**
   * Aborts the tasks of jobs flagged by `abort()` (or all of them when the runtime cancels), and
   * watches that each stops within the runtime's `abortGraceMs`.
   */
  #abortFlagged(): void {
    const records = this.#scheduler.records;
    const all = this.#scheduler.closed === CANCELLING;
    const now = performance.now();
    for (const [id, task] of this.#running) {
      if (!all && Atomics.load(records, id + ABORT) === 0) continue;
      task.abort();
      if (!this.#aborting.has(id) && this.#running.has(id)) this.#aborting.set(id, now);
    }
    if (this.#aborting.size > 0 && this.#abortTimer === null) this.#armAbortTimer(this.#scheduler.setup.abortGraceMs);
  }

  #armAbortTimer(ms: number): void {
    this.#abortTimer = setTimeout(() => {
      this.#abortTimer = null;
      this.#checkAborting();
    }, ms);
  }

  /**
   * An aborted job still unwinding after the grace period (a `finally` block that waits too
   * long, a coroutine that swallows the cancellation) ends this thread: the runtime settles the
   * job as cancelled and the other jobs running here as lost (this error their cause), and
   * replaces the machine. The same rule as for a machine stuck in a job, which the runtime's
   * watchdog terminates; here the thread is healthy and can say so itself.
   */
  #checkAborting(): void {
    const grace = this.#scheduler.setup.abortGraceMs;
    const now = performance.now();
    let next = Infinity;
    const late: string[] = [];
    for (const [id, since] of this.#aborting) {
      if (now - since >= grace) {
        late.push(JSON.stringify(this.#set.names[Atomics.load(this.#scheduler.records, id + JOB)]));
      } else next = Math.min(next, since + grace - now);
    }
    if (late.length > 0) {
      crash(
        this.#scheduler,
        this.#processor,
        new Error(
          `worker ${this.#processor} was ended: job ${
            late.join(", ")
          } did not stop within ${grace} ms of being aborted`,
        ),
      );
    }
    if (next !== Infinity) this.#armAbortTimer(next);
  }

  /** Writes the outcome into the record and settles it. */
  #settle(id: number, state: number, value: unknown): void {
    this.#checkAlive();
    const scheduler = this.#scheduler;
    const name = this.#set.names[Atomics.load(scheduler.records, id + JOB)] as string;
    let length = 0;
    if (state === DONE || state === FAILED || value !== undefined) {
      try {
        length = this.#encoder.encode(value, name, state === DONE ? "result" : "error");
      } catch (error) {
        state = FAILED;
        length = this.#encoder.encode(plainError(error), name, "error");
      }
    }
    scheduler.replacePayload(id, this.#encoder, length);
    scheduler.settle(id, state);
    scheduler.setCurrent(this.#processor, 0);
  }
}

/**
 * The task of a job that did not finish in its first call: drives it, then settles its record.
 * `abort()` throws a `CancelledError` into `work` (see `CoroutineFuture`): the job is cancelled
 * when that error comes out of it, and also when the job caught it and returned anyway. Dropping
 * the task (its executor closing) returns out of the `yield*` instead: the `finally` settles it.
 */
function* runJob(machine: Machine, id: number, work: IntoFuture<unknown>): Coroutine<void> {
  let settled = false;
  try {
    const value: unknown = yield* work;
    settled = true;
    if (machine.isAborting(id)) machine.finish(id, CANCELLED, undefined);
    else machine.finish(id, DONE, value);
  } catch (error) {
    settled = true;
    if (error instanceof CancelledError && machine.isAborting(id)) machine.finish(id, CANCELLED, undefined);
    else machine.finish(id, FAILED, error);
  } finally {
    if (!settled) machine.finish(id, CANCELLED, undefined);
  }
}

/** The job's number in `own` (the worker's job set); throws for another set or an unknown name. */
export function checkJob(set: JobSet, own: JobSet, name: string): number {
  if (set !== own) {
    throw new TypeError(`jobs.spawn(${JSON.stringify(name)}): this job set is not the runtime's job module`);
  }
  const index = own.indexOf(name);
  if (index < 0) throw new UnknownJobError(name, own.names);
  return index;
}

/** An error that could not be encoded as it was: its name, message and stack only. */
function plainError(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const plain = new Error(source.message);
  plain.name = source.name;
  plain.stack = source.stack ?? "";
  if (error instanceof UncloneableValueError) plain.name = "UncloneableValueError";
  return plain;
}

const JOBS_PER_POLL = 32;
const INJECTOR_INTERVAL = 61;
const MAX_SLOT_RUNS = 3;
/** How long an idle machine blocks in `Atomics.wait` before it parks without blocking. */
const SYNC_PARK_MS = 10;

/** How long a machine must not move before a thief takes the job in its slot. */
const STUCK_MS = 1;
/** How long a searching machine spins before it parks (a wake from an idle vCPU costs ~50 µs). */
const SPIN_MS = 0.1;
