import { Buffer } from "node:buffer";
import { checkInstance, checkOptions, describe, HOST_RUNTIME, SpindleError } from "@spindle/core";
import { CorruptValueError } from "./errors.ts";
import { dropMoved, noHeaderAt, receiveMoved, SharedBuffer } from "./shared-buffer.ts";
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
  ERROR_NAMES,
  FALSE,
  FLOAT64,
  HAS_BACK_REFERENCES,
  HAS_MOVES,
  HOLE,
  INT32,
  MAP,
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
  TYPED_ARRAY_KIND_MASK,
  TYPED_ARRAY_NAMES,
  TYPED_ARRAY_PADDING_SHIFT,
  UNDEFINED,
} from "./value-tags.ts";

type ViewConstructor = new (buffer: ArrayBuffer) => ArrayBufferView;
/** A typed array class as a lent decode makes one: a view of part of a buffer. */
type LentClass = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;

const UINT8_KIND = TYPED_ARRAY_NAMES.indexOf("Uint8Array");
/** The typed array constructors by kind; `undefined` for a kind this runtime lacks (Float16Array). */
const typedArrayClasses = TYPED_ARRAY_NAMES.map((name) =>
  (globalThis as Record<string, unknown>)[name] as ViewConstructor | undefined
);
const errorClasses = new Map(
  ERROR_NAMES.map((name) => [name, (globalThis as Record<string, unknown>)[name] as ErrorConstructor]),
);
/** Beyond this length `new Array(n)` may make a slow dictionary-mode array; such arrays grow by push. */
const PREALLOCATED_ARRAY_LIMIT = 50_000;
const SharedArrayBufferClass: typeof SharedArrayBuffer | undefined = globalThis.SharedArrayBuffer;
const textDecoder = new TextDecoder();
// Taken before user code runs, so that a replaced Map.prototype.set (or Set.prototype.add,
// Array.prototype.push) is not called on the objects being decoded.
const mapSet = Map.prototype.set;
const setAdd = Set.prototype.add;
const arrayPush = Array.prototype.push;
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY_U8.buffer);
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
/** The tags BOXED may wrap: the primitives that have wrapper objects. */
const BOXABLE = new Set([FALSE, TRUE, INT32, FLOAT64, BIGINT64, BIGINT, STRING_ASCII, STRING_UTF8, STRING_UTF16]);
/** The fewest bytes an entry of an OBJECT, MAP and SET can take (an empty short key is 2 bytes). */
const MIN_PROPERTY_BYTES = 3;
const MIN_MAP_ENTRY_BYTES = 2;
/** The fewest bytes an element of a SPARSE_ARRAY takes: its u32 index and a one-byte value. */
const MIN_SPARSE_ELEMENT_BYTES = 5;

/** Defines `key` as a non-enumerable data property, as the error constructors make theirs. */
function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
}

/**
 * Defines `key` as a plain data property, as structured clone does. A key that the prototype chain
 * already has is defined rather than assigned: assigning `__proto__` would change the prototype,
 * assigning a key with a setter on `Object.prototype` would run user code instead of storing the
 * value, and assigning `toString` under a frozen `Object.prototype` would throw.
 */
function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key in target) {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else target[key] = value;
}

/**
 * From this length an ASCII string is decoded by node:buffer's `latin1` (ASCII bytes are the same
 * characters in latin1), below it built with `String.fromCharCode`. Measured per string on shared
 * memory (2 vCPUs; Node 24 / Deno 2 / Bun 1.4): 64 characters took 91 / 71 / 50 ns by `latin1`
 * against 127 / 148 / 153 by the best of TextDecoder (which Deno runs through a copy and an op:
 * 600-1,500 ns there) and `fromCharCode` 16 at a time. On V8 one `fromCharCode` call of up to 16
 * characters costs less than `latin1` and any string that needs two costs more (Node 24,
 * callgrind, per string with the buffer kept below: 16 characters 966 against 1,482 instructions,
 * 20 characters 1,682 against 1,486), while JavaScriptCore's (Bun) costs more than `latin1` from
 * 5 characters.
 */
const LATIN1_FROM = HOST_RUNTIME === "Bun" ? 5 : 17;

