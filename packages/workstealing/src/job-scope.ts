// Structured child jobs inside a job: `join(a, b)` for two, `scope` for any number, both ending
// only when every child they own has ended. (A small scope on the job context's fork/join;
// `@spindle/core`'s TaskScope was not available when this was written.)
import { checkInstance, type Coroutine, describe, SpindleError, unreadableError } from "@spindle/core";
import { isJobHandleTaken, JobHandle } from "./job-handle.ts";
import type { JobOutput, Jobs, JobSet } from "./job-set.ts";

/**
 * Joins two child jobs (rayon's `join`): `yield* join(jobs.spawn(...), jobs.spawn(...))` gives
 * both results as a pair. The children run in parallel (idle workers steal them; a child no
 * worker took yet runs in place in the joiner). When one fails, the other is aborted and waited
 * for, and the join throws the first error; when the joining job is itself aborted, both
 * children are aborted and waited for before the cancellation goes on. Either way no child
 * outlives the join.
 *
 * @example
 * ```ts ignore
 * // in a job module
 * import { type Coroutine, defineJobs, join } from "@spindle/workstealing";
 * const jobs = defineJobs({
 *   *fib(n: number): Coroutine<number> {
 *     if (n < 20) return fibSequential(n);
 *     const [a, b] = yield* join(jobs.spawn("fib", n - 1), jobs.spawn("fib", n - 2));
 *     return a + b;
 *   },
 * });
 * ```
 */
export function join<A, B>(first: JobHandle<A>, second: JobHandle<B>): Coroutine<[A, B]> {
  // Checked at the call, not at the coroutine's first step (a generator function's body runs then).
  for (const handle of [first, second]) {
    checkInstance(handle, JobHandle, "join() takes two job handles (jobs.spawn(...))");
  }
  return joinBoth(first, second);
}

function* joinBoth<A, B>(first: JobHandle<A>, second: JobHandle<B>): Coroutine<[A, B]> {
  let a: A;
  try {
    a = yield* first;
  } catch (error) {
    yield* endAll([first, second]);
    throw error;
  }
  let b: B;
  try {
    b = yield* second;
  } catch (error) {
    yield* endAll([second]);
    throw error;
  }
  return [a, b];
}

/**
 * The children of one {@linkcode scope}: spawn them with {@linkcode JobScope.spawn} (typed from
 * the job set), join any of them with `yield*` inside the scope.
 */
export class JobScope<J extends Jobs = Jobs> {
  readonly #set: JobSet<J>;
  readonly #children: JobHandle<unknown>[] = [];

  /** Use {@linkcode scope}. Anything but a job set is `INVALID_ARGUMENT` naming it. */
  constructor(set: JobSet<J>) {
    const needs = "scope() takes the job set (jobs) first";
    let spawn: unknown;
    try {
      spawn = (set as { spawn?: unknown } | null)?.spawn;
    } catch (cause) {
      throw unreadableError(set, needs, cause);
    }
    if (typeof spawn !== "function") throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(set)}`);
    this.#set = set;
  }

  /** Spawns child job `name` (as `jobs.spawn`), owned by this scope. */
  spawn<K extends keyof J & string>(name: K, ...args: Parameters<J[K]>): JobHandle<JobOutput<J[K]>> {
    const handle = this.#set.spawn(name, ...args);
    this.#children.push(handle as JobHandle<unknown>);
    return handle;
  }

  /** The children spawned so far. */
  get children(): readonly JobHandle<unknown>[] {
    return this.#children;
  }
}

/**
 * Runs `body` with a {@linkcode JobScope} whose children all end before the scope does (rayon's
 * `scope`, structured concurrency): inside a job, `yield* scope(jobs, function* (s) { ... })`.
 *
 * - `body` returns: the children it did not join are joined in spawn order; the first of them to
 *   fail aborts the others (and waits for them), and the scope throws its error. Otherwise the
 *   scope returns what `body` returned.
 * - `body` throws, or the job is aborted while inside the scope: every child not yet joined is
 *   aborted (queued ones never run; running ones stop at their next suspension point, or by
 *   their worker's termination after `abortGraceMs`) and waited for; then the error goes on.
 *
 * A child whose handle was detached is no longer the scope's.
 *
 * @example
 * ```ts ignore
 * // in a job module
 * import { type Coroutine, defineJobs, scope } from "@spindle/workstealing";
 * const jobs = defineJobs({
 *   square(n: number): number {
 *     return n * n;
 *   },
 *   *sumOfSquares(n: number): Coroutine<number> {
 *     return yield* scope(jobs, function* (s) {
 *       const handles = Array.from({ length: n }, (_, i) => s.spawn("square", i));
 *       let total = 0;
 *       for (const handle of handles) total += yield* handle;
 *       return total;
 *     });
 *   },
 * });
 * ```
 */
export function scope<J extends Jobs, T>(
  set: JobSet<J>,
  body: (scope: JobScope<J>) => Coroutine<T>,
): Coroutine<T> {
  // Checked at the call, as `join`'s handles.
  const owned = new JobScope(set);
  if (typeof body !== "function") {
    throw new SpindleError("INVALID_ARGUMENT", `scope() takes a generator function as its body, got ${describe(body)}`);
  }
  return runScope(owned, body);
}

function* runScope<J extends Jobs, T>(owned: JobScope<J>, body: (scope: JobScope<J>) => Coroutine<T>): Coroutine<T> {
  let value: T;
  try {
    value = yield* body(owned);
  } catch (error) {
    yield* endAll(owned.children);
    throw error;
  }
  const children = owned.children;
  for (let i = 0; i < children.length; i++) {
    const child = children[i] as JobHandle<unknown>;
    if (isJobHandleTaken(child)) continue;
    try {
      yield* child;
    } catch (error) {
      yield* endAll(children.slice(i + 1));
      throw error;
    }
  }
  return value;
}

/** Aborts every handle that can still be joined and waits for each to settle, ignoring outcomes. */
function* endAll(handles: readonly JobHandle<unknown>[]): Coroutine<void> {
  for (const handle of handles) {
    if (!isJobHandleTaken(handle)) handle.abort();
  }
  for (const handle of handles) {
    if (isJobHandleTaken(handle)) continue;
    try {
      yield* handle;
    } catch {
      // ended: its outcome is not the scope's error
    }
  }
}
