import { Context } from "./context.ts";
import type { IntoFuture } from "./coroutine.ts";
import { budgetExhausted, enterBudget, exitBudget, resetBudget } from "./coop-budget.ts";
import { enterDriving, exitDriving } from "./driving.ts";
import { renewAwait } from "./future.ts";
import { checkOptions, describe, SpindleError } from "./errors.ts";
import type { JoinHandle } from "./join-handle.ts";
import { spawnTask, type Task, type TaskOwner } from "./task.ts";
import { unlist, WaitingSegment } from "./waiting-segment.ts";
import { rebindWaker, Waker } from "./waker.ts";
import { yieldToHost } from "./yield-to-host.ts";

/** Options of a {@linkcode LocalExecutor}. */
export interface LocalExecutorOptions {
  /**
   * How long, in milliseconds, the executor polls tasks before it yields one turn to the host
   * event loop, so that the host's timers, I/O callbacks and messages keep running while tasks
   * keep being ready or woken. The slice starts at the second poll since the host last had a turn
   * from the executor, and lasts across parks whose wakes come within the same host turn (a
   * `process.nextTick` or microtask wake). The clock is read every 32 polls and after a poll that
   * used up its task's cooperative budget (see `consumeBudget`), so a slice ends at
   * most that late; waking a lone task costs no clock read. Once half the slice is gone (read at
   * the 16th poll and at those reads) the executor asks the host for a turn (one `setImmediate`):
   * if the turn comes before the slice ends (wakes from I/O callbacks: the host was turning all
   * along), a new slice starts and nothing waits. If not, when the slice ends the executor yields
   * at once if a task is ready, or else makes its next wake resume it after that turn. Default 1.
   */
  readonly timeSliceMs?: number;
  /**
   * Receives the error of a detached task that failed (nobody can join it any more). Default:
   * `run()` stops and rejects with that error (or, when `run()` is not active, the error is
   * thrown as an uncaught exception), as an unhandled rejection would crash a process.
   */
  readonly onUnhandledError?: (error: unknown) => void;
  /**
   * Called every time no task is ready and the executor is about to park, once the host had a turn
   * in which none of its tasks was woken: wakes already on their way (a settled promise, a wake
   * from another thread, I/O) reach their tasks first, as tokio polls its I/O driver before its
   * paused clock auto-advances. It may wake tasks, which then run before the executor parks: a
   * virtual clock advances to its next deadline here. It must not throw.
   *
   * `again` asks for another call. Called during `onIdle` (say, the clock jumped but woke only
   * wakers of other executors or of hand-polled futures), the executor, if still no task is ready,
   * gives the host one turn and calls `onIdle` again instead of parking. Called later, while the
   * executor is parked (say, a deadline appeared), it resumes the executor, which calls `onIdle`.
   * A hook that never calls it lets the executor park until one of its tasks is woken.
   */
  readonly onIdle?: (again: () => void) => void;
}

const DEFAULT_TIME_SLICE_MS = 1;
/** Makes the `TaskOwner` of an executor's tasks (set in `LocalExecutor`'s static block). */
let newOwner: (executor: LocalExecutor) => TaskOwner;
/** How many executors of this thread wait for a host turn before they poll on (see `tasksAwaitHostTurn`). */
let awaitingTurn = 0;

/**
 * Whether an executor of this thread waits for a turn of the host before it polls its tasks again
 * (it used up its time slice, see {@linkcode LocalExecutorOptions.timeSliceMs}, or it lets the
 * host turn before it calls `onIdle`). What wakes
 * tasks in bulk (a timer's burst of due sleeps) can then wake them after that turn, just before
 * they are polled, rather than now: a task polled soon after its wake finds what the wake touched
 * still in the cache.
 *
 * @example
 * ```ts
 * import { tasksAwaitHostTurn } from "@spindle/core";
 *
 * console.log(tasksAwaitHostTurn()); // false: no executor runs
 * ```
 */
export function tasksAwaitHostTurn(): boolean {
  return awaitingTurn > 0;
}
/**
 * Resumes a parked driver as a microtask: `RESOLVED.then(resume)` allocates one reaction, where a
 * promise per park allocates a promise and its resolving functions, and Node's `queueMicrotask`
 * an async resource per call.
 */
