import {
  CancelledError,
  caughtInstanceOf,
  type Coroutine,
  type IntoFuture,
  type JoinHandle,
  type LocalExecutor,
} from "@spindle/core";
import { crash } from "./crash-report.ts";
import { shutdownCancellation } from "./errors.ts";
import type { InlineStart } from "./job-context.ts";
import { ABORT, CANCELLED, DONE, FAILED, JOB, MAP_CHUNK, RUNTIME_CANCELLED, SPAWNED_AT } from "./job-record.ts";
import { runChunk } from "./map-chunk.ts";
import { inMapResult } from "./job-map.ts";
import { jobWork } from "./job-work.ts";
import { epochMs, MetricsRecorder } from "./metrics.ts";
import { OutputFlush } from "./output-flush.ts";
import { RecyclePolicy } from "./recycling.ts";
import type { JobSet } from "./job-set.ts";
import { type Processor, STAT } from "./processor.ts";
import type { RecentArgs } from "./recent-args.ts";
import { CANCELLING, type SharedState } from "./shared-state.ts";
import { encodeOutcome } from "./encode-outcome.ts";
import type { ValueEncoder } from "@spindle/codec";

/**
 * How one worker runs the jobs its machine took (tokio's `harness.rs`): claims a job's record
 * (QUEUED → RUNNING), calls its function, settles the record with what it returned or threw, or
 * keeps it as a task on the worker's executor until it finishes; and stops the tasks of aborted
 * jobs, ending the thread when one does not stop within the runtime's `abortGraceMs`.
 *
 * While a job's function runs, the processor's CURRENT word names it; a job that becomes a task
 * joins the processor's running list instead. Should the worker die, the runtime's thread fails
 * those jobs (`processor.ts`, `heldJobs`).
 */
export class Harness {
  readonly #shared: SharedState;
  readonly #own: Processor;
  readonly #set: JobSet;
  readonly #executor: LocalExecutor;
  readonly #encoder: ValueEncoder;
  readonly #recentArgs: RecentArgs;
  readonly #checkAlive: () => void;
  /** The machine's heartbeat bump, with its heap figure (`Machine.#beat`). */
  readonly #beat: () => void;
  /** Jobs running as tasks on the executor (they waited at least once, or may). */
  readonly #running = new Map<number, JoinHandle<void>>();
  /** Jobs whose tasks were aborted and that have not finished: when each was aborted. */
  readonly #aborting = new Map<number, number>();
  #abortTimer: ReturnType<typeof setTimeout> | null = null;
  /** When this machine's thread is to be replaced (the runtime's recycling options). */
  readonly #recycle: RecyclePolicy;
  #recycleDue = false;
  /** This processor's metrics (the runtime's `metrics: true`), or null. */
  readonly #metrics: MetricsRecorder | null;
  /** The records' spawn times, over the heap (with metrics). */
  readonly #spawnTimes: Float64Array | null;
  /** Marks this processor's output word before a settlement while its output is on its way. */
  readonly #output: OutputFlush;
  /** Tasks' and in-place jobs' number, wait and start time, for their run-time metric (with metrics). */
  readonly #timed = new Map<number, readonly [job: number, waitMs: number, startedAt: number]>();

  /**
   * The harness of processor `own`'s machine: runs `set`'s jobs on `executor`, encoding outcomes
   * with `encoder`; takes a child's arguments from `recentArgs` when its spawner kept them; calls
   * `checkAlive` (the machine's) before it touches shared state, and `beat` (the machine's) at
   * each job start.
   */
  constructor(
    shared: SharedState,
    own: Processor,
    set: JobSet,
    executor: LocalExecutor,
    encoder: ValueEncoder,
    recentArgs: RecentArgs,
    checkAlive: () => void,
    beat: () => void,
  ) {
    this.#shared = shared;
    this.#own = own;
    this.#set = set;
    this.#executor = executor;
    this.#encoder = encoder;
    this.#recentArgs = recentArgs;
    this.#checkAlive = checkAlive;
    this.#beat = beat;
    this.#recycle = new RecyclePolicy(shared.setup.recycle);
    this.#output = new OutputFlush(shared.setup.output, own.index);
    const metrics = shared.setup.metrics;
    this.#metrics = metrics === null ? null : new MetricsRecorder(metrics, own.index);
    this.#metrics?.started();
    this.#spawnTimes = metrics === null ? null : new Float64Array(shared.setup.heap);
  }

