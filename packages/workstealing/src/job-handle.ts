import { KEY } from "./construct-key.ts";
import {
  CancelledError,
  consumeBudget,
  Context,
  type Future,
  JoinHandle,
  noPublicConstructor,
  PENDING,
  type Poll,
  type RawWakerVTable,
  type SharedWakerHandle,
  SpindleError,
  Waker,
  WakeTable,
  yieldNow,
} from "@spindle/core";
import { HeapFullError, OutcomeWriteError, WorkerLostError } from "./errors.ts";
import { readErrorSummary, summaryEnd } from "./error-summary.ts";
import { currentJobContext, type InlineStart, type JobContext } from "./job-context.ts";
import { jobWork } from "./job-work.ts";
import {
  ABORT,
  CANCELLED,
  DONE,
  EXIT_CODE,
  FAILED,
  isTerminal,
  LENGTH,
  LOST,
  LOST_SUMMARIES,
  LOST_UNWRITTEN,
  NO_ROOM,
  NO_ROOM_BYTES,
  NO_ROOM_STATE,
  RUNNING,
  RUNTIME_CANCELLED,
  STATE,
  UNWRITTEN,
  UNWRITTEN_CAUSE,
  WAITER,
  WAITER_SLOT,
  WORKER,
} from "./job-record.ts";
import { RUNTIME_THREAD, type SharedState } from "./shared-state.ts";

/**
 * Makes a handle; only the runtime and the workers' machines do. `dequeue`, when given, is called
 * with the job's id once the handle cancelled it while it was queued (`abort()`, a deadline, a
 * signal, a map's failed chunk): the runtime's thread takes out a job that waits there for room
 * in a bounded queue, which no worker would ever pass.
 */
export let createJobHandle: <T>(
  shared: SharedState,
  id: number,
  name: string,
  participant: number,
  dequeue?: (id: number) => void,
) => JobHandle<T>;
/** Aborts the job as `abort()` does, its handle then failing with `error` (a deadline, a signal). */
export let abortJobHandle: (handle: JobHandle<unknown>, error: Error) => void;
/** Whether nothing more can happen to the handle's job for its owner: settled, taken or detached. */
export let isJobHandleDone: (handle: JobHandle<unknown>) => boolean;
/** Whether the handle's outcome was taken (joined, awaited) or the handle detached: it cannot be joined again. */
export let isJobHandleTaken: (handle: JobHandle<unknown>) => boolean;
/** Removes the handle's job if it is still queued (it never runs; the handle fails with `CancelledError`); returns whether. */
export let cancelIfQueued: (handle: JobHandle<unknown>) => boolean;
/**
 * Makes the handle hand its job's result, once done, to `consume` as it takes it, lent (a typed
 * array that is the whole result is a view of the record's bytes, or of a scratch buffer: valid
 * only during the call), before the record is released; the handle's value is then what
 * `consume` returned. For a handle nobody else joins (`runtime.map`'s chunks); call it before the
 * handle is polled.
 */
export let consumeResultLent: (handle: JobHandle<unknown>, consume: (result: unknown) => unknown) => void;
/**
 * The error a failed detached job's handle would have thrown, read from its record, which the
 * caller alone holds (`JobRecords.takeUnobserved`): the record is released.
 */
export let takeDetachedError: (shared: SharedState, id: number, name: string) => unknown;

/**
 * The handle of a spawned job, on the thread that spawned it: a `@spindle/core`
 * {@linkcode JoinHandle}, so `yield* handle` joins it inside a coroutine (a parent job joining
 * its child) and `await handle` from `async` code.
 *
 * - Joining gives the job's result, or throws its error (name, message and stack as thrown on the
 *   worker), a {@linkcode WorkerLostError} when its worker died, or a `CancelledError` after
 *   `abort()`.
 * - `abort()` on a queued job removes it (it never runs, and its place in a bounded queue is free
 *   at once); on a running job it cancels it at its next suspension point, running its `finally` blocks. A job that has not stopped within the
 *   runtime's `abortGraceMs` (an endless loop, a `finally` that waits too long) has its worker
 *   terminated and replaced: the handle still fails with `CancelledError`, and the other jobs
 *   running on that worker with {@linkcode WorkerLostError}.
 * - Dropping the handle (`detach()`) lets the job run on with nobody joining it.
 *
 * @example
 * ```ts
 * import { Runtime } from "@spindle/workstealing";
 * import type jobs from "./examples/jobs.ts";
 *
 * const runtime = await Runtime.start<typeof jobs>(new URL("./examples/jobs.ts", import.meta.url), { workers: 1 });
 * const handle = runtime.spawn("add", 2, 3);
 * console.log(await handle, handle.isFinished); // 5 true
 * await runtime.shutdown();
 * ```
 */
