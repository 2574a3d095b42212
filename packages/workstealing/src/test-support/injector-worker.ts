/**
 * Test worker for injector.test.ts: pushes its own ids (singly and in chains) onto a shared
 * injector while popping batches from it, and posts back, in order, every id it popped.
 * The ids of pusher `k` are `first + stride * (k * n + i)` for i = 0..n-1, so their order is i's.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { random } from "@spindle/test-support";
import { Injector } from "../injector.ts";
import { NEXT, QUEUED, STATE } from "../job-record.ts";

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
}

/** The id of pusher `pusher`'s `i`-th job. */
export const idOf = (run: Pick<InjectorRun, "first" | "stride" | "n">, pusher: number, i: number): number =>
  run.first + run.stride * (pusher * run.n + i);

function runOnce(run: InjectorRun): number[] {
  const control = new Int32Array(run.control);
  const heap = new Int32Array(run.heap);
  const injector = new Injector(control, run.at, { words: heap });
  const next = random(run.seed);
  const popped: number[] = [];
  // Its records QUEUED, as a spawn leaves them (a push lists them INJECTED).
  for (let i = 0; i < run.n; i++) Atomics.store(heap, idOf(run, run.pusher, i) + STATE, QUEUED);
  Atomics.add(control, run.barrier, 1);
  while (Atomics.load(control, run.barrier) < run.threads) Atomics.wait(control, run.barrier, 0, 1);
  let i = 0;
  while (i < run.n) {
    const roll = next();
    if (roll < 0.4) {
      injector.push(idOf(run, run.pusher, i++));
    } else if (roll < 0.7) {
      // A chain of up to 8, linked through NEXT in records no queue holds yet.
      const count = Math.min(run.n - i, 1 + Math.floor(next() * 8));
      const ids = Array.from({ length: count }, (_, k) => idOf(run, run.pusher, i + k));
      for (let k = 0; k + 1 < count; k++) Atomics.store(heap, ids[k]! + NEXT, ids[k + 1]!);
      injector.pushChain(ids[0]!, ids[count - 1]!, count);
      i += count;
    } else {
      injector.popBatch(popped, 1 + Math.floor(next() * 16));
    }
  }
  return popped;
}

if (!isMainThread) {
  parentPort!.on("message", (run: InjectorRun) => parentPort!.postMessage(runOnce(run)));
  parentPort!.postMessage("ready");
}
