import { decodeValueAt, encodeScalarInto, UncloneableValueError, ValueEncoder } from "@spindle/codec";
import {
  caughtInstanceOf,
  checkTypeOf,
  describe,
  isInstance,
  registerDeadThreadRecovery,
  sharedBufferLength,
  SpindleError,
} from "@spindle/core";
import { HolderTable } from "./holder-table.ts";
import { awaitSlot, IN_FLIGHT_WAIT_MS } from "./in-flight.ts";
import { signalCounter } from "./shared-signal.ts";

/**
 * The shared memory of a cross-thread channel: a bounded multi-producer, multi-consumer ring of
 * fixed-size byte slots in one `SharedArrayBuffer` (Vyukov's bounded queue, as crossbeam's
 * `ArrayQueue`: each slot has a sequence word saying whose turn it is), the closed mark, and two
 * event counters that waiting threads wait on with `Atomics.wait` or `Atomics.waitAsync`.
 *
 * Positions count modulo `MODULUS` (a multiple of the capacity, at most 2^29), so that
 * `position % capacity` stays continuous when a position wraps and bit 30 of the tail word is free
 * for the closed mark. A slot's sequence word is `2p` when it is free for the send at position `p`
 * and `2p + 1` once that send published it (modulo `2 × MODULUS`): the doubling keeps "full" and
 * "free" apart even with one slot, where Vyukov's `p + 1` would make them equal (crossbeam marks its tail the same way): a sender's claim of a slot and
 * `close()` are ordered by the same word, so every claim that succeeded before the close is
 * received and none succeeds after it.
 *
 * Every access is an `Atomics` operation except the slot bytes and lengths, which are written by
 * the one sender that claimed the slot before it publishes the slot's sequence word
 * (`Atomics.store`), and read by the one receiver that claimed it after it read that word
 * (`Atomics.load`): the sequentially consistent store and load order the plain accesses around
 * them (ECMAScript memory model: synchronizes-with).
 */

// The four words written on every send or receive each have a cache line (16 words) of their own:
// senders write TAIL and SENT, receivers HEAD and FREED, so with both sides busy on two cores, a
// word one side writes does not take the line of a word the other side writes away from it (false
// sharing made each such access a cache miss: on Node 24, 2 vCPUs, a worker's flood of 1,000,000
// numbers to the main thread took 1,000 ms with these words and the holder entries on shared
// lines, 450 ms apart).
/** Words per cache line (64 bytes). */
const LINE_WORDS = 16;

// RECORD_ORDERING. A send and a receive record the position they claimed in this thread's holder
// entry (WRITING, READING) and clear it once done, with plain stores into a word that only this
// thread writes while the entry is its own. Nobody reads it meanwhile: a recovery reads it after
// the thread ended (the host reports the end after joining the thread, which orders all its
// stores before), and a thread taking the entry after this one freed it does so with a CAS on the
// owner word that reads the seq-cst store of 0 this thread made there after clearing the record
// (synchronizes-with, so the cleared record is seen). Two `Atomics.store`s per message and side
// cost 26 ns on Node 24, 23 on Deno, 12 on Bun (a loop of a million pairs, best of 30, against
// 0.3 ns plain): 5-10 % of a message through a flood.
/** Where the next receive takes from (a position). */
const HEAD = 0; // line 0
/** Where the next send goes (a position), with `CLOSED_MARK` once closed. */
const TAIL = 16; // line 1
/** Event counter (shared-signal.ts) signalled after every publish and by close: receivers wait on it. */
export const SENT = 32; // line 2
/** Event counter (shared-signal.ts) signalled after every slot is freed and by close: senders wait on it. */
export const FREED = 48; // line 3
// Line 4: the constants and the words written only when ends come and go. Line 5: CLOSED.
const CAPACITY = 64;
const SLOT_BYTES = 65;
const MODULUS = 66;
/**
 * Live senders: ends opened on some thread, pending send futures, and handles made for another
 * thread but not opened there yet. The last to go closes the channel.
 */
export const SENDERS = 67;
/** Live receivers, counted like the senders. */
export const RECEIVERS = 68;
/** Of `SENDERS`, the handles not opened yet: `from()` takes one over instead of adding to the count. */
const RESERVED_SENDERS = 69;
/** Of `RECEIVERS`, the handles not opened yet. */
const RESERVED_RECEIVERS = 70;
/**
 * A constant marking a channel's buffer, so that `from()` refuses any other SharedArrayBuffer. It
 * names the layout too, and changes with it: a copy of this package whose layout differs (another
 * header size; a `close()` that sets no `CLOSED` word, which a receiver of this layout would wait
 * for) refuses the other's buffer instead of misreading it.
 */
