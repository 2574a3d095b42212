// move(buffer): a plain buffer crosses with one copy (straight into a heap block), arrives as a
// SharedBuffer its receiver owns, and a moved buffer nobody received goes back to the heap with
// the message that carried it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpindleError } from "@spindle/core";
import {
  BufferReleasedError,
  CorruptValueError,
  decodeValue,
  dropMessage,
  move,
  SharedBuffer,
  SharedHeap,
  UncloneableValueError,
  ValueEncoder,
} from "./mod.ts";

const MiB = 1 << 20;

/** A heap, an encoder writing into it, and `send`: encode, then store the message in the heap. */
function setup(maxBytes = 64 * MiB): {
  heap: SharedHeap;
  encoder: ValueEncoder;
  send: (value: unknown) => { at: number; length: number };
  receive: (message: { at: number; length: number }) => unknown;
} {
  const heap = SharedHeap.create(maxBytes);
  const encoder = new ValueEncoder();
  encoder.useHeap(heap.buffer);
  return {
    heap,
    encoder,
    send(value) {
      const length = encoder.encode(value, "job", "args");
      const at = heap.alloc(length);
      heap.bytes.set(encoder.bytes, at);
      return { at, length };
    },
    receive({ at, length }) {
      return decodeValue(heap.bytes.subarray(at, at + length));
    },
  };
}

const isInvalid = (pattern: RegExp) => (error: unknown): boolean =>
  error instanceof SpindleError && error.code === "INVALID_ARGUMENT" && pattern.test(error.message);

test("a moved buffer is copied once: straight into the heap, and received as a view of that heap block", () => {
  const { heap, send, receive } = setup();
  const values = new Float64Array(MiB / 8).map((_, i) => i); // 1 MiB
  const message = send([move(values), "tail"]);
  // Not into the message (the encoder's scratch memory): only its place is there.
  assert.ok(message.length < 32, `the message is ${message.length} bytes`);
  values[5] = -1; // after sending: the receiver has the copy made at send
  const [received, tail] = receive(message) as [SharedBuffer, string];
  assert.equal(tail, "tail");
  assert.ok(received instanceof SharedBuffer);
  assert.equal(received.byteLength, MiB);
  const view = received.array(Float64Array);
  // Not out of the heap either: the receiver's view is over the heap's memory.
  assert.equal(view.buffer, heap.buffer);
  assert.equal(view[5], 5);
  assert.equal(view[view.length - 1], view.length - 1);
  received.release();
  assert.throws(() => received.array(Float64Array), BufferReleasedError);
});

test("a typed array or DataView moves only the bytes it covers, an ArrayBuffer all of its bytes", () => {
  const { send, receive } = setup();
  const bytes = Uint8Array.from({ length: 64 }, (_, i) => i);
  const [part, whole, viewed] = receive(
    send([move(bytes.subarray(8, 24)), move(bytes.buffer), move(new DataView(bytes.buffer, 60, 4))]),
  ) as SharedBuffer[];
  assert.deepEqual([...part!.bytes()], Array.from({ length: 16 }, (_, i) => i + 8));
  assert.equal(whole!.byteLength, 64);
  assert.deepEqual([...viewed!.bytes()], [60, 61, 62, 63]);
  const empty = receive(send(move(new ArrayBuffer(0)))) as SharedBuffer;
  assert.equal(empty.byteLength, 0);
  for (const buffer of [part!, whole!, viewed!, empty]) buffer.release();
});

test("the buffer move() returns views the source until sent, is sent once, then reads as released", () => {
  const { send, receive, encoder } = setup();
  const source = new Int32Array([1, 2, 3, 4]);
  const moved = move(source);
  assert.equal(moved.byteLength, 16);
  assert.equal(moved.array(Int32Array)[2], 3, "before sending it views the source (no copy)");
  moved.array(Int32Array)[2] = 30;
  assert.equal(source[2], 30);
  // The same buffer twice in one message is one buffer (a back-reference), received once.
  const [a, b] = receive(send([moved, moved])) as SharedBuffer[];
  assert.equal(a, b);
  assert.deepEqual([...a!.array(Int32Array)], [1, 2, 30, 4]);
  assert.ok(moved.released, "the sender's side is released: the receiver owns the copy");
  assert.throws(() => moved.bytes(), BufferReleasedError);
  assert.throws(() => encoder.encode([moved], "job", "args"), BufferReleasedError);
  a!.release();
  // Released before sending: it cannot be sent.
  const dropped = move(new Uint8Array(4));
  dropped.release();
  assert.throws(() => encoder.encode(dropped, "job", "args"), BufferReleasedError);
});

