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
  HOLE,
  INT32,
  MAP,
  NULL,
  NULL_PROTO_OBJECT,
  OBJECT,
  REGEXP,
  RESIZABLE_ARRAY_BUFFER,
  SET,
  STRING_ASCII,
  STRING_UTF16,
  STRING_UTF8,
  TRUE,
  TYPED_ARRAY,
  TYPED_ARRAY_NAMES,
  UNDEFINED,
} from "./value-tags.ts";

type ViewConstructor = new (buffer: ArrayBuffer) => ArrayBufferView;

const UINT8_KIND = TYPED_ARRAY_NAMES.indexOf("Uint8Array");
/** The typed array constructors by kind; `undefined` for a kind this runtime lacks (Float16Array). */
const typedArrayClasses = TYPED_ARRAY_NAMES.map((name) => (globalThis as Record<string, unknown>)[name] as ViewConstructor | undefined);
const errorClasses = new Map(ERROR_NAMES.map((name) => [name, (globalThis as Record<string, unknown>)[name] as ErrorConstructor]));
/** Beyond this length `new Array(n)` may make a slow dictionary-mode array; such arrays grow by push. */
const PREALLOCATED_ARRAY_LIMIT = 50_000;
const SharedArrayBufferClass: typeof SharedArrayBuffer | undefined = globalThis.SharedArrayBuffer;
const textDecoder = new TextDecoder();
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY_U8.buffer);

function corrupt(detail: string): RangeError {
  return new RangeError(`corrupt value encoding: ${detail}`);
}

/** Defines `key` as a non-enumerable data property, as the error constructors make theirs. */
function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
}

/** Defines `key` as a plain data property (`__proto__` must not reach the prototype setter). */
function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * Up to this length an ASCII string is built with `String.fromCharCode` rather than TextDecoder.
 * Measured per character: V8's TextDecoder call costs about what building 24 characters does,
 * JavaScriptCore's (Bun) about 8.
 */
const SHORT_ASCII = "Bun" in globalThis ? 8 : 24;

/**
 * The ASCII string of `n` bytes at `start`: short ones without TextDecoder, whose call costs more
 * than the string.
 */
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
  if (n > SHORT_ASCII) return textDecoder.decode(u8.subarray(start, start + n));
  let s = "";
  const end = start + n;
  let i = start;
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

/** Reads one message; a single instance serves every call that does not nest in another. */
class Reader {
  u8: Uint8Array = EMPTY_U8;
  view: DataView = EMPTY_VIEW;
  pos = 0;
  /** The SharedArrayBuffer last decoded from (the heap), and views over all of it for the next call. */
  shared: SharedArrayBuffer | undefined;
  sharedU8: Uint8Array = EMPTY_U8;
  sharedView: DataView = EMPTY_VIEW;
  /** Whether objects must be remembered for back-references. */
  track = false;
  readonly refs: unknown[] = [];
  refCount = 0;
  busy = false;

  decode(bytes: Uint8Array): unknown {
    const length = bytes.byteLength;
    if (length === 0) throw corrupt("no bytes");
    const buffer = bytes.buffer;
    let start = 0;
    if (buffer === this.shared) {
      this.u8 = this.sharedU8;
      this.view = this.sharedView;
      start = bytes.byteOffset;
    } else if (SharedArrayBufferClass !== undefined && buffer instanceof SharedArrayBufferClass) {
      // The heap every message comes from: views over all of it serve every later call.
      this.shared = buffer;
      this.u8 = this.sharedU8 = new Uint8Array(buffer);
      this.view = this.sharedView = new DataView(buffer);
      start = bytes.byteOffset;
    } else {
      this.u8 = bytes;
      this.view = new DataView(buffer, bytes.byteOffset, length);
    }
    const end = start + length;
    this.track = (this.u8[start]! & HAS_BACK_REFERENCES) !== 0;
    this.pos = start + 1;
    this.busy = true;
    try {
      const value = this.value();
      if (this.pos > end) throw corrupt(`read ${this.pos - end} bytes past the end`);
      return value;
    } finally {
      this.busy = false;
      const refs = this.refs;
      for (let i = 0; i < this.refCount; i++) refs[i] = undefined;
      this.refCount = 0;
      // Keep no caller's buffer alive.
      this.u8 = EMPTY_U8;
      this.view = EMPTY_VIEW;
    }
  }

  remember<T>(object: T): T {
    if (this.track) this.refs[this.refCount++] = object;
    return object;
  }

  u32(): number {
    const n = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return n;
  }

