import type { Coroutine } from "@spindle/core";

/** Whether `value` is a generator object (a coroutine a job returned), not just any iterable. */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return typeof value === "object" && value !== null && typeof (value as Generator).next === "function" &&
    typeof (value as Generator).throw === "function" && typeof (value as Generator)[Symbol.iterator] === "function";
}
