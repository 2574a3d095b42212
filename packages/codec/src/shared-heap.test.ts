// The job heap on its own: blocks never overlap, freed blocks are reused before the heap grows,
// growth is visible through every view, a full heap fails with a typed error and keeps working,
// and two threads allocating and freeing at once never get the same block.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HOST_RUNTIME, SpindleError } from "@spindle/core";
import { random, request, within, workerPool } from "@spindle/test-support";
import { BLOCK_BYTES, SharedHeap } from "./shared-heap.ts";
import { SharedBuffer } from "./shared-buffer.ts";
import { decodeValue } from "./value-decoder.ts";
import { ValueEncoder } from "./value-encoder.ts";
import type { HeapReport, HeapRun, Held } from "./test-support/heap-worker.ts";

const MiB = 1 << 20;

/** Fails naming the first two of `blocks` that share a byte. */
function assertDisjoint(blocks: readonly Held[], what: string): void {
  const sorted = [...blocks].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const block = sorted[i]!;
    assert.ok(
      before.offset + before.length <= block.offset,
      `${what}: [${before.offset}, +${before.length}) overlaps [${block.offset}, +${block.length})`,
    );
  }
}

function assertPlaced(heap: SharedHeap, block: Held): void {
  assert.ok(block.offset > 0, `offset ${block.offset} is inside the header`);
  assert.equal(block.offset % BLOCK_BYTES, 0, `offset ${block.offset} is block-aligned`);
  assert.ok(block.offset + block.length <= heap.buffer.byteLength, `[${block.offset}, +${block.length}) fits the heap`);
}

test("records and payload blocks are aligned, inside the heap and never overlap", () => {
  const heap = SharedHeap.create(64 * MiB);
  const rng = random(11);
  const blocks: Held[] = [];
  for (let i = 0; i < 2_000; i++) {
    const block = rng() < 0.5
      ? { offset: heap.allocRecord() << 2, length: BLOCK_BYTES }
      : { length: 1 + Math.floor(rng() * 20_000), offset: 0 };
    const placed = block.offset === 0 ? { ...block, offset: heap.alloc(block.length) } : block;
    assertPlaced(heap, placed);
    blocks.push(placed);
  }
  assertDisjoint(blocks, "live blocks");
});

test("a bad owner, patience or holder check is refused before the heap keeps it for this thread's later heaps", () => {
  const { buffer } = SharedHeap.create(MiB);
  const refused = (e: unknown) =>
    (e instanceof SpindleError && e.code === "INVALID_ARGUMENT") || e instanceof RangeError;
  assert.throws(() => new SharedHeap(buffer, 0), refused);
  assert.throws(() => new SharedHeap(buffer, 5, NaN), refused);
  assert.throws(() => new SharedHeap(buffer, 5, 10, "no" as never), refused);
  const heap = new SharedHeap(buffer); // takes no bad identity from the refused calls
  heap.free(heap.alloc(100), 100);
  assert.equal(heap.lockHolder(), 0);
});

test("a record id is never 0 and the same record is not handed out twice while held", () => {
  const heap = SharedHeap.create(16 * MiB);
  const ids = Array.from({ length: 1_000 }, () => heap.allocRecord());
  assert.ok(ids.every((id) => id > 0));
  assert.equal(new Set(ids).size, ids.length);
});

test("a freed block is reused by the next allocation of its size class, not of another", () => {
  const heap = SharedHeap.create(16 * MiB);
  const a = heap.alloc(1000); // the 1 KiB class
  const b = heap.alloc(1000);
  heap.free(a, 1000);
  assert.notEqual(heap.alloc(100), a, "a 128-byte block does not take a 1 KiB one");
  assert.equal(heap.alloc(900), a, "the same class reuses the freed block");
  assert.notEqual(heap.alloc(1000), a, "and only once");
  heap.free(b, 1000);
  assert.equal(heap.alloc(513), b, "513 bytes is the 1 KiB class too");
});

test("freed records are reused, from this thread's cache and the heap's list, before any new record", () => {
  const heap = SharedHeap.create(16 * MiB);
  // A multiple of the batch the cache takes at a time (64), so that none is left cached unused.
  const first = Array.from({ length: 320 }, () => heap.allocRecord());
  // 320 frees overflow the cache: batches go back to the heap's list, the rest stay cached.
  for (const id of first) heap.freeRecord(id);
  const again = Array.from({ length: 320 }, () => heap.allocRecord());
  assert.equal(new Set(again).size, 320, "no record twice");
  assert.deepEqual([...again].sort((x, y) => x - y), [...first].sort((x, y) => x - y), "all reused, none new");
});