const MAGIC = 71;
const MAGIC_VALUE = 0x5c4a_77e2;
/**
 * 1 once `close()` set the closed mark (line 5, written once): what a receiver that finds no
 * value reads before `TAIL`. `TAIL` is the senders' line, taken over by each claim: a receiver
 * reading it whenever it catches up with the senders (a flood whose receiver keeps pace) took it
 * from the sender at every message, and then the sender took it back (one line's round trip
 * between the vCPUs here costs about 0.8 µs): a Bun worker's flood of 1,000,000 numbers, both
 * threads busy at once on two vCPUs, took 0.7-0.9 s instead of 0.4 s (receiver's CPU 850 → 380 ms,
 * sender's 700 → 350 ms).
 */
const CLOSED = 80;
const HEADER_WORDS = 96;

// The holder table (after the sequence and length words): which thread holds what, for a
// recovery after it died (see `recover`).
/** Ends of each kind this thread holds (see `heldField`). */
const HELD_SENDERS = 1;
const HELD_RECEIVERS = 2;
/** The position + 1 whose slot this thread claimed to write and has not published yet (0: none). */
const WRITING = 3;
/** The position + 1 whose slot this thread claimed to read and has not freed yet (0: none). */
const READING = 4;
const HOLDER_FIELDS = 4;
const HOLDER_WORDS = HolderTable.words(HOLDER_FIELDS);
/** A slot length marking a slot whose sender died before publishing it: receivers skip it. */
const SKIPPED = -1;

/** The holder table counter of ends of `kind`. */
function heldField(kind: EndKind): number {
  return kind === SENDERS ? HELD_SENDERS : HELD_RECEIVERS;
}

/** What a recovery after a thread's death did to a channel (see `SharedRing.recover`). */
export interface ChannelRecovery {
  /** Sender ends the dead thread held, dropped. */
  readonly senders: number;
  /** Receiver ends the dead thread held, dropped. */
  readonly receivers: number;
  /** Slots it had claimed to send into and not published: skipped (the value was never sent). */
  readonly skippedSlots: number;
  /** Values it had claimed to receive and not finished reading: lost with it, their slots freed. */
  readonly lostValues: number;
  /**
   * Values left in the channel when dropping its receivers left none: nobody could receive them,
   * and they were dropped with the last receiver (0 while a receiver is live).
   */
  readonly undelivered: number;
}

/** `words` rounded up to whole cache lines. */
function lines(words: number): number {
  return Math.ceil(words / LINE_WORDS) * LINE_WORDS;
}

/** Where the holder table starts (a word index): after the sequence and length words, on a new line. */
function holdersAt(capacity: number): number {
  return HEADER_WORDS + lines(2 * capacity);
}

/** The ring's byte length for `capacity` slots of `slotBytes`. */
function ringBytes(capacity: number, slotBytes: number): number {
  return (holdersAt(capacity) + HOLDER_WORDS) * 4 + capacity * slotBytes;
}

/** Which end a count is about: the index of its count word. */
export type EndKind = typeof SENDERS | typeof RECEIVERS;

/** The word counting the not-yet-opened handles of `kind`. */
function reservedWord(kind: EndKind): number {
  return kind === SENDERS ? RESERVED_SENDERS : RESERVED_RECEIVERS;
}

const CLOSED_MARK = 1 << 30;
const POSITION_MASK = CLOSED_MARK - 1;

/** The largest capacity (slots) of a shared channel. */
export const MAX_SHARED_CAPACITY: number = 1 << 20;
/** The largest slot size in bytes. */
export const MAX_SLOT_BYTES: number = 1 << 24;
/** The largest ring (capacity × slot bytes). */
const MAX_RING_BYTES = 2 ** 31 - 1;

/** `receive` found nothing to take now. */
export const EMPTY: unique symbol = Symbol("EMPTY");
/** `receive` found the channel closed and drained. */
export const DRAINED: unique symbol = Symbol("DRAINED");

/**
 * A value too large for a shared channel's slots: its encoding takes `size` bytes, a slot holds
 * `slotBytes`. Nothing was sent. Make the channel with a larger `slotBytes`.
 *
 * @example
 * ```ts
 * import { ValueTooLargeError } from "@spindle/sync";
 *
 * console.log(new ValueTooLargeError(300, 256).message);
 * // the value's encoding takes 300 bytes, more than the channel's slots hold (slotBytes 256)
 * ```
 */
export class ValueTooLargeError extends RangeError {
  /** The encoded size of the value, in bytes. */
  readonly size: number;
  /** The channel's slot size, in bytes. */
  readonly slotBytes: number;

