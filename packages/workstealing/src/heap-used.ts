// How many bytes of JS heap this thread uses, measured the cheapest way each runtime allows.
import { getHeapStatistics } from "node:v8";
import process from "node:process";
import { HOST_RUNTIME } from "@spindle/core";

/**
 * The heap in use on this thread, in bytes: V8's `used_heap_size` on Node and Deno (about 1 µs
 * and 4 µs a call, measured; `process.memoryUsage()` costs about 40 µs there, as it reads the
 * RSS too). On Bun (1.4.5, all measured), from `process.memoryUsage()`: its `heapUsed` adds the
 * buffers it has been told of (`external`, once created on the thread or noticed later): in a
 * worker of this runtime it read 1,075,948,424 bytes before any job, the runtime's 1 GiB shared
 * heap, against 1,074,569,020 of `external`, so a `maxMemoryBeforeRecycle` below 1 GiB replaced
 * the thread after every job. `heapUsed` less `external` is the heap without them, short by the
 * buffers `heapUsed` does not hold yet (it can go below 0: 1.6 MB against 1 GiB in a bare worker
 * given a 1 GiB SharedArrayBuffer), and it moves only at a collection (one 8 MB array kept per job
 * left it unchanged over 12 jobs); `heapTotal` follows small objects at once (6 to 33 MB over 22
 * MB of 1 KiB arrays) but not large arrays. The figure is the larger of the two, which never counts
 * a buffer. (Bun's `getHeapStatistics` did not follow a worker's own allocations: 0.9 MB reported
 * after 100 MB allocated.)
 *
 * @example
 * ```ts
 * import { heapUsed } from "./heap-used.ts";
 * console.log(heapUsed() > 0); // true
 * ```
 */
export function heapUsed(): number {
  if (HOST_RUNTIME !== "Bun") return getHeapStatistics().used_heap_size;
  const { heapUsed, heapTotal, external } = process.memoryUsage();
  return Math.max(heapUsed - external, heapTotal);
}