/**
 * Node buffers over the memory of the views strings were read from, for their `latin1` decoding
 * (the same bytes, not a copy): one per view, made again when a view over a growing shared heap
 * reaches past the buffer made before. The last one used is kept apart (`latin1Source`,
 * `latin1Bytes`): a receiver reading one channel's slots, message after message, finds it there
 * without the WeakMap's lookup (Node 24: 1,681 → 1,486 machine instructions per 64-character
 * string with `latin1Slice`, callgrind; Bun 1.4: 88 → 45 ns, 2 vCPUs, quiet).
 */
const latin1Views = new WeakMap<Uint8Array, Buffer>();
let latin1Source: Uint8Array = EMPTY_U8;
let latin1Bytes: Buffer = Buffer.alloc(0);

/**
 * `Buffer.prototype.latin1Slice`, where the runtime has it (Node, Deno and Bun all do): what
 * `toString("latin1", start, end)` ends in, called without that method's checks and its lookup of
 * the encoding's name (Node 24: 1,607 → 1,486 instructions per 64-character string; Bun 1.4: 93 →
 * 74 ns; Deno 2.9: 140 → 115 ns). Undocumented, hence looked up rather than assumed.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: unknown }).latin1Slice as
  | ((this: Buffer, start: number, end: number) => string)
  | undefined;

/** The string of the `n` bytes at `start` of `u8` as latin1 (ASCII bytes are the same characters). */
function latin1(u8: Uint8Array, start: number, n: number): string {
  let bytes = latin1Bytes;
  if (u8 !== latin1Source || start + n > bytes.length) {
    const known = latin1Views.get(u8);
    bytes = known === undefined || start + n > known.length
      ? Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)
      : known;
    if (bytes !== known) latin1Views.set(u8, bytes);
    latin1Source = u8;
    latin1Bytes = bytes;
  }
  return latin1Slice === undefined
    ? bytes.toString("latin1", start, start + n)
    : latin1Slice.call(bytes, start, start + n);
}

/** The ASCII string of `n` bytes at `start`: short ones by `fromCharCode`, longer by `latin1`. */
function ascii(u8: Uint8Array, start: number, n: number): string {
  switch (n) {
    case 0:
      return "";
    case 1:
      return String.fromCharCode(u8[start]!);
    case 2:
      return String.fromCharCode(u8[start]!, u8[start + 1]!);
    case 3:
      return String.fromCharCode(u8[start]!, u8[start + 1]!, u8[start + 2]!);
    case 4:
      return String.fromCharCode(u8[start]!, u8[start + 1]!, u8[start + 2]!, u8[start + 3]!);
  }
  if (n >= LATIN1_FROM) return latin1(u8, start, n);
  let s = "";
  const end = start + n;
  let i = start;
  // 16 characters a call: each `+=` makes a rope node, flattened when the string is read.
  for (; i + 16 <= end; i += 16) {
    s += String.fromCharCode(
      u8[i]!,
      u8[i + 1]!,
      u8[i + 2]!,
      u8[i + 3]!,
      u8[i + 4]!,
      u8[i + 5]!,
      u8[i + 6]!,
      u8[i + 7]!,
      u8[i + 8]!,
      u8[i + 9]!,
      u8[i + 10]!,
      u8[i + 11]!,
      u8[i + 12]!,
      u8[i + 13]!,
      u8[i + 14]!,
      u8[i + 15]!,
    );
  }
  for (; i + 4 <= end; i += 4) s += String.fromCharCode(u8[i]!, u8[i + 1]!, u8[i + 2]!, u8[i + 3]!);
  for (; i < end; i++) s += String.fromCharCode(u8[i]!);
  return s;
}

const KEY_CACHE_SIZE = 512;
/** Recently read object keys, by a hash of their bytes (see `key`). */
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill("");

/** The engine's own (internalized) copy of `key`: the one property names are. */
function internalize(key: string): string {
  return Object.keys({ [key]: 0 })[0]!;
}

/**
 * Reads one message; a single instance serves every call that does not nest in another.
 *
 * Every read is checked against the end of the message before it happens (`need`), and every
 * count against the bytes left before anything is allocated for it (`count`): the message may sit
 * inside the whole shared heap, whose other bytes must never be read as its own. Any value takes
 * at least one byte, so no loop runs more often than the message has bytes.
 */
