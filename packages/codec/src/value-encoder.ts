import { caughtInstanceOf, checkTypeOf, describe, SpindleError } from "@spindle/core";
import { BufferReleasedError, UncloneableValueError } from "./errors.ts";
import {
  dropMoved,
  handOverWithResult,
  isSharedBuffer,
  movedBytes,
  placeMoved,
  sendMoved,
  type SharedBuffer,
  takeBackHandedOver,
  unsendMoved,
} from "./shared-buffer.ts";
import {
  ARRAY,
  ARRAY_BUFFER,
  BACK_REFERENCE,
  BIGINT,
  BIGINT64,
  BOXED,
  DATA_VIEW,
  DATE,
  ERROR,
  FALSE,
  FLOAT64,
  HAS_BACK_REFERENCES,
  HAS_MOVES,
  HOLE,
  INT32,
  MAP,
  MAX_SHORT_STRING,
  MOVED_BUFFER,
  NULL,
  NULL_PROTO_OBJECT,
  OBJECT,
  REGEXP,
  RESIZABLE_ARRAY_BUFFER,
  SET,
  SHARED_BUFFER,
  SPARSE_ARRAY,
  STRING_ASCII,
  STRING_UTF16,
  STRING_UTF8,
  TRUE,
  TYPED_ARRAY,
  TYPED_ARRAY_NAMES,
  TYPED_ARRAY_PADDING_SHIFT,
  UNDEFINED,
} from "./value-tags.ts";
import {
  bufferByteLength,
  bufferDetached,
  dataViewBuffer,
  dataViewByteLength,
  dataViewByteOffset,
  getter,
  typedArrayBuffer,
  typedArrayByteLength,
  typedArrayByteOffset,
  typedArrayName,
} from "./builtin-getters.ts";

/**
 * From this length on, an array is checked for holes: when most of `SPARSE_SAMPLES` evenly spaced
 * indices are missing it is sent as SPARSE_ARRAY, its present indices only. Otherwise
 * `new Array(2 ** 32 - 1)` would be 4 GiB of HOLEs (and as long a loop); structured clone keeps
 * such arrays sparse too. Listing the indices (`Object.keys`) is cheap for a sparse array and
 * costs 240 ns (V8) to 1.5 µs (Bun) per element of a dense one, hence the sampling first.
 */
const SPARSE_MIN_LENGTH = 1 << 16;
const SPARSE_SAMPLES = 32;
/** How many objects a message may hold before identity lookups move from a scan to a `Map`. */
const SCAN_LIMIT = 16;
const MAX_U32 = 0xffff_ffff;
/** The largest scratch buffer an encoder may start with (it grows beyond as messages need). */
const MAX_INITIAL_CAPACITY = 2 ** 30;

/** What works instead for shared memory (a sync channel's or semaphore's handle carries some too). */
const SHARE_ROUTE = "pass it in the runtime's workerData option (jobs read it as jobs.workerData) " +
  "or post it to a worker you own; for data, use runtime.alloc() or move()";
const SHARE_INSTEAD = `cannot cross threads as a value: ${SHARE_ROUTE}`;
const SHARED_VIEW = `is backed by a SharedArrayBuffer, which cannot cross threads as a value: ${SHARE_ROUTE}`;
const NOT_PLAIN = "cannot cross threads: only plain objects, arrays and built-ins such as Map, Date or Error can";

// The built-ins' own methods and getters, taken before any user code runs: what is read through
// them comes from the object's internal slots, so a getter or an own property that shadows one
// (`Object.defineProperty(bytes, "byteLength", …)`) cannot make the encoder copy other bytes than
// the view covers, and an object that only inherits from a built-in's prototype
// (`Object.create(Map.prototype)`, a Proxy of a Map) fails their brand check (see `#branded`).
const hasOwn = Object.prototype.hasOwnProperty;
const getTime = Date.prototype.getTime;
const mapForEach = Map.prototype.forEach as (
  this: Map<unknown, unknown>,
  f: (value: unknown, key: unknown) => void,
) => void;
const setForEach = Set.prototype.forEach as (this: Set<unknown>, f: (value: unknown) => void) => void;
const numberValue = Number.prototype.valueOf;
const stringValue = String.prototype.valueOf;
const booleanValue = Boolean.prototype.valueOf;
const bigintValue = BigInt.prototype.valueOf;

