// How many bytes of JS heap this thread uses, measured the cheapest way each runtime allows.
import { getHeapStatistics } from "node:v8";
import process from "node:process";
import { HOST_RUNTIME } from "@spindle/core";

/**
 * The heap in use on this thread, in bytes: V8's `used_heap_size` on Node and Deno (about 1 µs
 * and 4 µs a call, measured; `process.memoryUsage()` costs about 40 µs there, as it reads the
 * RSS too), and `process.memoryUsage().heapUsed` on Bun, whose `getHeapStatistics` did not follow
 * a worker's own allocations (measured: 0.9 MB reported after 100 MB allocated).
 *
 * @example
 * ```ts
 * import { heapUsed } from "./heap-used.ts";
 * console.log(heapUsed() > 0); // true
 * ```
 */
export function heapUsed(): number {
  return HOST_RUNTIME === "Bun" ? process.memoryUsage().heapUsed : getHeapStatistics().used_heap_size;
}