  value(): unknown {
    const pos = this.pos;
    const tag = this.u8[pos];
    this.pos = pos + 1;
    switch (tag) {
      case INT32:
        this.pos = pos + 5;
        return this.view.getInt32(pos + 1, true);
      case STRING_ASCII:
      case STRING_UTF8:
      case STRING_UTF16:
        this.pos = pos;
        return this.string();
      case ARRAY:
        return this.array();
      case OBJECT:
        return this.object(this.remember({}));
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case FLOAT64:
        this.pos = pos + 9;
        return this.view.getFloat64(pos + 1, true);
      case HOLE:
        throw corrupt(`a hole outside an array at byte ${pos}`);
      case NULL_PROTO_OBJECT:
        return this.object(this.remember(Object.create(null) as Record<string, unknown>));
      case BACK_REFERENCE: {
        const id = this.u32();
        if (!this.track || id >= this.refCount) throw corrupt(`a back-reference to object ${id} at byte ${pos}`);
        return this.refs[id];
      }
      case BIGINT64:
        this.pos = pos + 9;
        return this.view.getBigInt64(pos + 1, true);
      case BIGINT:
        return this.bigint();
      case MAP:
        return this.map();
      case SET:
        return this.set();
      case DATE:
        this.pos = pos + 9;
        return this.remember(new Date(this.view.getFloat64(pos + 1, true)));
      case REGEXP: {
        const source = this.string();
        return this.remember(new RegExp(source, this.string()));
      }
      case ARRAY_BUFFER:
        return this.remember(this.copy(this.u32()).buffer);
      case RESIZABLE_ARRAY_BUFFER: {
        const length = this.u32();
        const buffer = new ArrayBuffer(length, { maxByteLength: this.u32() });
        new Uint8Array(buffer).set(this.u8.subarray(this.pos, this.pos + length));
        this.pos += length;
        return this.remember(buffer);
      }
      case TYPED_ARRAY:
        return this.typedArray();
      case DATA_VIEW:
        return this.remember(new DataView(this.copy(this.u32()).buffer));
      case BOXED:
        return this.boxed();
      case ERROR:
        return this.error();
      default:
        throw corrupt(`unknown tag ${tag} at byte ${pos}`);
    }
  }

  /** A string value (object keys, error names, regexp sources are strings without the value switch). */
  string(): string {
    const u8 = this.u8;
    const pos = this.pos;
    const tag = u8[pos];
    if (tag === STRING_ASCII) {
      const n = u8[pos + 1]!;
      this.pos = pos + 2 + n;
      return ascii(u8, pos + 2, n);
    }
    this.pos = pos + 1;
    const n = this.u32();
    const start = this.pos;
    if (tag === STRING_UTF8) {
      this.pos = start + n;
      return textDecoder.decode(u8.subarray(start, start + n));
    }
    if (tag !== STRING_UTF16) throw corrupt(`tag ${tag} where a string belongs, at byte ${pos}`);
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

  array(): unknown[] {
    const n = this.u32();
    const u8 = this.u8;
    if (n <= PREALLOCATED_ARRAY_LIMIT) {
      const array = this.remember(new Array<unknown>(n));
      for (let i = 0; i < n; i++) {
        if (u8[this.pos] === HOLE) this.pos++;
        else array[i] = this.value();
      }
      return array;
    }
    const array = this.remember([] as unknown[]);
    for (let i = 0; i < n; i++) {
      if (u8[this.pos] === HOLE) {
        this.pos++;
        array.length = i + 1;
      } else {
        array.push(this.value());
      }
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
    if (u8[pos] !== STRING_ASCII) return this.string();
    const n = u8[pos + 1]!;
    const start = pos + 2;
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

  object(object: Record<string, unknown>): Record<string, unknown> {
    const count = this.u32();
    for (let i = 0; i < count; i++) {
      const key = this.key();
      assign(object, key, this.value());
    }
    return object;
  }

  map(): Map<unknown, unknown> {
    const size = this.u32();
    const map = this.remember(new Map<unknown, unknown>());
    for (let i = 0; i < size; i++) {
      const key = this.value();
      map.set(key, this.value());
    }
    return map;
  }

  set(): Set<unknown> {
    const size = this.u32();
    const set = this.remember(new Set<unknown>());
    for (let i = 0; i < size; i++) set.add(this.value());
    return set;
  }

  bigint(): bigint {
    const negative = this.u8[this.pos] === 1;
    this.pos++;
    const words = this.u32();
    const start = this.pos;
    let magnitude = 0n;
    for (let i = words - 1; i >= 0; i--) magnitude = (magnitude << 64n) | this.view.getBigUint64(start + 8 * i, true);
    this.pos = start + 8 * words;
    return negative ? -magnitude : magnitude;
  }

  /** A fresh (never shared) copy of the next `length` bytes. */
  copy(length: number): Uint8Array<ArrayBuffer> {
    const copy = new Uint8Array(length);
    copy.set(this.u8.subarray(this.pos, this.pos + length));
    this.pos += length;
    return copy;
  }

  typedArray(): ArrayBufferView {
    const kind = this.u8[this.pos++]!;
    const length = this.u32();
    const Class = typedArrayClasses[kind];
    if (Class === undefined) {
      throw kind < typedArrayClasses.length
        ? new TypeError(`cannot decode a ${TYPED_ARRAY_NAMES[kind]}: this runtime does not have it`)
        : corrupt(`typed array kind ${kind} at byte ${this.pos - 5}`);
    }
    const bytes = this.copy(length);
    return this.remember(kind === UINT8_KIND ? bytes : new Class(bytes.buffer));
  }

  boxed(): object {
    const box = Object(this.value()) as object;
    return this.remember(box);
  }

  error(): Error {
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
    const count = this.u32();
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
 * unshared memory). Bytes after the value are ignored. Throws a `RangeError` on bytes that are
 * not an encoding.
 */
export function decodeValue(bytes: Uint8Array): unknown {
  return (reader.busy ? new Reader() : reader).decode(bytes);
}