const mapSize = getter<number>(Map.prototype, "size");
const setSize = getter<number>(Set.prototype, "size");
const bufferMaxByteLength = getter<number>(ArrayBuffer.prototype, "maxByteLength");
const bufferResizable = getter<boolean>(ArrayBuffer.prototype, "resizable");
const regExpSource = getter<string>(RegExp.prototype, "source");
/** The flag getters this runtime has, in the order `RegExp.prototype.flags` lists them. */
const regExpFlags: [string, (this: unknown) => boolean][] = [
  ["d", "hasIndices"],
  ["g", "global"],
  ["i", "ignoreCase"],
  ["m", "multiline"],
  ["s", "dotAll"],
  ["u", "unicode"],
  ["v", "unicodeSets"],
  ["y", "sticky"],
]
  .filter(([, name]) => Object.getOwnPropertyDescriptor(RegExp.prototype, name!)?.get !== undefined)
  .map(([flag, name]) => [flag!, getter<boolean>(RegExp.prototype, name!)]);
const typedArrayKinds = new Map(TYPED_ARRAY_NAMES.map((name, kind) => [name, kind]));
/** The element size of each typed array kind (1 for a kind this runtime lacks: it has no such views to send). */
const typedArrayElementBytes = TYPED_ARRAY_NAMES.map((name) =>
  (globalThis as unknown as Record<string, { BYTES_PER_ELEMENT?: number } | undefined>)[name]?.BYTES_PER_ELEMENT ?? 1
);
const SharedArrayBufferClass: typeof SharedArrayBuffer | undefined = globalThis.SharedArrayBuffer;
const textEncoder = new TextEncoder();

/** An uncloneable value met while encoding; each container it sits in adds its step on the way out. */
class Rejected {
  readonly value: unknown;
  readonly why: string | undefined;
  readonly cause: unknown;
  readonly steps: string[] = [];

  constructor(value: unknown, why?: string, cause?: unknown) {
    this.value = value;
    this.why = why;
    this.cause = cause;
  }
}

// What these two look at may be anything a getter of the value threw (a revoked Proxy, on which
// `instanceof` throws): it passes through unchanged, as any error a getter throws.

/** Whether `error` is the engine's stack overflow (V8 and JavaScriptCore both throw this RangeError). */
function isStackOverflow(error: unknown): boolean {
  try {
    return error instanceof RangeError && /call stack/i.test(error.message);
  } catch {
    return false; // a value whose prototype or message cannot be read: not the engine's
  }
}

/** Adds `step` to the path of a rejection passing through a container. */
function through(error: unknown, step: string): unknown {
  if (caughtInstanceOf(error, Rejected)) error.steps.push(step);
  return error;
}