const RESOLVED = Promise.resolve();
const POLLS_PER_CLOCK_READ = 32;
/**
 * The clock, read once at load. `performance` is an accessor on Node's global object: reading it
 * ran a global-load IC miss and its getter each time, about 400 instructions per clock read
 * (callgrind, Node 24), as much as the 32 polls between reads spend on the slice's bookkeeping.
 */
const clock = performance;
/**
 * The executor also reads the clock at this poll since the host last had a turn, so that it can ask
 * for a turn (`#hostTurned`) before the first regular clock read, when polls are slow.
 */
const POLLS_BEFORE_ASKING = 16;

/**
 * Runs tasks on the current thread, interleaved with the host event loop.
 *
 * `spawn` queues a task (also from inside a running task); `run()` polls ready tasks until every
 * spawned task has settled, yielding a turn to the event loop after every `timeSliceMs` of polling
 * and parking (back to the event loop until a wake, no busy-waiting) while no task is ready. Once
 * `run()` was called the executor stays started: tasks spawned after it settled run too.
 * Closing the executor drops every task.
 *
 * @example
 * ```ts
 * import { LocalExecutor, yieldNow, type Coroutine } from "@spindle/core";
 *
 * function* count(name: string, log: string[]): Coroutine<number> {
 *   for (let i = 0; i < 2; i++) {
 *     log.push(`${name}${i}`);
 *     yield* yieldNow();
 *   }
 *   return 2;
 * }
 * const log: string[] = [];
 * const executor = new LocalExecutor();
 * const a = executor.spawn(count("a", log));
 * const b = executor.spawn(count("b", log));
 * await executor.run();
 * console.log(log.join(" "), await a + await b); // a0 b0 a1 b1 4
 * ```
 */