  /** Creates the error for an encoding of `size` bytes and slots of `slotBytes`. */
  constructor(size: number, slotBytes: number) {
    checkTypeOf(size, "number", "new ValueTooLargeError(): size");
    checkTypeOf(slotBytes, "number", "new ValueTooLargeError(): slotBytes");
    super(`the value's encoding takes ${size} bytes, more than the channel's slots hold (slotBytes ${slotBytes})`);
    this.name = "ValueTooLargeError";
    this.size = size;
    this.slotBytes = slotBytes;
  }
}

/** One encoder per thread, reused: its scratch buffer only grows. */
let encoder: ValueEncoder | undefined;
/**
 * This thread's scratch for the values `encodeScalarInto` writes (numbers, ASCII strings of at
 * most 64 characters: at most 67 bytes, rounded up to whole words for `scratchWords`), which skip
 * the encoder's setup and the view of its result.
 */
const scalarScratch = new Uint8Array(68);
/**
 * `scalarScratch` as words: a ring whose slots start on word boundaries copies it into a slot a
 * word at a time. Measured per 67-byte copy into shared memory (2 vCPUs, quiet; Node 24 / Deno 2.9
 * / Bun 1.4): 20 / 16 / 17 ns against 36 / 25 / 26 by `set` of a kept view and 77 / 54 / 40 by a
 * loop of bytes.
 */
const scratchWords = new Int32Array(scalarScratch.buffer);
/** Where this thread's last `encode` left its bytes (the first `length` it returned). */
let encoded: Uint8Array = scalarScratch;
/**
 * Up to this many bytes a slot is filled by a loop rather than `set`, which needs a view of the
 * exact length (`scratchViews` for the scalar scratch, else an allocation). Measured per copy into
 * shared memory from a kept view (2 vCPUs, loaded; Node 24 / Deno 2 / Bun 1.4): 6 bytes 17 / 20 / 5
 * ns by the loop against 44 / 59 / 34 by `set`; 20 bytes 50 / 54 / 16 against 58 / 56 / 30; 67
 * bytes (a 64-character string) 81 / 123 / 82 against 70 / 35 / 35.
 */
const COPY_LOOP_BYTES = 32;
/** `scalarScratch`'s views of every length it holds, for `set`. */
const scratchViews = Array.from({ length: scalarScratch.length + 1 }, (_, n) => scalarScratch.subarray(0, n));

/** Signed distance from position `b` to position `a` modulo `modulus`, in (-modulus/2, modulus/2]. */
function distance(a: number, b: number, modulus: number): number {
  let d = (a - b) % modulus;
  if (d > modulus / 2) d -= modulus;
  else if (d <= -modulus / 2) d += modulus;
  return d;
}

/** The ring over one channel's `SharedArrayBuffer`, rebuilt from the buffer on any thread. */
export class SharedRing {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly capacity: number;
  readonly slotBytes: number;
  readonly #modulus: number;
  readonly #sequences: Int32Array;
  readonly #lengths: Int32Array;
  readonly #data: Uint8Array;
  /** `#data` as words when every slot starts on a word boundary (`slotBytes` a multiple of 4), else null. */
  readonly #dataWords: Int32Array | null;
  readonly #holders: HolderTable;
  /** The words the holder table is made over, for the records `HolderTable.fieldIndex` locates. */
  readonly #holderWords: Int32Array;
  /**
   * Where this thread expects the next send to go: the position after its last claim, or the last
   * `TAIL` it read (no closed mark). Only a guess, which the claim's CAS on `TAIL` checks: a wrong
   * one fails that CAS (or finds the slot in another state) and is replaced by what `TAIL` holds,
   * as a tail read before another sender's claim always was. It saves the `Atomics.load` of `TAIL`
   * that opened every send: an `Atomics` call is a builtin call of about 130 machine instructions
   * on Node 24 (callgrind), and a send and a receive made ten of them (3,175 instructions per
   * message sent and received on one thread, 1,300 of them in the `Atomics` builtins).
   */
  #tailGuess = 0;
  /** Where this thread expects the next receive to take from, checked as `#tailGuess` is. */
  #headGuess = 0;