export class JobHandle<T> extends JoinHandle<T> {
  readonly #shared: SharedState;
  readonly #id: number;
  readonly #name: string;
  readonly #participant: number;
  #slot: SharedWakerHandle | null = null;
  /** Set once the outcome was taken (or the handle detached): the record is no longer ours. */
  #outcome: { readonly ok: boolean; readonly value: unknown } | null = null;
  #detached = false;
  #promise: Promise<T> | null = null;
  /** What a cancelled outcome fails with when it was a deadline or a signal that aborted the job. */
  #cancelError: Error | null = null;
  /** Takes the result lent, when set (see {@linkcode consumeResultLent}). */
  #consume: ((result: unknown) => unknown) | null = null;
  /** Told of a cancel while queued (see {@linkcode createJobHandle}). */
  readonly #dequeue: ((id: number) => void) | null;

  private constructor(
    key: typeof KEY,
    shared: SharedState,
    id: number,
    name: string,
    participant: number,
    dequeue: ((id: number) => void) | null,
  ) {
    super();
    if (key !== KEY) throw noPublicConstructor("JobHandle", "runtime.spawn() returns one", key);
    this.#shared = shared;
    this.#id = id;
    this.#name = name;
    this.#participant = participant;
    this.#dequeue = dequeue;
  }

