import { KEY } from "./construct-key.ts";
// Buffers in a runtime's shared heap (`runtime.alloc`, `move`): memory that the runtime's thread
// and every job read and write in place, passed to and from jobs by reference, never copied.
import {
  checkDeadThreadId,
  checkInstance,
  currentThreadId,
  describe,
  noPublicConstructor,
  SpindleError,
} from "@spindle/core";
import { BUFFER_LIST, SharedHeap } from "./shared-heap.ts";
import { BufferReleasedError } from "./errors.ts";

/** The constructors' common prototype (`%TypedArray%`), to tell a typed array class. */
const TypedArray: abstract new () => unknown = Object.getPrototypeOf(Uint8Array);

/**
 * The brand of every SharedBuffer, the same symbol in every copy of this package (a job module
 * bundled with its own copy must still recognise the buffers it receives).
 */
const SHARED_BUFFER = Symbol.for("@spindle/workstealing.SharedBuffer");

// A buffer's header: one 128-byte heap block of its own, apart from the data block so that the
// data block is exactly the requested size class (a 64 MiB buffer takes a 64 MiB block).
/**
 * LIVE while some thread owns the buffer, RELEASED once released; MOVING while a buffer made by
 * {@linkcode move} sits in a message that no thread has received yet (the message owns it). Every
 * change is a compare-exchange, so exactly one of "receive" (MOVING → LIVE, the decoder), "drop"
 * (MOVING → RELEASED, whoever frees a message that will not be decoded) and "release" (LIVE →
 * RELEASED) wins each step.
 */
const STATE = 0;
/** The data block's byte offset in the heap. */
const DATA = 1;
/** The buffer's length in bytes. */
const LENGTH = 2;
/**
 * A constant that marks a header: a decoder finds a header only at a place the message names, so
 * corrupt bytes naming some other place of the heap must not pass for one (nor for a released one).
 */
const MAGIC = 3;
/**
 * The thread that owns the buffer (its `currentThreadId()`), or {@linkcode IN_MESSAGE}: the one
 * that allocated it, or that received it from a message (a `move`, or a result that handed it
 * over). When that thread ends, the runtime releases what it still owned
 * ({@linkcode reclaimBuffersOf}): nobody else can. Passing a buffer by reference lends it and
 * leaves its owner as it was.
 */
const OWNER = 4;
/** The next header on the heap's list of every header (`BUFFER_LIST`), 0 ends it. */
const NEXT = 5;
const MAGIC_VALUE = 0x5b0f_f3ed;
const LIVE = 1;
const RELEASED = 2;
const MOVING = 3;
/** OWNER while the buffer is MOVING in a message: no thread owns it, the message does. */
const IN_MESSAGE = -2;
const HEADER_BYTES = 32;
/** The largest buffer: its length must fit the header's int32 word. */
export const MAX_SHARED_BUFFER_BYTES: number = 2 ** 31 - 1;

/** A typed array class: `Float64Array`, `Int32Array`, `Uint8Array`, ... */
export interface TypedArrayClass<T> {
  /** A view of `length` elements of `buffer` from `byteOffset`. */
  new (buffer: SharedArrayBuffer, byteOffset: number, length: number): T;
  /** The size of one element in bytes. */
  readonly BYTES_PER_ELEMENT: number;
}

// Access to a SharedBuffer's private state for the codec of this package (set in its static block).
let sourceOf: (buffer: SharedBuffer) => Uint8Array | null;
let wrap: (bytes: Uint8Array) => SharedBuffer;
let received: (heap: SharedArrayBuffer, header: number) => SharedBuffer;
let spend: (buffer: SharedBuffer) => boolean;
let unspend: (buffer: SharedBuffer) => void;

const heaps = new WeakMap<SharedArrayBuffer, SharedHeap>();
/**
 * A buffer's two heap blocks: its bytes (at least one, so that an empty buffer has a place) and
 * its header; the bytes are given back when the header does not fit.
 */
function allocDataAndHeader(shared: SharedHeap, byteLength: number): [data: number, header: number] {
  const data = shared.alloc(Math.max(1, byteLength));
  try {
    return [data, shared.alloc(HEADER_BYTES)];
  } catch (error) {
    shared.free(data, Math.max(1, byteLength));
    throw error;
  }
}

/**
 * Puts the header at `header` (its fields written) at the head of the heap's list of headers. The
 * NEXT store comes before the compare-exchange that publishes the header (both sequentially
 * consistent), so a walker that reads the new head reads its NEXT; headers are never unlinked.
 */
