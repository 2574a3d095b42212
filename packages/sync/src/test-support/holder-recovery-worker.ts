// A worker for holder-table.test.ts: waits at a start line shared with its sibling, then recovers
// the same dead thread's entry in every table of the buffer, and reports what it got back.
import { parentPort, workerData } from "node:worker_threads";
import { HolderTable } from "../holder-table.ts";

export interface RecoveryData {
  readonly buffer: SharedArrayBuffer;
  readonly tables: number;
  readonly fields: number;
  readonly deadThreadId: number;
  /** Word 0 of the buffer: each worker adds 1 and spins until both have. */
  readonly startLine: number;
}

const data = workerData as RecoveryData;
const words = new Int32Array(data.buffer);
const stride = HolderTable.words(data.fields);
Atomics.add(words, data.startLine, 1);
while (Atomics.load(words, data.startLine) < 2) {
  // spin: both workers start recovering at the same moment
}
const got: number[] = [];
for (let t = 0; t < data.tables; t++) {
  const held = new HolderTable(words, 1 + t * stride, data.fields).takeDead(data.deadThreadId);
  for (let f = 1; f <= data.fields; f++) got.push(held === null ? 0 : held[f]!);
}
parentPort!.postMessage(got);
