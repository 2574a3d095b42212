import { describe, HOST_RUNTIME, isInstance, SpindleError } from "@spindle/core";
import { ANONYMOUS_OWNER, checkLockOwner, checkLockWait, type HolderCheck, OwnedMutex } from "./owned-mutex.ts";

/**
 * Takes the heap's lock and keeps it: for tests only (a job that holds the lock when its worker
 * dies), not exported by the package.
 */
export let holdHeapLock: (heap: SharedHeap) => void;

/** Gives back the lock {@linkcode holdHeapLock} took on this thread: for tests only, not exported by the package. */
export let releaseHeapLock: (heap: SharedHeap) => void;

/**
 * The bytes of the free blocks of the size class that holds `length` bytes (its free list's
 * length times the class's size): for tests only (memory that must come back to the heap), not
 * exported by the package.
 */
export let freeBlockBytes: (heap: SharedHeap, length: number) => number;

/**
 * The memory every thread of a runtime shares for its jobs: job records and the encoded arguments
 * and results that do not fit inside a record, in one `SharedArrayBuffer`: growable, starting at
 * 1 MiB, except on Bun, where it has its full size from the start (see `FIXED_SIZE` in
 * `shared-heap.ts`: typed arrays over growable shared memory are slower there).
 *
 * Blocks come in power-of-two size classes from {@linkcode BLOCK_BYTES} up; a free block of a
 * class is kept on that class's free list (linked through its first word) and reused before the
 * bump pointer moves on. The caller knows a block's class (records are always the smallest one;
 * a payload's class follows from its length), so blocks carry no header.
 *
 * Every list and the bump pointer are guarded by an {@linkcode OwnedMutex} in the heap's first
 * words, so that a thread that died holding it does not block the others for good: whoever learns
 * of the death calls {@linkcode SharedHeap.recoverLock}. Nothing needs repairing then: every
 * critical section changes the heap with one store (a free list's head, or the bump pointer after
 * the growth it needs), before which it wrote only words of a block that no list or thread can
 * reach, so a thread stopped at any point leaves the heap whole; at worst the block it was taking
 * or giving back is lost (and the records in its cache, which died with it).
 * Records are allocated and freed for every job, so each thread keeps a small cache of free
 * records and takes or returns them a batch at a time: one lock round trip per
 * {@linkcode RECORD_BATCH} jobs instead of two per job. Growing happens under the lock; each
 * thread sees the growth through {@linkcode SharedHeap.words} and {@linkcode SharedHeap.bytes},
 * views of a fixed length made again when they are read after the heap grew (see there).
 */
export class SharedHeap {
  /** The heap's shared memory, to hand to other threads. */
  readonly buffer: SharedArrayBuffer;
  /** The heap's byte length that `#words` and `#bytes` cover. */
  #covered: number;
  #words: Int32Array;
  #bytes: Uint8Array;
  readonly #mutex: OwnedMutex;
  readonly #records: number[] = [];

