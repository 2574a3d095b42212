// What a worker runs for one chunk of `runtime.map`: the job applied to each item in order.
import type { Coroutine, Future } from "@spindle/core";
import { jobWork } from "./job-work.ts";

/**
 * This worker's buffer for the results of a synchronous chunk whose items are not numbers but
 * whose results are (see `runChunk`), grown to the largest chunk seen, up to
 * {@linkcode MAX_REUSED_RESULTS}, and reused for every chunk after.
 */
let resultScratch = new Float64Array(0);
/** The most results the reused buffer holds (512 KiB kept per worker); a larger chunk gets a buffer of its own. */
const MAX_REUSED_RESULTS = 1 << 16;

/**
 * Calls `job` on each of `items` in order and returns the results: in a Float64Array when all are
 * numbers (see `packedNumbers`), else in an array. A job that returns a future or a coroutine
 * makes the chunk a coroutine, which waits on each such output in turn (items stay in order, one
 * at a time: the chunk is the unit of parallelism). An item that throws fails the chunk with that
 * error, as a single job would; the items after it do not run.
 *
 * The numbers of a synchronous chunk are written straight into memory that needs no copy:
 * - items that are a Float64Array (a chunk of numbers: its record's payload, lent, which only
 *   this worker reads while it runs the chunk) get each result in place of its item, read just
 *   before, and that same array is returned: the payload then is the result's message already
 *   (`Harness.start` publishes it as it is; the items after a result that is not a number are
 *   still there for the rest of the chunk);
 * - other items, into a buffer this worker reuses, valid only until the next chunk runs on this
 *   worker, which is enough, since the harness encodes a synchronous job's output (a copy into
 *   the shared heap) before it runs anything else. Fresh memory per chunk is what the map's copies
 *   cost (page faults; measured on Bun, where reusing this buffer and the runtime thread's
 *   packing buffer took a map of 1,000,000 numbers to 0.6x its time).
 */
export function runChunk(job: (item: unknown) => unknown, items: ArrayLike<unknown>): unknown {
  const length = items.length;
  let packed: Float64Array;
  if (items instanceof Float64Array) {
    packed = items;
  } else if (length > MAX_REUSED_RESULTS) {
    packed = new Float64Array(length);
  } else {
    if (resultScratch.length < length) resultScratch = new Float64Array(length);
    packed = resultScratch.length === length ? resultScratch : resultScratch.subarray(0, length);
  }
  for (let i = 0; i < length; i++) {
    const output = job(items[i]);
    if (typeof output === "number") {
      packed[i] = output;
      continue;
    }
    // Not a number: the results so far (numbers, kept exactly) go on in an array.
    const results = new Array<unknown>(length);
    for (let k = 0; k < i; k++) results[k] = packed[k];
    return goOnInArray(job, items, results, i, output);
  }
  return packed;
}

/**
 * The rest of a chunk from item `at`, whose `output` is not a number, in `results`: synchronous
 * while the outputs are plain values, a coroutine (`finishChunk`) from the first future, promise or
 * coroutine on. The array holds a value that is not a number, so it is returned as it is.
 */
function goOnInArray(
  job: (item: unknown) => unknown,
  items: ArrayLike<unknown>,
  results: unknown[],
  at: number,
  output: unknown,
): unknown {
  for (;;) {
    const work = jobWork(output);
    if (work !== null) return finishChunk(job, items, results, at, work);
    results[at] = output;
    if (++at === items.length) return results;
    output = job(items[at]);
  }
}

/**
 * `values[from, to)` as a Float64Array when every one is a number, else null. A map's chunks
 * and their results cross threads this way when they can: the codec copies a typed array's
 * bytes at once, where an array of numbers costs a tag and a read per item each way (measured on
 * 1,000,000 numbers in chunks of 10,000, Node 24: the decoding was most of the map's time). A
 * float64 holds every number exactly (-0 and NaN included), and a chunk of numbers is only ever
 * read item by item, so the job sees the same values.
 */
function packedNumbers(values: readonly unknown[], from: number, to: number): Float64Array | null {
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
    const work = jobWork(next);
    results[i] = work !== null ? yield* work : next;
  }
  return packedNumbers(results, 0, results.length) ?? results;
}