test("random allocations and frees keep every live block's bytes intact", () => {
  const heap = SharedHeap.create(64 * MiB);
  const rng = random(5);
  const live: (Held & { tag: number })[] = [];
  const intact = (block: Held & { tag: number }): boolean =>
    heap.bytes.subarray(block.offset, block.offset + block.length).every((byte) => byte === block.tag);
  for (let step = 0; step < 20_000; step++) {
    if (live.length > 0 && rng() < 0.45) {
      const block = live.splice(Math.floor(rng() * live.length), 1)[0]!;
      assert.ok(intact(block), `step ${step}: a block was written by another allocation`);
      if (block.length === BLOCK_BYTES) heap.freeRecord(block.offset >>> 2);
      else heap.free(block.offset, block.length);
    } else {
      const tag = 1 + (step % 255);
      const length = rng() < 0.4 ? BLOCK_BYTES : 1 + Math.floor(rng() * 5_000);
      const offset = length === BLOCK_BYTES ? heap.allocRecord() << 2 : heap.alloc(length);
      heap.bytes.fill(tag, offset, offset + length);
      live.push({ offset, length, tag });
    }
  }
  assert.ok(live.every(intact));
  assertDisjoint(live, "live blocks");
});

test("the heap grows as it fills (on Bun it has its full size at once), and every view over its buffer sees the growth", () => {
  const heap = SharedHeap.create(8 * MiB);
  const other = new SharedHeap(heap.buffer); // another thread's view of the same heap
  const initial = heap.buffer.byteLength;
  // Bun: one fixed-size buffer of the limit (typed arrays over growable shared memory are slower
  // there); elsewhere a growable one that starts at 1 MiB.
  assert.equal(heap.buffer.growable, HOST_RUNTIME !== "Bun");
  assert.equal(initial, HOST_RUNTIME === "Bun" ? 8 * MiB : MiB);
  const blocks = Array.from({ length: 6 }, () => heap.alloc(MiB));
  if (HOST_RUNTIME !== "Bun") assert.ok(heap.buffer.byteLength > initial, `grew from ${initial} bytes`);
  assert.equal(heap.buffer.maxByteLength, 8 * MiB);
  const last = blocks.at(-1)!;
  heap.bytes[last + MiB - 1] = 42;
  assert.equal(other.bytes[last + MiB - 1], 42, "the other view reaches the new bytes");
  assertDisjoint(blocks.map((offset) => ({ offset, length: MiB })), "1 MiB blocks");
});

test("views read after another thread grew the heap reach the new memory and the free lists there", () => {
  const heap = SharedHeap.create(32 * MiB);
  const other = new SharedHeap(heap.buffer); // another thread's view of the same heap
  const kept = heap.words; // read before the growth
  const before = heap.buffer.byteLength;
  other.alloc(MiB); // grows a growable heap (Bun's has its full size already): the next block lies past `before`
  const far = other.alloc(4 * MiB);
  if (heap.buffer.growable) {
    assert.ok(far >= before, `allocated at ${far}, past ${before}`);
    assert.equal(kept.length * 4, before, "a view kept from before keeps its length: read the getter again");
  }
  assert.equal(heap.words.length * 4, heap.buffer.byteLength, "a view read now covers the whole heap");
  assert.equal(heap.bytes.length, heap.buffer.byteLength);
  other.words[(far >>> 2) + 1000] = 7;
  other.bytes[far + 4 * MiB - 1] = 9;
  assert.equal(heap.words[(far >>> 2) + 1000], 7);
  assert.equal(heap.bytes[far + 4 * MiB - 1], 9);
  // Blocks the other thread allocated past this one's old view, freed here: their free list is
  // linked through their first words, which this thread must reach to write, and the other to read.
  const a = other.alloc(4 * MiB);
  const b = other.alloc(4 * MiB);
  heap.free(far, 4 * MiB);
  heap.free(a, 4 * MiB);
  heap.free(b, 4 * MiB);
  assert.deepEqual([other.alloc(4 * MiB), other.alloc(4 * MiB), other.alloc(4 * MiB)], [b, a, far]);
});

test("a message past the heap's old end decodes after the heap grew (the decoder's views over the heap follow it)", () => {
  const heap = SharedHeap.create(16 * MiB);
  const encoder = new ValueEncoder();
  const write = (value: unknown): Uint8Array => {
    const length = encoder.encode(value, "test", "value");
    const at = heap.alloc(length);
    heap.bytes.set(encoder.bytes.subarray(0, length), at);
    return heap.bytes.subarray(at, at + length);
  };
  // Decoded first, while the heap is small: the decoder keeps views over it as long as it is now.
  assert.deepEqual(decodeValue(write({ first: ["message"] })), { first: ["message"] });
  const before = heap.buffer.byteLength;
  heap.alloc(4 * MiB); // grows a growable heap past `before` (Bun's has its full size already)
  const items = Array.from({ length: 1000 }, (_, i) => `item ${i}`);
  const later = write({ items, last: 1.5 });
  if (heap.buffer.growable) assert.ok(later.byteOffset >= before, `written at ${later.byteOffset}, past ${before}`);
  assert.deepEqual(decodeValue(later), { items, last: 1.5 });
  assert.deepEqual(decodeValue(write(["again", 2])), ["again", 2], "and messages after it too");
});