function listHeader(shared: SharedHeap, words: Int32Array, header: number): void {
  let head = Atomics.load(shared.words, BUFFER_LIST);
  for (;;) {
    Atomics.store(words, NEXT, head);
    const seen = Atomics.compareExchange(shared.words, BUFFER_LIST, head, header);
    if (seen === head) return;
    head = seen;
  }
}

function heapOver(buffer: SharedArrayBuffer): SharedHeap {
  let heap = heaps.get(buffer);
  if (heap === undefined) heaps.set(buffer, heap = new SharedHeap(buffer));
  return heap;
}

/**
 * A buffer of the runtime's shared heap, made by {@linkcode Runtime.alloc} (or received from
 * `move`, which copies a plain buffer into the heap once): the runtime's thread
 * and the jobs it is passed to (as an argument, or back as a result, by reference: only its
 * place crosses, never its bytes) read and write the same memory in place.
 *
 * Ownership rule: the buffer lives until one `release()` (from any thread; usually the thread
 * that allocated it, once the jobs using it have settled). Afterwards every use — `bytes()`,
 * `array()`, passing it to a job, a job receiving it — throws {@linkcode BufferReleasedError}.
 * Views taken before the release must not be used after it: their memory goes back to the heap
 * and is reused (a typed array over shared memory cannot be revoked). Concurrent writers
 * coordinate as with any shared memory (`Atomics`, or disjoint ranges: each job its own slice).
 *
 * The work-stealing runtime hands them out with `runtime.alloc(bytes)` (its README shows a job
 * summing one in place); on their own they live in a {@linkcode SharedHeap}:
 *
 * @example
 * ```ts
 * import { SharedBuffer, SharedHeap, ValueEncoder } from "@spindle/codec";
 *
 * const heap = SharedHeap.create(1 << 20);
 * const buffer = SharedBuffer.allocate(heap.buffer, 8 * 1024);
 * buffer.array(Float64Array).fill(0.5);
 * const encoder = new ValueEncoder();
 * encoder.useHeap(heap.buffer);
 * const length = encoder.encode({ samples: buffer }, "message", "value");
 * console.log(length < 64); // true: the buffer crosses as its place in the heap, not its 8,192 bytes
 * buffer.release();
 * ```
 */
export class SharedBuffer {
  /** The heap; for a buffer made by `move` and not sent yet, the source's ArrayBuffer. */
  readonly #heap: SharedArrayBuffer;
  /** The header's words in the heap; for a `move` buffer not sent yet, words of its own. */
  readonly #header: Int32Array;
  /** The data's byte offset in `#heap`. */
  readonly #data: number;
  /** For a buffer made by `move`: the source's bytes, until it is sent; `null` otherwise. */
  readonly #source: Uint8Array | null;
  /** The buffer's length in bytes. */
  readonly byteLength: number;

  private constructor(key: typeof KEY, heap: SharedArrayBuffer, header: Int32Array, source: Uint8Array | null = null) {
    if (key !== KEY) throw noPublicConstructor("SharedBuffer", "a runtime's alloc() or a SharedHeap returns one", key);
    this.#heap = heap;
    this.#header = header;
    this.#source = source;
    this.#data = Atomics.load(header, DATA);
    this.byteLength = Atomics.load(header, LENGTH);
  }

