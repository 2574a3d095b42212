/**
 * The wire format of job arguments and results, shared by `ValueEncoder` and `decodeValue`.
 * Internal: both ends always run the same copy of this package, so the format has no version.
 *
 * ```text
 * message   = flags:u8 value [moves]
 *   flags   bit 0 (HAS_BACK_REFERENCES): some `BACK_REFERENCE` follows, so the decoder must
 *           remember every object it builds; without it the decoder remembers none.
 *           bit 1 (HAS_MOVES): the value holds MOVED_BUFFERs, and `moves` ends the message.
 * value     = tag:u8 payload
 * moves     = count × header:u32, count:u32 (last): the MOVED_BUFFERs' headers, so that whoever
 *           frees a message that no decoder read releases them (`dropMessage`)
 * ```
 *
 * Every number is little-endian; `u32` counts and lengths cap a single string, array, map, set
 * or buffer at 2³² − 1 entries or bytes. Nothing is aligned (the decoder reads through a
 * DataView and copies buffers out).
 *
 * | tag                      | payload                                                           |
 * | ------------------------ | ----------------------------------------------------------------- |
 * | UNDEFINED, NULL          | none                                                              |
 * | FALSE, TRUE              | none                                                              |
 * | INT32                    | i32: a number that is an int32 and not -0                         |
 * | FLOAT64                  | f64: any other number (-0, NaN, ±Infinity kept)                   |
 * | BIGINT64                 | i64: a bigint within the int64 range                              |
 * | BIGINT                   | sign:u8 (1 = negative) count:u32, then count u64 words of the     |
 * |                          | magnitude, least significant first                                |
 * | STRING_ASCII             | length:u8, then that many bytes < 0x80 (strings up to 64 chars)   |
 * | STRING_UTF8              | byteLength:u32, then UTF-8 (well-formed strings)                  |
 * | STRING_UTF16             | length:u32, then UTF-16LE code units (strings with lone           |
 * |                          | surrogates, which UTF-8 cannot carry)                             |
 * | ARRAY                    | length:u32, then `length` values; HOLE stands for a missing index |
 * | HOLE                     | none (only inside ARRAY)                                          |
 * | SPARSE_ARRAY             | length:u32 count:u32, then count × (index:u32 value), indices     |
 * |                          | rising and below length: an array that is mostly holes            |
 * | OBJECT, NULL_PROTO_OBJECT| count:u32, then count × (key value); a key is a string value      |
 * | MAP                      | size:u32, then size × (key value)                                 |
 * | SET                      | size:u32, then size values                                        |
 * | DATE                     | f64 time value (NaN for an invalid date)                          |
 * | REGEXP                   | source (string value) flags (string value)                        |
 * | ARRAY_BUFFER             | byteLength:u32, then the bytes                                    |
 * | RESIZABLE_ARRAY_BUFFER   | byteLength:u32 maxByteLength:u32, then the bytes                  |
 * | TYPED_ARRAY              | kind:u8 (low 5 bits: index in TYPED_ARRAY_NAMES; high 3 bits: the |
 * |                          | padding, 0-7) byteLength:u32, then `padding` zero bytes, so that  |
 * |                          | the bytes the view covers, which follow, start at a multiple of   |
 * |                          | the element size from the message's start                         |
 * | DATA_VIEW                | byteLength:u32, then the bytes the view covers                    |
 * | BOXED                    | the primitive value (a Boolean, Number, String or BigInt object)  |
 * | ERROR                    | name (string value) message (string value) count:u32, then        |
 * |                          | count × (key value): "stack", "cause" and "errors" when present,  |
 * |                          | then the other own enumerable properties                          |
 * | BACK_REFERENCE           | id:u32, the object built id-th (0-based) in this message          |
 * | SHARED_BUFFER            | header:u32, a SharedBuffer's header in the heap the message is in |
 * | MOVED_BUFFER             | header:u32, a SharedBuffer made by `move`, in transit: the decoder |
 * |                          | takes ownership of it (its state MOVING → LIVE)                   |
 *
 * Objects (ARRAY, SPARSE_ARRAY, the two OBJECTs, MAP, SET, DATE, REGEXP, the two ARRAY_BUFFERs, TYPED_ARRAY,
 * DATA_VIEW, BOXED, ERROR, SHARED_BUFFER, MOVED_BUFFER) are numbered in the order their tags appear, which is the order the
 * decoder creates them: each container before its contents (an ERROR after its name and message,
 * which are no objects), so a cycle refers back to a container still being filled.
 */

