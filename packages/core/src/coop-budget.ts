import type { Context } from "./context.ts";
import { type Future, isFuture } from "./future.ts";
import { checkTypeOf, describe, SpindleError } from "./errors.ts";
import type { Poll } from "./poll.ts";

/**
 * Tokio's cooperative budget: how many operations a task may complete in one poll before the
 * futures it waits on answer `PENDING` (waking it at once), so that it returns to its executor.
 *
 * A coroutine that waits only on futures that are already ready (a send that the runtime takes at
 * once, a queue that is never empty, `ready(x)`) would otherwise never return from its poll, and
 * the executor could neither run other tasks nor give the host its turn. Leaf futures call
 * {@linkcode consumeBudget} before they complete; the executor gives each task poll a fresh
 * budget and reads the clock after a poll that used it up, ending its time slice there.
 *
 * Outside an executor's poll loop (`blockOn`, a future polled by hand) the budget is unlimited.
 * The state is per thread (module state), as one thread polls one task at a time.
 */
const TASK_BUDGET = 128;
/** The budget outside an executor: large enough never to run out between refills. */
const UNCONSTRAINED = 0x3fff_ffff;

/** `left` once a unit was refused: the budget is used up and a leaf answered `PENDING` for it. */
const REFUSED = -1;

let left = UNCONSTRAINED;
let constrained = false;

/**
 * Takes one unit of the running task's budget for an operation about to complete. Returns
 * `false` when the budget is used up: the caller then returns `PENDING` without doing the
 * operation; `cx.waker` is already woken, so the task is polled again after the others (and the
 * host) had their turn.
 *
 * @example
 * ```ts
 * import { blockOn, consumeBudget, Future, PENDING, type Context, type Poll } from "@spindle/core";
 *
 * class AlwaysReady extends Future<number> {
 *   poll(cx: Context): Poll<number> {
 *     if (!consumeBudget(cx)) return PENDING; // a task polled 128 of these: let others run
 *     return 42;
 *   }
 * }
 * console.log(blockOn(new AlwaysReady())); // 42 (blockOn is unconstrained)
 * ```
 */
export function consumeBudget(cx: Context): boolean {
  // `--left > 0` granted 127 of the 128 units (the unit that reached 0 was refused).
  if (left > 0) {
    left--;
    return true;
  }
  if (!constrained) {
    left = UNCONSTRAINED - 1;
    return true;
  }
  left = REFUSED;
  cx.waker.wakeByRef();
  return false;
}

/**
 * Gives back the unit {@linkcode consumeBudget} took when the operation turned out not to be
 * ready (the future waits instead of completing).
 *
 * @example
 * ```ts
 * import { consumeBudget, refundBudget, Context } from "@spindle/core";
 *
 * const cx = Context.noop();
 * if (consumeBudget(cx)) {
 *   const ready = false; // the operation would block
 *   if (!ready) refundBudget();
 * }
 * ```
 */
export function refundBudget(): void {
  left++;
}

/** Starts an executor's poll loop: budgets apply until {@linkcode exitBudget}; returns what to restore. */
export function enterBudget(): number {
  const saved = constrained ? left : -1;
  constrained = true;
  return saved;
}

/** Gives the task about to be polled a fresh budget. */
export function resetBudget(): void {
  left = TASK_BUDGET;
}

/** Whether the task just polled used up its budget (a leaf future answered `PENDING` for it). */
export function budgetExhausted(): boolean {
  return left < 0;
}

/**
 * The units of the running task's budget left now (outside an executor's poll loop, a number too
 * large to run out). A combinator reads it before polling a child, to tell a child that used the
 * budget up in this poll (units before, none after) from one that found it empty, and to give its
 * other child a poll with {@linkcode pollUnconstrained} in the first case.
 *
 * @example
 * ```ts
 * import { budgetLeft } from "@spindle/core";
 * console.log(budgetLeft() > 0); // true: no executor is polling a task here
 * ```
 */
export function budgetLeft(): number {
  return left;
}

/**
 * Whether the child a combinator just polled used the task's budget up in this poll: the budget
 * had units before the child's poll (`budgetBefore`, read with {@linkcode budgetLeft}) and has
 * none now. Such a combinator gives its other child a poll first, or one with
 * {@linkcode pollUnconstrained}, so that a child looping over ready operations cannot starve it
 * (a child that found the budget already empty did no work: that is not this case).
 *
 * @example
 * ```ts
 * import { budgetLeft, Context, ready, usedBudgetUp } from "@spindle/core";
 *
 * const before = budgetLeft();
 * ready(1).poll(Context.noop());
 * console.log(usedBudgetUp(before)); // false: outside an executor the budget never runs out
 * ```
 */
export function usedBudgetUp(budgetBefore: number): boolean {
  if (typeof budgetBefore !== "number") checkTypeOf(budgetBefore, "number", "usedBudgetUp(): budgetBefore");
  return budgetBefore > 0 && left <= 0;
}

/**
 * Polls `future` with the budget lifted for this one poll, then restores the running task's budget
 * as it was (tokio's `coop::with_unconstrained`). For a combinator whose first child used up the
 * task's budget in this poll and whose second child is a bounded check that must not be refused:
 * a `timeout`'s deadline, polled after work that only ever completes operations at once, would
 * otherwise answer `PENDING` in every poll and never fire. Never give it a future that can run
 * without bound (it would hold the thread: nothing makes it yield).
 *
 * @example
 * ```ts
 * import { blockOn, Context, consumeBudget, Future, PENDING, pollUnconstrained, type Poll } from "@spindle/core";
 *
 * class Deadline extends Future<string> {
 *   poll(cx: Context): Poll<string> {
 *     return consumeBudget(cx) ? "fired" : PENDING;
 *   }
 * }
 * console.log(pollUnconstrained(new Deadline(), Context.noop())); // fired
 * ```
 */
export function pollUnconstrained<T>(future: Future<T>, cx: Context): Poll<T> {
  const savedLeft = left;
  const savedConstrained = constrained;
  left = UNCONSTRAINED;
  constrained = false;
  try {
    return future.poll(cx);
  } catch (error) {
    if (!isFuture(future)) {
      throw new SpindleError("NOT_A_FUTURE", `pollUnconstrained() needs a future, got ${describe(future)}`);
    }
    throw error;
  } finally {
    left = savedLeft;
    constrained = savedConstrained;
  }
}

/** Ends an executor's poll loop, restoring the state {@linkcode enterBudget} returned. */
export function exitBudget(saved: number): void {
  if (saved < 0) {
    constrained = false;
    left = UNCONSTRAINED;
  } else {
    left = saved;
  }
}