class Reader {
  u8: Uint8Array = EMPTY_U8;
  view: DataView = EMPTY_VIEW;
  pos = 0;
  /** Where the message starts and ends in `u8`. */
  start = 0;
  end = 0;
  /**
   * The SharedArrayBuffer last decoded from (the heap), and fixed-length views over all of it as
   * long as it was then, for the next calls.
   */
  shared: SharedArrayBuffer | undefined;
  sharedU8: Uint8Array = EMPTY_U8;
  sharedView: DataView = EMPTY_VIEW;
  /** Whether objects must be remembered for back-references. */
  track = false;
  /** Whether a typed array that is the whole message is lent, not copied, when it can be (see `decodeValue`'s `lend`). */
  lend = false;
  readonly refs: unknown[] = [];
  refCount = 0;
  busy = false;
  /** The moved buffers this call received: released again should the message turn out corrupt. */
  readonly received: SharedBuffer[] = [];

  decode(bytes: Uint8Array): unknown {
    const length = bytes.byteLength;
    if (length === 0) throw new CorruptValueError(0, "the message is empty");
    const buffer = bytes.buffer;
    let start = 0;
    if (buffer === this.shared && bytes.byteOffset + length <= this.sharedU8.length) {
      this.u8 = this.sharedU8;
      this.view = this.sharedView;
      start = bytes.byteOffset;
    } else if (SharedArrayBufferClass !== undefined && buffer instanceof SharedArrayBufferClass) {
      // The heap every message comes from: views over all of it serve every later call, made
      // again when a message lies past them (the heap grew). Views of a fixed length, not
      // length-tracking ones (`new Uint8Array(buffer)` over a growable buffer): V8 reads through a
      // length-tracking view 15-20x slower (Node 24 and Deno 2.9, DataView and Uint8Array reads
      // in a loop: 11-18 against 0.6-0.9 ms per 512 Ki reads; Bun 1.1x). The message lies inside
      // the buffer's length read here: `bytes` views it, and a growable buffer only grows.
      const heapLength = buffer.byteLength;
      this.shared = buffer;
      this.u8 = this.sharedU8 = new Uint8Array(buffer, 0, heapLength);
      this.view = this.sharedView = new DataView(buffer, 0, heapLength);
      start = bytes.byteOffset;
    } else {
      this.u8 = bytes;
      this.view = new DataView(buffer, bytes.byteOffset, length);
    }
    this.start = start;
    this.end = start + length;
    const flags = this.u8[start]!;
    if ((flags & ~(HAS_BACK_REFERENCES | HAS_MOVES)) !== 0) throw new CorruptValueError(0, `unknown flags ${flags}`);
    this.track = (flags & HAS_BACK_REFERENCES) !== 0;
    this.pos = start + 1;
    this.busy = true;
    try {
      const value = this.value();
      // Every moved buffer of the message was received: it owns none now, so a dropMessage of it
      // later must not touch them (a receiver may hand one on in a message of its own, which
      // makes it in transit again). One byte of the message, written by its one decoder before
      // whatever hands the message to its dropper (a record's release, an `Atomics` operation).
      if ((flags & HAS_MOVES) !== 0) this.u8[start] = flags & ~HAS_MOVES;
      return value;
    } catch (error) {
      for (const buffer of this.received) buffer.release();
      // Nesting deeper than this thread's stack, or a size the engine cannot allocate.
      if (error instanceof RangeError && !(error instanceof CorruptValueError)) {
        throw new CorruptValueError(this.pos - start, `cannot be decoded here (${error.message})`, { cause: error });
      }
      throw error;
    } finally {
      this.busy = false;
      this.received.length = 0;
      const refs = this.refs;
      for (let i = 0; i < this.refCount; i++) refs[i] = undefined;
      this.refCount = 0;
      // Keep no caller's buffer alive.
      this.u8 = EMPTY_U8;
      this.view = EMPTY_VIEW;
    }
  }

  /** The error for the record at absolute position `at`. */
  corrupt(at: number, detail: string): CorruptValueError {
    return new CorruptValueError(at - this.start, detail);
  }

  /**
   * Checks that `n` more bytes, of the record that starts at `at`, lie inside the message. `what`
   * is a constant: these checks run on every read, and a message is built only to be thrown.
   */
  need(n: number, at: number, what: string): void {
    if (n > this.end - this.pos) {
      throw this.corrupt(
        at,
        `${what} needs ${n} bytes at byte ${this.pos - this.start}, but the message ends at byte ${
          this.end - this.start
        }`,
      );
    }
  }

  /**
   * Reads the u32 count of the record at `at` and checks that `count` items of at least
   * `minBytes` each fit in what is left, before anything is allocated for them.
   */
  count(at: number, what: string, minBytes: number): number {
    this.need(4, at, what);
    const n = this.view.getUint32(this.pos, true);
    this.pos += 4;
    if (n * minBytes > this.end - this.pos) {
      throw this.corrupt(
        at,
        `${what} is ${n}, more than the ${this.end - this.pos} bytes left in the message can hold`,
      );
    }
    return n;
  }