export class LocalExecutor implements Disposable {
  /**
   * The ready queue, intrusive (linked through `Task.nextReady`): FIFO, no array to grow. Its first
   * task keeps its last (`Task.lastReady`), so that queueing a task stores into that task, not into
   * this long-lived executor (a write-barrier call per store of a young task on V8).
   */
  #readyHead: Task<unknown> | null = null;
  readonly #timeSliceMs: number;
  readonly #onUnhandledError: ((error: unknown) => void) | null;
  readonly #onIdle: ((again: () => void) => void) | null;
  /** `onIdle` asked to be called again (see {@linkcode LocalExecutorOptions.onIdle}). */
  #idleAgain = false;
  /** The host had a turn since the executor last polled a task: `onIdle` may be called. */
  #idleSettled = false;
  /** The `again` function given to `onIdle`, made once. */
  readonly #callIdleAgain = (): void => {
    this.#idleAgain = true;
    this.#wakeDriver();
  };
  readonly #owner: TaskOwner;
  /**
   * The tasks that waited (returned `PENDING`) and have not settled, in segments (one per batch
   * of polls that listed any, newest first; see {@linkcode WaitingSegment}). A task is listed
   * after its first poll leaves it pending, not when spawned: a task that completes in its first
   * poll (most short tasks) never touches the list, and until then it is queued or running, where
   * `close()` reaches it too. (Linking at spawn cost a pointer store into this long-lived executor
   * per task, a write-barrier call each on V8.)
   */
  #waiting: WaitingSegment | null = null;
  #live = 0;
  #closed = false;
  /** The promise `run()` returned while the executor runs, and how to settle it. */
  #running: Promise<void> | null = null;
  #settleRun: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  /** `run()` was called once: from then on a task that becomes ready is run without another call. */
  #started = false;
  /** A drive is under way (polling, waiting for a host turn, or parked) until `#finish`. */
  #driving = false;
  /** The driver waits for a wake: no task is ready and no host turn is awaited. */
  #parked = false;
  /** `#drive`, bound once: the driver resumes by a microtask, not by a promise per park. */
  readonly #resume = (): void => this.#drive();
  /**
   * Runs once the host had a turn since the executor asked (a `setImmediate`, scheduled at most
   * once per slice, half-way through it): a new slice starts, and a driver that waited for this
   * turn goes on. A wake that comes later, from a host callback, resumes the driver at once: only
   * wakes within the turn in which the slice ended wait for it. Asking before the slice ends,
   * and waiting only when no turn came, matters on Deno: after code resumed from a macrotask
   * (`setImmediate`, a timer, a message), UDP sends complete about 130 in a row before a receive
   * on the same thread gets its turn (Deno 2.9.6), while sends and receives woken from the event
   * loop alternate. Waiting for a turn every slice lost 52-58 % of the 1,200-byte datagrams of
   * the UDP benchmark's `api` pacing in the kernel's receive buffer (it holds 92), where raw
   * `Deno.listenDatagram` lost 2 %.
   */
  readonly #hostTurned = (): void => {
    this.#turnProbe = false;
    this.#pollsSinceTurn = 0;
    this.#sliceEnd = Infinity;
    this.#turnDue = false;
    if (this.#awaitingTurn) {
      this.#awaitingTurn = false;
      awaitingTurn--;
      this.#drive();
    }
  };
  /** Tasks polled since the host last had a turn from this executor (kept across parks). */
  #pollsSinceTurn = 0;
  /** When the current time slice ends (`performance.now()`); Infinity until its second poll. */
  #sliceEnd = Infinity;
  /** The slice ended: the host gets a turn (`#hostTurned`) before the executor polls again. */
  #turnDue = false;
  /** `#hostTurned` is scheduled. */
  #turnProbe = false;
  /** The driver waits for `#hostTurned` to go on (tasks are ready, or a wake came meanwhile). */
  #awaitingTurn = false;
  #failure: { error: unknown } | null = null;

  /** Creates an executor; see {@linkcode LocalExecutorOptions}. */
  constructor(options?: LocalExecutorOptions) {
    options = checkOptions(options, "new LocalExecutor()", ["timeSliceMs", "onUnhandledError", "onIdle"]);
    const slice: unknown = options.timeSliceMs === undefined ? DEFAULT_TIME_SLICE_MS : options.timeSliceMs;
    if (typeof slice !== "number" || !(slice > 0) || slice === Infinity) {
      throw new SpindleError("INVALID_ARGUMENT", `timeSliceMs must be a finite number > 0, got ${describe(slice)}`);
    }
    this.#timeSliceMs = slice;
    this.#onUnhandledError = options.onUnhandledError ?? null;
    for (const hook of ["onUnhandledError", "onIdle"] as const) {
      const value: unknown = options[hook];
      if (value !== undefined && typeof value !== "function") {
        throw new SpindleError("INVALID_ARGUMENT", `${hook} must be a function, got ${describe(value)}`);
      }
    }
    this.#onIdle = options.onIdle ?? null;
    this.#owner = newOwner(this);
  }

  static {
    /**
     * The owner of an executor's tasks: methods of one class, which a task's call inlines behind a
     * map check. Closures made per executor (what this was) are one function per executor at each
     * call site: V8 inlined them behind a check of their feedback cell, a load of their context and
     * the executor's private brand, about 25 instructions per call, two calls per task (callgrind,
     * Node 24). Declared here, where the executor's private methods are in reach.
     */
    class Owner implements TaskOwner {
      readonly #executor: LocalExecutor;

      constructor(executor: LocalExecutor) {
        this.#executor = executor;
      }

      schedule(task: Task<unknown>): void {
        this.#executor.#schedule(task);
      }

      settled(task: Task<unknown>): void {
        this.#executor.#settled(task);
      }

      unhandled(error: unknown): void {
        this.#executor.#unhandled(error);
      }
    }
    newOwner = (executor) => new Owner(executor);
  }

  /** How many spawned tasks have not settled yet. */
  get taskCount(): number {
    return this.#live;
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Spawns a future or coroutine as a task and returns its handle. Before the first `run()` the
   * task waits for it; once `run()` was called, the executor runs the task without another call,
   * also after that `run()` settled. Throws `EXECUTOR_CLOSED` after `close()`.
   */
  spawn<T>(work: IntoFuture<T>): JoinHandle<T> {
    if (this.#closed) throw new SpindleError("EXECUTOR_CLOSED", "spawn() on a LocalExecutor that was closed");
    const task = spawnTask(work, this.#owner);
    this.#live++;
    task.wake();
    return task;
  }

  /**
   * Starts the executor and returns a promise that settles once every spawned task has settled.
   * Calling it while that promise is pending returns the same promise. It rejects when a detached
   * task fails and no `onUnhandledError` was given.
   *
   * The executor stays started: a task spawned (or woken) after the promise settled runs without
   * another `run()`, as tasks of a tokio runtime do; call `run()` again to learn when those have
   * settled. While no `run()` promise is pending, a detached task's failure without
   * `onUnhandledError` is thrown as an uncaught exception.
   */
  run(): Promise<void> {
    let running = this.#running;
    if (running === null) {
      running = new Promise((resolve, reject) => (this.#settleRun = { resolve, reject }));
      this.#running = running;
      this.#started = true;
      if (!this.#driving) {
        this.#driving = true;
        this.#drive(); // may settle `running` at once
      }
    }
    return running;
  }

  /**
   * Closes the executor: every unsettled task is dropped without being polled again (a coroutine's
   * `finally` blocks run, but cannot wait) and its handle fails with a `CancelledError`; later
   * `spawn` calls throw `EXECUTOR_CLOSED`. Called from one of its own tasks, that task finishes
   * the poll it is in: it keeps its value if it returns there, else it is cancelled then, and so
   * are the tasks that were ready in the same batch (right after that poll, none of them polled).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Every unsettled task is listed (it waited), queued (spawned or woken, not polled since), or
    // running: the one whose poll called close() is cancelled once that poll returns (`#pollReady`),
    // with the rest of the batch it was polled in (`#requeue`).
    for (;;) {
      const waiting = this.#waiting;
      if (waiting !== null) {
        (waiting.next as Task<unknown>).cancelNow(); // a listed segment is not empty
      } else {
        const task = this.#readyHead;
        if (task === null) break;
        const next = task.nextReady;
        if (next !== null) next.lastReady = task.lastReady;
        this.#readyHead = next;
        task.nextReady = task.lastReady = null;
        task.cancelNow(); // settles it, unless it already has (aborted while queued)
      }
    }
    this.#wakeDriver();
  }

  /** Same as {@linkcode LocalExecutor.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Polls ready tasks, then settles `run()` (all settled, or a failure), yields a host turn (time
   * slice used up) or parks until `#wakeDriver` queues it again as a microtask.
   */
  #drive(): void {
    try {
      for (;;) {
        this.#pollReady();
        const failure = this.#failure;
        if (failure !== null) {
          this.#failure = null;
          return this.#finish(failure);
        }
        if (this.#live === 0) return this.#finish(null);
        if (this.#readyHead === null && this.#onIdle !== null) {
          if (!this.#idleSettled) {
            // A host turn first: what it wakes runs before onIdle (a clock's jump) is called.
            this.#idleSettled = true;
            this.#awaitTurn();
            return;
          }
          this.#idleAgain = false;
          this.#onIdle(this.#callIdleAgain);
          // What onIdle did is looked at again: it may have woken tasks, or closed the executor
          // (no task left) or failed it, which parking would never notice.
          if (this.#readyHead !== null || this.#live === 0 || this.#failure !== null) continue;
        }
        // The slice ended with tasks ready, or `onIdle` asked for another call: a host turn
        // first, so that what it woke elsewhere (another executor's tasks, promises) runs before
        // it is called again.
        if (this.#readyHead !== null || this.#idleAgain) {
          this.#idleAgain = false;
          this.#awaitTurn();
        } else {
          this.#parked = true;
          if (this.#turnDue) this.#scheduleTurnProbe(); // the next wake waits for the host's turn
        }
        return;
      }
    } catch (error) {
      this.#finish({ error });
    }
  }

  #finish(failure: { error: unknown } | null): void {
    this.#driving = false;
    const settle = this.#settleRun;
    this.#settleRun = null;
    this.#running = null;
    if (settle === null) {
      if (failure !== null) this.#throwUncaught(failure.error); // a drive nobody awaits
    } else if (failure === null) {
      settle.resolve();
    } else {
      settle.reject(failure.error);
    }
    // Tasks still live after a failure stopped the drive: one that is already ready starts the
    // next drive (`#wakeDriver` starts it for later wakes).
    if (this.#readyHead !== null) this.#wakeDriver();
  }

  /**
   * Polls ready tasks until none is left or the time slice ends (then `#turnDue` is set). Each
   * task poll gets a fresh cooperative budget.
   */
  #pollReady(): void {
    if (this.#turnDue) return; // the slice ended before the last park: the host comes first
    if (this.#readyHead !== null) this.#idleSettled = false;
    let polls = this.#pollsSinceTurn;
    let end = this.#sliceEnd;
    const outer = enterDriving(this);
    const budget = enterBudget();
    // The queue is taken a batch at a time: its tasks are popped from this local list, and what
    // they wake is queued for the next batch. Popping from `#readyHead` stored a pointer to a young
    // task into this long-lived executor per poll, a write-barrier call each on V8 (2 % of the
    // instructions of a trivial task, callgrind).
    let batch: Task<unknown> | null = null;
    let batchTail: Task<unknown> | null = null;
    // The context the batch's tasks are polled with; its waker is rebound to each task in turn. A
    // new one per batch, not one kept by the executor: rebinding stores the (young) task into the
    // waker, a write-barrier call per poll into a long-lived waker on V8, none into a young one.
    let cx: Context | null = null;
    // The segment the batch's tasks that wait are listed in, made when the first one waits.
    let segment: WaitingSegment | null = null;
    try {
      while (this.#failure === null) {
        if (batch === null) {
          batch = this.#readyHead;
          if (batch === null) break;
          batchTail = batch.lastReady;
          batch.lastReady = null;
          this.#readyHead = null;
          cx = new Context(Waker.noop());
          segment = null;
          renewAwait(); // likewise for what a `yield*` stores
        }
        const task: Task<unknown> = batch;
        batch = task.nextReady;
        task.nextReady = null;
        if (++polls === 2) end = clock.now() + this.#timeSliceMs;
        rebindWaker((cx as Context).waker, task);
        resetBudget();
        // Inlined or not depending on which TurboFan compiles first. TurboFan (V8 13.6) charges a
        // callee its bytecode plus what its own optimized code inlined, times 1.2, against the 920
        // bytecodes a function may inline in all. When `run` has optimized code it is 304 + 748
        // (`#step`, the future's `poll` and waker clone, `#settle` with `settled`, `#settled` and a
        // joinAll's `settledChild`; its own compilation fills its budget again whenever `run` gets
        // smaller), and stays a call: so under callgrind. In the core benchmark on Node 24 this
        // loop was compiled while `run` was (concurrent compile jobs) and inlined `run` and
        // `#step` at 304 bytecodes; `#settle` stayed a call. With the budget raised (V8 flag
        // --max-inlined-bytecode-size-cumulative=3000) `run` and `#settle` inline here, and this
        // loop with them took 838 instructions per task that suspends once, not 964 (callgrind,
        // Node 24, before `run` shed its rare paths). (Under `--single-threaded`, as callgrind
        // runs Node, this loop stays in Maglev code unless the executor is entered again after it
        // was marked for TurboFan: V8 does not OSR from Maglev to TurboFan there. A whole
        // suspend-once task took 2,644 mutator instructions with the loop in Maglev, 2,309 in
        // TurboFan: warm up with more runs.)
        task.run(cx as Context);
        if (task.prev === null && !task.isFinished) {
          // It waits (or was woken while running, and is queued again): list it, for close().
          if (this.#closed) task.cancelNow(); // its poll closed the executor
          else this.#link(task, segment ??= new WaitingSegment());
        }
        if (this.#closed) break; // the rest of the batch is cancelled below
        if (polls === POLLS_BEFORE_ASKING || polls % POLLS_PER_CLOCK_READ === 0 || budgetExhausted()) {
          const now = clock.now();
          if (!this.#turnProbe) {
            // Half the slice is gone: ask the host for a turn. If it is turning (I/O callbacks wake
            // the parked driver), the answer comes before the slice ends, and nothing waits.
            if (now >= end - this.#timeSliceMs / 2) {
              this.#scheduleTurnProbe();
              if (now >= end) end = now + this.#timeSliceMs / 2; // asked late: half a slice for the answer
            }
          } else if (now >= end) {
            this.#turnDue = true; // asked, and no host turn came since
            break;
          }
        }
      }
    } finally {
      if (batch !== null) this.#requeue(batch, batchTail as Task<unknown>);
      exitBudget(budget);
      exitDriving(outer);
      this.#pollsSinceTurn = polls;
      this.#sliceEnd = end;
    }
  }

  /**
   * Puts the rest of a batch, `head` to `tail`, back in front of the queue (the loop stopped
   * early), or cancels it when a task of the batch closed the executor: `close()` reached the
   * tasks queued and waiting, not these.
   */
  #requeue(head: Task<unknown>, tail: Task<unknown>): void {
    if (this.#closed) {
      for (let task: Task<unknown> | null = head; task !== null;) {
        const next: Task<unknown> | null = task.nextReady;
        task.nextReady = null;
        task.cancelNow();
        task = next;
      }
      return;
    }
    const first = this.#readyHead;
    tail.nextReady = first;
    head.lastReady = first === null ? tail : first.lastReady;
    if (first !== null) first.lastReady = null;
    this.#readyHead = head;
  }

  #schedule(task: Task<unknown>): void {
    const first = this.#readyHead;
    if (first === null) {
      this.#readyHead = task;
      task.lastReady = task;
    } else {
      (first.lastReady as Task<unknown>).nextReady = task;
      first.lastReady = task;
    }
    this.#wakeDriver();
  }

  /**
   * Resumes a parked drive, or, once `run()` was called, starts a drive when none is under way: a
   * task spawned or woken after `run()` settled is not left waiting for a call that may never come.
   */
  #wakeDriver(): void {
    if (this.#parked) {
      this.#parked = false;
      if (this.#turnDue) this.#awaitTurn();
      else RESOLVED.then(this.#resume);
    } else if (!this.#driving && this.#started && !this.#closed) {
      this.#driving = true;
      RESOLVED.then(this.#resume);
    }
  }

  /** The driver goes on once the host had its turn. */
  #awaitTurn(): void {
    if (!this.#awaitingTurn) awaitingTurn++;
    this.#awaitingTurn = true;
    this.#scheduleTurnProbe();
  }

  #scheduleTurnProbe(): void {
    if (this.#turnProbe) return;
    this.#turnProbe = true;
    yieldToHost().then(this.#hostTurned);
  }

  #throwUncaught(error: unknown): void {
    queueMicrotask(() => {
      throw error;
    });
  }

  #unhandled(error: unknown): void {
    if (this.#onUnhandledError !== null) {
      this.#onUnhandledError(error);
    } else if (this.#running === null) {
      // Nobody is running the executor to reject: surface it as an uncaught error instead.
      this.#throwUncaught(error);
    } else {
      this.#failure ??= { error };
      this.#wakeDriver();
    }
  }

  /** Lists a task that waits in `segment`, the segment of its batch. */
  #link(task: Task<unknown>, segment: WaitingSegment): void {
    if (segment.isEmpty) {
      // Not listed yet (or no longer: its tasks settled): the executor lists it, newest first.
      const first = this.#waiting;
      segment.older = first;
      if (first !== null) first.newer = segment;
      this.#waiting = segment;
    }
    segment.add(task);
  }

  /** A task settled: unlists it if it was listed, and its segment if that is left empty. */
  #settled(task: Task<unknown>): void {
    if (task.prev !== null) {
      const emptied = unlist(task);
      if (emptied !== null) {
        const older = emptied.older;
        const newer = emptied.newer;
        if (newer !== null) newer.older = older;
        else this.#waiting = older;
        if (older !== null) older.newer = newer;
        emptied.older = emptied.newer = null;
      }
    }
    if (--this.#live === 0) this.#wakeDriver();
  }
}