test("an allocation past the limit fails with CAPACITY_EXCEEDED naming the sizes, and the heap still works", () => {
  const heap = SharedHeap.create(2 * MiB);
  assert.throws(
    () => heap.alloc(4 * MiB),
    (error: unknown) =>
      error instanceof SpindleError && error.code === "CAPACITY_EXCEEDED" &&
      /4194304 more bytes would exceed its limit of 2097152 bytes/.test(error.message) &&
      /maxHeapBytes/.test(error.message),
  );
  assert.equal(heap.words[0], 0, "the heap's lock (its first word) was released");
  const small = heap.alloc(100);
  assertPlaced(heap, { offset: small, length: 100 });
  assert.ok(heap.buffer.byteLength <= 2 * MiB);
});

// Two workers over one heap, allocating and freeing at once. Started once for the file and one
// at a time (each start type-checks the module again under deno test).
const THREADS = 2;
const workers = workerPool(new URL("./test-support/heap-worker.ts", import.meta.url), THREADS);

test("two threads allocating and freeing at once never hold the same bytes", async () => {
  const pool = await workers();
  for (const seed of [1, 2]) {
    const heap = SharedHeap.create(256 * MiB);
    // A hang bound: a heap whose lists are corrupted can send a worker round a cycle for ever.
    const reports = await within(
      Promise.all(pool.map((worker, i) => {
        const run: HeapRun = { buffer: heap.buffer, tag: i + 1, steps: 50_000, seed: seed * 10 + i };
        return request<HeapReport>(worker, run);
      })),
      60_000,
      `seed ${seed}: the workers' reports`,
    );
    reports.forEach((report, i) =>
      assert.equal(report.broken, 0, `seed ${seed}: thread ${i} found its bytes overwritten`)
    );
    const held = reports.flatMap((report) => report.held);
    for (const block of held) assertPlaced(heap, block);
    assertDisjoint(held, `seed ${seed}: blocks the threads hold at the end`);
  }
});

const isCode = (code: string) => (e: unknown) => e instanceof SpindleError && e.code === code;

test("a block over 1 GiB is CAPACITY_EXCEEDED and the heap keeps working (its int32 offsets never overflow)", () => {
  // Before: a 2^30 + 1 block was rounded to a 2^31 one, whose size overflowed the int32 arithmetic
  // and left a negative bump pointer: every later alloc threw a bare RangeError.
  const heap = SharedHeap.create(4 * MiB);
  for (const length of [2 ** 30 + 1, 2 ** 31 - 1]) {
    assert.throws(() => heap.alloc(length), isCode("CAPACITY_EXCEEDED"), String(length));
  }
  const block = heap.alloc(64);
  assert.ok(block > 0 && block % BLOCK_BYTES === 0, `offset ${block}`);
  heap.free(block, 64);
});

test("bad lengths and sizes are INVALID_ARGUMENT naming the value; only a heap's buffer makes a heap", () => {
  const heap = SharedHeap.create(4 * MiB);
  for (const bad of [-1, Number.NaN, 1.5, 2 ** 31, "8"]) {
    assert.throws(
      () => heap.alloc(bad as number),
      (e) => isCode("INVALID_ARGUMENT")(e) && (e as Error).message.includes(String(bad)),
      `alloc(${String(bad)})`,
    );
  }
  for (const bad of [-1, 0, Number.NaN, 1.5, 2 ** 31, Infinity]) {
    assert.throws(
      () => SharedHeap.create(bad),
      (e) => isCode("INVALID_ARGUMENT")(e) && (e as Error).message.includes(String(bad)),
      `create(${bad})`,
    );
  }
  for (const bad of [5, null, new SharedArrayBuffer(4096), new SharedArrayBuffer(4096, { maxByteLength: 8192 })]) {
    assert.throws(
      () => new SharedHeap(bad as SharedArrayBuffer),
      (e) => isCode("INVALID_ARGUMENT")(e) && /shared heap's buffer/.test((e as Error).message),
      String(bad),
    );
  }
  assert.ok(heap.alloc(16) > 0, "the heap still allocates");
});

test("a heap that is not a runtime's names SharedHeap.create's maxBytes when it is full", () => {
  const heap = SharedHeap.create(MiB);
  assert.throws(
    () => heap.alloc(MiB),
    (e) => isCode("CAPACITY_EXCEEDED")(e) && /SharedHeap\.create/.test((e as Error).message),
  );
});

test("SharedBuffer.allocate refuses bad lengths and non-heaps, is CAPACITY_EXCEEDED over 1 GiB, and leaves the heap working", () => {
  const heap = SharedHeap.create(4 * MiB);
  for (const bad of [-1, Number.NaN, 1.5, 2 ** 31, Infinity]) {
    assert.throws(
      () => SharedBuffer.allocate(heap.buffer, bad),
      (e) => isCode("INVALID_ARGUMENT")(e) && (e as Error).message.includes(String(bad)),
      `allocate(${bad})`,
    );
  }
  assert.throws(() => SharedBuffer.allocate(heap.buffer, 2 ** 30 + 1), isCode("CAPACITY_EXCEEDED"));
  assert.throws(() => SharedBuffer.allocate(new SharedArrayBuffer(1 << 16), 16), isCode("INVALID_ARGUMENT"));
  const after = SharedBuffer.allocate(heap.buffer, 16);
  assert.ok(after.locate().header > 0, "the heap still allocates");
  after.release();
});