  remember<T>(object: T): T {
    if (this.track) this.refs[this.refCount++] = object;
    return object;
  }

  value(): unknown {
    const pos = this.pos;
    if (pos >= this.end) throw this.corrupt(pos, "a value is missing: the message ends here");
    const tag = this.u8[pos];
    this.pos = pos + 1;
    switch (tag) {
      case INT32:
        this.need(4, pos, "an int32");
        this.pos = pos + 5;
        return this.view.getInt32(pos + 1, true);
      case STRING_ASCII:
      case STRING_UTF8:
      case STRING_UTF16:
        this.pos = pos;
        return this.string();
      case ARRAY:
        return this.array(pos);
      case OBJECT:
        return this.object(pos, this.remember({}));
      case SPARSE_ARRAY:
        return this.sparseArray(pos);
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case FLOAT64:
        this.need(8, pos, "a float64");
        this.pos = pos + 9;
        return this.view.getFloat64(pos + 1, true);
      case HOLE:
        throw this.corrupt(pos, "a hole outside an array");
      case NULL_PROTO_OBJECT:
        return this.object(pos, this.remember(Object.create(null) as Record<string, unknown>));
      case BACK_REFERENCE: {
        this.need(4, pos, "a back-reference");
        const id = this.view.getUint32(pos + 1, true);
        this.pos = pos + 5;
        if (!this.track || id >= this.refCount) {
          throw this.corrupt(pos, `a back-reference to object ${id}, of ${this.refCount} so far`);
        }
        return this.refs[id];
      }
      case BIGINT64:
        this.need(8, pos, "a bigint64");
        this.pos = pos + 9;
        return this.view.getBigInt64(pos + 1, true);
      case BIGINT:
        return this.bigint(pos);
      case MAP:
        return this.map(pos);
      case SET:
        return this.set(pos);
      case DATE:
        this.need(8, pos, "a date");
        this.pos = pos + 9;
        return this.remember(new Date(this.view.getFloat64(pos + 1, true)));
      case REGEXP:
        return this.regExp(pos);
      case ARRAY_BUFFER:
        return this.remember(this.copy(this.count(pos, "an ArrayBuffer's byte length", 1)).buffer);
      case RESIZABLE_ARRAY_BUFFER:
        return this.resizableArrayBuffer(pos);
      case TYPED_ARRAY:
        return this.typedArray(pos);
      case DATA_VIEW:
        return this.remember(new DataView(this.copy(this.count(pos, "a DataView's byte length", 1)).buffer));
      case BOXED:
        return this.boxed(pos);
      case ERROR:
        return this.error(pos);
      case SHARED_BUFFER:
        return this.sharedBuffer(pos);
      case MOVED_BUFFER:
        return this.movedBuffer(pos);
      default:
        throw this.corrupt(pos, `unknown tag ${tag}`);
    }
  }

  /** A string value (object keys, error names, regexp sources are strings without the value switch). */
  string(): string {
    const u8 = this.u8;
    const pos = this.pos;
    if (pos >= this.end) throw this.corrupt(pos, "a string is missing: the message ends here");
    const tag = u8[pos];
    this.pos = pos + 1;
    if (tag === STRING_ASCII) {
      this.need(1, pos, "a short string");
      const n = u8[pos + 1]!;
      this.pos = pos + 2;
      this.need(n, pos, "a short string");
      this.pos = pos + 2 + n;
      return ascii(u8, pos + 2, n);
    }
    if (tag === STRING_UTF8) {
      const n = this.count(pos, "a UTF-8 string's byte length", 1);
      const start = this.pos;
      this.pos = start + n;
      return textDecoder.decode(u8.subarray(start, start + n));
    }
    if (tag !== STRING_UTF16) throw this.corrupt(pos, `tag ${tag} where a string belongs`);
    const n = this.count(pos, "a UTF-16 string's length", 2);
    const start = this.pos;
    const view = this.view;
    const units: number[] = [];
    let s = "";
    for (let i = 0; i < n; i++) {
      units.push(view.getUint16(start + 2 * i, true));
      if (units.length === 4096) {
        s += String.fromCharCode(...units);
        units.length = 0;
      }
    }
    this.pos = start + 2 * n;
    return s + String.fromCharCode(...units);
  }