test("a message that fails to encode releases its moved blocks and leaves its move() buffers sendable", () => {
  const { heap, encoder, send, receive } = setup();
  const moved = move(new Uint8Array(4 * MiB).fill(7));
  const probe = heap.alloc(4 * MiB); // the block a failed move gives back is the next one given out
  heap.free(probe, 4 * MiB);
  assert.throws(
    () => encoder.encode([moved, () => 1], "job", "args"),
    (error: unknown) => error instanceof UncloneableValueError && error.path === "args[1]",
  );
  assert.equal(heap.alloc(4 * MiB), probe, "the moved block went back to the heap");
  heap.free(probe, 4 * MiB);
  assert.equal(moved.released, false);
  const received = receive(send(moved)) as SharedBuffer;
  assert.equal(received.bytes()[4 * MiB - 1], 7);
  received.release();
});

test("discard() and dropMessage() release moved blocks nobody received, and leave received ones alone", () => {
  const { heap, encoder, send, receive } = setup();
  const probe = heap.alloc(2 * MiB);
  heap.free(probe, 2 * MiB);
  // discard(): a message its caller did not store (a spawn refused after encoding).
  const moved = move(new Uint8Array(2 * MiB));
  encoder.encode({ data: moved }, "job", "args");
  assert.ok(moved.released);
  encoder.discard();
  assert.equal(moved.released, false, "sendable again");
  assert.equal(heap.alloc(2 * MiB), probe);
  heap.free(probe, 2 * MiB);
  // dropMessage(): a stored message never decoded (a job aborted while queued).
  const message = send({ data: moved });
  dropMessage(heap.bytes, message.at, message.length);
  assert.equal(heap.alloc(2 * MiB), probe, "dropped: its block is free");
  heap.free(probe, 2 * MiB);
  assert.throws(() => receive(message), CorruptValueError, "a dropped moved buffer cannot be received");
  // A received one is its receiver's: dropping the message afterwards leaves it.
  const kept = send({ data: move(new Uint8Array(2 * MiB).fill(3)) });
  const { data } = receive(kept) as { data: SharedBuffer };
  dropMessage(heap.bytes, kept.at, kept.length);
  assert.equal(data.bytes()[123], 3);
  assert.notEqual(heap.alloc(2 * MiB), probe);
  // A moved buffer is received at most once: a second decode of the message is corrupt.
  assert.throws(
    () => receive(kept),
    (error: unknown) => error instanceof CorruptValueError && /received already/.test(error.message),
  );
  data.release();
});

test("a message found corrupt after receiving a moved buffer releases it again", () => {
  const { send, receive, heap } = setup();
  const message = send([move(new Uint8Array(16)), 1]);
  // Cut the message after the moved buffer's record: [flags, ARRAY, len:u32, MOVED, header:u32 | ...].
  assert.throws(() => receive({ at: message.at, length: 11 }), CorruptValueError);
  const header = new DataView(heap.buffer, message.at + 7, 4).getUint32(0, true);
  assert.throws(() => SharedBuffer.at(heap.buffer, header), BufferReleasedError);
});

test("a moved-buffer record naming no header, or outside any heap, is a CorruptValueError", () => {
  const { heap } = setup();
  const at = heap.alloc(8);
  heap.bytes.set([0, 28, 0, 1, 0, 0], at); // MOVED_BUFFER at byte 256: no header there
  assert.throws(
    () => decodeValue(heap.bytes.subarray(at, at + 6)),
    (error: unknown) => error instanceof CorruptValueError && /no SharedBuffer header at byte 256/.test(error.message),
  );
  assert.throws(() => decodeValue(Uint8Array.of(0, 28, 16, 0, 0, 0)), CorruptValueError);
  assert.throws(() => decodeValue(Uint8Array.of(0, 28, 16, 0)), CorruptValueError);
});

