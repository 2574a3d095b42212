import { describe, HOST_RUNTIME, isInstance, sharedBufferLength, SpindleError } from "@spindle/core";
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
 * The bytes of the heap's blocks that are in use: taken from the bump pointer, and neither on a
 * free list nor in one of the record caches `caches` names (each `[words, at]`, as given to
 * {@linkcode SharedHeap.keepRecordsIn}): for tests only (memory a dead thread held must come back),
 * not exported by the package.
 */
export let heapBytesInUse: (heap: SharedHeap, caches: readonly (readonly [Int32Array, number])[]) => number;

/** Gives every record of this heap's cache back to the heap: for tests only (an allocation that takes the heap's lock), not exported by the package. */
export let emptyRecordCache: (heap: SharedHeap) => void;

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
 * or giving back is lost, unless its thread traced it (see "Blocks in a thread's hands" below).
 * Records are allocated and freed for every job, so each thread keeps a small cache of free
 * records and takes or returns them a batch at a time: one lock round trip per
 * {@linkcode RECORD_BATCH} jobs instead of two per job. Growing happens under the lock; each
 * thread sees the growth through {@linkcode SharedHeap.words} and {@linkcode SharedHeap.bytes},
 * views of a fixed length made again when they are read after the heap grew (see there).
 *
 * # Blocks in a thread's hands
 *
 * A thread that dies between taking a block and storing its offset where others find it leaks
 * the block, and its whole record cache dies with it unless the cache lives in shared words:
 * {@linkcode SharedHeap.keepRecordsIn} puts it there ({@linkcode RECORD_CACHE_WORDS} words
 * written by this thread alone, with plain writes, which whoever reads them after the thread's
 * exit sees: the host joins the thread before it reports the exit). The cache is a list linked
 * through each free record's first word (as the free lists are), its head in the first word; the
 * third (`IN_HAND`) and the fourth (`MOVING`) name a record in the thread's hands, stored before
 * each step that takes a record out of a list or puts one in, so a thread stopped at any point
 * leaves every record it had either in its cache's list, or in a free list, or named there:
 * - a pop from the cache stores the record in IN_HAND, then the head past it: the record is at
 *   the head (in the cache) or out of the list and in hand, until the caller places it
 *   ({@linkcode SharedHeap.recordPlaced});
 * - a record whose last reference its holder dropped is named in IN_HAND
 *   ({@linkcode SharedHeap.holdRecord}) until the push, which links it and stores the head, and
 *   then clears IN_HAND: in hand, or at the head (in the cache);
 * - under the heap's lock (a refill of the cache, a batch given back), each record in MOVING,
 *   before the single store that moves it (a free list's head or the bump pointer, then the
 *   cache's head, or the other way round): a thread that dies holding the lock leaves it where it
 *   came from (the heap's next block, {@linkcode SharedHeap.isNextBlock}, or the cache's head), in
 *   hand, or where it went.
 * {@linkcode SharedHeap.allocInto} names a block in the caller's word before it takes it, the same
 * way. Whoever learns of the death forgets a hand that was not taken yet while it holds the
 * recovered lock ({@linkcode SharedHeap.recoverLock}'s `repair`, before anyone else changes the
 * lists), then {@linkcode SharedHeap.adoptRecordsOf} takes the cache over and returns the record
 * in hand, which the caller frees unless it placed it elsewhere.
 */
export class SharedHeap {
  /** The heap's shared memory, to hand to other threads. */
  readonly buffer: SharedArrayBuffer;
  /** The heap's byte length that `#words` and `#bytes` cover. */
  #covered: number;
  #words: Int32Array;
  #bytes: Uint8Array;
  readonly #mutex: OwnedMutex;
  /** The record cache's words (see "Blocks in a thread's hands"): private ones until {@linkcode SharedHeap.keepRecordsIn}. */
  #cache: Int32Array = new Int32Array(RECORD_CACHE_WORDS);
  #cacheAt = 0;

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
    heapBytesInUse = (heap, caches) => {
      heap.#mutex.lock();
      try {
        const words = heap.words;
        // A list longer than the heap has blocks cycles: a block freed twice.
        const most = heap.buffer.byteLength / BLOCK_BYTES;
        const walk = (first: number, next: (at: number) => number, what: string): number => {
          let blocks = 0;
          for (let at = first; at !== 0; at = next(at)) {
            if (++blocks > most) throw new Error(`${what} cycles: a block was freed twice`);
          }
          return blocks;
        };
        let free = 0;
        for (let sizeClass = 0; sizeClass < CLASSES; sizeClass++) {
          const head = words[FREE + sizeClass] as number;
          free += walk(head, (at) => words[at >>> 2] as number, `free list ${sizeClass}`) * (BLOCK_BYTES << sizeClass);
        }
        for (const [cache, at] of caches) {
          const head = Atomics.load(cache, at + CACHE_HEAD);
          free += walk(head, (id) => words[id] as number, "a record cache") * BLOCK_BYTES;
        }
        return (words[BUMP] as number) - HEADER_BYTES - free;
      } finally {
        heap.#mutex.unlock();
      }
    };
    emptyRecordCache = (heap) => heap.#giveBackRecords(0);
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
  recoverLock(deadOwner: number, repair?: () => void): boolean {
    if (!this.#mutex.recover(deadOwner)) return false;
    try {
      repair?.();
    } finally {
      this.#mutex.unlock();
    }
    return true;
  }

  /**
   * Whether the block at byte offset `offset` (allocated for `length` bytes) is the one the heap
   * would hand out next for its class: the head of its free list, or the bump pointer. Only
   * meaningful under the heap's lock: in {@linkcode SharedHeap.recoverLock}'s `repair`, it tells
   * a block a dead thread named before it took it (see "Blocks in a thread's hands") and did not
   * take.
   */
  isNextBlock(offset: number, length: number): boolean {
    // Plain reads under the lock, which orders the dead thread's writes before them (OwnedMutex).
    const words = this.words;
    return words[FREE + classOf(length)] === offset || words[BUMP] === offset;
  }

  /**
   * Moves this thread's record cache into `words[at]` to `words[at + RECORD_CACHE_WORDS - 1]`, shared
   * memory that this thread alone writes while it lives (zeros, or a cache taken over by
   * {@linkcode SharedHeap.adoptRecordsOf}), so that its records outlive its death (see "Blocks in
   * a thread's hands"). Call it before the first record is allocated or freed.
   */
  keepRecordsIn(words: Int32Array, at: number): void {
    this.#cache = words;
    this.#cacheAt = at;
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

  /**
   * A record's word index (its job id): never 0. The record's words are not cleared. It stays
   * named as in this thread's hands until {@linkcode SharedHeap.recordPlaced} (with a shared cache,
   * see {@linkcode SharedHeap.keepRecordsIn}).
   */
  allocRecord(): number {
    const cache = this.#cache;
    const at = this.#cacheAt;
    if (cache[at + CACHE_HEAD] === 0) this.#refill();
    // Plain: this thread's words (see "Blocks in a thread's hands"); the record in hand before the
    // head moves past it.
    const id = cache[at + CACHE_HEAD] as number;
    cache[at + IN_HAND] = id;
    cache[at + CACHE_HEAD] = this.words[id] as number;
    cache[at + CACHE_COUNT]!--;
    return id;
  }

  /**
   * Names record `id`, whose last reference this thread has just dropped, as in its hands until
   * {@linkcode SharedHeap.freeRecord} puts it in the cache: a thread that dies meanwhile leaves it
   * for {@linkcode SharedHeap.adoptRecordsOf} to return (and the caller's words, such as a
   * payload it was freeing, to say what else it holds).
   */
  holdRecord(id: number): void {
    this.#cache[this.#cacheAt + IN_HAND] = id; // plain, see "Blocks in a thread's hands"
  }

  /** The record {@linkcode SharedHeap.allocRecord} returned is named elsewhere now: no longer in this thread's hands. */
  recordPlaced(): void {
    // Plain, after the caller's store that names it elsewhere: a thread that dies between the two
    // leaves it named twice, which adoptRecordsOf's caller tells apart.
    this.#cache[this.#cacheAt + IN_HAND] = 0;
  }

  /** Returns a record to this thread's cache (and a batch of them to the heap when it is full). */
  freeRecord(id: number): void {
    const cache = this.#cache;
    const at = this.#cacheAt;
    // Plain, see "Blocks in a thread's hands": in hand, then linked, then the head, then out of
    // hand (named in hand while it is the head means "in the cache"; cleared before a batch given
    // back may move it on).
    cache[at + IN_HAND] = id;
    this.words[id] = cache[at + CACHE_HEAD] as number;
    cache[at + CACHE_HEAD] = id;
    cache[at + IN_HAND] = 0;
    if (++cache[at + CACHE_COUNT]! >= 2 * RECORD_BATCH) this.#giveBackRecords(RECORD_BATCH);
  }

  /** Fills the empty record cache with a batch from the heap. */
  #refill(): void {
    const cache = this.#cache;
    const at = this.#cacheAt;
    this.#mutex.lock();
    try {
      for (let i = 0; i < RECORD_BATCH; i++) {
        // Plain, under the lock: named in hand before the take (a death in between leaves it the
        // heap's next block), then linked into the cache and made its head. The words are read
        // after the take: `#nextBlock` may have grown the heap past a view read before it.
        const block = this.#nextBlock(0);
        cache[at + MOVING] = block >>> 2;
        this.#take(0, block);
        this.words[block >>> 2] = cache[at + CACHE_HEAD] as number;
        cache[at + CACHE_HEAD] = block >>> 2;
        cache[at + CACHE_COUNT]!++;
      }
    } finally {
      cache[at + MOVING] = 0;
      this.#mutex.unlock();
    }
  }

  /** Gives records of this thread's cache back to the heap until `keep` are left. */
  #giveBackRecords(keep: number): void {
    const cache = this.#cache;
    const at = this.#cacheAt;
    this.#mutex.lock();
    try {
      while (cache[at + CACHE_COUNT]! > keep) {
        // Plain, under the lock: moving (still the cache's head), out of the cache, then on the
        // free list (its head is then this record, the heap's next block, which isNextBlock tells).
        const id = cache[at + CACHE_HEAD] as number;
        cache[at + MOVING] = id;
        cache[at + CACHE_HEAD] = this.words[id] as number;
        cache[at + CACHE_COUNT]!--;
        this.#freeLocked(id << 2, 0);
      }
    } finally {
      cache[at + MOVING] = 0;
      this.#mutex.unlock();
    }
  }

  /**
   * Takes over the record cache that a thread which has ended kept at `words[at]`
   * ({@linkcode SharedHeap.keepRecordsIn}): its records join this thread's cache and its words are
   * cleared for the next thread; a record it was moving under the heap's lock joins it too. Returns
   * the record it had in hand ({@linkcode SharedHeap.recordInHand}), or 0; the caller frees it
   * (this heap's {@linkcode SharedHeap.freeRecord}) unless it placed the record elsewhere. When the
   * thread died holding the heap's lock, call this after {@linkcode SharedHeap.forgetUntakenRecord}
   * ran in the lock's recovery.
   */
  adoptRecordsOf(words: Int32Array, at: number): number {
    // Plain reads of the dead thread's words and links: its writes came before its exit (see
    // "Blocks in a thread's hands"); nobody else writes them. This thread's own cache takes each
    // record as freeRecord would, without giving a batch back (its next freeRecord does).
    const cache = this.#cache;
    const own = this.#cacheAt;
    let head = words[at + CACHE_HEAD] as number;
    const inHand = this.recordInHand(words, at);
    const moving = words[at + MOVING] as number;
    while (head !== 0) {
      const next = this.words[head] as number;
      this.words[head] = cache[own + CACHE_HEAD] as number;
      cache[own + CACHE_HEAD] = head;
      cache[own + CACHE_COUNT]!++;
      head = next;
    }
    words[at + CACHE_HEAD] = 0;
    words[at + CACHE_COUNT] = 0;
    words[at + IN_HAND] = 0;
    words[at + MOVING] = 0;
    if (moving !== 0) this.freeRecord(moving);
    return inHand;
  }

  /**
   * The record in the hands of the thread whose record cache is at `words[at]`, outside its cache
   * and the heap's lock (see "Blocks in a thread's hands"), or 0: for whoever handles that
   * thread's death, after its exit.
   */
  recordInHand(words: Int32Array, at: number): number {
    // Plain: the dead thread's writes came before its exit. Named in hand at the head: in the cache.
    const id = words[at + IN_HAND] as number;
    return id === words[at + CACHE_HEAD] ? 0 : id;
  }

  /**
   * In {@linkcode SharedHeap.recoverLock}'s `repair` for a thread that died holding the lock with
   * its record cache at `words[at]`: forgets the record it was moving when that record is still
   * where it came from or already where it went (the heap's next block, see
   * {@linkcode SharedHeap.isNextBlock}, or the cache's head).
   */
  forgetUntakenRecord(words: Int32Array, at: number): void {
    // Plain, under the recovered lock: the dead thread's writes came before its exit.
    const id = words[at + MOVING] as number;
    if (id !== 0 && (id === words[at + CACHE_HEAD] || this.isNextBlock(id << 2, BLOCK_BYTES))) words[at + MOVING] = 0;
  }

  /**
   * A block of at least `length` bytes (an integer from 0 to 2^31 - 1); returns its byte offset.
   * A block over {@linkcode MAX_BLOCK_BYTES}, or one the heap has no room left for, throws
   * `CAPACITY_EXCEEDED` and leaves the heap as it was.
   */
  alloc(length: number): number {
    return this.#allocNamed(sizeClassFor(length), null, 0);
  }

  /**
   * As {@linkcode SharedHeap.alloc}, and stores the block's offset in `words[index]` under the
   * heap's lock before it takes the block, so that a thread that dies at any point leaves the
   * block either named there or not taken (see "Blocks in a thread's hands"; the word holds 0
   * before, for a thread that dies before it got the lock). A failure leaves the word alone.
   */
  allocInto(length: number, words: Int32Array, index: number): number {
    return this.#allocNamed(sizeClassFor(length), words, index);
  }

  /** A block of class `sizeClass`, named in `words[index]` (unless `words` is null) before it is taken. */
  #allocNamed(sizeClass: number, words: Int32Array | null, index: number): number {
    this.#mutex.lock();
    try {
      const offset = this.#nextBlock(sizeClass);
      // Plain, under the lock: before the take, so a death in between leaves a name of the
      // heap's next block (isNextBlock), which the lock's recovery forgets.
      if (words !== null) words[index] = offset;
      this.#take(sizeClass, offset);
      return offset;
    } finally {
      this.#mutex.unlock();
    }
  }

  /**
   * Frees the block whose byte offset `words[index]` holds (allocated for `length` bytes) and
   * clears that word, in one critical section: the word names the block until the block is on its
   * free list (the heap's next block of its class, see {@linkcode SharedHeap.isNextBlock}), so that
   * a thread that dies at any point leaves it named until then, never after it was freed (see
   * "Blocks in a thread's hands").
   */
  freeFrom(words: Int32Array, index: number, length: number): void {
    const sizeClass = classOf(length);
    this.#mutex.lock();
    try {
      // Plain, under the lock (the word's other readers read it after an `Atomics` operation that
      // follows this thread's unlock, or after its exit).
      this.#freeLocked(words[index] as number, sizeClass);
      words[index] = 0;
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

  /**
   * The block an allocation of class `sizeClass` takes next (under the lock): its free list's
   * head, else the bump pointer, the heap grown to hold it; throws CAPACITY_EXCEEDED when it cannot.
   */
  #nextBlock(sizeClass: number): number {
    // Read under the lock: it covers every block on a free list (freed, hence allocated, before
    // the lock's previous holder unlocked) and the bump pointer's whole heap.
    const words = this.words;
    const head = words[FREE + sizeClass] as number;
    if (head !== 0) return head;
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
    return offset;
  }

  /** Takes block `offset`, which {@linkcode SharedHeap.#nextBlock} returned (under the lock): one store. */
  #take(sizeClass: number, offset: number): void {
    const words = this.words;
    if (words[FREE + sizeClass] === offset) words[FREE + sizeClass] = words[offset >>> 2] as number;
    else words[BUMP] = offset + (BLOCK_BYTES << sizeClass);
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
  // A real SharedArrayBuffer (a Proxy of one passes instanceof, and its length is -1); isInstance
  // refuses what cannot be read (a revoked Proxy) as such.
  const isHeap = isInstance(buffer, SharedArrayBuffer, needs) && sharedBufferLength(buffer) >= HEADER_BYTES &&
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
/** The words of a thread's record cache in shared memory (see {@linkcode SharedHeap.keepRecordsIn}). */
export const RECORD_CACHE_WORDS = 4;
/** The cache's first record (a word index, 0: empty), linked through each record's first word. */
const CACHE_HEAD = 0;
/** How many records it holds (the trigger of a batch given back). */
const CACHE_COUNT = 1;
/**
 * The record in the thread's hands outside the heap's lock (see "Blocks in a thread's hands"):
 * popped and not placed, or being given back to the cache; 0: none.
 */
const IN_HAND = 2;
/** The record moving between the cache and the heap under the heap's lock (a refill, a batch given back); 0: none. */
const MOVING = 3;
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

/**
 * The size class of a block for `length` bytes, asked of alloc: throws INVALID_ARGUMENT unless an
 * integer from 0 to 2^31 - 1, CAPACITY_EXCEEDED over {@linkcode MAX_BLOCK_BYTES}.
 */
function sizeClassFor(length: number): number {
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
  return classOf(length);
}

/** The size class of a block holding `length` bytes. */
function classOf(length: number): number {
  return length <= BLOCK_BYTES ? 0 : 32 - Math.clz32((length - 1) >>> 7);
}