/** The path step of property `key`: `.name`, or `["not an identifier"]`. */
function propertyStep(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The path step of the value of a Map entry: `.get(key)` for a primitive key, else by position. */
function mapValueStep(key: unknown, index: number): string {
  switch (typeof key) {
    case "string":
      return `.get(${JSON.stringify(key)})`;
    case "bigint":
      return `.get(${key}n)`;
    case "number":
    case "boolean":
    case "undefined":
      return `.get(${Object.is(key, -0) ? "-0" : String(key)})`;
    default:
      return key === null ? ".get(null)" : `.values()[${index}]`;
  }
}

/** The value of a lowercase hex digit's character code. */
function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/** Whether fewer than a quarter of `SPARSE_SAMPLES` evenly spaced indices of `array` are present. */
function isMostlyHoles(array: readonly unknown[], n: number): boolean {
  let present = 0;
  for (let k = 0; k < SPARSE_SAMPLES; k++) if (Math.floor(((k + 0.5) * n) / SPARSE_SAMPLES) in array) present++;
  return present < SPARSE_SAMPLES / 4;
}

/** Whether `value` has the internal slots that `intrinsic` (a built-in's method or getter) reads. */
function isA(intrinsic: (this: unknown) => unknown, value: object): boolean {
  try {
    intrinsic.call(value);
    return true;
  } catch {
    return false;
  }
}

function isShared(buffer: ArrayBufferLike): boolean {
  return SharedArrayBufferClass !== undefined && buffer instanceof SharedArrayBufferClass;
}

/**
 * Encodes job arguments and results into the wire format of `value-tags.ts`, with the semantics of
 * structured clone: cycles and shared references survive, functions, symbols and class instances
 * are refused with an `UncloneableValueError` naming where they sit. One encoder is reused for
 * every message of a thread: its scratch buffer only grows, and a small acyclic value costs no
 * allocation. Reentrant: a getter (or Proxy trap, or an error's stack formatter) read while encoding
 * may spawn a job, whose arguments the same encoder then encodes into a scratch buffer of their
 * own, leaving the encoding in progress untouched (see `encode`).
 *
 * Where it differs from structured clone: class instances (and objects whose prototype is another
 * object) are refused rather than copied as plain objects; an array's non-index properties are
 * dropped (its holes are kept); a typed array or DataView carries only the bytes it covers, into a
 * buffer of its own, so views that shared a buffer (or a view sent with its buffer) no longer
 * share one; SharedArrayBuffers are refused instead of shared; errors keep any name and their own
 * enumerable properties; null-prototype objects keep their null prototype. Encoding recurses, so
 * nesting is bounded by the stack, as in V8's serializer: a value nested deeper is refused with an
 * `UncloneableValueError` (the engine's stack overflow as its `cause`).
 */
export class ValueEncoder {
  #u8: Uint8Array;
  #view: DataView;
  #pos = 0;
  #length = 0;
  #bytes: Uint8Array | undefined;
  /** The objects of the message so far, in id order, while there are at most SCAN_LIMIT. */
  readonly #seen: unknown[] = new Array<unknown>(SCAN_LIMIT).fill(undefined);
  #seenCount = 0;
  /** Object → id, once a message holds more than SCAN_LIMIT objects; kept and cleared. */
  #ids: Map<object, number> | undefined;
  #backReferences = false;
  #heap: SharedArrayBuffer | null = null;
  /** Whether an `encode` is running: a call made meanwhile goes to `#nested`. */
  #busy = false;
  /** Encodes what is sent while this encoder is busy; made on the first such call. */
  #nested: ValueEncoder | undefined;
  /** The buffer holding the last finished encoding: the scratch buffer, or a nested encoder's. */
  #result: Uint8Array;
  /** The `move` buffers sent in the message being (or last) written, and their headers in the heap. */
  readonly #moves: SharedBuffer[] = [];
  readonly #moveHeaders: number[] = [];
  /** Of `#moveHeaders`, the buffers this thread owned and hands over with a result (see `#sharedBuffer`). */
  readonly #handedOver: number[] = [];
  /** Whether the message being written is a job's result (`root` "result"). */
  #isResult = false;
  /** The encoder that wrote the last finished encoding: this one, or its nested one. */
  #last: ValueEncoder = this;

  /**
   * Creates an encoder whose scratch buffer starts at `capacity` bytes (an integer from 0 to
   * 2^30; at least 16 are taken); it grows as messages need.
   */
  constructor(capacity = 1024) {
    if (
      typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 0 || capacity > MAX_INITIAL_CAPACITY
    ) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `a ValueEncoder's capacity must be an integer from 0 to ${MAX_INITIAL_CAPACITY} bytes, got ${
          describe(capacity)
        }`,
      );
    }
    const buffer = new ArrayBuffer(Math.max(16, capacity));
    this.#u8 = this.#result = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
  }

  /**
   * Encodes `value` into the scratch buffer and returns its byte length. `job` is the job's name
   * (for errors: `job "fib"`), `root` the top-level path (`args` or `result`). Throws an
   * `UncloneableValueError` whose path locates the refused value (`args[1].items[3]`); an error
   * thrown by a getter propagates unchanged. Nothing but this encoder's scratch memory is used
   * until it returns, so a throw leaves nothing to release.
   *
   * A call made while another runs (a getter of the value being encoded spawns a job: user code
   * runs inside `encode` through getters, Proxy traps and `Error.prepareStackTrace`) is served by
   * a nested encoder with a scratch buffer and object table of its own, so neither encoding sees
   * the other's bytes; its result is `bytes` until the outer call finishes and replaces it.
   *
   * A buffer made by `move` is copied into a block of the heap (see `useHeap`) that the message
   * then owns; a caller that does not store the message where a decoder will read it (or release
   * it with `dropMessage`) calls {@linkcode ValueEncoder.discard}. A throw releases them itself.
   */
  encode(value: unknown, job: string, root: string): number {
    // Both go into the message of a refusal; checked on every call, not only when one is thrown.
    if (typeof job !== "string") checkTypeOf(job, "string", "ValueEncoder.encode(): job");
    if (typeof root !== "string") checkTypeOf(root, "string", "ValueEncoder.encode(): root");
    this.#bytes = undefined;
    this.#length = 0;
    if (this.#busy) {
      const nested = (this.#nested ??= new ValueEncoder(64));
      nested.#heap = this.#heap;
      const length = nested.encode(value, job, root);
      this.#result = nested.#result;
      this.#last = nested;
      this.#bytes = undefined; // a call nested in this one may have set it
      return (this.#length = length);
    }
    this.#busy = true;
    this.#pos = 1;
    this.#backReferences = false;
    this.#moves.length = 0;
    this.#moveHeaders.length = 0;
    this.#handedOver.length = 0;
    this.#isResult = root === "result";
    try {
      this.#value(value);
      if (this.#moveHeaders.length > 0) this.#writeMoves();
    } catch (error) {
      this.#undoMoves();
      if (caughtInstanceOf(error, Rejected)) {
        throw new UncloneableValueError(
          `job ${JSON.stringify(job)}`,
          root + error.steps.reverse().join(""),
          error.value,
          error.why,
          error.cause === undefined ? undefined : { cause: error.cause },
        );
      }
      if (isStackOverflow(error)) {
        // Nesting deeper than this thread's stack: a typed error instead of the engine's bare one.
        throw new UncloneableValueError(
          `job ${JSON.stringify(job)}`,
          root,
          value,
          "is nested too deeply to encode on this thread's stack",
          { cause: error },
        );
      }
      throw error;
    } finally {
      this.#forget();
      this.#busy = false;
    }
    this.#u8[0] = (this.#backReferences ? HAS_BACK_REFERENCES : 0) | (this.#moveHeaders.length > 0 ? HAS_MOVES : 0);
    this.#result = this.#u8;
    this.#last = this;
    this.#bytes = undefined; // a nested call may have set it
    return (this.#length = this.#pos);
  }

  /**
   * Drops the last finished message, which its caller will not store (a spawn refused after its
   * arguments were encoded): the buffers it moved into the heap are released, and the buffers
   * `move` made can be sent again. Without moved buffers it does nothing.
   */
  discard(): void {
    const last = this.#last;
    if (last !== this) return last.discard();
    this.#undoMoves();
  }

  /** Releases the heap blocks of the message's moved buffers and makes their `move` buffers sendable again. */
  #undoMoves(): void {
    const heap = this.#heap;
    const headers = this.#moveHeaders;
    const handedOver = this.#handedOver;
    if (heap !== null) {
      for (const header of headers) {
        if (handedOver.includes(header)) takeBackHandedOver(heap, header);
        else dropMoved(heap, header);
      }
    }
    for (const buffer of this.#moves) unsendMoved(buffer);
    this.#moves.length = 0;
    headers.length = 0;
    handedOver.length = 0;
  }

  /** The list of moved buffers' headers that ends a message holding any (see `value-tags.ts`). */
  #writeMoves(): void {
    const headers = this.#moveHeaders;
    this.#reserve(4 * headers.length + 4);
    const view = this.#view;
    let pos = this.#pos;
    for (const header of headers) {
      view.setUint32(pos, header, true);
      pos += 4;
    }
    view.setUint32(pos, headers.length, true);
    this.#pos = pos + 4;
  }

  /** The bytes of the last finished encoding: a view of scratch memory, valid until the next `encode`. */
  get bytes(): Uint8Array {
    return (this.#bytes ??= this.#result.subarray(0, this.#length));
  }

  /** Drops the references to the message's objects so the encoder keeps none alive. */
  #forget(): void {
    const count = this.#seenCount;
    if (count > SCAN_LIMIT) {
      this.#ids!.clear();
    } else {
      const seen = this.#seen;
      for (let i = 0; i < count; i++) seen[i] = undefined;
    }
    this.#seenCount = 0;
  }

  /** Makes room for `n` more bytes. */
  #reserve(n: number): void {
    if (this.#pos + n > this.#u8.length) this.#grow(n);
  }

  #grow(n: number): void {
    // From at least 16 bytes, so that doubling always makes progress.
    let capacity = Math.max(16, this.#u8.length * 2);
    while (capacity < this.#pos + n) capacity *= 2;
    const buffer = new ArrayBuffer(capacity);
    const u8 = new Uint8Array(buffer);
    u8.set(this.#u8.subarray(0, this.#pos));
    this.#u8 = u8;
    this.#view = new DataView(buffer);
  }

  #tag(tag: number): void {
    this.#reserve(1);
    this.#u8[this.#pos++] = tag;
  }

  /** Writes `tag` and a u32 that must fit (lengths of buffers may not). */
  #tagAndLength(tag: number, length: number, value: unknown): void {
    if (length > MAX_U32) throw new Rejected(value, "is larger than 4 GiB, the most one message can carry");
    this.#reserve(5);
    const pos = this.#pos;
    this.#u8[pos] = tag;
    this.#view.setUint32(pos + 1, length, true);
    this.#pos = pos + 5;
  }

  #value(value: unknown): void {
    switch (typeof value) {
      case "number":
        return this.#number(value);
      case "string":
        return this.#string(value);
      case "object":
        return value === null ? this.#tag(NULL) : this.#object(value);
      case "boolean":
        return this.#tag(value ? TRUE : FALSE);
      case "undefined":
        return this.#tag(UNDEFINED);
      case "bigint":
        return this.#bigint(value);
      default:
        throw new Rejected(value);
    }
  }

  #number(value: number): void {
    this.#reserve(9);
    const pos = this.#pos;
    if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
      this.#u8[pos] = INT32;
      this.#view.setInt32(pos + 1, value, true);
      this.#pos = pos + 5;
    } else {
      this.#u8[pos] = FLOAT64;
      this.#view.setFloat64(pos + 1, value, true);
      this.#pos = pos + 9;
    }
  }

  #string(value: string): void {
    const n = value.length;
    if (n > MAX_SHORT_STRING) return this.#longString(value);
    this.#reserve(2 + n);
    const u8 = this.#u8;
    const start = this.#pos + 2;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return this.#longString(value);
      u8[start + i] = c;
    }
    u8[start - 2] = STRING_ASCII;
    u8[start - 1] = n;
    this.#pos = start + n;
  }

  /** A string that is long or not ASCII: UTF-8, or UTF-16 code units when it has lone surrogates. */
  #longString(value: string): void {
    const n = value.length;
    if (!value.isWellFormed()) {
      this.#tagAndLength(STRING_UTF16, n, value);
      this.#reserve(2 * n);
      const view = this.#view;
      const start = this.#pos;
      for (let i = 0; i < n; i++) view.setUint16(start + 2 * i, value.charCodeAt(i), true);
      this.#pos = start + 2 * n;
      return;
    }
    const at = this.#pos;
    this.#tagAndLength(STRING_UTF8, 0, value);
    // At least one byte per code unit; when that is not enough, room for the rest at three bytes
    // each (encodeInto never splits a surrogate pair, so `read` is a safe place to resume).
    this.#reserve(n);
    const first = textEncoder.encodeInto(value, this.#u8.subarray(this.#pos));
    this.#pos += first.written;
    if (first.read < n) {
      this.#reserve(3 * (n - first.read));
      this.#pos += textEncoder.encodeInto(value.slice(first.read), this.#u8.subarray(this.#pos)).written;
    }
    this.#view.setUint32(at + 1, this.#pos - at - 5, true);
  }

  #bigint(value: bigint): void {
    if (BigInt.asIntN(64, value) === value) {
      this.#reserve(9);
      this.#u8[this.#pos] = BIGINT64;
      this.#view.setBigInt64(this.#pos + 1, value, true);
      this.#pos += 9;
      return;
    }
    // The magnitude's hex digits, two to a byte from the least significant end: `toString(16)` is
    // linear, where peeling 64-bit words off with `>> 64n` copies the rest each time (quadratic:
    // 33 s for a 512 KiB bigint on Node 24).
    const negative = value < 0n;
    const hex = (negative ? -value : value).toString(16);
    const digits = hex.length;
    const words = Math.ceil(digits / 16);
    this.#reserve(6 + 8 * words);
    const u8 = this.#u8;
    let pos = this.#pos;
    u8[pos] = BIGINT;
    u8[pos + 1] = negative ? 1 : 0;
    this.#view.setUint32(pos + 2, words, true);
    pos += 6;
    const end = pos + 8 * words;
    let d = digits;
    for (; d >= 2; d -= 2) u8[pos++] = (hexValue(hex.charCodeAt(d - 2)) << 4) | hexValue(hex.charCodeAt(d - 1));
    if (d === 1) u8[pos++] = hexValue(hex.charCodeAt(0));
    u8.fill(0, pos, end);
    this.#pos = end;
  }

  /** The id of `value` if the message already holds it; otherwise gives it the next id and returns -1. */
  #idOf(value: object): number {
    const count = this.#seenCount;
    if (count < SCAN_LIMIT) {
      const seen = this.#seen;
      for (let i = 0; i < count; i++) if (seen[i] === value) return i;
      seen[count] = value;
    } else {
      let ids = this.#ids;
      if (count === SCAN_LIMIT) {
        const seen = this.#seen;
        for (let i = 0; i < count; i++) if (seen[i] === value) return i;
        ids ??= this.#ids = new Map();
        for (let i = 0; i < count; i++) {
          ids.set(seen[i] as object, i);
          seen[i] = undefined;
        }
      } else {
        const id = ids!.get(value);
        if (id !== undefined) return id;
      }
      ids!.set(value, count);
    }
    this.#seenCount = count + 1;
    return -1;
  }

  #object(value: object): void {
    const id = this.#idOf(value);
    if (id >= 0) {
      this.#backReferences = true;
      this.#reserve(5);
      this.#u8[this.#pos] = BACK_REFERENCE;
      this.#view.setUint32(this.#pos + 1, id, true);
      this.#pos += 5;
      return;
    }
    let proto: unknown;
    try {
      proto = Object.getPrototypeOf(value);
    } catch (error) {
      // A revoked Proxy, or a Proxy whose getPrototypeOf trap throws: nothing of it can be read.
      throw new Rejected(value, "cannot be read (its prototype could not be read)", error);
    }
    // Not an object that merely inherits from Array.prototype: it would cross as an empty array.
    if (proto === Array.prototype && Array.isArray(value)) return this.#array(value as readonly unknown[]);
    if (proto === Object.prototype || proto === null) return this.#plainObject(value, proto === null);
    this.#builtIn(value);
  }

  #array(array: readonly unknown[]): void {
    const n = array.length;
    if (n >= SPARSE_MIN_LENGTH && isMostlyHoles(array, n)) return this.#sparseArray(array, n);
    this.#tagAndLength(ARRAY, n, array);
    let i = 0;
    try {
      for (; i < n; i++) {
        const item = array[i];
        if (item === undefined && !(i in array)) this.#tag(HOLE);
        else this.#value(item);
      }
    } catch (error) {
      throw through(error, `[${i}]`);
    }
  }

  /** An array that is mostly holes: its length, then each present index with its value. */
  #sparseArray(array: readonly unknown[], n: number): void {
    this.#tagAndLength(SPARSE_ARRAY, n, array);
    this.#reserve(4);
    const at = this.#pos;
    this.#pos = at + 4;
    // Properties that are not indices are dropped, as in ARRAY. An array lists its indices in
    // rising order; a Proxy's `ownKeys` may not (sorting a sorted list is one pass).
    const indices: number[] = [];
    for (const key of Object.keys(array)) {
      const index = Number(key);
      if (index < n && String(index) === key) indices.push(index);
    }
    indices.sort((a, b) => a - b);
    let count = 0;
    let index = 0;
    try {
      for (; count < indices.length; count++) {
        index = indices[count]!;
        this.#reserve(4);
        this.#view.setUint32(this.#pos, index, true);
        this.#pos += 4;
        this.#value(array[index]);
      }
    } catch (error) {
      throw through(error, `[${index}]`);
    }
    this.#view.setUint32(at, count, true);
  }

  #plainObject(object: object, nullProto: boolean): void {
    this.#reserve(5);
    const at = this.#pos;
    this.#u8[at] = nullProto ? NULL_PROTO_OBJECT : OBJECT;
    this.#pos = at + 5;
    let count = 0;
    let key = "";
    try {
      for (key in object) {
        if (!hasOwn.call(object, key)) continue;
        this.#string(key);
        this.#value((object as Record<string, unknown>)[key]);
        count++;
      }
    } catch (error) {
      throw through(error, propertyStep(key));
    }
    this.#view.setUint32(at + 1, count, true);
  }

  /**
   * Every accepted object other than a plain object or a plain array. `instanceof` only picks the
   * candidate: an object that merely inherits from a built-in's prototype, or a Proxy of one, has
   * none of its internal slots, and `isA` refuses it as an uncloneable object rather than let the
   * built-in's method throw a bare TypeError.
   */
  #builtIn(value: object): void {
    if (isSharedBuffer(value)) return this.#sharedBuffer(value);
    if (Array.isArray(value)) return this.#array(value);
    if (ArrayBuffer.isView(value)) return this.#arrayBufferView(value);
    if (value instanceof Date && isA(getTime, value)) {
      this.#reserve(9);
      this.#u8[this.#pos] = DATE;
      this.#view.setFloat64(this.#pos + 1, getTime.call(value), true);
      this.#pos += 9;
      return;
    }
    if (value instanceof Error) return this.#error(value);
    if (value instanceof Map && isA(mapSize, value)) return this.#map(value);
    if (value instanceof Set && isA(setSize, value)) return this.#set(value);
    if (value instanceof RegExp && isA(regExpSource, value)) {
      this.#tag(REGEXP);
      this.#string(regExpSource.call(value));
      let flags = "";
      for (const [flag, get] of regExpFlags) if (get.call(value)) flags += flag;
      this.#string(flags);
      return;
    }
    if (value instanceof ArrayBuffer && isA(bufferByteLength, value)) return this.#arrayBuffer(value);
    if (SharedArrayBufferClass !== undefined && value instanceof SharedArrayBufferClass) {
      throw new Rejected(value, SHARE_INSTEAD);
    }
    if (value instanceof Number && isA(numberValue, value)) return this.#boxed(numberValue.call(value));
    if (value instanceof String && isA(stringValue, value)) return this.#boxed(stringValue.call(value));
    if (value instanceof Boolean && isA(booleanValue, value)) return this.#boxed(booleanValue.call(value));
    if (value instanceof BigInt && isA(bigintValue, value)) return this.#boxed(bigintValue.call(value));
    const plainly = value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet ||
      value instanceof WeakRef;
    throw new Rejected(value, plainly ? undefined : NOT_PLAIN);
  }

  /**
   * A SharedBuffer crosses as its header's place in the heap: its bytes are not copied. In a job's
   * result, a buffer this thread owns goes with it (to whoever takes the result), as a moved one;
   * one it borrowed crosses by reference, its owner unchanged.
   */
  #sharedBuffer(buffer: SharedBuffer): void {
    const moved = movedBytes(buffer);
    if (moved !== null) return this.#movedBuffer(buffer, moved);
    const { heap, header } = buffer.locate();
    if (heap !== this.#heap) throw new Rejected(buffer, "belongs to another runtime's heap");
    // (A second object for a header handed over already reads MOVING: `locate` threw above.)
    if (this.#isResult && handOverWithResult(buffer) === header) {
      this.#handedOver.push(header);
      this.#moveHeaders.push(header);
      this.#reserve(5);
      this.#u8[this.#pos] = MOVED_BUFFER;
      this.#view.setUint32(this.#pos + 1, header, true);
      this.#pos += 5;
      return;
    }
    this.#reserve(5);
    this.#u8[this.#pos] = SHARED_BUFFER;
    this.#view.setUint32(this.#pos + 1, header, true);
    this.#pos += 5;
  }

  /**
   * A buffer made by `move`: its bytes, copied once straight from the sender's memory into a new
   * block of the heap, which the message owns until a decoder receives it. The `move` buffer is
   * marked sent at once (a getter that sends it again meanwhile finds it released).
   */
  #movedBuffer(buffer: SharedBuffer, bytes: Uint8Array): void {
    const heap = this.#heap;
    if (heap === null) {
      throw new Rejected(buffer, "was made by move(), which needs a runtime's shared heap to move into");
    }
    // A source that was detached or shrunk since `move` reads shorter than the buffer it made.
    if (bytes.byteLength !== buffer.byteLength) {
      throw new Rejected(buffer, "was made by move() over an ArrayBuffer since detached or shrunk");
    }
    if (!sendMoved(buffer)) throw new BufferReleasedError("passed to a job");
    let header: number;
    try {
      header = placeMoved(heap, bytes);
    } catch (error) {
      unsendMoved(buffer);
      throw error;
    }
    this.#moves.push(buffer);
    this.#moveHeaders.push(header);
    this.#reserve(5);
    this.#u8[this.#pos] = MOVED_BUFFER;
    this.#view.setUint32(this.#pos + 1, header, true);
    this.#pos += 5;
  }

  /**
   * The runtime's heap: SharedBuffers of it may be sent (by reference); without it (an encoder
   * that writes outside any runtime), none.
   */
  useHeap(heap: SharedArrayBuffer): void {
    this.#heap = heap;
  }

  #boxed(primitive: unknown): void {
    this.#tag(BOXED);
    this.#value(primitive);
  }

  #map(map: Map<unknown, unknown>): void {
    this.#reserve(5);
    const at = this.#pos;
    this.#u8[at] = MAP;
    this.#pos = at + 5;
    let count = 0;
    let key: unknown;
    let onKey = true;
    try {
      mapForEach.call(map, (value, k) => {
        key = k;
        onKey = true;
        this.#value(k);
        onKey = false;
        this.#value(value);
        count++;
      });
    } catch (error) {
      throw through(error, onKey ? `.keys()[${count}]` : mapValueStep(key, count));
    }
    this.#view.setUint32(at + 1, count, true);
  }

  #set(set: Set<unknown>): void {
    this.#reserve(5);
    const at = this.#pos;
    this.#u8[at] = SET;
    this.#pos = at + 5;
    let count = 0;
    try {
      setForEach.call(set, (value) => {
        this.#value(value);
        count++;
      });
    } catch (error) {
      throw through(error, `.values()[${count}]`);
    }
    this.#view.setUint32(at + 1, count, true);
  }

  /** Copies `length` bytes of `buffer` from `offset` into the message. */
  #bytesOf(buffer: ArrayBufferLike, offset: number, length: number): void {
    this.#reserve(length);
    this.#u8.set(new Uint8Array(buffer, offset, length), this.#pos);
    this.#pos += length;
  }

  #arrayBuffer(buffer: ArrayBuffer): void {
    if (bufferDetached.call(buffer)) throw new Rejected(buffer, "is detached");
    const length = bufferByteLength.call(buffer);
    if (bufferResizable.call(buffer)) {
      this.#tagAndLength(RESIZABLE_ARRAY_BUFFER, length, buffer);
      const max = bufferMaxByteLength.call(buffer);
      if (max > MAX_U32) throw new Rejected(buffer, "may grow beyond 4 GiB, the most one message can carry");
      this.#reserve(4);
      this.#view.setUint32(this.#pos, max, true);
      this.#pos += 4;
    } else {
      this.#tagAndLength(ARRAY_BUFFER, length, buffer);
    }
    this.#bytesOf(buffer, 0, length);
  }

  /** A typed array or DataView: the bytes it covers, copied (its buffer is not sent). */
  #arrayBufferView(view: ArrayBufferView): void {
    const name = typedArrayName.call(view);
    const buffer = (name === undefined ? dataViewBuffer : typedArrayBuffer).call(view);
    if (isShared(buffer)) throw new Rejected(view, SHARED_VIEW);
    if (bufferDetached.call(buffer)) throw new Rejected(view, "is over a detached ArrayBuffer");
    // A view whose resizable buffer shrank below it is "out of bounds": its getters throw.
    let offset: number;
    let length: number;
    try {
      offset = (name === undefined ? dataViewByteOffset : typedArrayByteOffset).call(view);
      length = (name === undefined ? dataViewByteLength : typedArrayByteLength).call(view);
    } catch {
      throw new Rejected(view, "is out of bounds of its resized ArrayBuffer");
    }
    if (name === undefined) {
      this.#tagAndLength(DATA_VIEW, length, view);
    } else {
      const kind = typedArrayKinds.get(name)!;
      // Zero bytes before the elements, so that they start at a multiple of their size from the
      // message's start (after the tag, the kind byte and the length: 6 bytes): a message placed
      // at such a multiple (a shared heap's blocks are) can be read in place (decodeValue's `lend`).
      const padding = -(this.#pos + 6) & (typedArrayElementBytes[kind]! - 1);
      this.#tag(TYPED_ARRAY);
      // The kind byte, with the padding in its high bits, stands where #tagAndLength puts its tag.
      this.#tagAndLength(kind | (padding << TYPED_ARRAY_PADDING_SHIFT), length, view);
      this.#reserve(padding);
      this.#u8.fill(0, this.#pos, this.#pos + padding);
      this.#pos += padding;
    }
    this.#bytesOf(buffer, offset, length);
  }

  #error(error: Error): void {
    const name: unknown = error.name;
    const message: unknown = error.message;
    this.#tag(ERROR);
    this.#string(typeof name === "string" ? name : "Error");
    this.#string(typeof message === "string" ? message : String(message));
    this.#reserve(4);
    const at = this.#pos;
    this.#pos = at + 4;
    let count = 0;
    let key = "stack";
    try {
      const stack: unknown = error.stack;
      if (typeof stack === "string") {
        this.#string(key);
        this.#string(stack);
        count++;
      }
      key = "cause";
      if (hasOwn.call(error, key)) {
        this.#string(key);
        this.#value(error.cause);
        count++;
      }
      key = "errors";
      if (hasOwn.call(error, key)) {
        this.#string(key);
        this.#value((error as AggregateError).errors);
        count++;
      }
      for (key in error) {
        if (!hasOwn.call(error, key) || isErrorField(key)) continue;
        this.#string(key);
        this.#value((error as unknown as Record<string, unknown>)[key]);
        count++;
      }
    } catch (caught) {
      throw through(caught, propertyStep(key));
    }
    this.#view.setUint32(at, count, true);
  }
}

/** The properties of an error that ERROR carries in its own slots. */
function isErrorField(key: string): boolean {
  return key === "name" || key === "message" || key === "stack" || key === "cause" || key === "errors";
}