  array(at: number): unknown[] {
    const n = this.count(at, "an array's length", 1);
    const u8 = this.u8;
    // A HOLE is read only inside the message; at its end, `value` reports the missing item.
    if (n <= PREALLOCATED_ARRAY_LIMIT) {
      const array = this.remember(new Array<unknown>(n));
      for (let i = 0; i < n; i++) {
        if (this.pos < this.end && u8[this.pos] === HOLE) this.pos++;
        else array[i] = this.value();
      }
      return array;
    }
    const array = this.remember([] as unknown[]);
    for (let i = 0; i < n; i++) {
      if (this.pos < this.end && u8[this.pos] === HOLE) {
        this.pos++;
        array.length = i + 1;
      } else {
        arrayPush.call(array, this.value());
      }
    }
    return array;
  }

  sparseArray(at: number): unknown[] {
    this.need(4, at, "a sparse array");
    const length = this.view.getUint32(this.pos, true);
    this.pos += 4;
    const count = this.count(at, "a sparse array's element count", MIN_SPARSE_ELEMENT_BYTES);
    if (count > length) throw this.corrupt(at, `a sparse array of length ${length} with ${count} elements`);
    const array = this.remember([] as unknown[]);
    array.length = length;
    let previous = -1;
    for (let i = 0; i < count; i++) {
      this.need(4, at, "a sparse array's index");
      const index = this.view.getUint32(this.pos, true);
      if (index <= previous || index >= length) {
        throw this.corrupt(
          at,
          `a sparse array of length ${length} with index ${index} after ${previous < 0 ? "none" : previous}`,
        );
      }
      this.pos += 4;
      array[index] = this.value();
      previous = index;
    }
    return array;
  }

  /**
   * An object key. Short ASCII keys come from `keyCache`: a fresh string used as a property name
   * is looked up in the engine's string table on every store, and that lookup would cost more
   * than all the rest of decoding a small object.
   */
  key(): string {
    const u8 = this.u8;
    const pos = this.pos;
    if (pos + 1 >= this.end || u8[pos] !== STRING_ASCII) return this.string();
    const n = u8[pos + 1]!;
    const start = pos + 2;
    this.pos = start;
    this.need(n, pos, "a key");
    this.pos = start + n;
    let hash = n;
    for (let i = 0; i < n; i++) hash = (Math.imul(hash, 31) + u8[start + i]!) | 0;
    const slot = (hash ^ (hash >>> 9)) & (KEY_CACHE_SIZE - 1);
    const cached = keyCache[slot]!;
    if (cached.length === n) {
      let i = 0;
      while (i < n && cached.charCodeAt(i) === u8[start + i]) i++;
      if (i === n) return cached;
    }
    return (keyCache[slot] = internalize(ascii(u8, start, n)));
  }

  object(at: number, object: Record<string, unknown>): Record<string, unknown> {
    const count = this.count(at, "an object's property count", MIN_PROPERTY_BYTES);
    for (let i = 0; i < count; i++) {
      const key = this.key();
      assign(object, key, this.value());
    }
    return object;
  }

  map(at: number): Map<unknown, unknown> {
    const size = this.count(at, "a Map's size", MIN_MAP_ENTRY_BYTES);
    const map = this.remember(new Map<unknown, unknown>());
    for (let i = 0; i < size; i++) {
      const key = this.value();
      mapSet.call(map, key, this.value());
    }
    return map;
  }

  set(at: number): Set<unknown> {
    const size = this.count(at, "a Set's size", 1);
    const set = this.remember(new Set<unknown>());
    for (let i = 0; i < size; i++) setAdd.call(set, this.value());
    return set;
  }

  /** The magnitude's words, least significant first, become hex digits that `BigInt` parses in linear time. */
  bigint(at: number): bigint {
    this.need(1, at, "a bigint");
    const sign = this.u8[this.pos++]!;
    if (sign > 1) throw this.corrupt(at, `a bigint with sign byte ${sign}`);
    const words = this.count(at, "a bigint's word count", 8);
    const u8 = this.u8;
    const start = this.pos;
    const n = 8 * words;
    this.pos = start + n;
    if (n === 0) return 0n;
    const digits = new Uint8Array(2 * n);
    for (let i = 0, d = 2 * n - 2; i < n; i++, d -= 2) {
      const byte = u8[start + i]!;
      digits[d] = HEX_DIGITS[byte >>> 4]!;
      digits[d + 1] = HEX_DIGITS[byte & 15]!;
    }
    const magnitude = BigInt(`0x${textDecoder.decode(digits)}`);
    return sign === 1 ? -magnitude : magnitude;
  }

