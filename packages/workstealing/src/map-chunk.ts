// What a worker runs for one chunk of `runtime.map`: the job applied to each item in order.
import { type Coroutine, type Future, isCoroutine, isFuture } from "@spindle/core";

/**
 * Calls `job` on each of `items` in order and returns the results in an array; a job that
 * returns a future or a coroutine makes the chunk a coroutine, which waits on each such output
 * in turn (items stay in order, one at a time: the chunk is the unit of parallelism). An item
 * that throws fails the chunk with that error, as a single job would; the items after it do not
 * run.
 */
export function runChunk(job: (item: unknown) => unknown, items: ArrayLike<unknown>): unknown {
  const results = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const output = job(items[i]);
    if (isCoroutine(output) || isFuture(output)) return finishChunk(job, items, results, i, output);
    results[i] = output;
  }
  return packedNumbers(results, 0, results.length) ?? results;
}

/**
 * `values[from, to)` as a Float64Array when every one is a number, else null. A map's chunks
 * and their results cross threads this way when they can: the codec copies a typed array's
 * bytes at once, where an array of numbers costs a tag and a read per item each way (measured on
 * 1,000,000 numbers in chunks of 10,000, Node 24: the decoding was most of the map's time). A
 * float64 holds every number exactly (-0 and NaN included), and a chunk of numbers is only ever
 * read item by item, so the job sees the same values.
 */
export function packedNumbers(values: readonly unknown[], from: number, to: number): Float64Array | null {
  if (from === to || typeof values[from] !== "number") return null;
  const packed = new Float64Array(to - from);
  for (let i = from; i < to; i++) {
    const value = values[i];
    if (typeof value !== "number") return null;
    packed[i - from] = value;
  }
  return packed;
}

function* finishChunk(
  job: (item: unknown) => unknown,
  items: ArrayLike<unknown>,
  results: unknown[],
  first: number,
  output: Coroutine<unknown> | Future<unknown>,
): Coroutine<unknown[] | Float64Array> {
  results[first] = yield* output;
  for (let i = first + 1; i < items.length; i++) {
    const next = job(items[i]);
    results[i] = isCoroutine(next) || isFuture(next) ? yield* next : next;
  }
  return packedNumbers(results, 0, results.length) ?? results;
}
