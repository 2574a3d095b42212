import { type Coroutine, type Future, isCoroutine, isFuture } from "@spindle/core";

/**
 * Whether what a job's function returned is work to drive (a coroutine or a future) rather than
 * the job's value. A value that cannot be read (a revoked Proxy, on which core's checks throw) is a
 * value: the job settles with it and the encoder's refusal becomes the job's described failure,
 * where the check's throw killed the worker and lost the job's reason.
 */
export function isJobWork(output: unknown): output is Coroutine<unknown> | Future<unknown> {
  try {
    return isCoroutine(output) || isFuture(output);
  } catch {
    return false;
  }
}
