/**
 * Test worker for shared-heap.test.ts: allocates and frees records and payload blocks of random
 * sizes from a heap shared with other threads, marks the first and last byte of each block it holds
 * with its own tag (few writes, so that the threads spend their time in the heap's lock) and checks
 * the marks when it frees the block (another thread handed the same bytes would overwrite them),
 * then posts the blocks it still holds and how many marks were found broken.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { random } from "@spindle/test-support";
import { BLOCK_BYTES, SharedHeap } from "../shared-heap.ts";

/** What the test posts for one run. */
export interface HeapRun {
  readonly buffer: SharedArrayBuffer;
  /** Distinct per thread, never 0. */
  readonly tag: number;
  readonly steps: number;
  readonly seed: number;
}

/** A block a thread holds: its byte offset and the length it was allocated for. */
export interface Held {
  readonly offset: number;
  readonly length: number;
}

/** What a worker posts back. */
export interface HeapReport {
  readonly held: Held[];
  readonly broken: number;
}

function runOnce(run: HeapRun): HeapReport {
  const heap = new SharedHeap(run.buffer);
  const next = random(run.seed);
  const held: Held[] = [];
  let broken = 0;
  const intact = (block: Held): boolean =>
    heap.bytes[block.offset] === run.tag && heap.bytes[block.offset + block.length - 1] === run.tag;
  for (let step = 0; step < run.steps; step++) {
    if (held.length > 0 && next() < 0.45) {
      const block = held.splice(Math.floor(next() * held.length), 1)[0]!;
      if (!intact(block)) broken++;
      if (block.length === BLOCK_BYTES && next() < 0.5) heap.freeRecord(block.offset >>> 2);
      else heap.free(block.offset, block.length);
    } else {
      const block = next() < 0.5
        ? { offset: heap.allocRecord() << 2, length: BLOCK_BYTES }
        : { offset: 0, length: 1 + Math.floor(next() * 3000) };
      const placed = block.offset === 0 ? { ...block, offset: heap.alloc(block.length) } : block;
      heap.bytes[placed.offset] = run.tag;
      heap.bytes[placed.offset + placed.length - 1] = run.tag;
      held.push(placed);
    }
  }
  for (const block of held) if (!intact(block)) broken++;
  return { held, broken };
}

if (!isMainThread) {
  parentPort!.on("message", (run: HeapRun) => parentPort!.postMessage(runOnce(run)));
  parentPort!.postMessage("ready");
}
