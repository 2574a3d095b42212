// A bare node:worker_threads thread of workstealing-map.bench.ts: maps the chunks it is sent, or
// sums its share of a Float64Array over a SharedArrayBuffer.
import { parentPort } from "node:worker_threads";
import { mapChunk, sumRange } from "./work.ts";

parentPort!.on("message", (message: { chunks?: number[][]; shared?: Float64Array; from?: number; to?: number }) => {
  if (message.chunks !== undefined) parentPort!.postMessage(message.chunks.map(mapChunk));
  else parentPort!.postMessage(sumRange(message.shared!, message.from!, message.to!));
});