  /**
   * A heap over `buffer`, made by {@linkcode SharedHeap.create} on some thread, used by lock owner
   * `owner` (this thread's number among the threads that share the heap, 1 to 2^30 - 1, for
   * {@linkcode SharedHeap.recoverLock}); a wait for the lock longer than `patienceMs` throws
   * (see {@linkcode OwnedMutex}), and `checkHolder` may recover it from a holder it knows dead
   * while it waits (see there). Without an owner it takes the owner, patience and check that an
   * earlier heap over the same buffer was given on this thread, else an anonymous owner whose
   * lock cannot be recovered.
   */
  constructor(
    buffer: SharedArrayBuffer,
    owner?: number,
    patienceMs?: number,
    checkHolder?: HolderCheck,
  ) {
    checkHeapBuffer(buffer);
    this.buffer = buffer;
    this.#covered = buffer.byteLength;
    this.#words = new Int32Array(buffer, 0, this.#covered >>> 2);
    this.#bytes = new Uint8Array(buffer, 0, this.#covered);
    // Checked before they are kept: a bad identity would fail every later heap of this thread.
    checkLockWait(patienceMs ?? Infinity, checkHolder, "new SharedHeap()");
    let identity = identities.get(buffer);
    if (owner !== undefined) {
      checkLockOwner(owner);
      identities.set(buffer, identity = { owner, patienceMs: patienceMs ?? Infinity, checkHolder });
    }
    this.#mutex = new OwnedMutex(
      // The header's words only: the lock never moves, and this view never needs remaking.
      new Int32Array(buffer, 0, HEADER_BYTES >>> 2),
      LOCK,
      identity?.owner ?? ANONYMOUS_OWNER,
      identity?.patienceMs ?? Infinity,
      "the shared heap's lock",
      identity?.checkHolder,
    );
  }

  /**
   * The heap as 32-bit words: a view of all of it as long as it is when read, of a fixed length
   * (V8 reads and writes through a length-tracking view, `new Int32Array(buffer)` over a growable
   * buffer, 4-20x slower: Node 24, an `Atomics.load` 130 against 32 ns, a plain read 95 against 5
   * ns, under load; Deno 2-15x), made again when the heap has grown since the last read. Read it
   * again rather than keep it: memory that another thread allocated and made known to this one
   * (a record's id, a block's offset, taken from a queue or a message) lies inside the view read
   * after this thread learned of it, since the heap grew before that memory was allocated and a
   * growable buffer's length is read sequentially consistently; a view kept from before may end
   * short of it. Reading costs a load of the buffer's length.
   */
  get words(): Int32Array {
    if (this.buffer.byteLength !== this.#covered) this.#cover();
    return this.#words;
  }

  /** The heap as bytes, of a fixed length: as {@linkcode SharedHeap.words}. */
  get bytes(): Uint8Array {
    if (this.buffer.byteLength !== this.#covered) this.#cover();
    return this.#bytes;
  }

  /** Makes the views again over the whole heap, which grew. */
  #cover(): void {
    const length = this.buffer.byteLength;
    this.#covered = length;
    this.#words = new Int32Array(this.buffer, 0, length >>> 2);
    this.#bytes = new Uint8Array(this.buffer, 0, length);
  }

  static {
    holdHeapLock = (heap) => heap.#mutex.lock();
    releaseHeapLock = (heap) => heap.#mutex.unlock();
    freeBlockBytes = (heap, length) => {
      const sizeClass = classOf(length);
      heap.#mutex.lock();
      try {
        const words = heap.words; // read under the lock: covers every block a list holds
        let blocks = 0;
        for (let at = words[FREE + sizeClass] as number; at !== 0; at = words[at >>> 2] as number) blocks++;
        return blocks * (BLOCK_BYTES << sizeClass);
      } finally {
        heap.#mutex.unlock();
      }
    };
  }

  /** The owner number of the thread that holds the heap's lock now (0: nobody); see `OwnedMutex.holder`. */
  lockHolder(): number {
    return this.#mutex.holder();
  }

  /**
   * Takes the heap's lock back from `deadOwner`, a thread that ended holding it (a no-op when it
   * does not hold it); returns whether it did. The heap needs no repair (see the class doc).
   */
  recoverLock(deadOwner: number): boolean {
    if (!this.#mutex.recover(deadOwner)) return false;
    this.#mutex.unlock();
    return true;
  }

  /**
   * Reserves a heap of at most `maxBytes` (address space, committed as it grows): an integer from
   * 1 to {@linkcode MAX_HEAP_BYTES} (offsets are 32-bit words); a heap takes at least 1 MiB.
   */
  static create(maxBytes: number): SharedHeap {
    if (typeof maxBytes !== "number" || !Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_HEAP_BYTES) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `a shared heap's size must be an integer number of bytes from 1 to ${MAX_HEAP_BYTES}, got ${
          describe(maxBytes)
        }`,
      );
    }
    const size = Math.max(INITIAL_BYTES, maxBytes);
    const buffer = FIXED_SIZE
      ? new SharedArrayBuffer(size)
      : new SharedArrayBuffer(INITIAL_BYTES, { maxByteLength: size });
    const words = new Int32Array(buffer);
    words[BUMP] = HEADER_BYTES;
    // Plain stores: the buffer reaches other threads only by a later message (postMessage, or the
    // setup a runtime hands its workers), which orders them before any other thread's reads.
    words[MAGIC] = MAGIC_VALUE;
    return new SharedHeap(buffer);
  }

  /** A record's word index (its job id): never 0. The record's words are not cleared. */
  allocRecord(): number {
    const cached = this.#records.pop();
    if (cached !== undefined) return cached;
    this.#mutex.lock();
    try {
      for (let i = 0; i < RECORD_BATCH; i++) this.#records.push(this.#allocLocked(0) >>> 2);
    } finally {
      this.#mutex.unlock();
    }
    return this.#records.pop() as number;
  }

  /** Returns a record to this thread's cache (and a batch of them to the heap when it is full). */
  freeRecord(id: number): void {
    const records = this.#records;
    records.push(id);
    if (records.length < 2 * RECORD_BATCH) return;
    this.#mutex.lock();
    try {
      while (records.length > RECORD_BATCH) this.#freeLocked((records.pop() as number) << 2, 0);
    } finally {
      this.#mutex.unlock();
    }
  }

  /**
   * A block of at least `length` bytes (an integer from 0 to 2^31 - 1); returns its byte offset.
   * A block over {@linkcode MAX_BLOCK_BYTES}, or one the heap has no room left for, throws
   * `CAPACITY_EXCEEDED` and leaves the heap as it was.
   */
  alloc(length: number): number {
    if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length > 2 ** 31 - 1) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `a heap block's length must be an integer from 0 to ${2 ** 31 - 1} bytes, got ${describe(length)}`,
      );
    }
    if (length > MAX_BLOCK_BYTES) {
      throw new SpindleError(
        "CAPACITY_EXCEEDED",
        `a shared heap's blocks hold at most ${MAX_BLOCK_BYTES} bytes (1 GiB), ${length} were asked for`,
      );
    }
    const sizeClass = classOf(length);
    this.#mutex.lock();
    try {
      return this.#allocLocked(sizeClass);
    } finally {
      this.#mutex.unlock();
    }
  }

  /** Frees the block at `offset` that was allocated for `length` bytes. */
  free(offset: number, length: number): void {
    this.#mutex.lock();
    try {
      this.#freeLocked(offset, classOf(length));
    } finally {
      this.#mutex.unlock();
    }
  }

  #allocLocked(sizeClass: number): number {
    // Read under the lock: it covers every block on a free list (freed, hence allocated, before
    // the lock's previous holder unlocked) and the bump pointer's whole heap.
    const words = this.words;
    const head = words[FREE + sizeClass] as number;
    if (head !== 0) {
      words[FREE + sizeClass] = words[head >>> 2] as number;
      return head;
    }
    const size = BLOCK_BYTES << sizeClass;
    const offset = words[BUMP] as number;
    const end = offset + size;
    const buffer = this.buffer;
    if (end > buffer.byteLength) {
      if (end > buffer.maxByteLength) {
        throw new SpindleError(
          "CAPACITY_EXCEEDED",
          `the shared heap is full: ${size} more bytes would exceed its limit of ${buffer.maxByteLength} bytes ` +
            `(raise SharedHeap.create's maxBytes, for a runtime its maxHeapBytes option)`,
        );
      }
      buffer.grow(Math.min(buffer.maxByteLength, Math.max(end, buffer.byteLength * 2)));
    }
    words[BUMP] = end;
    return offset;
  }

  #freeLocked(offset: number, sizeClass: number): void {
    const words = this.words; // covers `offset`, which the caller knows of (see `words`)
    words[offset >>> 2] = words[FREE + sizeClass] as number;
    words[FREE + sizeClass] = offset;
  }
}

