// The Effect 4 workloads of core-executor.bench.ts, in a module of their own so that the benchmark
// loads Effect only when they are selected (see the note there on pretenuring).
//
// Same shape as the Spindle and native versions: per batch, an `Effect.gen` parent forks BATCH
// children with `Effect.forkChild` and joins them with `Fiber.joinAll`; the whole run is one
// `Effect.runPromise`. Children: `Effect.succeed(1)` (the cheapest Effect there is, so the
// Spindle / Effect ratio is conservative), or an `Effect.callback` whose resume function the parent
// calls once every child of the batch has suspended (as the Spindle parent wakes the stored wakers).
import { Effect, Fiber } from "effect";
import type { Workload } from "./workload.ts";

const effectTrivial: Effect.Effect<number> = Effect.succeed(1);
const forkEffectTrivial = Effect.forkChild(effectTrivial);

function effectTrivialParent(tasks: number, batch: number): Effect.Effect<number> {
  return Effect.gen(function* () {
    let sum = 0;
    for (let started = 0; started < tasks; started += batch) {
      const fibers: Fiber.Fiber<number>[] = new Array(batch);
      for (let i = 0; i < batch; i++) fibers[i] = yield* forkEffectTrivial;
      const outputs = yield* Fiber.joinAll(fibers);
      for (let i = 0; i < outputs.length; i++) sum += outputs[i] as number;
    }
    return sum;
  });
}

// The resume functions of the children of the current batch (one batch runs at a time).
let effectWaiters: ((effect: Effect.Effect<number>) => void)[] = [];
const effectSuspendOnce: Effect.Effect<number> = Effect.callback<number>((resume) => {
  effectWaiters.push(resume);
});
const forkEffectSuspendOnce = Effect.forkChild(effectSuspendOnce);

function effectSuspendParent(tasks: number, batch: number): Effect.Effect<number> {
  return Effect.gen(function* () {
    let sum = 0;
    for (let started = 0; started < tasks; started += batch) {
      effectWaiters = [];
      const fibers: Fiber.Fiber<number>[] = new Array(batch);
      for (let i = 0; i < batch; i++) fibers[i] = yield* forkEffectSuspendOnce;
      // Forked fibers start on the scheduler's next turn: let them all reach the callback.
      for (let turns = 0; effectWaiters.length < batch; turns++) {
        if (turns === 1000) throw new Error(`effect: ${effectWaiters.length} of ${batch} fibers suspended`);
        yield* Effect.yieldNow;
      }
      const waiters = effectWaiters;
      effectWaiters = [];
      for (let i = 0; i < waiters.length; i++) (waiters[i] as (effect: Effect.Effect<number>) => void)(effectTrivial);
      const outputs = yield* Fiber.joinAll(fibers);
      for (let i = 0; i < outputs.length; i++) sum += outputs[i] as number;
    }
    return sum;
  });
}

/** The Effect workloads, running `tasks` tasks in batches of `batch`. */
export function effectWorkloads(tasks: number, batch: number): Workload[] {
  return [
    {
      id: "effect-trivial",
      library: "effect",
      shape: "trivial",
      run: () => Effect.runPromise(effectTrivialParent(tasks, batch)),
    },
    {
      id: "effect-suspend-once",
      library: "effect",
      shape: "suspend-once",
      run: () => Effect.runPromise(effectSuspendParent(tasks, batch)),
    },
  ];
}