  /** A fresh (never shared) copy of the next `length` bytes, which `count` found in bounds. */
  copy(length: number): Uint8Array<ArrayBuffer> {
    const copy = new Uint8Array(length);
    copy.set(this.u8.subarray(this.pos, this.pos + length));
    this.pos += length;
    return copy;
  }

  regExp(at: number): RegExp {
    const source = this.string();
    const flags = this.string();
    try {
      return this.remember(new RegExp(source, flags));
    } catch (error) {
      throw new CorruptValueError(
        at - this.start,
        `a RegExp with source ${JSON.stringify(source)} and flags ${JSON.stringify(flags)} (${
          (error as Error).message
        })`,
      );
    }
  }

  resizableArrayBuffer(at: number): ArrayBuffer {
    const length = this.count(at, "a resizable ArrayBuffer's byte length", 1);
    this.need(4, at, "a resizable ArrayBuffer's maximum");
    const max = this.view.getUint32(this.pos, true);
    this.pos += 4;
    if (max < length) throw this.corrupt(at, `a resizable ArrayBuffer of ${length} bytes with a maximum of ${max}`);
    this.need(length, at, "a resizable ArrayBuffer's bytes");
    const buffer = new ArrayBuffer(length, { maxByteLength: max });
    new Uint8Array(buffer).set(this.u8.subarray(this.pos, this.pos + length));
    this.pos += length;
    return this.remember(buffer);
  }