  static {
    Object.defineProperty(SharedBuffer.prototype, SHARED_BUFFER, { value: true });
    sourceOf = (buffer) => buffer.#source;
    wrap = (bytes) => {
      const header = new Int32Array(HEADER_BYTES >> 2);
      header[DATA] = bytes.byteOffset;
      header[LENGTH] = bytes.byteLength;
      header[STATE] = LIVE;
      return new SharedBuffer(KEY, bytes.buffer as unknown as SharedArrayBuffer, header, bytes);
    };
    received = (heap, header) => new SharedBuffer(KEY, heap, new Int32Array(heap, header, HEADER_BYTES >> 2));
    spend = (buffer) => Atomics.compareExchange(buffer.#header, STATE, LIVE, RELEASED) === LIVE;
    unspend = (buffer) => void Atomics.store(buffer.#header, STATE, LIVE);
  }

  /**
   * Allocates a zeroed buffer of `byteLength` bytes (an integer from 0 to
   * {@linkcode MAX_SHARED_BUFFER_BYTES}) in the heap over `heap` (a {@linkcode SharedHeap}'s
   * buffer); over 1 GiB, or when the heap is full, it throws `CAPACITY_EXCEEDED`.
   */
  static allocate(heap: SharedArrayBuffer, byteLength: number): SharedBuffer {
    if (
      typeof byteLength !== "number" || !Number.isInteger(byteLength) || byteLength < 0 ||
      byteLength > MAX_SHARED_BUFFER_BYTES
    ) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `a SharedBuffer's length must be an integer from 0 to ${MAX_SHARED_BUFFER_BYTES} bytes, got ${
          describe(byteLength)
        }`,
      );
    }
    const shared = heapOver(heap);
    const [data, header] = allocDataAndHeader(shared, byteLength);
    shared.bytes.fill(0, data, data + byteLength);
    const words = new Int32Array(heap, header, HEADER_BYTES >> 2);
    // The data and length are stored before the state: a thread that sees LIVE sees both. The
    // buffer reaches other threads only inside a job's payload, published after this.
    Atomics.store(words, DATA, data);
    Atomics.store(words, LENGTH, byteLength);
    Atomics.store(words, MAGIC, MAGIC_VALUE);
    Atomics.store(words, OWNER, currentThreadId());
    Atomics.store(words, STATE, LIVE);
    listHeader(shared, words, header);
    return new SharedBuffer(KEY, heap, words);
  }

  /**
   * The buffer whose header is at `header` in `heap`, as a decoder finds it in a message; throws
   * {@linkcode BufferReleasedError} when it was released, and `RangeError` when `header` cannot
   * be a header (the caller turns that into its corrupt-message error).
   */
  static at(heap: SharedArrayBuffer, header: number): SharedBuffer {
    checkInstance(heap, SharedArrayBuffer, "SharedBuffer.at() needs a heap's SharedArrayBuffer");
    const words = headerAt(heap, header);
    const state = Atomics.load(words, STATE);
    if (state === RELEASED) throw new BufferReleasedError("received by a job");
    if (state !== LIVE) throw new RangeError(noHeaderAt(header));
    return new SharedBuffer(KEY, heap, words);
  }

  /**
   * Where the buffer is: its heap and its header's byte offset (what a message carries). Throws
   * once released, and for a buffer made by {@linkcode move} (it crosses by its one move instead).
   */
  locate(): { readonly heap: SharedArrayBuffer; readonly header: number } {
    this.#checkLive("passed to a job");
    if (this.#source !== null) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        "a SharedBuffer made by move() has no place in a heap until it is sent",
      );
    }
    return { heap: this.#heap, header: this.#header.byteOffset };
  }

  /** Whether {@linkcode SharedBuffer.release} was called (on any thread). */
  get released(): boolean {
    return Atomics.load(this.#header, STATE) !== LIVE;
  }

  /** A `Uint8Array` over the buffer's bytes (shared memory: no copy). */
  bytes(): Uint8Array {
    return this.array(Uint8Array);
  }

  /**
   * A typed array of class `Kind` over the buffer (`buffer.array(Float64Array)`), as many whole
   * elements as fit; shared memory, no copy.
   */
  array<T>(Kind: TypedArrayClass<T>): T {
    this.#checkLive("read");
    // Any constructor would do for `new`: an Array, a DataView or a class of the caller's got
    // this buffer's heap, offset and length as arguments, a silent wrong result.
    if (typeof Kind !== "function" || !(Kind.prototype instanceof TypedArray)) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `SharedBuffer.array() needs a typed array class (Float64Array, Int32Array...), got ${describe(Kind)}`,
      );
    }
    return new Kind(this.#heap, this.#data, Math.floor(this.byteLength / Kind.BYTES_PER_ELEMENT));
  }

