/**
 * Test worker for injector.test.ts: pushes its own ids (singly and in chains) onto a shared
 * injector while popping batches from it, and posts back, in order, every id it popped.
 * The ids of pusher `k` are `first + stride * (k * n + i)` for i = 0..n-1, so their order is i's.
 * With `counts`, it also cancels jobs (any pusher's, near where that pusher is: not pushed yet,
 * being pushed, listed, popped and not claimed, or claimed) and claims every job it pops, as a
 * worker does, counting both.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { random } from "@spindle/test-support";
import { Injector } from "../injector.ts";
import { NEXT, PLACE, QUEUED, RUNNING, STATE } from "../job-record.ts";

/** What the test posts for one run. */
export interface InjectorRun {
  readonly pusher: number;
  readonly n: number;
  readonly first: number;
  readonly stride: number;
  readonly at: number;
  readonly control: SharedArrayBuffer;
  readonly heap: SharedArrayBuffer;
  /** Control word index of the start barrier: each worker adds 1 and waits for `threads`. */
  readonly barrier: number;
  readonly threads: number;
  readonly seed: number;
  /**
   * When given: per job (by index `k * n + i`) its claims, then from `threads * n` its cancels,
   * then from `2 * threads * n` each pusher's progress (its next i), then one word counting the
   * times a thread read a negative length or dead count, and one counting the jobs cancelled
   * before their push that held a place after it.
   */
  readonly counts?: SharedArrayBuffer;
}

/** Where the parts of `InjectorRun.counts` start, and its length in words. */
export interface CountsLayout {
  readonly claims: number;
  readonly cancels: number;
  readonly progress: number;
  readonly negative: number;
  readonly cancelledHolding: number;
  readonly words: number;
}

/** The layout of `InjectorRun.counts` for `jobs` jobs of `threads` pushers. */
export const countsLayout = (jobs: number, threads: number): CountsLayout => ({
  claims: 0,
  cancels: jobs,
  progress: 2 * jobs,
  negative: 2 * jobs + threads,
  cancelledHolding: 2 * jobs + threads + 1,
  words: 2 * jobs + threads + 2,
});

/** The id of pusher `pusher`'s `i`-th job. */
export const idOf = (run: Pick<InjectorRun, "first" | "stride" | "n">, pusher: number, i: number): number =>
  run.first + run.stride * (pusher * run.n + i);

function runOnce(run: InjectorRun): number[] {
  const control = new Int32Array(run.control);
  const heap = new Int32Array(run.heap);
  const injector = new Injector(control, run.at, { words: heap });
  const next = random(run.seed);
  const popped: number[] = [];
  const counts = run.counts === undefined ? null : new Int32Array(run.counts);
  const jobs = run.threads * run.n;
  const layout = countsLayout(jobs, run.threads);
  const indexOf = (id: number): number => (id - run.first) / run.stride;
  // Its records QUEUED, as a spawn leaves them.
  for (let i = 0; i < run.n; i++) Atomics.store(heap, idOf(run, run.pusher, i) + STATE, QUEUED);
  Atomics.add(control, run.barrier, 1);
  while (Atomics.load(control, run.barrier) < run.threads) Atomics.wait(control, run.barrier, 0, 1);
  let i = 0;
  while (i < run.n) {
    const roll = next();
    if (counts !== null) {
      Atomics.store(counts, layout.progress + run.pusher, i);
      if (injector.length < 0 || injector.dead < 0) Atomics.add(counts, layout.negative, 1);
      if (roll < 0.2) {
        // Near where a pusher is: from just popped to about to be pushed.
        const pusher = Math.floor(next() * run.threads);
        const at = Atomics.load(counts, layout.progress + pusher) + Math.floor(next() * 48) - 24;
        const target = idOf(run, pusher, Math.min(run.n - 1, Math.max(0, at)));
        if (injector.takeOut(target)) Atomics.add(counts, layout.cancels + indexOf(target), 1);
        continue;
      }
    }
    if (roll < 0.4) {
      const id = idOf(run, run.pusher, i++);
      const cancelled = counts !== null && Atomics.load(heap, id + STATE) !== QUEUED;
      injector.push(id);
      // A job cancelled before its push takes no place: its PLACE stays 0 (a racy read of the
      // injector's word, which a popper may clear meanwhile; only a 1 is wrong).
      if (cancelled && Atomics.load(heap, id + PLACE) !== 0) Atomics.add(counts, layout.cancelledHolding, 1);
    } else if (roll < 0.7) {
      // A chain of up to 8, linked through NEXT in records no queue holds yet.
      const count = Math.min(run.n - i, 1 + Math.floor(next() * 8));
      const ids = Array.from({ length: count }, (_, k) => idOf(run, run.pusher, i + k));
      for (let k = 0; k + 1 < count; k++) Atomics.store(heap, ids[k]! + NEXT, ids[k + 1]!);
      injector.pushChain(ids[0]!, ids[count - 1]!, count);
      i += count;
    } else {
      const from = popped.length;
      injector.popBatch(popped, 1 + Math.floor(next() * 16));
      for (let k = from; counts !== null && k < popped.length; k++) {
        const id = popped[k]!;
        // The claim a worker makes: it races with the other threads' cancels.
        if (Atomics.compareExchange(heap, id + STATE, QUEUED, RUNNING) === QUEUED) {
          Atomics.add(counts, layout.claims + indexOf(id), 1);
        }
      }
    }
  }
  return popped;
}

if (!isMainThread) {
  parentPort!.on("message", (run: InjectorRun) => parentPort!.postMessage(runOnce(run)));
  parentPort!.postMessage("ready");
}
