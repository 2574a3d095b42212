// `runtime.map`: a list of items cut into chunks, each chunk one job, the results in order.
import { caughtInstanceOf, HOST_RUNTIME } from "@spindle/core";
import { UncloneableValueError } from "@spindle/codec";
import { cancelIfQueued, consumeResultLent, type JobHandle } from "./job-handle.ts";

/** Options of {@linkcode Runtime.map}. */
export interface MapOptions {
  /**
   * Items per chunk: each chunk is one job, which calls the job on its items in order. Default:
   * the items divided by four times the workers (rounded up), so that every worker gets a few
   * chunks and stealing evens out uneven ones. From 1 to 2^31 - 1.
   */
  readonly chunkSize?: number;
  /** Aborts every chunk when it fires, as `spawnWith({ signal })` aborts a job; the map rejects with {@linkcode JobAbortedError}. */
  readonly signal?: AbortSignal;
  /** A deadline, in ms from the call, for every chunk; the map rejects with {@linkcode JobTimeoutError}. */
  readonly timeout?: number;
}

/**
 * Spawns one chunk job per `chunkSize` items and resolves with the chunks' results concatenated,
 * in the items' order. A chunk of numbers only goes with `spawnNumbers`, as a Float64Array written
 * straight into the shared heap (null when one item is not a number), any other with
 * `spawnChunk`, as an array; a chunk's results come back as an array, or as a Float64Array when
 * all are numbers. The first chunk to fail rejects the map with its
 * error (as `Promise.all` would), once every other chunk has settled: those still queued are
 * removed (they never run), those already running finish and their results are dropped (a
 * synchronous chunk cannot stop early, and aborting it would cost its worker). A spawn that
 * throws (an item that cannot cross threads, a shutdown, a full queue with `whenFull: "reject"`)
 * removes the chunks spawned before it the same way and rejects with that error.
 */
export async function mapInChunks<R>(
  items: readonly unknown[],
  chunkSize: number,
  spawnNumbers: (start: number, end: number) => JobHandle<unknown> | null,
  spawnChunk: (chunk: unknown[], start: number) => JobHandle<unknown>,
): Promise<R[]> {
  const handles: JobHandle<unknown>[] = [];
  try {
    for (let start = 0; start < items.length; start += chunkSize) {
      const end = Math.min(items.length, start + chunkSize);
      try {
        // Numbers go straight from `items` into the heap: no packed copy, no encoder (a profile
        // of Bun's main thread put a quarter of a map's samples in those two copies).
        const numbers = typeof items[start] === "number" ? spawnNumbers(start, end) : null;
        handles.push(numbers ?? spawnChunk(items.slice(start, end), start));
      } catch (error) {
        throw inItems(error, start);
      }
    }
  } catch (error) {
    await dropAll(handles);
    throw error;
  }
  // Each chunk's results go straight to their place in `out` as the chunk settles, while the
  // workers still run the others: the main thread's unpacking overlaps their work instead of
  // following it, and `out` is allocated (and its memory touched) when the first result comes,
  // not after the last (Node 24, 1,000,000 numbers: filling a fresh 1,000,000-item array took
  // 24-50 ms at load 3, most of the map's time on the main thread).
  // A chunk's results are taken lent (a chunk of numbers comes back as a Float64Array, a view of
  // the record's bytes in the heap, not a fresh copy per chunk) and copied into `out` before the
  // chunk's record is released.
  let out: R[] | null = null;
  let failure: { readonly error: unknown } | null = null;
  await Promise.all(handles.map((handle, i) => {
    consumeResultLent(handle, (results) => {
      if (failure !== null) return;
      out ??= resultArray<R>(items.length, results instanceof Float64Array);
      putChunk(out, results as ArrayLike<unknown>, i * chunkSize);
    });
    return handle.then(
      undefined,
      (error: unknown) => {
        if (failure !== null) return;
        failure = { error };
        for (const other of handles) cancelIfQueued(other);
      },
    );
  }));
  if (failure !== null) throw (failure as { readonly error: unknown }).error;
  return out ?? [];
}

/**
 * A map's result array: `length` holes, made for numbers when the first chunk's results are
 * (`numbers`). V8 (Node, Deno) gives `new Array(length)` small-integer elements, and the first
 * number read from a chunk's Float64Array turned them into doubles, a second allocation of the
 * whole array; grown from one double instead, it has double elements from the start (Node 24,
 * 1,000,000 numbers written in chunks of 10,000: 26-30 ms against 51-66 ms). JavaScriptCore (Bun)
 * fills `new Array(length)` in 1-2.4 ms and the grown array in 4-19 ms, so Bun keeps the former.
 */
function resultArray<R>(length: number, numbers: boolean): R[] {
  if (!numbers || HOST_RUNTIME === "Bun") return new Array<R>(length);
  const out: unknown[] = [0.5]; // a double: double elements; overwritten by the first chunk
  out.length = length;
  return out as R[];
}

/** Copies a chunk's results (an array, or a Float64Array of numbers) into `out` from `at` on. */
function putChunk<R>(out: R[], results: ArrayLike<unknown>, at: number): void {
  for (let i = 0; i < results.length; i++) out[at + i] = results[i] as R;
}

/**
 * A chunk's spawn error as the map's caller sees it: an `UncloneableValueError` located in the
 * chunk's items (`args[7].name`, item 7 of the chunk that starts at `start`: a chunk's payload is
 * its items) is located in the caller's `items` instead (`items[77].name`); any other error is
 * returned as it is.
 */
function inItems(error: unknown, start: number): unknown {
  if (!caughtInstanceOf(error, UncloneableValueError)) return error; // else as it is: what a getter threw
  if (error.path === "args") return error.at("items");
  return inWholeList(error, start, "args", "items");
}

/**
 * A chunk's result that could not cross, as the map's caller sees it: an `UncloneableValueError`
 * located in the chunk's result (`result[7].callback`, of the chunk that starts at `start`) is
 * located in the map's whole result instead (`result[77].callback`); any other error is returned
 * as it is. On the worker, before the error crosses as the chunk's failure.
 */
export function inMapResult(error: unknown, start: number): unknown {
  return caughtInstanceOf(error, UncloneableValueError) ? inWholeList(error, start, "result", "result") : error;
}

/** `error` located at `${to}[start + k]…` when it is at `${from}[k]…`, else as it is. */
function inWholeList(error: UncloneableValueError, start: number, from: string, to: string): UncloneableValueError {
  const path = error.path;
  const item = /^\[(\d+)\]/.exec(path.startsWith(from) ? path.slice(from.length) : "");
  if (item === null) return error;
  return error.at(`${to}[${start + Number(item[1])}]${path.slice(from.length + item[0].length)}`);
}

/** Removes the queued chunks and waits for the running ones to settle. */
async function dropAll(handles: readonly JobHandle<unknown>[]): Promise<void> {
  for (const handle of handles) cancelIfQueued(handle);
  await Promise.allSettled(handles);
}
