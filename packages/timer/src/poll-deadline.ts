import { type Context, type Future, type Poll, pollUnconstrained, usedBudgetUp } from "@spindle/core";

/**
 * Polls `deadline`, a sleep that a combinator checks after polling its work in the same poll
 * (`timeout`, `timeoutEach`, `chunksTimeout`, `debounce`). When that work used the task's
 * cooperative budget up in this poll (`budgetBefore`, read before the work was polled, had units;
 * none are left now), the sleep gets one unconstrained poll, as tokio's `Timeout` gives its delay:
 * otherwise work that only ever completes operations at once (a lock nobody else wants, a channel
 * that is never empty) takes every unit of every poll, the sleep is refused each time, and the
 * deadline never fires. A sleep is a bounded check, so the lifted budget cannot hold the thread.
 */
export function pollDeadline(deadline: Future<void>, cx: Context, budgetBefore: number): Poll<void> {
  return usedBudgetUp(budgetBefore) ? pollUnconstrained(deadline, cx) : deadline.poll(cx);
}
