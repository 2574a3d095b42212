// What a worker runs for one chunk of `runtime.map`: the job applied to each item in order.
import { type Coroutine, type Future, isCoroutine, isFuture } from "@spindle/core";

/**
 * Calls `job` on each of `items` in order and returns the results in an array; a job that
 * returns a future or a coroutine makes the chunk a coroutine, which waits on each such output
 * in turn (items stay in order, one at a time: the chunk is the unit of parallelism). An item
 * that throws fails the chunk with that error, as a single job would; the items after it do not
 * run.
 */
export function runChunk(job: (item: unknown) => unknown, items: readonly unknown[]): unknown {
  const results = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const output = job(items[i]);
    if (isCoroutine(output) || isFuture(output)) return finishChunk(job, items, results, i, output);
    results[i] = output;
  }
  return results;
}

function* finishChunk(
  job: (item: unknown) => unknown,
  items: readonly unknown[],
  results: unknown[],
  first: number,
  output: Coroutine<unknown> | Future<unknown>,
): Coroutine<unknown[]> {
  results[first] = yield* output;
  for (let i = first + 1; i < items.length; i++) {
    const next = job(items[i]);
    results[i] = isCoroutine(next) || isFuture(next) ? yield* next : next;
  }
  return results;
}
