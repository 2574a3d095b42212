// `move(buffer)`: a plain buffer that crosses to its receiver with one copy, into the shared heap,
// and arrives as a SharedBuffer the receiver owns.
import { describe, SpindleError } from "@spindle/core";
import {
  bufferByteLength,
  bufferDetached,
  dataViewBuffer,
  dataViewByteLength,
  dataViewByteOffset,
  typedArrayBuffer,
  typedArrayByteLength,
  typedArrayByteOffset,
  typedArrayName,
} from "./builtin-getters.ts";
import { isSharedBuffer, MAX_SHARED_BUFFER_BYTES, type SharedBuffer, wrapForMove } from "./shared-buffer.ts";

/** Whether `value` is an ArrayBuffer (has its internal slots: not a Proxy of one, nor a SharedArrayBuffer). */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  try {
    bufferByteLength.call(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Marks a buffer (an `ArrayBuffer`, or the bytes a typed array or `DataView` covers) to be
 * **moved** to the job it is passed to, or to the thread a job returns it to, as piscina's
 * `Piscina.move` marks a transfer: sending it copies its bytes once, straight into a block of the
 * runtime's shared heap, and the receiver gets that block as a `SharedBuffer` (not a copy of it,
 * and not the typed array: `received.array(Float64Array)` views it). Where a plain buffer is
 * copied three times (into the encoder's scratch memory, into the heap, out of it), a moved one is
 * copied once.
 *
 * Ownership: the receiver owns the moved buffer and calls `release()` on it (or `using`) when done
 * with it; every use after that throws {@linkcode BufferReleasedError}, as for a buffer of
 * `runtime.alloc`. Until it is sent, the returned `SharedBuffer` views the source's own bytes (a
 * job joined in place gets it so, with no copy at all); it can be sent once, and from then on
 * reads as released on the sending side (the receiver owns the copy). The source itself is not
 * detached: the sender keeps its bytes, and later changes to them do not reach the receiver. A
 * moved buffer that is never received (its job aborted while queued, its result never read) is
 * released with the message that carries it.
 *
 * @example
 * ```ts
 * import { decodeValue, move, SharedBuffer, SharedHeap, ValueEncoder } from "@spindle/codec";
 *
 * const heap = SharedHeap.create(1 << 20);
 * const encoder = new ValueEncoder();
 * encoder.useHeap(heap.buffer);
 * const samples = new Float64Array(4096).fill(0.5); // 32 KiB
 * const length = encoder.encode({ samples: move(samples) }, "message", "value");
 * console.log(length < 32); // true: the bytes went into the heap, the message holds their place
 * const at = heap.alloc(length);
 * heap.bytes.set(encoder.bytes, at);
 * const { samples: received } = decodeValue(heap.bytes.subarray(at, at + length)) as { samples: SharedBuffer };
 * console.log(received.array(Float64Array)[4095]); // 0.5
 * received.release(); // the receiver's to release
 * ```
 */
export function move(value: ArrayBuffer | ArrayBufferView): SharedBuffer {
  if (isSharedBuffer(value)) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      "move() was given a SharedBuffer, which already lives in the shared heap: pass it as it is",
    );
  }
  let buffer: ArrayBufferLike;
  let offset = 0;
  let length: number;
  if (isArrayBuffer(value)) {
    buffer = value;
    length = -1;
  } else if (ArrayBuffer.isView(value)) {
    const isDataView = typedArrayName.call(value) === undefined;
    buffer = (isDataView ? dataViewBuffer : typedArrayBuffer).call(value);
    length = -2;
    if (!isArrayBuffer(buffer)) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `move() takes memory of this thread, got ${
          describe(value)
        } over a SharedArrayBuffer (already shared: pass it in the runtime's workerData option instead)`,
      );
    }
    if (!bufferDetached.call(buffer)) {
      try {
        offset = (isDataView ? dataViewByteOffset : typedArrayByteOffset).call(value);
        length = (isDataView ? dataViewByteLength : typedArrayByteLength).call(value);
      } catch {
        throw new SpindleError(
          "INVALID_ARGUMENT",
          `move() was given ${describe(value)}, out of bounds of its resized ArrayBuffer`,
        );
      }
    }
  } else {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `move() takes an ArrayBuffer, a typed array or a DataView, got ${describe(value)}`,
    );
  }
  if (bufferDetached.call(buffer)) {
    throw new SpindleError("INVALID_ARGUMENT", `move() was given ${describe(value)}, whose ArrayBuffer is detached`);
  }
  if (length === -1) length = bufferByteLength.call(buffer);
  if (length > MAX_SHARED_BUFFER_BYTES) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `move() takes at most ${MAX_SHARED_BUFFER_BYTES} bytes, got ${describe(value)} of ${length}`,
    );
  }
  return wrapForMove(new Uint8Array(buffer, offset, length));
}