  typedArray(at: number): ArrayBufferView {
    this.need(1, at, "a typed array");
    const kindByte = this.u8[this.pos++]!;
    const kind = kindByte & TYPED_ARRAY_KIND_MASK;
    const Class = typedArrayClasses[kind];
    if (Class === undefined) {
      if (kind < typedArrayClasses.length) {
        throw new TypeError(`cannot decode typed array ${TYPED_ARRAY_NAMES[kind]}: this runtime does not have it`);
      }
      throw this.corrupt(at, `typed array kind ${kind}`);
    }
    const length = this.count(at, "a typed array's byte length", 1);
    const size = (Class as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (length % size !== 0) {
      throw this.corrupt(at, `typed array ${TYPED_ARRAY_NAMES[kind]} of ${length} bytes, not a multiple of ${size}`);
    }
    const padding = kindByte >>> TYPED_ARRAY_PADDING_SHIFT;
    this.need(padding + length, at, "a typed array's bytes");
    this.pos += padding;
    const byteOffset = this.u8.byteOffset + this.pos;
    if (this.lend && at === this.start + 1 && byteOffset % size === 0) {
      this.pos += length;
      return this.remember(new (Class as unknown as LentClass)(this.u8.buffer, byteOffset, length / size));
    }
    const bytes = this.copy(length);
    return this.remember(kind === UINT8_KIND ? bytes : new Class(bytes.buffer));
  }

  /** A SharedBuffer of the heap this message is in (a message outside any heap cannot hold one). */
  sharedBuffer(at: number): SharedBuffer {
    return this.remember(this.heapBuffer(at, "a SharedBuffer", SharedBuffer.at));
  }

  /** A buffer made by `move`, in the heap this message is in: this decoder becomes its owner. */
  movedBuffer(at: number): SharedBuffer {
    const buffer = this.heapBuffer(at, "a moved SharedBuffer", receiveMoved);
    this.received.push(buffer);
    return this.remember(buffer);
  }

  /**
   * Reads a buffer's header offset and opens it with `open` in the heap this message is in (a
   * message outside any heap cannot hold one); a header `open` refuses is a corrupt message.
   */
  heapBuffer(
    at: number,
    what: string,
    open: (heap: SharedArrayBuffer, header: number) => SharedBuffer,
  ): SharedBuffer {
    this.need(4, at, what);
    const header = this.view.getUint32(at + 1, true);
    this.pos = at + 5;
    const heap = this.u8.buffer;
    if (SharedArrayBufferClass === undefined || !(heap instanceof SharedArrayBufferClass)) {
      throw this.corrupt(at, noHeaderAt(header));
    }
    try {
      return open(heap, header);
    } catch (error) {
      if (error instanceof RangeError) throw this.corrupt(at, error.message);
      throw error;
    }
  }

  boxed(at: number): object {
    this.need(1, at, "a boxed primitive");
    const tag = this.u8[this.pos]!;
    if (!BOXABLE.has(tag)) throw this.corrupt(at, `a boxed primitive of tag ${tag}`);
    return this.remember(Object(this.value()) as object);
  }

  error(at: number): Error {
    const name = this.string();
    const message = this.string();
    const Class = errorClasses.get(name);
    let error: Error;
    if (Class === undefined) {
      error = new Error(message);
      defineHidden(error, "name", name);
    } else {
      error = name === "AggregateError" ? new AggregateError([], message) : new Class(message);
    }
    this.remember(error);
    const count = this.count(at, "an error's property count", MIN_PROPERTY_BYTES);
    for (let i = 0; i < count; i++) {
      const key = this.key();
      const value = this.value();
      if (key === "stack" || key === "cause" || key === "errors") defineHidden(error, key, value);
      else assign(error as unknown as Record<string, unknown>, key, value);
    }
    return error;
  }
}

const reader = new Reader();

/**
 * Decodes a message written by `ValueEncoder`. `bytes` may be a view into a SharedArrayBuffer;
 * nothing returned aliases it (strings, typed arrays and buffers are copied out into ordinary,
 * unshared memory) but a `SharedBuffer` (which is shared by design, and points into the heap the
 * message is in), and nothing outside the message is read but a SharedBuffer's header. Bytes after the value are ignored. Throws a
 * `CorruptValueError` (a `RangeError`) naming the byte and the record when `bytes` is not an
 * encoding, before reading past it or allocating for a length it cannot hold, and
 * `INVALID_ARGUMENT` when `bytes` is not a `Uint8Array`. A message holding moved buffers
 * (`move`) gives them to this decoder: once decoded, its flags say it holds none (the one write
 * it makes), so a later {@linkcode dropMessage} of it releases nothing. With `{ lend: true }` a
 * typed array that is the whole message is lent rather than copied when it can be (see {@linkcode DecodeOptions}).
 *
 * @example
 * ```ts
 * import { decodeValue, ValueEncoder } from "@spindle/codec";
 *
 * const encoder = new ValueEncoder();
 * const length = encoder.encode(new Float64Array([1.5, 2.5]), "message", "value");
 * const lent = decodeValue(encoder.bytes.subarray(0, length), { lend: true }) as Float64Array;
 * console.log(lent[0]! + lent[1]!); // 4: read before the encoder's bytes are reused
 * ```
 */
export function decodeValue(bytes: Uint8Array, options?: DecodeOptions): unknown {
  checkInstance(bytes, Uint8Array, "decodeValue() takes a Uint8Array");
  const scalar = decodeScalar(bytes, 0, bytes.length);
  if (scalar !== NOT_SCALAR) return scalar;
  const r = reader.busy ? new Reader() : reader;
  if (options === undefined) return r.decode(bytes);
  // Read once, through checkOptions: options that throw when read (a revoked Proxy) are named too.
  const { lend } = checkOptions(options, "decodeValue()", ["lend"]);
  if (typeof lend !== "boolean") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `decodeValue()'s options are { lend: boolean }, got ${describe(options)}`,
    );
  }
  r.lend = lend;
  try {
    return r.decode(bytes);
  } finally {
    r.lend = false;
  }
}

/** Options of {@linkcode decodeValue}. */
export interface DecodeOptions {
  /**
   * When the whole message is a typed array whose bytes lie on an element boundary of the
   * message's buffer (the encoder pads them to one from the message's start: a message copied to
   * an 8-byte boundary keeps them there), return a view of those bytes instead of a copy. A lent
   * array is valid only until the message's memory is freed or reused: read it at once (a
   * `runtime.map` copies each chunk's results into its output before the chunk's record is
   * released). Anything else, typed arrays inside another value too, is copied as always.
   * Default `false`.
   */
  readonly lend: boolean;
}

/**
 * Decodes the message of `length` bytes at `start` of `u8`, as `decodeValue(u8.subarray(start,
 * start + length))` does, without making that view for a message that is a lone number or short
 * ASCII string (a shared channel's receive from its slot). Throws `INVALID_ARGUMENT` when `u8` is
 * not a `Uint8Array` or the range does not lie inside it, and what `decodeValue` throws.
 *
 * @example
 * ```ts
 * import { decodeValueAt, encodeScalarInto } from "@spindle/codec";
 *
 * const memory = new Uint8Array(new SharedArrayBuffer(64));
 * const n = encodeScalarInto(42, memory, 16);
 * console.log(decodeValueAt(memory, 16, n)); // 42
 * ```
 */
