import { type Coroutine, fromPromise, type Future, isCoroutine, isFuture } from "@spindle/core";

/**
 * What a job's function returned, as work to drive: a coroutine or a future as it is, a promise
 * (any thenable: what an `async function` job returns, piscina's usual handler) as core's
 * `fromPromise` of it; `null` when it is the job's value. A value that cannot be read (a revoked
 * Proxy, on which these checks throw) is a value: the job settles with it and the encoder's refusal
 * becomes the job's described failure, where the check's throw killed the worker and lost the
 * job's reason.
 */
export function jobWork(output: unknown): Coroutine<unknown> | Future<unknown> | null {
  if (output === null || (typeof output !== "object" && typeof output !== "function")) return null;
  try {
    if (isCoroutine(output) || isFuture(output)) return output;
    if (typeof (output as { then?: unknown }).then === "function") return fromPromise(output as PromiseLike<unknown>);
  } catch {
    // Cannot be read: a value.
  }
  return null;
}
