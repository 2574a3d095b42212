// `runtime.map`: a list of items cut into chunks, each chunk one job, the results in order.
import { cancelIfQueued, type JobHandle } from "./job-handle.ts";

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
 * Spawns one chunk job per `chunkSize` items (with `spawnChunk`) and resolves with the chunks'
 * results concatenated, in the items' order. The first chunk to fail rejects the map with its
 * error (as `Promise.all` would), once every other chunk has settled: those still queued are
 * removed (they never run), those already running finish and their results are dropped (a
 * synchronous chunk cannot stop early, and aborting it would cost its worker). A spawn that
 * throws (an item that cannot cross threads, a shutdown, a full queue with `whenFull: "reject"`)
 * removes the chunks spawned before it the same way and rejects with that error.
 */
export async function mapInChunks<R>(
  items: readonly unknown[],
  chunkSize: number,
  spawnChunk: (chunk: unknown[]) => JobHandle<unknown>,
): Promise<R[]> {
  const handles: JobHandle<unknown>[] = [];
  try {
    for (let start = 0; start < items.length; start += chunkSize) {
      handles.push(spawnChunk(items.slice(start, start + chunkSize)));
    }
  } catch (error) {
    await dropAll(handles);
    throw error;
  }
  const results = new Array<unknown>(handles.length);
  let failure: { readonly error: unknown } | null = null;
  await Promise.all(handles.map((handle, i) =>
    handle.then(
      (value) => {
        results[i] = value;
      },
      (error: unknown) => {
        if (failure !== null) return;
        failure = { error };
        for (const other of handles) cancelIfQueued(other);
      },
    )
  ));
  if (failure !== null) throw (failure as { readonly error: unknown }).error;
  return (results as R[][]).flat(1) as R[];
}

/** Removes the queued chunks and waits for the running ones to settle. */
async function dropAll(handles: readonly JobHandle<unknown>[]): Promise<void> {
  for (const handle of handles) cancelIfQueued(handle);
  await Promise.allSettled(handles);
}
