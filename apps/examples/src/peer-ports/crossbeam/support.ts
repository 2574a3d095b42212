// crossbeam-utils' `thread::scope` for the crossbeam ports, over worker threads: each spawned
// closure is a body of `bodies.ts` run by a worker of a pool this file keeps (worker starts are
// slow, on Deno most of all, so each test borrows started workers instead of starting its own).
// `scope` resolves when every body returned and rejects with the first body's error (Rust's
// `scope(..).unwrap()` re-panics with it); a body still running after the hang bound fails the test
// and its worker is terminated.
import { after } from "node:test";
import { Worker } from "node:worker_threads";
import type { bodies } from "./bodies.ts";
import type { RunReport, RunRequest } from "./thread.ts";

/** One closure of a scope: a body of `bodies.ts` and what it captures (handles, shared words). */
export interface Spawn {
  readonly body: keyof typeof bodies;
  readonly data?: unknown;
}

const url = new URL("./thread.ts", import.meta.url);
const idle: Worker[] = [];
const all = new Set<Worker>();
// Bun runs every test file in one process and runs a file's `after` once that file is done, while
// this module (and its pool) stays loaded for the next file: a terminated worker leaves the pool.
after(async () => {
  const workers = [...all];
  all.clear();
  idle.length = 0;
  await Promise.all(workers.map((worker) => worker.terminate()));
});

/** The next message of `worker`, or its error or exit as a rejection. */
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (message: T) => (cleanup(), resolve(message));
    const onError = (error: unknown) => (cleanup(), reject(error));
    const onExit = (code: number) => (cleanup(), reject(new Error(`worker exited (${code})`)));
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

async function borrow(): Promise<Worker> {
  const ready = idle.pop();
  if (ready !== undefined) return ready;
  const worker = new Worker(url);
  all.add(worker);
  worker.once("exit", () => {
    all.delete(worker);
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
  if ((await nextMessage<string>(worker)) !== "idle") throw new Error("the worker did not start");
  return worker;
}

/**
 * Runs the `spawns` on threads of their own, started together, and waits for them all (at most
 * `limitMs`, a hang bound for a loaded machine, not a speed measure).
 */
export async function scope(spawns: readonly Spawn[], limitMs = 120_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the scope's threads did not end within ${limitMs} ms`)), limitMs);
  });
  hang.catch(() => {}); // observed below, where it matters
  const workers: Worker[] = [];
  const start = new Int32Array(new SharedArrayBuffer(4));
  try {
    for (let i = 0; i < spawns.length; i++) workers.push(await Promise.race([borrow(), hang]));
    const ready = workers.map((worker, i) => {
      const answer = nextMessage<string>(worker);
      worker.postMessage({ body: spawns[i]!.body, data: spawns[i]!.data, start } satisfies RunRequest);
      return answer;
    });
    await Promise.race([Promise.all(ready), hang]);
  } catch (error) {
    clearTimeout(timer);
    for (const worker of workers) {
      all.delete(worker);
      void worker.terminate();
    }
    throw error;
  }
  const reports = workers.map((worker) => nextMessage<RunReport>(worker));
  // Pairs with each thread's Atomics.load in its wait loop: all of them start from here.
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const settled = reports.map((report, i) =>
    Promise.race([report, hang]).then(
      (r) => ({ worker: workers[i]!, report: r as RunReport | undefined }),
      (error: unknown) => ({ worker: workers[i]!, report: { error } as RunReport | undefined, lost: true }),
    )
  );
  let failure: { error: unknown } | undefined;
  for (const outcome of await Promise.all(settled)) {
    if ("lost" in outcome) {
      all.delete(outcome.worker);
      void outcome.worker.terminate();
    } else idle.push(outcome.worker);
    if (outcome.report !== undefined && "error" in outcome.report) failure ??= outcome.report;
  }
  clearTimeout(timer);
  if (failure !== undefined) throw failure.error;
}
