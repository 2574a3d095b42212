// The view and buffer built-ins' own getters, taken before any user code runs. What is read
// through them comes from the object's internal slots, so a getter or an own property that shadows
// one (`Object.defineProperty(bytes, "byteLength", …)`) cannot change which bytes are read; both the
// encoder and `move()` read views through them.

/** A built-in getter, called with the object as `this`. */
export type Getter<T> = (this: unknown) => T;

/** The getter `key` of `prototype`. */
export function getter<T>(prototype: object, key: PropertyKey): Getter<T> {
  return Object.getOwnPropertyDescriptor(prototype, key)!.get as Getter<T>;
}

const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
/** `%TypedArray%.prototype[Symbol.toStringTag]`: the kind of a typed array, `undefined` for a DataView. */
export const typedArrayName: Getter<string | undefined> = getter<string | undefined>(
  typedArrayPrototype,
  Symbol.toStringTag,
);
export const typedArrayBuffer: Getter<ArrayBufferLike> = getter<ArrayBufferLike>(
  typedArrayPrototype,
  "buffer",
);
export const typedArrayByteOffset: Getter<number> = getter<number>(typedArrayPrototype, "byteOffset");
export const typedArrayByteLength: Getter<number> = getter<number>(typedArrayPrototype, "byteLength");
export const dataViewBuffer: Getter<ArrayBufferLike> = getter<ArrayBufferLike>(DataView.prototype, "buffer");
export const dataViewByteOffset: Getter<number> = getter<number>(DataView.prototype, "byteOffset");
export const dataViewByteLength: Getter<number> = getter<number>(DataView.prototype, "byteLength");
export const bufferByteLength: Getter<number> = getter<number>(ArrayBuffer.prototype, "byteLength");
export const bufferDetached: Getter<boolean> = getter<boolean>(ArrayBuffer.prototype, "detached");