export function decodeValueAt(u8: Uint8Array, start: number, length: number): unknown {
  checkInstance(u8, Uint8Array, "decodeValueAt() takes a Uint8Array");
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > u8.length) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `decodeValueAt()'s range must lie inside the ${u8.length} bytes given, got start ${describe(start)} and length ${
        describe(length)
      }`,
    );
  }
  const scalar = decodeScalar(u8, start, length);
  if (scalar !== NOT_SCALAR) return scalar;
  return (reader.busy ? new Reader() : reader).decode(u8.subarray(start, start + length));
}

/** `decodeScalar` found a message that is not a lone scalar. */
const NOT_SCALAR: unique symbol = Symbol("NOT_SCALAR");
/** Where a float64's bytes are gathered to be read in little-endian order. */
const floatView = new DataView(new ArrayBuffer(8));
const floatBytes = new Uint8Array(floatView.buffer);

/**
 * A lone number or ASCII string (no flags), the commonest small messages, read from the `length`
 * bytes at `start` of `u8` without the reader's setup (a DataView per unshared buffer, its bounds
 * and error bookkeeping), which cost more than the value (a shared channel's receive of a number:
 * about 100 ns of 450); `NOT_SCALAR` for anything else, or a record that does not fit (the reader
 * then reports it).
 */
function decodeScalar(u8: Uint8Array, start: number, length: number): unknown {
  if (length < 2 || u8[start] !== 0) return NOT_SCALAR;
  const tag = u8[start + 1];
  if (tag === INT32) {
    if (length < 6) return NOT_SCALAR;
    return u8[start + 2]! | (u8[start + 3]! << 8) | (u8[start + 4]! << 16) | (u8[start + 5]! << 24);
  }
  if (tag === STRING_ASCII) {
    if (length < 3 || length < 3 + u8[start + 2]!) return NOT_SCALAR;
    return ascii(u8, start + 3, u8[start + 2]!);
  }
  if (tag === FLOAT64) {
    if (length < 10) return NOT_SCALAR;
    for (let i = 0; i < 8; i++) floatBytes[i] = u8[start + 2 + i]!;
    return floatView.getFloat64(0, true);
  }
  return NOT_SCALAR;
}

/**
 * Releases what the message of `length` bytes at `start` of `heap` (a view over all of a
 * `SharedHeap`) owns and no decoder took: the buffers `move` copied into the heap for it. Called
 * by whoever frees a message's bytes (a job's arguments when it is aborted before it ran, a
 * result never read); buffers a decoder received belong to their receiver and are left alone. A
 * message without moved buffers costs one byte read. Reads nothing outside the message; a list
 * that does not fit in it is ignored, and so is a header that is none.
 *
 * @example
 * ```ts
 * import { dropMessage, move, SharedHeap, ValueEncoder } from "@spindle/codec";
 *
 * const heap = SharedHeap.create(1 << 20);
 * const encoder = new ValueEncoder();
 * encoder.useHeap(heap.buffer);
 * const length = encoder.encode([move(new Uint8Array(1000))], "job", "args");
 * const at = heap.alloc(length);
 * heap.bytes.set(encoder.bytes, at);
 * dropMessage(heap.bytes, at, length); // never decoded: the moved 1000 bytes go back to the heap
 * heap.free(at, length);
 * ```
 */
export function dropMessage(heap: Uint8Array, start: number, length: number): void {
  checkInstance(heap, Uint8Array, "dropMessage() needs the heap's bytes as a Uint8Array");
  if (!Number.isInteger(start) || start < 0 || start > heap.length) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `dropMessage(): start must be a byte index of the heap, got ${describe(start)}`,
    );
  }
  if (!Number.isInteger(length) || length < 0 || length > heap.length - start) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `dropMessage(): length must be a byte count that fits in the heap after ${start}, got ${describe(length)}`,
    );
  }
  if (length < 5 || ((heap[start] as number) & HAS_MOVES) === 0) return;
  const buffer = heap.buffer;
  if (SharedArrayBufferClass === undefined || !(buffer instanceof SharedArrayBufferClass)) return;
  const view = new DataView(buffer, heap.byteOffset + start, length);
  const count = view.getUint32(length - 4, true);
  if (count > (length - 5) / 4) return;
  for (let i = 0, at = length - 4 - 4 * count; i < count; i++, at += 4) dropMoved(buffer, view.getUint32(at, true));
}
