/**
 * Test worker for cancel-reason.test.ts: the spawning side of a worker's child jobs. It creates
 * `n` queued records (arguments too big for a record, so they live in the heap), pushes each onto
 * the injector as a machine whose deque overflowed does, and joins each one's handle on this
 * thread while the test's thread cancels them with a reason. One at a time: it announces the job
 * it watches (`turn`), the test's thread cancels that one, and this thread, watching
 * `isFinished` in a busy loop, awaits the handle the moment its state turns terminal, while the
 * canceller may still be writing. It reports how each handle ended.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { CancelledError, WakeTable } from "@spindle/core";
import { ValueEncoder } from "@spindle/codec";
import { createJobHandle, type JobHandle } from "../job-handle.ts";
import { SharedState, type SharedStateSetup } from "../shared-state.ts";

/** What the test posts for one run. */
export interface CancelRaceRun {
  readonly setup: SharedStateSetup;
  readonly n: number;
  /** Word 0: the job whose handle this thread watches now, plus one. */
  readonly turn: SharedArrayBuffer;
  /** How long, in ms, the whole run may take before the handles still unsettled count as stalled. */
  readonly limitMs: number;
}

/** How one handle ended. */
export interface HandleOutcome {
  readonly ok: boolean;
  readonly name: string;
  readonly message: string;
  /** Whether the error is an instance of core's `CancelledError` (made on this thread). */
  readonly isCancelledError: boolean;
  /** The `name` of the error's cause, or "" when it has none or no name. */
  readonly causeName: string;
  /** The `cause.job` of the error, else `cause.cause.job`, or -1. */
  readonly causeJob: number;
  /** How many times its promise's callbacks ran (once, or the test fails). */
  readonly settlements: number;
}

/** The report: each handle's outcome (null: not settled within the limit), and the live count after. */
export interface CancelRaceReport {
  readonly outcomes: (HandleOutcome | null)[];
  readonly live: number;
}

let table: WakeTable | undefined;

async function runOnce({ setup, n, turn, limitMs }: CancelRaceRun): Promise<CancelRaceReport> {
  // The same table every run (the test makes it once), adopted once: a thread keeps its table.
  table ??= WakeTable.forThisThread(setup.tables[1]);
  const shared = new SharedState(setup, 1);
  const encoder = new ValueEncoder();
  encoder.useHeap(setup.heap);
  const filler = "x".repeat(200);
  const handles: JobHandle<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    // The job number is the record's JOB word: the test's thread reads it to name its reason.
    const length = encoder.encode([filler, i], "child", "args");
    const id = shared.records.create(i, encoder, length);
    shared.injector.push(id);
    handles.push(createJobHandle(shared, id, "child", 1));
  }
  const deadline = performance.now() + limitMs;
  const outcomes: (HandleOutcome | null)[] = [];
  const turnWord = new Int32Array(turn);
  for (const [job, handle] of handles.entries()) {
    Atomics.store(turnWord, 0, job + 1);
    while (!handle.isFinished && performance.now() < deadline);
    if (!handle.isFinished) {
      outcomes.push(null);
      continue;
    }
    let settlements = 0;
    let outcome: Omit<HandleOutcome, "settlements">;
    try {
      await handle.then(
        () => settlements++,
        (error: unknown) => {
          settlements++;
          throw error;
        },
      );
      outcome = { ok: true, name: "", message: "", isCancelledError: false, causeName: "", causeJob: -1 };
    } catch (error) {
      const e = error as Error & { cause?: { job?: number; name?: unknown; cause?: { job?: number } } };
      outcome = {
        ok: false,
        name: String(e?.name),
        message: String(e?.message),
        isCancelledError: e instanceof CancelledError,
        causeName: typeof e?.cause?.name === "string" ? e.cause.name : "",
        causeJob: e?.cause?.job ?? e?.cause?.cause?.job ?? -1,
      };
    }
    await Promise.resolve(); // a second settlement would have run by now
    outcomes.push({ ...outcome, settlements });
  }
  return { outcomes, live: shared.live };
}

if (!isMainThread) {
  parentPort!.on(
    "message",
    (run: CancelRaceRun) => void runOnce(run).then((report) => parentPort!.postMessage(report)),
  );
  parentPort!.postMessage("ready");
}