/** `flags` bit: the message holds at least one BACK_REFERENCE. */
export const HAS_BACK_REFERENCES = 1;
/** `flags` bit: the message holds MOVED_BUFFERs, listed at its end. */
export const HAS_MOVES = 2;

/** `undefined`. */
export const UNDEFINED = 0;
/** `null`. */
export const NULL = 1;
/** `false`. */
export const FALSE = 2;
/** `true`. */
export const TRUE = 3;
/** An int32 number other than -0. */
export const INT32 = 4;
/** Any other number. */
export const FLOAT64 = 5;
/** A bigint that fits in an int64. */
export const BIGINT64 = 6;
/** Any other bigint. */
export const BIGINT = 7;
/** A short string of ASCII characters, with a one-byte length. */
export const STRING_ASCII = 8;
/** A well-formed string as UTF-8. */
export const STRING_UTF8 = 9;
/** A string with lone surrogates, as UTF-16 code units. */
export const STRING_UTF16 = 10;
/** A dense array. */
export const ARRAY = 11;
/** A missing index of an array. */
export const HOLE = 12;
/** A plain object whose prototype is `Object.prototype`. */
export const OBJECT = 13;
/** A plain object whose prototype is `null`. */
export const NULL_PROTO_OBJECT = 14;
/** A `Map`. */
export const MAP = 15;
/** A `Set`. */
export const SET = 16;
/** A `Date`. */
export const DATE = 17;
/** A `RegExp` (its `lastIndex` is not kept, as with structured clone). */
export const REGEXP = 18;
/** A fixed-length `ArrayBuffer`. */
export const ARRAY_BUFFER = 19;
/** A resizable `ArrayBuffer`. */
export const RESIZABLE_ARRAY_BUFFER = 20;
/** A typed array. */
export const TYPED_ARRAY = 21;
/** A `DataView`. */
export const DATA_VIEW = 22;
/** A primitive wrapper object. */
export const BOXED = 23;
/** An `Error`. */
export const ERROR = 24;
/** An object already sent in this message. */
export const BACK_REFERENCE = 25;
/** An array that is mostly holes, as its present indices and their values. */
export const SPARSE_ARRAY = 26;
/** A `SharedBuffer` of the runtime's heap, by reference: the u32 byte offset of its header. */
export const SHARED_BUFFER = 27;
/** A SharedBuffer made by `move`, in transit to its receiver: the u32 byte offset of its header. */
export const MOVED_BUFFER = 28;

/** The longest string that may use STRING_ASCII (its length must fit the u8). */
export const MAX_SHORT_STRING = 64;

/** TYPED_ARRAY's kind byte: the kind in its low bits (`& TYPED_ARRAY_KIND_MASK`). */
export const TYPED_ARRAY_KIND_MASK = 0x1f;
/** TYPED_ARRAY's kind byte: the padding before the bytes in its high bits (`>>> TYPED_ARRAY_PADDING_SHIFT`). */
export const TYPED_ARRAY_PADDING_SHIFT = 5;

/** The typed array kinds, indexed by TYPED_ARRAY's `kind` byte. */
export const TYPED_ARRAY_NAMES: readonly string[] = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Float16Array",
];

/** The error constructors rebuilt by name; any other name arrives as an `Error` with that name. */
export const ERROR_NAMES: readonly string[] = [
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "AggregateError",
];
