import {
  CancelledError,
  type Coroutine,
  type IntoFuture,
  isCoroutine,
  isFuture,
  type JoinHandle,
  type LocalExecutor,
} from "@spindle/core";
import { crash } from "./crash-report.ts";
import { RuntimeShutdownError, UncloneableValueError } from "./errors.ts";
import type { InlineStart } from "./job-context.ts";
import { ABORT, CANCELLED, DONE, FAILED, JOB } from "./job-record.ts";
import type { JobSet } from "./job-set.ts";
import { type Processor, STAT } from "./processor.ts";
import type { RecentArgs } from "./recent-args.ts";
import { CANCELLING, type SharedState } from "./shared-state.ts";
import type { ValueEncoder } from "./codec/value-encoder.ts";

/**
 * How one worker runs the jobs its machine took (tokio's `harness.rs`): claims a job's record
 * (QUEUED → RUNNING), calls its function, settles the record with what it returned or threw, or
 * keeps it as a task on the worker's executor until it finishes; and stops the tasks of aborted
 * jobs, ending the thread when one does not stop within the runtime's `abortGraceMs`.
 *
 * While a job's function runs, the processor's CURRENT word names it; a job that becomes a task
 * joins the processor's running list instead. Should the worker die, the runtime's thread fails
 * those jobs (`processor.ts`, `runningJobs`).
 */
