// piscina's task file in workstealing-map.bench.ts.
import { mapChunk, sumRange } from "./work.ts";

/** A chunk of the map. */
export function map(items: number[]): number[] {
  return mapChunk(items);
}

/** The sum of a transferred buffer (moved, not copied, both ways). */
export function sum(buffer: ArrayBuffer): number {
  const values = new Float64Array(buffer);
  return sumRange(values, 0, values.length);
}

export default map;
