// The work of workstealing-map.bench.ts, shared by every contender: a tiny per-item function, and
// the sum of a slice of a Float64Array.

/** One item of the map benchmark (a few arithmetic operations). */
export function mapItem(x: number): number {
  return (x * 3 + 1) % 1_000_003;
}

/** The map over a chunk, for the pools and the bare threads (Spindle calls `mapItem` per item). */
export function mapChunk(items: readonly number[]): number[] {
  const out = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = mapItem(items[i] as number);
  return out;
}

/** The sum of `values[from, to)`. */
export function sumRange(values: Float64Array, from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += values[i] as number;
  return total;
}