/** Each thread's lock owner, patience and holder check for a heap's buffer (see the constructor). */
const identities = new WeakMap<
  SharedArrayBuffer,
  { readonly owner: number; readonly patienceMs: number; readonly checkHolder?: HolderCheck | undefined }
>();

/**
 * Throws `INVALID_ARGUMENT` unless `buffer` is a heap's: a SharedArrayBuffer (growable, or of
 * fixed size on Bun) that {@linkcode SharedHeap.create} marked.
 */
function checkHeapBuffer(buffer: unknown): void {
  const needs = "expected a shared heap's buffer (from SharedHeap.create or a runtime)";
  const isHeap = isInstance(buffer, SharedArrayBuffer, needs) && buffer.byteLength >= HEADER_BYTES &&
    buffer.maxByteLength <= MAX_HEAP_BYTES &&
    // Pairs with create's store, published by whatever brought the buffer to this thread.
    Atomics.load(new Int32Array(buffer, 0, HEADER_BYTES >> 2), MAGIC) === MAGIC_VALUE;
  if (!isHeap) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${needs}, got ${describe(buffer)}`,
    );
  }
}

/** The most bytes a heap may hold: its offsets are int32 words. */
export const MAX_HEAP_BYTES: number = 2 ** 31 - 1;
/** The largest block: the largest power of two a heap's offsets can hold. */
export const MAX_BLOCK_BYTES: number = 2 ** 30;

/** The smallest block, and the size of a job record. */
export const BLOCK_BYTES = 128;
/** Records a thread takes from (or gives back to) the heap at a time. */
const RECORD_BATCH = 64;
const INITIAL_BYTES = 1 << 20;
/**
 * Whether a heap's buffer is one fixed-size `SharedArrayBuffer` of its limit, not a growable one:
 * on Bun. JavaScriptCore runs a loop over a typed array whose buffer is a growable
 * SharedArrayBuffer about 1.2-1.3x slower than over a fixed-size one, fixed-length view or not
 * (Bun 1.4.5, the sum of 4 Mi float64s: 4.2-4.5 against 3.5 ms of CPU per sum; V8 runs both at
 * the same speed), and jobs read and write `runtime.alloc` buffers, `move`d arrays and `map`
 * chunks through such views. The full size costs address space, not memory: the kernel commits a
 * page when it is first written, as it does for a growable buffer's (a fresh 1 GiB buffer left
 * Bun's resident set unchanged).
 */
const FIXED_SIZE = HOST_RUNTIME === "Bun";
const CLASSES = 24; // 128 B … 1 GiB

// The heap's header: its lock, the bump pointer and one free-list head per class.
const LOCK = 0;
const BUMP = 1;
const FREE = 2;
/** A constant marking a heap made by `create` (after the lists: word 26 of the first block). */
const MAGIC = FREE + CLASSES;
const MAGIC_VALUE = 0x4ea9_5bd1;
/**
 * The head of the list of every SharedBuffer header in the heap (byte offset, 0 ends it), linked
 * through the headers: the runtime walks it when a thread ends, to release what that thread owned
 * (`shared-buffer.ts`). Headers are never freed, so the list only grows at its head.
 */
export const BUFFER_LIST: number = MAGIC + 1;
const HEADER_BYTES = Math.ceil(((BUFFER_LIST + 1) * 4) / BLOCK_BYTES) * BLOCK_BYTES;

/** The size class of a block holding `length` bytes. */
function classOf(length: number): number {
  return length <= BLOCK_BYTES ? 0 : 32 - Math.clz32((length - 1) >>> 7);
}
