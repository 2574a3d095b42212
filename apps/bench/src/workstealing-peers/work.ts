// The work every contender of workstealing.bench.ts runs, in one module so that Spindle's job
// module, the pools' task files and the bare threads all run the same functions: a tiny `add`, a
// calibrated busy loop, and the sequential Fibonacci that fork/join falls back to below its cut-off.
//
// Defined once at module top level (RUNTIME-FACTS: a function created per call is slow on V8).

/** The tiny task. */
export function add(a: number, b: number): number {
  return a + b;
}

/**
 * The busy loop: `iters` rounds of xorshift32, so no engine can fold the loop away. The main
 * thread calibrates `iters` for 50 µs once (workstealing.bench.ts) and hands the count to every
 * contender, so all of them do identical work.
 */
export function spin(iters: number): number {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

/**
 * What a 50 µs (or 20 ms) task runs in every contender: `spin(iters)` timed with
 * `performance.now()`, and the V8 tier of `spin`'s own code sampled every 16th call in this
 * thread. Returns both in one number (a task's result crosses threads as one value everywhere):
 * `round(ns of the spin) * 8 + tier code` (see `TIER_NAMES`); decode with `decodeSpin`.
 */
export function spinTask(iters: number): number {
  const t0 = performance.now();
  spin(iters);
  const ns = Math.round((performance.now() - t0) * 1e6);
  if ((++spinCalls & 15) === 0) lastTier = tierCode(spin);
  return ns * 8 + lastTier;
}

let spinCalls = 0;
let lastTier = 0;

/** Tier codes: what `spinTask` packs into its result. */
export const TIER_NAMES: readonly string[] = [
  "not sampled",
  "Ignition",
  "Sparkplug",
  "Maglev",
  "TurboFan",
  "no code of its own",
];

/** A `spinTask` result as its parts. */
export function decodeSpin(result: number): { ns: number; tier: number } {
  const tier = result % 8;
  return { ns: (result - tier) / 8, tier };
}

/**
 * The V8 tier of `fn`'s own code as a code of `TIER_NAMES` (0 where natives syntax is off, or on
 * JavaScriptCore). V8's `%ActiveTierIs*` helpers, as in core-executor.bench.ts; V8 flags are
 * per process, so `--allow-natives-syntax` given to the main thread holds in workers too.
 */
const tierCode: (fn: unknown) => number = (() => {
  if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") return () => 0;
  try {
    return new Function(
      "fn",
      `if (typeof fn !== "function") return 0;
       if (%ActiveTierIsTurbofan(fn)) return 4;
       if (%ActiveTierIsMaglev(fn)) return 3;
       if (%ActiveTierIsSparkplug(fn)) return 2;
       if (%ActiveTierIsIgnition(fn)) return 1;
       return 5;`,
    ) as (fn: unknown) => number;
  } catch {
    return () => 0;
  }
})();

/** The tier code of `spin` in this thread now (for the main thread's calibration report). */
export function spinTier(): number {
  return tierCode(spin);
}

/** Fibonacci, plain recursion: fork/join's leaves and the single-thread reference. */
export function fibSequential(n: number): number {
  return n < 2 ? n : fibSequential(n - 1) + fibSequential(n - 2);
}

/**
 * The leaves of the fork/join `fib(n, cutoff)` tree (the `n` at or below the cut-off where its
 * recursion stops), in a fixed order: the bare threads' share of benchmark 4 is exactly this work.
 */
export function fibLeaves(n: number, cutoff: number, into: number[] = []): number[] {
  if (n <= cutoff) into.push(n);
  else {
    fibLeaves(n - 1, cutoff, into);
    fibLeaves(n - 2, cutoff, into);
  }
  return into;
}