  static {
    createJobHandle = <T>(
      shared: SharedState,
      id: number,
      name: string,
      participant: number,
      dequeue?: (id: number) => void,
    ) => new JobHandle<T>(KEY, shared, id, name, participant, dequeue ?? null);
    abortJobHandle = (handle, error) => {
      if (handle.#outcome !== null || handle.#detached || handle.isFinished) return;
      handle.#cancelError ??= error;
      handle.abort();
    };
    isJobHandleDone = (handle) => handle.#detached || handle.isFinished;
    isJobHandleTaken = (handle) => handle.#detached || handle.#outcome !== null;
    cancelIfQueued = (handle) => handle.#outcome === null && !handle.#detached && handle.#cancelQueued();
    takeDetachedError = (shared, id, name) => {
      try {
        return new JobHandle<unknown>(KEY, shared, id, name, RUNTIME_THREAD, null).#take();
      } catch (error) {
        return error;
      }
    };
    consumeResultLent = (handle, consume) => {
      handle.#consume = consume;
    };
  }

  /** The job's name. */
  get job(): string {
    return this.#name;
  }

  /** Whether the job has settled (finished, failed, been cancelled or lost). */
  get isFinished(): boolean {
    return this.#outcome !== null ||
      (!this.#detached && isTerminal(Atomics.load(this.#shared.records.words, this.#id + STATE)));
  }

  /** Joins the job: its result once settled; until then the joiner's waker is kept up to date. */
  poll(cx: Context): Poll<T> {
    if (this.#outcome !== null || this.#detached) {
      throw new SpindleError(
        "FUTURE_COMPLETED",
        `the handle of job ${JSON.stringify(this.#name)} was polled after it completed`,
      );
    }
    const records = this.#shared.records.words;
    const id = this.#id;
    if (!isTerminal(Atomics.load(records, id + STATE))) {
      const table = WakeTable.forThisThread();
      if (this.#slot === null) {
        this.#slot = table.register(cx.waker);
        Atomics.store(records, id + WAITER_SLOT, this.#slot.slot);
        Atomics.store(records, id + WAITER, this.#participant + 1);
      } else {
        table.update(this.#slot, cx.waker);
      }
      // The worker stores the state before it reads WAITER: either it sees our registration and
      // wakes us, or we see its state here.
      if (!isTerminal(Atomics.load(records, id + STATE))) return PENDING;
    }
    // A settled handle is a future that is ready at once: it takes from the task's cooperative
    // budget, as core's JoinHandle does, so that a job joining handle after settled handle still
    // lets its worker's other tasks and its machine run (`consumeBudget`).
    if (!consumeBudget(cx)) return PENDING;
    return this.#take();
  }

  /**
   * `yield* handle` inside a job: when the child has not started and is this worker's next job,
   * the joiner takes it back and runs it in place (rayon's `join`): no task, no wake-up, no copy
   * of the result. Otherwise it waits as any future does.
   */
  override [Symbol.iterator](): Iterator<Future<unknown>, T, unknown> {
    if (this.#outcome === null && !this.#detached && this.#slot === null) {
      const context = currentJobContext();
      if (context !== null) {
        // A join in place completes without suspending, like a ready future: it takes from the
        // task's cooperative budget too. Without this, a job that spawns and joins children in
        // a loop never returned to its worker's executor: the worker's other jobs starved, and
        // its machine neither beat its heartbeat nor took stop requests (the runtime then
        // terminated the worker of a job that was progressing). Out of budget, the joiner
        // yields once, and then joins as it would have (tokio's per-poll budget).
        if (!consumeBudget(NO_WAKE)) return this.#joinAfterYield();
        const start = context.takeBack(this.#id);
        if (start !== null) return this.#joinInPlace(context, start);
      }
    }
    return super[Symbol.iterator]();
  }

  /** The join of a task whose budget is used up: lets the worker run its other tasks first. */
  *#joinAfterYield(): Generator<Future<unknown>, T, unknown> {
    yield* yieldNow(); // wakes the task, polled again after the others with a fresh budget
    return yield* { [Symbol.iterator]: () => this[Symbol.iterator]() };
  }

  *#joinInPlace(context: JobContext, start: InlineStart): Generator<Future<unknown>, T, unknown> {
    const id = this.#id;
    let state = CANCELLED;
    try {
      if (!start.ok) {
        state = FAILED;
        throw start.error;
      }
      const output = start.output;
      const work = jobWork(output);
      const value = (work !== null ? yield* work : output) as T;
      state = DONE;
      this.#outcome = { ok: true, value };
      return value;
    } catch (error) {
      if (state === CANCELLED) state = FAILED;
      this.#outcome = { ok: false, value: error };
      throw error;
    } finally {
      if (state === CANCELLED) {
        this.#outcome = { ok: false, value: new CancelledError(`job ${JSON.stringify(this.#name)}`) };
      }
      context.settleInline(id, state);
    }
  }

  /** Awaits the job's outcome from `async` code. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= this.#toPromise();
    return this.#promise.then(onFulfilled, onRejected);
  }

  /** Cancels the job: removes it when still queued, else stops it at its next suspension point. */
  abort(): void {
    if (this.#outcome !== null || this.#detached) return;
    const shared = this.#shared;
    const id = this.#id;
    if (this.#cancelQueued()) return;
    // Not queued: RUNNING or settled. WORKER was stored before RUNNING (JobRecords.claim), so once
    // RUNNING is seen it names the job's processor; and this handle's reference keeps the record
    // from being freed and reused meanwhile. ABORT is stored before the stop is requested, so the
    // machine that takes the request sees the flag (harness.ts, abortFlagged).
    if (Atomics.load(shared.records.words, id + STATE) !== RUNNING) return;
    Atomics.store(shared.records.words, id + ABORT, 1);
    shared.processor(Atomics.load(shared.records.words, id + WORKER)).requestStop();
  }

  /**
   * Cancels the job if it is still queued (it gives its place in the injector back at once:
   * `JobRecords.cancelQueued`), and tells `dequeue`; returns whether it did.
   */
  #cancelQueued(): boolean {
    if (!this.#shared.records.cancelQueued(this.#id)) return false;
    this.#dequeue?.(this.#id);
    return true;
  }

  /**
   * Lets the job run on with nobody joining it; its result is dropped. Should it fail, its error
   * goes to the runtime's `onUnhandledError`, or becomes an unhandled rejection on the runtime's
   * thread (the runtime's `onUnhandledError` option).
   */
  detach(): void {
    if (this.#outcome !== null || this.#detached) return;
    this.#detached = true;
    this.#unregister();
    this.#shared.records.releaseDetached(this.#id);
  }

  #take(): T {
    this.#unregister();
    const shared = this.#shared;
    const records = shared.records.words;
    const id = this.#id;
    const state = Atomics.load(records, id + STATE);
    let ok = false;
    let value: unknown;
    if (state === DONE) {
      ok = true;
      const consume = this.#consume;
      value = consume === null ? shared.records.readPayload(id) : consume(shared.records.readPayload(id, true));
    } else if (state === CANCELLED) {
      // A reason given as it is, if any (JobRecords.cancelQueued): the handle fails with it exactly.
      // LENGTH and the payload were written before the SC store of the state loaded above.
      value = this.#cancelError ??
        (Atomics.load(records, id + LENGTH) > 0
          ? shared.records.readPayload(id)
          : new CancelledError(`job ${JSON.stringify(this.#name)}`));
    } else if (state === RUNTIME_CANCELLED) {
      // Cancelled by the runtime: the payload, if any, says why, and becomes the cause of a
      // CancelledError made here, on the handle's thread (decoding cannot rebuild that class, and
      // `instanceof CancelledError` must hold for every way of stopping a job). What the payload
      // means came with the state, in the one SC store the load above read (see RUNTIME_CANCELLED).
      const cause = Atomics.load(records, id + LENGTH) > 0 ? { cause: shared.records.readPayload(id) } : undefined;
      value = this.#cancelError ?? new CancelledError(`job ${JSON.stringify(this.#name)}`, cause);
    } else if (state === LOST) {
      // The payload, when there is one, is the error that killed the worker.
      const cause = Atomics.load(records, id + LENGTH) > 0 ? { cause: shared.records.readPayload(id) } : undefined;
      value = this.#lostError(cause);
    } else if (state === NO_ROOM || state === UNWRITTEN) {
      value = this.#unwrittenError(state);
    } else if (state === LOST_UNWRITTEN) {
      value = this.#lostUnwrittenError();
    } else {
      value = shared.records.readPayload(id);
    }
    // The outcome is ours before the reference is dropped: should the release throw (the
    // runtime's thread giving up on a heap lock held by a worker that died, see SharedState), the
    // handle is not taken a second time, which would drop the reference twice.
    this.#outcome = { ok, value };
    shared.records.release(id);
    if (ok) return value as T;
    throw value;
  }

  #lostError(cause: ErrorOptions | undefined): WorkerLostError {
    const records = this.#shared.records.words;
    return new WorkerLostError(
      this.#name,
      Atomics.load(records, this.#id + WORKER),
      Atomics.load(records, this.#id + EXIT_CODE),
      cause,
    );
  }

  /**
   * The error of a job whose outcome had no room in the heap (state NO_ROOM) or could not be
   * written (UNWRITTEN): see job-record.ts.
   */
  #unwrittenError(state: number): Error {
    const shared = this.#shared;
    // Plain reads, as readPayload's: written before the SC store of NO_ROOM or UNWRITTEN that #take loaded.
    const records = shared.records.words;
    const meant = records[this.#id + NO_ROOM_STATE] as number;
    const outcome = meant === DONE ? "result" : meant === FAILED ? "error" : "reason";
    const unwritten = state === NO_ROOM
      ? new HeapFullError(this.#name, outcome, records[this.#id + NO_ROOM_BYTES] as number, shared.records.heapLimit)
      : new OutcomeWriteError(this.#name, outcome, { cause: readErrorSummary(records, this.#id + UNWRITTEN_CAUSE) });
    if (meant === CANCELLED || meant === RUNTIME_CANCELLED) {
      return this.#cancelError ?? new CancelledError(`job ${JSON.stringify(this.#name)}`, { cause: unwritten });
    }
    if (meant !== LOST) return unwritten;
    // A worker's death whose error had no room (NO_ROOM alone: see settleLost): its summary, which
    // says why it is one.
    return this.#lostError({ cause: readErrorSummary(records, this.#id + UNWRITTEN_CAUSE, { cause: unwritten }) });
  }

  /**
   * The error of a job whose worker died and whose record could not take that death's error
   * (LOST_UNWRITTEN, see job-record.ts): as a piscina task's rejection and a tokio `JoinError`,
   * it carries what killed the worker (a summary of it) as its `cause`, and that summary, as its
   * own `cause`, the `OutcomeWriteError` that says why only a summary is known.
   */
  #lostUnwrittenError(): WorkerLostError {
    // Plain reads, as in #unwrittenError: written before the SC store of the state.
    const records = this.#shared.records.words;
    const at = this.#id + LOST_SUMMARIES;
    const failure = readErrorSummary(records, summaryEnd(records, at));
    const unwritten = new OutcomeWriteError(this.#name, "error", { cause: failure });
    return this.#lostError({ cause: readErrorSummary(records, at, { cause: unwritten }) });
  }

  #unregister(): void {
    if (this.#slot === null) return;
    WakeTable.forThisThread().unregister(this.#slot);
    this.#slot = null;
  }

  #toPromise(): Promise<T> {
    const outcome = this.#outcome;
    if (outcome !== null) return outcome.ok ? Promise.resolve(outcome.value as T) : Promise.reject(outcome.value);
    return new Promise<T>((resolve, reject) => {
      const waiter: PromiseWaiter = {
        handle: this as JobHandle<unknown>,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      pollForPromise(waiter);
    });
  }
}

/**
 * The context a join in place takes its budget with: `consumeBudget` wakes it when the budget is
 * used up, and the joiner's `yieldNow` wakes the real task instead.
 */
const NO_WAKE: Context = Context.noop();

/** A promise waiting on a handle: the raw waker's data. */
interface PromiseWaiter {
  readonly handle: JobHandle<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

/** Polls the handle for its promise: settles the promise, or leaves the waker registered. */
function pollForPromise(waiter: PromiseWaiter): void {
  let result: unknown;
  try {
    result = waiter.handle.poll(new Context(Waker.fromRaw({ data: waiter, vtable: PROMISE_VTABLE })));
  } catch (error) {
    waiter.reject(error);
    return;
  }
  if (result !== PENDING) waiter.resolve(result);
}

/** Waking a promise's waker polls the handle again (on the thread that awaits it). */
const PROMISE_VTABLE: RawWakerVTable<PromiseWaiter> = {
  clone: (waiter) => ({ data: waiter, vtable: PROMISE_VTABLE }),
  wake: pollForPromise,
  wakeByRef: pollForPromise,
  drop: () => {},
};