  /**
   * Gives the buffer's memory back to the heap; throws {@linkcode BufferReleasedError} when it
   * already was. A buffer made by {@linkcode move} and not sent yet is only marked released (its
   * memory is its source's).
   */
  release(): void {
    if (Atomics.compareExchange(this.#header, STATE, LIVE, RELEASED) !== LIVE) {
      throw new BufferReleasedError("released again");
    }
    // The header block stays (128 bytes until the runtime ends), so that a later use of this
    // buffer reads RELEASED rather than whatever a reused block would hold.
    if (this.#source === null) heapOver(this.#heap).free(this.#data, Math.max(1, this.byteLength));
  }

  /** Releases the buffer unless it already was (for `using`). */
  [Symbol.dispose](): void {
    if (Atomics.load(this.#header, STATE) === LIVE) this.release();
  }

  #checkLive(use: string): void {
    if (Atomics.load(this.#header, STATE) !== LIVE) throw new BufferReleasedError(use);
  }
}

/**
 * For `move`: a SharedBuffer that stands for `bytes` (a view of the sender's own memory) until it
 * is sent.
 */
export function wrapForMove(bytes: Uint8Array): SharedBuffer {
  return wrap(bytes);
}

/**
 * For the encoder: the bytes a buffer made by {@linkcode move} stands for, or `null` for a buffer
 * of a heap (which crosses by reference).
 */
export function movedBytes(buffer: SharedBuffer): Uint8Array | null {
  try {
    return sourceOf(buffer);
  } catch {
    return null; // a SharedBuffer of another copy of this package: it crosses by `locate()`
  }
}

/**
 * For the encoder: marks a `move` buffer sent (released on this side); `false` when it already
 * was sent or released. {@linkcode unsendMoved} undoes it when the message fails.
 */
export function sendMoved(buffer: SharedBuffer): boolean {
  return spend(buffer);
}

/** Undoes {@linkcode sendMoved} for a message that failed to encode. */
export function unsendMoved(buffer: SharedBuffer): void {
  unspend(buffer);
}

/**
 * For the encoder: copies `bytes` into a new block of the heap over `heap`, with a header in state
 * MOVING (owned by the message being written); returns the header's byte offset.
 */
export function placeMoved(heap: SharedArrayBuffer, bytes: Uint8Array): number {
  const shared = heapOver(heap);
  const length = bytes.byteLength;
  const [data, header] = allocDataAndHeader(shared, length);
  shared.bytes.set(bytes, data); // the one copy
  const words = new Int32Array(heap, header, HEADER_BYTES >> 2);
  // As in `allocate`: the fields before the state, all before the message that names the header
  // is published (by the caller's later `Atomics` publication of the job or result).
  Atomics.store(words, DATA, data);
  Atomics.store(words, LENGTH, length);
  Atomics.store(words, MAGIC, MAGIC_VALUE);
  Atomics.store(words, OWNER, IN_MESSAGE);
  Atomics.store(words, STATE, MOVING);
  listHeader(shared, words, header);
  return header;
}

/**
 * For the decoder: takes ownership of the moved buffer whose header is at `header` (MOVING →
 * LIVE). Throws `RangeError` when `header` is no header, or not one in transit (received already,
 * or dropped): a message's moved buffer is received at most once.
 */
export function receiveMoved(heap: SharedArrayBuffer, header: number): SharedBuffer {
  const words = headerAt(heap, header);
  // The compare-exchange pairs with `dropMoved`'s and with another decoder's: one of them wins.
  if (Atomics.compareExchange(words, STATE, MOVING, LIVE) !== MOVING) {
    throw new RangeError(`the moved SharedBuffer at byte ${header} of the heap was received already or dropped`);
  }
  // After the state: the compare-exchange made this thread the only receiver. A thread that dies
  // between the two leaves the buffer LIVE and IN_MESSAGE, which no death reclaims (a leak of
  // one buffer, for a thread killed from outside within these instructions).
  Atomics.store(words, OWNER, currentThreadId());
  return received(heap, header);
}

/**
 * For the encoder of a job's result: when this thread owns `buffer` (it allocated it, or received
 * it), hands it over to the message being written, as a moved buffer (LIVE → MOVING, owner
 * IN_MESSAGE), and returns its header; the thread that takes the result becomes its owner, and a
 * message dropped unread releases it (`dropMoved`). Returns -1 for a buffer this thread only
 * borrowed (its owner lent it to the job): that one crosses by reference, its owner unchanged.
 * {@linkcode takeBackHandedOver} undoes it for a message that failed to encode.
 */
export function handOverWithResult(buffer: SharedBuffer): number {
  const { heap, header } = buffer.locate();
  const words = headerAt(heap, header);
  if (Atomics.load(words, OWNER) !== currentThreadId()) return -1;
  // The state first: a concurrent release() on a thread it was lent to wins or loses here. A
  // thread that dies before the owner store leaves it MOVING with its own id as owner, which
  // reclaimBuffersOf releases (the message was not published: encoding comes before that).
  if (Atomics.compareExchange(words, STATE, LIVE, MOVING) !== LIVE) throw new BufferReleasedError("returned");
  Atomics.store(words, OWNER, IN_MESSAGE);
  return header;
}

/** Undoes {@linkcode handOverWithResult} (MOVING → LIVE, owned by this thread again). */
export function takeBackHandedOver(heap: SharedArrayBuffer, header: number): void {
  const words = headerAt(heap, header);
  Atomics.store(words, OWNER, currentThreadId());
  Atomics.compareExchange(words, STATE, MOVING, LIVE);
}

/**
 * Releases every buffer of the heap over `heap` that thread `threadId` (a `currentThreadId()`
 * value) still owned, or was handing over in a result it had not finished writing; returns how
 * many and their bytes. Called by a runtime once that thread has ended (its `exit` event: every
 * write it made is visible then, and it makes no more), so that the buffers of a dead job go back
 * to the heap. A buffer it had lent keeps its owner and is not touched. An id that cannot be a dead
 * thread's (this thread's own, -1, anything but an integer from 0 to 2^31 - 2) is core's
 * `INVALID_ARGUMENT` from `checkDeadThreadId`, before anything is freed.
 *
 * @example
 * ```ts
 * import { reclaimBuffersOf, SharedBuffer, SharedHeap } from "@spindle/codec";
 *
 * const heap = SharedHeap.create(1 << 20);
 * const buffer = SharedBuffer.allocate(heap.buffer, 64); // owned by this thread
 * console.log(reclaimBuffersOf(heap.buffer, 12345)); // { buffers: 0, bytes: 0 }: thread 12345 owned none
 * buffer.release();
 * ```
 */
export function reclaimBuffersOf(heap: SharedArrayBuffer, threadId: number): { buffers: number; bytes: number } {
  const shared = heapOver(heap);
  // A dead thread's id, as every recovery takes: this live thread's own would free buffers it
  // still uses, and -1 (Node's threadId after the exit) those of every thread without an id.
  checkDeadThreadId(threadId, "reclaimBuffersOf()");
  let buffers = 0;
  let bytes = 0;
  // Pairs with listHeader's compare-exchange: each header read from the list has its fields.
  for (let header = Atomics.load(shared.words, BUFFER_LIST); header !== 0;) {
    const words = new Int32Array(heap, header, HEADER_BYTES >> 2);
    const state = Atomics.load(words, STATE);
    if (
      Atomics.load(words, OWNER) === threadId && (state === LIVE || state === MOVING) &&
      // Against a release() of a thread it was lent to, and a dropMoved of the (unpublished) message.
      Atomics.compareExchange(words, STATE, state, RELEASED) === state
    ) {
      const length = Atomics.load(words, LENGTH);
      shared.free(Atomics.load(words, DATA), Math.max(1, length));
      buffers++;
      bytes += length;
    }
    header = Atomics.load(words, NEXT);
  }
  return { buffers, bytes };
}

/**
 * Releases the moved buffer at `header` if no thread received it (MOVING → RELEASED); does nothing
 * when it was received (its receiver owns it) or when `header` is no header.
 */
export function dropMoved(heap: SharedArrayBuffer, header: number): void {
  let words: Int32Array;
  try {
    words = headerAt(heap, header);
  } catch {
    return;
  }
  if (Atomics.compareExchange(words, STATE, MOVING, RELEASED) !== MOVING) return;
  heapOver(heap).free(Atomics.load(words, DATA), Math.max(1, Atomics.load(words, LENGTH)));
}

/** The words of a header at `header` in `heap`, checked to be one; `RangeError` otherwise. */
function headerAt(heap: SharedArrayBuffer, header: number): Int32Array {
  if (header <= 0 || header % HEADER_BYTES !== 0 || header + HEADER_BYTES > heap.byteLength) {
    throw new RangeError(noHeaderAt(header));
  }
  const words = new Int32Array(heap, header, HEADER_BYTES >> 2);
  if (Atomics.load(words, MAGIC) !== MAGIC_VALUE) throw new RangeError(noHeaderAt(header));
  const data = Atomics.load(words, DATA);
  const length = Atomics.load(words, LENGTH);
  if (data <= 0 || length < 0 || data + length > heap.byteLength) throw new RangeError(noHeaderAt(header));
  return words;
}

/** The error text for a place that holds no buffer header (the same whether or not the message is in a heap). */
export function noHeaderAt(header: number): string {
  return `no SharedBuffer header at byte ${header} of the heap the message is in`;
}

/** Whether `value` is a SharedBuffer of any copy of this package. */
export function isSharedBuffer(value: unknown): value is SharedBuffer {
  if (typeof value !== "object" || value === null) return false;
  try {
    return (value as Record<symbol, unknown>)[SHARED_BUFFER] === true;
  } catch {
    return false; // a revoked Proxy, a throwing trap: never a SharedBuffer, which is a plain class instance
  }
}
