// Spindle's job module in workstealing-map.bench.ts (each run starts a runtime of its own over it).
import { defineJobs, type JobSet, type SharedBuffer } from "@spindle/workstealing";
import { mapItem, sumRange } from "./work.ts";

const jobs: JobSet<{
  mapItem: (x: number) => number;
  sum: (values: Float64Array) => number;
  sumShared: (from: number, to: number) => number;
  sumBuffer: (buffer: SharedBuffer, from: number, to: number) => number;
  sumMoved: (buffer: SharedBuffer) => number;
}> = defineJobs({
  mapItem,
  sum(values: Float64Array): number {
    return sumRange(values, 0, values.length);
  },
  // Over a buffer from runtime.alloc, in place.
  sumBuffer(buffer: SharedBuffer, from: number, to: number): number {
    return sumRange(buffer.array(Float64Array), from, to);
  },
  // Over a buffer passed with move(): copied once into the shared heap, this job's to release.
  sumMoved(buffer: SharedBuffer): number {
    const values = buffer.array(Float64Array);
    const total = sumRange(values, 0, values.length);
    buffer.release();
    return total;
  },
  // Over the Float64Array in the runtime's workerData (a SharedArrayBuffer): no copy at all.
  sumShared(from: number, to: number): number {
    return sumRange((jobs.workerData as { values: Float64Array }).values, from, to);
  },
});
export default jobs;