  /**
   * Whether the machine's thread is due for replacement (after `maxJobsPerWorker` jobs taken from
   * the queues, or above `maxMemoryBeforeRecycle`): see the machine's `#pollRecycling`.
   */
  get recycleDue(): boolean {
    return this.#recycleDue;
  }

  /** How many jobs run as tasks here. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Starts job `id`, which the machine took from a queue and named in CURRENT (as `-id`) at once
   * (`Processor.hold`: should the worker die before the claim, the runtime finds it there still
   * QUEUED, never started, and queues it again); returns whether it became a task (it did not
   * finish in one call).
   */
  start(id: number): boolean {
    const shared = this.#shared;
    const records = shared.records.words;
    if (!shared.records.claim(id)) {
      // CURRENT is cleared before the queue's reference is dropped: a record that the release
      // frees may be reused at once, and must not stay named here.
      this.#own.setCurrent(0);
      shared.records.release(id); // aborted while queued: its handle already settled
      return false;
    }
    // Claimed: from here a death loses the job (`Processor.heldJobs`), and CURRENT = id says the
    // outcome this machine publishes is its own.
    this.#own.setCurrent(id);
    this.#own.count(STAT.JOBS_RUN);
    this.#beat(); // a machine that starts jobs is not stuck, however long its turn
    if (this.#recycle.active && this.#recycle.jobStarted()) this.#recycleDue = true;
    const jobIndex = records[id + JOB] as number;
    const name = this.#set.names[jobIndex] as string;
    // With metrics, a job that finishes in its call is timed here (from locals, and before its
    // settlement: whoever sees it settled sees it counted), one that becomes a task in `finish`
    // (through #timed): no map entry for the common, plain job.
    let startedAt = 0;
    let waitMs = 0;
    if (this.#metrics !== null) {
      startedAt = epochMs();
      waitMs = Math.max(0, startedAt - ((this.#spawnTimes as Float64Array)[(id + SPAWNED_AT) >> 1] as number));
    }
    if (shared.state === CANCELLING) {
      this.#settle(id, RUNTIME_CANCELLED, shutdownCancellation(name, false, shared.cancelledBy));
      return false;
    }
    // While the job's function runs, CURRENT names it (should the worker die now, the runtime
    // fails it); a job that becomes a task joins the running list instead.
    let output: unknown;
    let items: unknown = null;
    try {
      const job = this.#set.jobs[name] as (...args: unknown[]) => unknown;
      // A map chunk's payload is its items (see Runtime.map), read lent: a chunk of numbers is a
      // view of the record's bytes in the heap, not a copy. They stay there until the outcome
      // replaces them (#settle), after the chunk's last item ran, a chunk that goes on as a task too.
      if (records[id + MAP_CHUNK] === 0) {
        output = job(...shared.records.readPayload(id) as unknown[]);
      } else {
        items = shared.records.readPayload(id, true);
        output = runChunk(job, items as ArrayLike<unknown>);
      }
    } catch (error) {
      this.#metrics?.job(jobIndex, waitMs, epochMs() - startedAt);
      this.#settle(id, FAILED, error);
      return false;
    }
    const work = jobWork(output);
    if (work === null) {
      this.#metrics?.job(jobIndex, waitMs, epochMs() - startedAt);
      // A chunk of numbers whose results all were numbers wrote them over its lent items
      // (`runChunk`): the record's payload is the result's message, as the encoder would write it.
      if (output === items && output instanceof Float64Array && output.buffer === shared.heap.buffer) {
        this.#checkAlive();
        this.#publish(id, DONE);
      } else {
        this.#settle(id, DONE, output);
      }
      return false;
    }
    if (this.#metrics !== null) this.#timed.set(id, [jobIndex, waitMs, startedAt]);
    this.#own.linkRunning(id);
    this.#own.setCurrent(0);
    this.#running.set(id, this.#executor.spawn(runJob(this, id, work)));
    return true;
  }

  /**
   * Starts child job `id` for its joiner to run in place (see `JobContext.takeBack`), once the
   * machine took it back from its slot or deque: the joiner gets what the function returned (a
   * value, future or coroutine) or threw, or `null` when an `abort()` cancelled the job first.
   */
  startInPlace(id: number): InlineStart | null {
    const shared = this.#shared;
    // Linked before its claim, as `start` names a job in CURRENT first: should the worker die
    // between the two, the runtime finds it in the running list still QUEUED, never started, and
    // queues it again.
    this.#own.holdRunning(id);
    // A cancelling shutdown starts no job, not even one its joiner would run in place: it is
    // cancelled as still queued (the joiner then finds the reason, as any joiner of a cancelled job).
    const cancelling = shared.state === CANCELLING;
    if (cancelling || !shared.records.claim(id)) {
      if (cancelling) this.#cancelUnstarted(id);
      this.#own.unlinkRunning(id); // before the release: the record may be reused at once
      shared.records.release(id); // aborted while queued: the joiner finds it cancelled
      return null;
    }
    this.#own.count(STAT.JOBS_RUN);
    if (this.#metrics !== null) this.#timeStart(id);
    const name = this.#set.names[shared.records.words[id + JOB] as number] as string;
    try {
      const args = this.#recentArgs.take(id) ?? shared.records.readPayload(id) as unknown[];
      return { ok: true, output: (this.#set.jobs[name] as (...args: unknown[]) => unknown)(...args) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * Cancels job `id`, still queued (QUEUED: taken from this worker's slot or deque, not claimed),
   * for a cancelling shutdown, with its reason; a job aborted meanwhile stays as its abort left it.
   */
  #cancelUnstarted(id: number): void {
    const shared = this.#shared;
    const name = this.#set.names[Atomics.load(shared.records.words, id + JOB)] as string;
    let length: number;
    try {
      length = this.#encoder.encode(shutdownCancellation(name, false, shared.cancelledBy), name, "error");
    } catch {
      shared.records.cancelQueued(id); // no room for the reason: a plain CancelledError
      return;
    }
    shared.records.cancelQueued(id, this.#encoder, length, RUNTIME_CANCELLED);
  }

  /**
   * Why job `id`, a task of this worker, is being aborted, when the runtime is why: the reason of
   * the cancelling shutdown that stops it; `undefined` after its `abort()`, a deadline or a signal
   * (its handle knows why).
   */
  cancelReason(id: number): Error | undefined {
    const shared = this.#shared;
    const records = shared.records.words;
    // ABORT: see isAborting. The state's SC load pairs with SharedState.close (and cancelledBy).
    if (Atomics.load(records, id + ABORT) !== 0 || shared.state !== CANCELLING) return undefined;
    const name = this.#set.names[Atomics.load(records, id + JOB)] as string;
    return shutdownCancellation(name, true, shared.cancelledBy);
  }

  /**
   * Ends job `id`, a task of this worker that stopped after it was aborted: CANCELLED, or, when a
   * cancelling shutdown stopped it, RUNTIME_CANCELLED with that shutdown's reason.
   */
  finishCancelled(id: number): void {
    const reason = this.cancelReason(id);
    this.finish(id, reason === undefined ? CANCELLED : RUNTIME_CANCELLED, reason);
  }

  /** Ends a job joined in place (see `JobContext.settleInline`). */
  settleInline(id: number, state: number): void {
    this.#checkAlive();
    if (this.#metrics !== null) this.#timeEnd(id);
    const shared = this.#shared;
    // CURRENT names the job while it leaves the running list, until it has settled: it is never
    // in neither (see `finish`), and a death halfway is recovered (see `#settle`).
    this.#own.setCurrent(id);
    this.#own.unlinkRunning(id);
    this.#output.beforeSettle(); // before the settlement is counted: see output-flush.ts
    shared.records.publishOutcome(id, state);
    this.#own.setCurrent(0); // before the releases, which free the record
    shared.records.release(id); // the execution's reference
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
    if (this.#metrics !== null) this.#timeEnd(id);
    if (this.#aborting.delete(id) && this.#aborting.size === 0 && this.#abortTimer !== null) {
      clearTimeout(this.#abortTimer);
      this.#abortTimer = null;
    }
    // CURRENT names the job from before it leaves the running list until its record is settled
    // (`#settle` clears it): encoding the result runs the job's getters, which may end the thread
    // (`process.exit`) or never return (the watchdog then terminates it). Unlinked first and
    // named nowhere, such a job was never settled: its handle waited for good, and an abort
    // could not reach it.
    this.#own.setCurrent(id);
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
      // The job's own code sees why on the CancelledError thrown into it (and on the signal of a
      // `fromPromise` it waits on): a cancelling shutdown's reason, as its handle will; after an
      // abort() of its own, no cause (its handle's thread knows why, this one does not).
      task.abort(this.cancelReason(id));
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

  /** With metrics: job `id` (ours: running here) starts now; it is timed when it settles. */
  #timeStart(id: number): void {
    const now = epochMs();
    const spawnedAt = (this.#spawnTimes as Float64Array)[(id + SPAWNED_AT) >> 1] as number;
    this.#timed.set(id, [Atomics.load(this.#shared.records.words, id + JOB), Math.max(0, now - spawnedAt), now]);
  }

  /** With metrics: job `id` settles now (before its record does): its run and wait go into its histograms. */
  #timeEnd(id: number): void {
    const timed = this.#timed.get(id);
    if (timed === undefined) return;
    this.#timed.delete(id);
    (this.#metrics as MetricsRecorder).job(timed[0], timed[1], epochMs() - timed[2]);
  }

  /** The machine parked for `ms` (with metrics). */
  parked(ms: number): void {
    this.#metrics?.parked(ms);
  }

  /** Whether metrics are kept (the machine then times its parks). */
  get timesParks(): boolean {
    return this.#metrics !== null;
  }

  /** Writes the outcome into the record and settles it. */
  #settle(id: number, state: number, value: unknown): void {
    this.#checkAlive();
    const shared = this.#shared;
    // JOB was written before the id was published (JobRecords.create) and never changes.
    const name = this.#set.names[Atomics.load(shared.records.words, id + JOB)] as string;
    let settleIn: number;
    try {
      let length = 0;
      if (state === DONE || state === FAILED || value !== undefined) {
        const kind = state === DONE ? "result" : "error";
        // A map chunk's result is named by its place in the map's whole result. MAP_CHUNK was
        // written before the id was published and never changes (plain read, as JOB's).
        const chunkAt = kind === "result" ? shared.records.words[id + MAP_CHUNK] as number : 0;
        const locate = chunkAt === 0 ? undefined : (failure: unknown) => inMapResult(failure, chunkAt - 1);
        if (encodeOutcome(this.#encoder, value, name, kind, undefined, locate) !== null) state = FAILED; // what the job gave could not cross
        length = this.#encoder.bytes.length;
      }
      settleIn = shared.records.writeOutcome(id, state, this.#encoder, length);
    } catch (failure) {
      // Even the substitute could not be encoded: the job settles all the same, with the reason.
      settleIn = shared.records.writeFailure(id, state, failure);
    }
    this.#publish(id, settleIn);
  }

  /** Settles job `id` in `state`, its outcome already in its record's payload. */
  #publish(id: number, state: number): void {
    const shared = this.#shared;
    // Published, then CURRENT cleared, then released: a worker that dies before CURRENT is cleared
    // (V8 ends a thread over its resourceLimits at any function call, measured on Deno 2.9.6
    // between the state store and the wake) leaves the record named there, in its terminal state
    // or still RUNNING, and unreleased; the runtime then finishes the settlement, or fails the job
    // as lost (`Processor.heldJobs`). Dying after the clear loses nothing but the record's memory.
    this.#output.beforeSettle(); // before the settlement is counted: see output-flush.ts
    shared.records.publishOutcome(id, state);
    this.#own.setCurrent(0);
    shared.records.release(id);
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
    if (harness.isAborting(id)) harness.finishCancelled(id);
    else harness.finish(id, DONE, value);
  } catch (error) {
    settled = true;
    if (caughtInstanceOf(error, CancelledError) && harness.isAborting(id)) harness.finishCancelled(id);
    else harness.finish(id, FAILED, error);
  } finally {
    if (!settled) harness.finish(id, CANCELLED, undefined);
  }
}