  /** Allocates a ring of `capacity` slots of `slotBytes` bytes, checking both (INVALID_ARGUMENT). */
  static allocate(capacity: unknown, slotBytes: unknown): SharedRing {
    checkInteger("capacity", capacity, MAX_SHARED_CAPACITY);
    checkInteger("slotBytes", slotBytes, MAX_SLOT_BYTES);
    if (capacity * slotBytes > MAX_RING_BYTES) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `capacity × slotBytes must be at most ${MAX_RING_BYTES} bytes, got ${capacity} × ${slotBytes}`,
      );
    }
    const buffer = new SharedArrayBuffer(ringBytes(capacity, slotBytes));
    const words = new Int32Array(buffer, 0, HEADER_WORDS);
    // Written before the buffer is shared with any thread (postMessage orders it): plain stores.
    words[CAPACITY] = capacity;
    words[SLOT_BYTES] = slotBytes;
    words[MODULUS] = capacity * Math.floor(2 ** 29 / capacity);
    words[SENDERS] = 1; // the sender and the receiver sharedChannel() returns
    words[RECEIVERS] = 1;
    words[MAGIC] = MAGIC_VALUE;
    const sequences = new Int32Array(buffer, HEADER_WORDS * 4, capacity);
    for (let i = 0; i < capacity; i++) sequences[i] = 2 * i; // slot i is free for the send at position i
    const ring = new SharedRing(buffer);
    ring.#holders.add(HELD_SENDERS, 1);
    ring.#holders.add(HELD_RECEIVERS, 1);
    return ring;
  }

  /**
   * The ring over `buffer`, made by `allocate` on any thread; `INVALID_ARGUMENT` for any other
   * value (its mark, capacity, slot size and length must be a channel's).
   */
  constructor(buffer: SharedArrayBuffer) {
    const refuse = (): never => {
      throw new SpindleError("INVALID_ARGUMENT", `not a shared channel's buffer: ${describe(buffer)}`);
    };
    // A real SharedArrayBuffer of a header at least (a Proxy of one passes instanceof, and its
    // length is -1); isInstance refuses what cannot be read (a revoked Proxy) as such.
    const bytes = isInstance(buffer, SharedArrayBuffer, "a shared channel end needs its buffer")
      ? sharedBufferLength(buffer)
      : -1;
    if (bytes < HEADER_WORDS * 4) refuse();
    this.buffer = buffer;
    this.words = new Int32Array(buffer, 0, HEADER_WORDS);
    // Constant since allocation, which happened before this thread got the buffer.
    this.capacity = this.words[CAPACITY]!;
    this.slotBytes = this.words[SLOT_BYTES]!;
    this.#modulus = this.words[MODULUS]!;
    const capacity = this.capacity;
    if (
      this.words[MAGIC] !== MAGIC_VALUE || capacity < 1 || capacity > MAX_SHARED_CAPACITY || this.slotBytes < 1 ||
      this.slotBytes > MAX_SLOT_BYTES || this.#modulus !== capacity * Math.floor(2 ** 29 / capacity) ||
      bytes !== ringBytes(capacity, this.slotBytes)
    ) {
      refuse();
    }
    this.#sequences = new Int32Array(buffer, HEADER_WORDS * 4, this.capacity);
    this.#lengths = new Int32Array(buffer, (HEADER_WORDS + this.capacity) * 4, this.capacity);
    const at = holdersAt(this.capacity);
    this.#holderWords = new Int32Array(buffer, 0, at + HOLDER_WORDS);
    this.#holders = new HolderTable(this.#holderWords, at, HOLDER_FIELDS);
    this.#data = new Uint8Array(buffer, (at + HOLDER_WORDS) * 4, this.capacity * this.slotBytes);
    this.#dataWords = this.slotBytes % 4 === 0
      ? new Int32Array(buffer, (at + HOLDER_WORDS) * 4, (this.capacity * this.slotBytes) / 4)
      : null;
    registerDeadThreadRecovery(this, (ring, threadId) => {
      const counts = ring.recover(threadId);
      return counts === null ? null : { what: "sharedChannel", threadId, counts: { ...counts } };
    });
  }

  /**
   * Why a send found the channel closed, for its SendError: every receiver is gone (`undefined`,
   * SendError's default), or an end called `close()`.
   */
  whyClosed(): string | undefined {
    // A snapshot after the send saw the closed mark; the count only goes down once it is 0.
    return Atomics.load(this.words, RECEIVERS) === 0 ? undefined : "the channel was closed";
  }

  /** Whether `close()` was called on any thread. */
  get isClosed(): boolean {
    // Pairs with the Atomics.or in close(): seq-cst, so a close on any thread is seen here next.
    return (Atomics.load(this.words, TAIL) & CLOSED_MARK) !== 0;
  }

  /** How many values are in the ring now (a snapshot; exact only when nobody is sending or receiving). */
  get length(): number {
    const tail = Atomics.load(this.words, TAIL) & POSITION_MASK;
    const head = Atomics.load(this.words, HEAD);
    return Math.max(0, Math.min(this.capacity, distance(tail, head, this.#modulus)));
  }

  /**
   * Encodes `value` (throws UncloneableValueError / ValueTooLargeError before touching the ring)
   * and returns its byte length; the bytes are the first that many of {@linkcode encodedBytes}
   * until the next `encode` on this thread.
   */
  encode(value: unknown): number {
    const scalar = encodeScalarInto(value, scalarScratch, 0);
    if (scalar !== 0 && scalar <= this.slotBytes) {
      encoded = scalarScratch;
      return scalar;
    }
    const enc = (encoder ??= new ValueEncoder(256));
    let size: number;
    try {
      size = enc.encode(value, "channel", "value");
    } catch (error) {
      // The codec names what it encodes as a job's; this is a channel's value. What a getter of the
      // value threw passes through unchanged (on a revoked Proxy, `instanceof` would throw).
      if (caughtInstanceOf(error, UncloneableValueError)) {
        error.message = error.message.replace(/^job "channel"/, "shared channel send");
      }
      throw error;
    }
    if (size > this.slotBytes) throw new ValueTooLargeError(size, this.slotBytes);
    encoded = enc.bytes;
    return size;
  }

  /** Where the last `encode` on this thread left its bytes (the first `length` it returned). */
  static encodedBytes(): Uint8Array {
    return encoded;
  }

  /**
   * Puts the first `length` bytes of `bytes` (an encoding that fits a slot) into the ring: `true`
   * when sent, `false` when the ring is full; throws nothing. `closed` is returned when the channel
   * was closed (nothing sent). With `waitInFlight` (the public `trySend`), a slot whose receiver
   * took its position but has not freed it yet is waited for (see `awaitSlot`): the ring is not
   * full then, and a receive that completed before this call must leave room for it
   * (linearizable, as crossbeam's `try_send`); without it (a wait that retries on FREED anyway),
   * that is `false`.
   */
  trySend(bytes: Uint8Array, length: number, waitInFlight = false): boolean | "closed" {
    const words = this.words;
    const modulus = this.#modulus;
    const laps = 2 * modulus;
    let deadline = 0;
    // A guess (see #tailGuess): the CAS below decides, and every later value comes from TAIL.
    let tail = this.#tailGuess;
    for (;;) {
      if ((tail & CLOSED_MARK) !== 0) return "closed";
      const index = tail % this.capacity;
      // Pairs with the receiver's Atomics.store freeing this slot (sequence 2 × tail): once seen,
      // the receiver of the previous lap is done reading the bytes.
      const sequence = Atomics.load(this.#sequences, index);
      const d = distance(sequence, 2 * tail, laps);
      if (d === 0) {
        const next = tail + 1 === modulus ? 0 : tail + 1;
        // Claims position `tail`; fails if another sender claimed it or close() set the mark.
        const seen = Atomics.compareExchange(words, TAIL, tail, next);
        if (seen !== tail) {
          tail = seen;
          continue;
        }
        this.#tailGuess = next;
        // Recorded for a recovery should this thread die before it publishes (see `recover`): in
        // this thread's holder entry, directly when it has one (it holds an end), else by `set`.
        // A plain store, as the one clearing it below: see RECORD_ORDERING.
        const record = this.#holders.fieldIndex(WRITING);
        if (record >= 0) this.#holderWords[record] = tail + 1;
        else this.#holders.set(WRITING, tail + 1);
        // The slot is this sender's alone until the store below publishes it: plain writes.
        this.#lengths[index] = length;
        const data = this.#data;
        const at = index * this.slotBytes;
        const dataWords = this.#dataWords;
        if (bytes === scalarScratch && dataWords !== null) {
          // Whole words: the last may carry bytes of the scratch past `length` into the slot's
          // unused rest (it lies inside the slot, as `slotBytes` is a multiple of 4).
          const first = at >> 2;
          const count = (length + 3) >> 2;
          for (let i = 0; i < count; i++) dataWords[first + i] = scratchWords[i]!;
        } else if (length <= COPY_LOOP_BYTES) { for (let i = 0; i < length; i++) data[at + i] = bytes[i]!; }
        else {
          data.set(
            bytes === scalarScratch
              ? scratchViews[length]!
              : length === bytes.length
              ? bytes
              : bytes.subarray(0, length),
            at,
          );
        }
        // Publishes the slot: pairs with the receiver's Atomics.load of this sequence word, which
        // then sees the bytes and length above (synchronizes-with).
        Atomics.store(this.#sequences, index, 2 * tail + 1);
        if (record >= 0) this.#holderWords[record] = 0;
        else this.#holders.set(WRITING, 0);
        signalCounter(this.words, SENT);
        return true;
      }
      if (d < 0) {
        // The slot still holds the value from one lap ago: full, unless the tail moved meanwhile
        // (or `tail` was a stale guess). Pairs with the CAS of other senders and with close()'s
        // Atomics.or: seq-cst.
        const now = Atomics.load(words, TAIL);
        if (now === tail) {
          // HEAD past the slot's last position (tail − capacity) means a receiver took that
          // position and is reading the slot: it frees it next (pairs with the receivers' CAS on
          // HEAD and their store in #free, which precedes their signal of FREED).
          if (!waitInFlight || distance(tail, Atomics.load(words, HEAD), modulus) >= this.capacity) return false;
          deadline ||= performance.now() + IN_FLIGHT_WAIT_MS;
          if (!awaitSlot(this.#sequences, index, sequence, words, FREED, deadline)) return false;
          continue;
        }
        tail = now;
        if ((now & CLOSED_MARK) === 0) this.#tailGuess = now;
        continue;
      }
      tail = Atomics.load(words, TAIL); // another sender claimed this position: catch up
      if ((tail & CLOSED_MARK) === 0) this.#tailGuess = tail;
    }
  }

  /**
   * How many slots past a full ring's tail a blocking sender waits to see free before it sends
   * again (see `hasRoomAhead`): a quarter of the ring, at most 64 (four lines of sequence words).
   */
  get sendBatch(): number {
    return Math.min(64, this.capacity >> 2);
  }

  /**
   * Whether the slot `ahead` positions past this thread's next send (its guess of the tail) is free
   * for the send at that position, or was taken past it: a sign of room for a batch, which a sender
   * that found the ring full looks for before it tries again (see `blockUntil`'s `room`), so that
   * it sends a batch per wait instead of one value. Only a hint: `trySend` decides.
   */
  hasRoomAhead(ahead: number): boolean {
    const modulus = this.#modulus;
    const position = (this.#tailGuess + ahead) % modulus;
    // Pairs with the receiver's Atomics.store freeing the slot (#free): once seen, so is every free
    // before it in that receiver's order. A stale guess or another sender's claim at `position`
    // reads as room (a later sequence), and trySend then reads TAIL.
    const sequence = Atomics.load(this.#sequences, position % this.capacity);
    return distance(sequence, 2 * position, 2 * modulus) >= 0;
  }

  /**
   * Takes the oldest value: the value, `EMPTY` when none is ready, `DRAINED` when closed and empty.
   * With `waitInFlight` (the public `tryRecv`), a slot whose sender claimed its position but has
   * not published it yet is waited for (see `awaitSlot`): a send that completed before this call
   * then always has its value found (linearizable, as crossbeam's `try_recv`, which spins there);
   * without it (a wait that retries on SENT anyway), that is `EMPTY`.
   */
  tryReceive(waitInFlight = false): unknown {
    const words = this.words;
    const modulus = this.#modulus;
    const laps = 2 * modulus;
    let deadline = 0;
    // A guess (see #headGuess): the CAS below decides, and EMPTY and DRAINED are answered only
    // after a load of HEAD confirmed it.
    let head = this.#headGuess;
    for (;;) {
      const index = head % this.capacity;
      const next = head + 1 === modulus ? 0 : head + 1;
      // Pairs with the sender's publishing Atomics.store: 2 × head + 1 once the bytes are there.
      const sequence = Atomics.load(this.#sequences, index);
      const d = distance(sequence, 2 * head + 1, laps);
      if (d === 0) {
        const seen = Atomics.compareExchange(words, HEAD, head, next);
        if (seen !== head) {
          head = seen;
          continue;
        }
        this.#headGuess = next;
        // Recorded for a recovery should this thread die before it frees the slot (`recover`),
        // directly in this thread's holder entry when it has one, as trySend records (plain
        // stores here and below: see RECORD_ORDERING).
        const record = this.#holders.fieldIndex(READING);
        if (record >= 0) this.#holderWords[record] = head + 1;
        else this.#holders.set(READING, head + 1);
        const length = this.#lengths[index]!;
        if (length === SKIPPED) {
          // A slot whose sender died before publishing it: nothing was sent there, take the next.
          this.#free(index, head);
          if (record >= 0) this.#holderWords[record] = 0;
          else this.#holders.set(READING, 0);
          head = next;
          continue;
        }
        // The slot is this receiver's alone until #free below frees it: plain reads, decoded in
        // place (the decoder copies what it keeps) before the slot can be reused. Decoding here
        // rather than from a copy saves a buffer per message (the decoder keeps its views over
        // this channel's memory for the next call, as it does over a runtime's heap).
        try {
          return decodeValueAt(this.#data, index * this.slotBytes, length);
        } finally {
          // Frees the slot for the send one lap later (also after a corrupt value, which is
          // thrown); pairs with the sender's Atomics.load.
          this.#free(index, head);
          if (record >= 0) this.#holderWords[record] = 0;
          else this.#holders.set(READING, 0);
        }
      }
      if (d < 0) {
        // Nothing published at `head`. While not closed that is EMPTY, whatever the tail: pairs
        // with close()'s Atomics.store of CLOSED, which comes before its signal of SENT, so a
        // receiver that misses it here and waits is woken by that signal and reads it then
        // (shared-signal.ts). Once closed, pairs with close()'s Atomics.or and the senders' CAS:
        // a tail equal to head means no send was claimed, so the channel is drained; a tail past
        // head means a sender is between its claim and its publish: empty for now.
        // `head` is checked against HEAD last (pairs with the receivers' CAS): a stale guess, or
        // another receiver that took `head` meanwhile (its value, or a skipped slot), means a
        // value past it could be waiting, so look there rather than answer DRAINED or EMPTY.
        const closed = Atomics.load(words, CLOSED) !== 0 &&
          (Atomics.load(words, TAIL) & POSITION_MASK) === head;
        const now = Atomics.load(words, HEAD);
        if (now === head) {
          // A tail past `head` (pairs with the senders' CAS) means a send claimed `head` and is
          // writing it: it publishes next (its store precedes its signal of SENT).
          if (closed || !waitInFlight || (Atomics.load(words, TAIL) & POSITION_MASK) === head) {
            return closed ? DRAINED : EMPTY;
          }
          deadline ||= performance.now() + IN_FLIGHT_WAIT_MS;
          if (!awaitSlot(this.#sequences, index, sequence, words, SENT, deadline)) return EMPTY;
          continue;
        }
        head = this.#headGuess = now;
        continue;
      }
      head = this.#headGuess = Atomics.load(words, HEAD); // another receiver took this position: catch up
    }
  }

  /** Frees the slot `index` of position `head` for the send one lap later. */
  #free(index: number, head: number): void {
    const modulus = this.#modulus;
    const free = head + this.capacity;
    // Pairs with the sender's Atomics.load of the sequence word (see trySend).
    Atomics.store(this.#sequences, index, 2 * (free >= modulus ? free - modulus : free));
    signalCounter(this.words, FREED);
  }

  /**
   * Undoes what thread `deadThreadId` held when it ended (call only after its exit): the slot it
   * claimed to send into and did not publish is published as skipped (receivers pass over it), the
   * slot it claimed to receive from and did not free is freed (its value is lost with the thread,
   * and counted), and its ends are dropped (the last one closes the channel, waking every waiter).
   * `null` when it held nothing.
   */
  recover(deadThreadId: number): ChannelRecovery | null {
    const held = this.#holders.takeDead(deadThreadId);
    if (held === null) return null;
    let skippedSlots = 0;
    let lostValues = 0;
    const laps = 2 * this.#modulus;
    const writing = held[WRITING]! - 1;
    if (writing >= 0) {
      const index = writing % this.capacity;
      // Still 2p (claimed, unpublished): the dead thread's exit ordered its plain writes before
      // this; the sequence word is ours to publish, as the sender would have.
      if (distance(Atomics.load(this.#sequences, index), 2 * writing, laps) === 0) {
        this.#lengths[index] = SKIPPED;
        Atomics.store(this.#sequences, index, 2 * writing + 1);
        signalCounter(this.words, SENT);
        skippedSlots++;
      }
    }
    const reading = held[READING]! - 1;
    if (reading >= 0) {
      const index = reading % this.capacity;
      // Still 2p + 1 (published, claimed by the dead receiver, not freed): free it.
      if (distance(Atomics.load(this.#sequences, index), 2 * reading + 1, laps) === 0) {
        if (this.#lengths[index] !== SKIPPED) lostValues++;
        this.#free(index, reading);
      }
    }
    const senders = held[HELD_SENDERS]!;
    const receivers = held[HELD_RECEIVERS]!;
    let undelivered = 0;
    for (let i = 0; i < senders; i++) this.#dropCount(SENDERS);
    for (let i = 0; i < receivers; i++) undelivered += this.#dropCount(RECEIVERS);
    // A thread that died inside close(), between the mark and CLOSED, left receivers unable to
    // see the end (pairs with close()'s Atomics.or; a second announcement only signals again).
    if (this.isClosed && Atomics.load(this.words, CLOSED) === 0) this.#announceClose();
    return { senders, receivers, skippedSlots, lostValues, undelivered };
  }

  /**
   * One more live end of `kind`, made by an end that is live itself (`clone()`, a send future):
   * the count is at least 1, so it cannot revive a channel whose count reached 0.
   */
  addEnd(kind: EndKind): void {
    // Pairs with the Atomics.sub in dropEnd on any thread: the RMWs on one word are totally ordered.
    Atomics.add(this.words, kind, 1);
    // Recorded after counting: a death in between leaves the end counted (see HolderTable).
    this.#holders.add(heldField(kind), 1);
  }

  /**
   * One more live end of `kind` for a handle on its way to another thread, made by a live end: the
   * handle counts until `claim()` opens it, so the channel cannot close while it is in flight.
   */
  reserve(kind: EndKind): void {
    // The count first, then the reservation: whoever claims the reservation (and later drops the
    // end) finds the count already raised, so the count never falls below the live reservations.
    Atomics.add(this.words, kind, 1);
    Atomics.add(this.words, reservedWord(kind), 1);
  }

  /**
   * Opens an end of `kind` from a handle: takes over a reservation if any is left, else counts a
   * new end if the channel has any live end of that kind. `false`: the count had reached 0 (the
   * channel is closed), and the end opened does not count.
   */
  claim(kind: EndKind): boolean {
    const words = this.words;
    const reserved = reservedWord(kind);
    for (;;) {
      // Reservations are alike: taking any one keeps `count = live ends + reservations`.
      // Pairs with the Atomics.add in reserve() and the CAS of other claimers (seq-cst).
      const r = Atomics.load(words, reserved);
      if (r > 0) {
        if (Atomics.compareExchange(words, reserved, r, r - 1) !== r) continue;
        this.#holders.add(heldField(kind), 1);
        return true;
      }
      // No reservation (this handle's was taken by a copy of it): join the live ends, never from
      // 0 (the last end's dropEnd closed the channel; pairs with its Atomics.sub).
      const live = Atomics.load(words, kind);
      if (live === 0) return false;
      if (Atomics.compareExchange(words, kind, live, live + 1) !== live) continue;
      this.#holders.add(heldField(kind), 1);
      return true;
    }
  }

  /** A live end of `kind` is gone; the last one closes the channel (waking every waiter). */
  dropEnd(kind: EndKind): void {
    // The record first: a death in between leaves the end counted rather than dropped twice.
    this.#holders.add(heldField(kind), -1);
    this.#dropCount(kind);
  }

  /** Drops a count of `kind`; returns how many values the last receiver's drop discarded. */
  #dropCount(kind: EndKind): number {
    // Pairs with addEnd/reserve/claim: exactly one dropper sees the count go from 1 to 0.
    if (Atomics.sub(this.words, kind, 1) !== 1) return 0;
    this.close();
    return kind === RECEIVERS ? this.#discard() : 0;
  }

  /**
   * After the last receiver is gone (the channel closed): drops the values left, which nobody can
   * receive, freeing their slots (crossbeam's and tokio's receivers drop them too, and so does
   * this package's `mpsc`): `length` is 0 then, as crossbeam's `len()`. Returns how many it dropped.
   * A send claimed before the close and still writing its slot is waited for (`awaitSlot`), as
   * crossbeam's `discard_all_messages` waits; a send claimed by a thread that died there is left
   * after that wait's bound (a recovery publishes it as skipped). A receive future that outlived
   * its end may still take a value meanwhile: the CAS on HEAD gives each value to one of them.
   */
  #discard(): number {
    const words = this.words;
    const modulus = this.#modulus;
    let discarded = 0;
    let deadline = 0;
    for (;;) {
      // The closed mark is set: TAIL moves no more. Pairs with the senders' CAS and the receivers'.
      const head = Atomics.load(words, HEAD);
      if ((Atomics.load(words, TAIL) & POSITION_MASK) === head) return discarded;
      const index = head % this.capacity;
      // Pairs with the sender's publishing Atomics.store, as in tryReceive.
      const sequence = Atomics.load(this.#sequences, index);
      if (sequence === 2 * head + 1) {
        if (Atomics.compareExchange(words, HEAD, head, head + 1 === modulus ? 0 : head + 1) !== head) continue;
        // Claimed: only this thread reads the slot's length before freeing it.
        if (this.#lengths[index] !== SKIPPED) discarded++;
        this.#free(index, head);
        continue;
      }
      if (distance(sequence, 2 * head + 1, 2 * modulus) > 0) continue; // taken meanwhile: reload HEAD
      deadline ||= performance.now() + IN_FLIGHT_WAIT_MS;
      if (!awaitSlot(this.#sequences, index, sequence, words, SENT, deadline)) return discarded;
    }
  }

  /** How many ends of `kind` are live (a snapshot), handles not yet opened included. */
  liveEnds(kind: EndKind): number {
    return Atomics.load(this.words, kind);
  }

  /** Closes the channel for every thread: sends fail; receivers drain, then see the end. */
  close(): void {
    // Sets the mark on the word senders claim with: every claim is ordered before or after it.
    if ((Atomics.or(this.words, TAIL, CLOSED_MARK) & CLOSED_MARK) === 0) this.#announceClose();
  }

  /** After the closed mark: sets `CLOSED` and wakes every waiter. */
  #announceClose(): void {
    // After the mark, before the signal: a receiver that reads 1 here finds the mark on TAIL;
    // one that read 0 and waits is woken by the signal below (see tryReceive).
    Atomics.store(this.words, CLOSED, 1);
    signalCounter(this.words, SENT);
    signalCounter(this.words, FREED);
  }
}

function checkInteger(name: string, value: unknown, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be an integer from 1 to ${max}, got ${describe(value)}`);
  }
}