export class Harness {
  readonly #shared: SharedState;
  readonly #own: Processor;
  readonly #set: JobSet;
  readonly #executor: LocalExecutor;
  readonly #encoder: ValueEncoder;
  readonly #recentArgs: RecentArgs;
  readonly #checkAlive: () => void;
  /** Jobs running as tasks on the executor (they waited at least once, or may). */
  readonly #running = new Map<number, JoinHandle<void>>();
  /** Jobs whose tasks were aborted and that have not finished: when each was aborted. */
  readonly #aborting = new Map<number, number>();
  #abortTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * The harness of processor `own`'s machine: runs `set`'s jobs on `executor`, encoding outcomes
   * with `encoder`; takes a child's arguments from `recentArgs` when its spawner kept them; calls
   * `checkAlive` (the machine's) before it touches shared state.
   */
  constructor(
    shared: SharedState,
    own: Processor,
    set: JobSet,
    executor: LocalExecutor,
    encoder: ValueEncoder,
    recentArgs: RecentArgs,
    checkAlive: () => void,
  ) {
    this.#shared = shared;
    this.#own = own;
    this.#set = set;
    this.#executor = executor;
    this.#encoder = encoder;
    this.#recentArgs = recentArgs;
    this.#checkAlive = checkAlive;
  }

  /** How many jobs run as tasks here. */
  get running(): number {
    return this.#running.size;
  }

  /** Starts job `id`; returns whether it became a task (it did not finish in one call). */
  start(id: number): boolean {
    const shared = this.#shared;
    const records = shared.records.words;
    if (!shared.records.claim(id, this.#own.index)) {
      shared.records.release(id); // aborted while queued: its handle already settled
      return false;
    }
    this.#own.count(STAT.JOBS_RUN);
    this.#own.beat(); // a machine that starts jobs is not stuck, however long its turn
    const name = this.#set.names[records[id + JOB] as number] as string;
    if (shared.state === CANCELLING) {
      this.#settle(id, CANCELLED, new RuntimeShutdownError(name));
      return false;
    }
    // While the job's function runs, CURRENT names it (should the worker die now, the runtime
    // fails it); a job that becomes a task joins the running list instead.
    this.#own.setCurrent(id);
    let output: unknown;
    try {
      const args = shared.records.readPayload(id) as unknown[];
      output = (this.#set.jobs[name] as (...args: unknown[]) => unknown)(...args);
    } catch (error) {
      this.#settle(id, FAILED, error);
      return false;
    }
    if (!isCoroutine(output) && !isFuture(output)) {
      this.#settle(id, DONE, output);
      return false;
    }
    this.#own.linkRunning(id);
    this.#own.setCurrent(0);
    this.#running.set(id, this.#executor.spawn(runJob(this, id, output)));
    return true;
  }

  /**
   * Starts child job `id` for its joiner to run in place (see `JobContext.takeBack`), once the
   * machine took it back from its slot or deque: the joiner gets what the function returned (a
   * value, future or coroutine) or threw, or `null` when an `abort()` cancelled the job first.
   */
  startInPlace(id: number): InlineStart | null {
    const shared = this.#shared;
    if (!shared.records.claim(id, this.#own.index)) {
      shared.records.release(id); // aborted while queued: the joiner finds it cancelled
      return null;
    }
    this.#own.linkRunning(id);
    this.#own.count(STAT.JOBS_RUN);
    const name = this.#set.names[shared.records.words[id + JOB] as number] as string;
    try {
      const args = this.#recentArgs.take(id) ?? shared.records.readPayload(id) as unknown[];
      return { ok: true, output: (this.#set.jobs[name] as (...args: unknown[]) => unknown)(...args) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Ends a job joined in place (see `JobContext.settleInline`). */
  settleInline(id: number, state: number): void {
    this.#checkAlive();
    const shared = this.#shared;
    this.#own.unlinkRunning(id);
    shared.records.settle(id, state); // drops the execution's reference
    shared.records.release(id); // and the handle's: its joiner has the outcome
  }

  /** Whether job `id` (a task of this worker) is being aborted: its `abort()` or a cancelling shutdown. */
  isAborting(id: number): boolean {
    // ABORT is stored (SC) by abort() before it requests the stop, and the runtime's state before
    // close() requests the checks: a task aborted for either reason finds it set here.
    return Atomics.load(this.#shared.records.words, id + ABORT) !== 0 || this.#shared.state === CANCELLING;
  }

  /** Ends job `id` (a task of this worker) in `state` with `value`. Called by {@linkcode runJob}. */
  finish(id: number, state: number, value: unknown): void {
    this.#running.delete(id);
    if (this.#aborting.delete(id) && this.#aborting.size === 0 && this.#abortTimer !== null) {
      clearTimeout(this.#abortTimer);
      this.#abortTimer = null;
    }
    this.#own.unlinkRunning(id);
    this.#settle(id, state, value);
  }

  /**
   * Aborts the tasks of jobs flagged by `abort()` (or all of them when the runtime cancels), and
   * watches that each stops within the runtime's `abortGraceMs`.
   */
  abortFlagged(): void {
    const records = this.#shared.records.words;
    const all = this.#shared.state === CANCELLING;
    const now = performance.now();
    for (const [id, task] of this.#running) {
      // abort() stores ABORT before it requests the abort check, and the machine took that check
      // before calling this (both SC; Processor.requestStop): a flagged job is seen here.
      if (!all && Atomics.load(records, id + ABORT) === 0) continue;
      task.abort();
      if (!this.#aborting.has(id) && this.#running.has(id)) this.#aborting.set(id, now);
    }
    if (this.#aborting.size > 0 && this.#abortTimer === null) this.#armAbortTimer(this.#shared.setup.abortGraceMs);
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
    const grace = this.#shared.setup.abortGraceMs;
    const now = performance.now();
    let next = Infinity;
    const late: string[] = [];
    for (const [id, since] of this.#aborting) {
      if (now - since >= grace) {
        late.push(JSON.stringify(this.#set.names[Atomics.load(this.#shared.records.words, id + JOB)]));
      } else next = Math.min(next, since + grace - now);
    }
    if (late.length > 0) {
      crash(
        this.#own,
        new Error(
          `worker ${this.#own.index} was ended: job ${
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
    const shared = this.#shared;
    // JOB was written before the id was published (JobRecords.create) and never changes.
    const name = this.#set.names[Atomics.load(shared.records.words, id + JOB)] as string;
    let length = 0;
    if (state === DONE || state === FAILED || value !== undefined) {
      try {
        length = this.#encoder.encode(value, name, state === DONE ? "result" : "error");
      } catch (error) {
        state = FAILED;
        length = this.#encoder.encode(plainError(error), name, "error");
      }
    }
    shared.records.replacePayload(id, this.#encoder, length);
    shared.records.settle(id, state);
    this.#own.setCurrent(0);
  }
}

/**
 * The task of a job that did not finish in its first call: drives it, then settles its record.
 * `abort()` throws a `CancelledError` into `work` (see `CoroutineFuture`): the job is cancelled
 * when that error comes out of it, and also when the job caught it and returned anyway. Dropping
 * the task (its executor closing) returns out of the `yield*` instead: the `finally` settles it.
 */
function* runJob(harness: Harness, id: number, work: IntoFuture<unknown>): Coroutine<void> {
  let settled = false;
  try {
    const value: unknown = yield* work;
    settled = true;
    if (harness.isAborting(id)) harness.finish(id, CANCELLED, undefined);
    else harness.finish(id, DONE, value);
  } catch (error) {
    settled = true;
    if (error instanceof CancelledError && harness.isAborting(id)) harness.finish(id, CANCELLED, undefined);
    else harness.finish(id, FAILED, error);
  } finally {
    if (!settled) harness.finish(id, CANCELLED, undefined);
  }
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