test("move() refuses what it cannot move with INVALID_ARGUMENT naming it; an encoder without a heap refuses to send one", () => {
  assert.throws(() => move(42 as unknown as ArrayBuffer), isInvalid(/a DataView, got 42$/));
  assert.throws(() => move([1, 2] as unknown as ArrayBuffer), isInvalid(/takes an ArrayBuffer/));
  assert.throws(
    () => move(new Float64Array(new SharedArrayBuffer(8))),
    isInvalid(/over a SharedArrayBuffer/),
  );
  assert.throws(() => move(new SharedArrayBuffer(8) as unknown as ArrayBuffer), isInvalid(/takes an ArrayBuffer/));
  const detached = new ArrayBuffer(8);
  const overDetached = new Uint8Array(detached);
  detached.transfer();
  assert.throws(() => move(detached), isInvalid(/detached/));
  assert.throws(() => move(overDetached), isInvalid(/detached/));
  const heap = SharedHeap.create(MiB);
  assert.throws(
    () => move(SharedBuffer.allocate(heap.buffer, 8) as unknown as ArrayBuffer),
    isInvalid(/already lives/),
  );
  // A view whose own byteLength is shadowed still moves the bytes it covers.
  const shadowed = new Uint8Array(4);
  Object.defineProperty(shadowed, "byteLength", { value: 1 << 30 });
  assert.equal(move(shadowed).byteLength, 4);
  // Detached after move(), before sending.
  const later = new ArrayBuffer(8);
  const moved = move(later);
  later.transfer();
  const encoder = new ValueEncoder();
  encoder.useHeap(heap.buffer);
  assert.throws(
    () => encoder.encode([moved], "job", "args"),
    (error: unknown) => error instanceof UncloneableValueError && /since detached or shrunk/.test(error.message),
  );
  assert.throws(
    () => new ValueEncoder().encode({ data: move(new Uint8Array(4)) }, "message", "value"),
    (error: unknown) =>
      error instanceof UncloneableValueError && error.path === "value.data" && /shared heap/.test(error.message),
  );
});

test("a message encoded by a getter meanwhile (a nested spawn) carries moved buffers and heap buffers too", () => {
  const { heap, encoder, send, receive } = setup();
  const shared = SharedBuffer.allocate(heap.buffer, 8);
  const again = move(new Uint8Array([1, 2, 3]));
  let inner: { at: number; length: number } | undefined;
  let refused: unknown;
  const outer = send({
    first: again,
    get spawnsMeanwhile() {
      inner = send([move(new Uint8Array([9, 8])), shared]);
      try {
        encoder.encode([again], "child", "args"); // already sent by the message in progress
      } catch (error) {
        refused = error;
      }
      return "x";
    },
  });
  assert.ok(refused instanceof BufferReleasedError);
  const [moved, same] = receive(inner!) as [SharedBuffer, SharedBuffer];
  assert.deepEqual([...moved.bytes()], [9, 8]);
  assert.equal(same.array(Uint8Array).buffer, heap.buffer);
  const { first, spawnsMeanwhile } = receive(outer) as { first: SharedBuffer; spawnsMeanwhile: string };
  assert.deepEqual([...first.bytes()], [1, 2, 3]);
  assert.equal(spawnsMeanwhile, "x");
  for (const buffer of [moved, first, shared]) buffer.release();
});

test("SharedBuffer.array() takes typed array classes only: anything else is INVALID_ARGUMENT naming it", () => {
  const { send, receive } = setup();
  const buffer = receive(send(move(new Float64Array([1.5, 2.5])))) as SharedBuffer;
  assert.deepEqual([...buffer.array(Float64Array)], [1.5, 2.5]);
  class Doubles extends Float64Array {}
  assert.ok(buffer.array(Doubles) instanceof Doubles, "a typed array subclass is a typed array class");
  // Each was called with `new` on the heap, offset and length: an Array of those three values, a
  // DataView, an instance of the caller's class, or a TypeError naming an internal variable.
  for (
    const [Kind, shown] of [
      [Array, "function Array"],
      [DataView, "function DataView"],
      [Object, "function Object"],
      [
        class Other {},
        "function Other",
      ],
      [null, "null"],
      [5, "5"],
    ] as const
  ) {
    assert.throws(
      () => buffer.array(Kind as never),
      isInvalid(new RegExp(`SharedBuffer\\.array\\(\\).* got ${shown}$`)),
    );
  }
  buffer.release();
});

test("dropMessage() names a heap that is not bytes, or a start or length outside it, in INVALID_ARGUMENT", () => {
  // It read them unchecked: dropMessage(undefined, 0, 5) threw the engine's TypeError.
  const heap = new Uint8Array(16);
  const named = (what: string, shown: string) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(what) &&
    e.message.endsWith(`got ${shown}`);
  assert.throws(
    () => dropMessage(undefined as never, 0, 5),
    named("dropMessage() needs the heap's bytes", "undefined"),
  );
  assert.throws(() => dropMessage([1, 2] as never, 0, 5), named("dropMessage() needs the heap's bytes", "an Array"));
  for (
    const [bad, shown] of [[-1, "-1"], [1.5, "1.5"], [17, "17"], ["0", '"0"'], [Symbol("s"), "Symbol(s)"]] as const
  ) {
    assert.throws(() => dropMessage(heap, bad as never, 0), named("start must be a byte index", shown));
  }
  for (const [bad, shown] of [[-1, "-1"], [NaN, "NaN"], [13, "13"], [Infinity, "Infinity"]] as const) {
    assert.throws(() => dropMessage(heap, 4, bad as never), named("length must be a byte count", shown));
  }
  dropMessage(heap, 16, 0); // an empty message at the end is one
});
