// A bare node:worker_threads thread of workstealing-map.bench.ts: maps the chunks it is sent, or
// sums its share of the Float64Array over a SharedArrayBuffer that it got once, as workerData (as
// Spindle's `sumShared` job does; sending the array with every message cost Deno seconds per
// message).
import { parentPort, workerData } from "node:worker_threads";
import { mapChunk, sumRange } from "./work.ts";

const { values } = workerData as { values: Float64Array };
parentPort!.on("message", (message: { chunks?: number[][]; from?: number; to?: number }) => {
  if (message.chunks !== undefined) parentPort!.postMessage(message.chunks.map(mapChunk));
  else parentPort!.postMessage(sumRange(values, message.from!, message.to!));
});
