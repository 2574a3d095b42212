import { KEY } from "./construct-key.ts";
import { describe, noPublicConstructor, SpindleError, unreadableError } from "./errors.ts";

/**
 * The four operations behind a {@linkcode Waker}, as in Rust's `RawWakerVTable`. Executors and
 * drivers outside core build their wakers from one of these.
 *
 * The contract a vtable may rely on:
 * - every `clone` is balanced by exactly one `wake` or one `drop` of the clone;
 * - `wake` consumes: `drop` is never called for a waker that was woken;
 * - `wakeByRef` wakes without consuming.
 */
export interface RawWakerVTable<D = unknown> {
  /** Returns a new raw waker that wakes the same task (it may use other data and another vtable). */
  clone(data: D): RawWaker<unknown>;
  /** Wakes the task and releases this raw waker. */
  wake(data: D): void;
  /** Wakes the task; the raw waker stays alive. */
  wakeByRef(data: D): void;
  /** Releases this raw waker without waking. */
  drop(data: D): void;
}

/** The data of a waker and the vtable that knows what to do with it. */
export interface RawWaker<D = unknown> {
  /** Whatever the vtable needs to find the task: a task object, a shared-memory slot... */
  readonly data: D;
  /** The operations on `data`. */
  readonly vtable: RawWakerVTable<D>;
}

let rebind: (waker: Waker, raw: RawWaker<unknown>) => void;
let isBranded: (value: object) => boolean;

/**
 * Points a borrowed waker at another raw waker, without going through the vtable. Internal to
 * core: an executor polls every task through one `Context` whose waker it rebinds before each
 * poll, instead of allocating a waker and a context per task. Sound because `cx.waker` is only
 * borrowed for the poll: a future that keeps a waker keeps a `clone()`, which is a waker of its own.
 */
export function rebindWaker(waker: Waker, raw: RawWaker<unknown>): void {
  rebind(waker, raw);
}

const NOOP_VTABLE: RawWakerVTable<null> = {
  clone: () => NOOP_RAW,
  wake: () => {},
  wakeByRef: () => {},
  drop: () => {},
};
const NOOP_RAW: RawWaker<null> = { data: null, vtable: NOOP_VTABLE };

/**
 * A handle that wakes a task, so that its executor polls it again.
 *
 * A waker is owned: whoever holds one must end it exactly once, by `wake()` (which consumes it) or
 * by `drop()` (also `[Symbol.dispose]`). A future that wants to be woken later stores
 * `cx.waker.clone()`, and on every later poll replaces the stored clone when `willWake` says it
 * would wake something else: the task may have moved to another executor.
 *
 * @example
 * ```ts
 * import { Waker, type RawWaker, type RawWakerVTable } from "@spindle/core";
 *
 * let wakes = 0;
 * const vtable: RawWakerVTable<string> = {
 *   clone: (data) => ({ data, vtable }),
 *   wake: () => { wakes++; },
 *   wakeByRef: () => { wakes++; },
 *   drop: () => {},
 * };
 * const waker = Waker.fromRaw({ data: "task-1", vtable });
 * const copy = waker.clone();
 * waker.wakeByRef();
 * copy.wake();
 * waker.drop();
 * console.log(wakes); // 2
 * ```
 */
export class Waker implements Disposable {
  #raw: RawWaker<unknown> | null;

  static {
    rebind = (waker, raw) => {
      waker.#raw = raw;
    };
    isBranded = (value) => #raw in value;
  }

  private constructor(key: typeof KEY, raw: RawWaker<unknown>) {
    if (key !== KEY) throw noPublicConstructor("Waker", "use Waker.fromRaw() or Waker.noop()", key);
    this.#raw = raw;
  }

  /**
   * Builds a waker that owns `raw`: the vtable's `wake` or `drop` will be called for it once.
   * Anything but a raw waker is `INVALID_ARGUMENT` naming it.
   */
  static fromRaw<D>(raw: RawWaker<D>): Waker {
    const bad = notRawWakerError(raw, "Waker.fromRaw() needs a raw waker");
    if (bad !== undefined) throw bad;
    return new Waker(KEY, raw as RawWaker<unknown>);
  }

  /** A waker that does nothing when woken. */
  static noop(): Waker {
    return new Waker(KEY, NOOP_RAW);
  }

  /** The raw waker's data. Throws `WAKER_CONSUMED` after `wake()`. */
  get data(): unknown {
    return this.#live("data").data;
  }

  /** The raw waker's vtable. Throws `WAKER_CONSUMED` after `wake()`. */
  get vtable(): RawWakerVTable<unknown> {
    return this.#live("vtable").vtable;
  }

  /** Whether `wake()` or `drop()` already ended this waker. */
  get isConsumed(): boolean {
    return this.#raw === null;
  }

  /**
   * Wakes the task and consumes this waker; the vtable's `drop` will not be called for it. A
   * vtable `wake` that throws is reported, not thrown here (see {@linkcode wakeRaw}).
   */
  wake(): void {
    const raw = this.#live("wake");
    this.#raw = null;
    wakeRaw(raw, false);
  }

  /** Wakes the task; this waker stays usable. A vtable `wakeByRef` that throws is reported, not thrown here. */
  wakeByRef(): void {
    wakeRaw(this.#live("wakeByRef"), true);
  }

  /** A new waker for the same task, to be ended by its own `wake` or `drop`. */
  clone(): Waker {
    // The check of `#live` written out: a task's first poll clones its waker, and this keeps the
    // method small where the executor inlines the task's poll with it (see `Task.run`).
    const raw = this.#raw;
    if (raw === null) throw consumedError("clone");
    return new Waker(KEY, raw.vtable.clone(raw.data));
  }

  /**
   * Whether this waker and `other` wake the same task (same data, same vtable), so that a stored
   * clone need not be replaced.
   */
  willWake(other: Waker): boolean {
    const mine = this.#raw;
    const theirs = other.#raw;
    return mine !== null && theirs !== null && mine.data === theirs.data && mine.vtable === theirs.vtable;
  }

  /** Releases this waker without waking. Does nothing if it was already woken or dropped. */
  drop(): void {
    const raw = this.#raw;
    if (raw === null) return;
    this.#raw = null;
    raw.vtable.drop(raw.data);
  }

  /** Same as {@linkcode Waker.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.drop();
  }

  #live(operation: string): RawWaker<unknown> {
    const raw = this.#raw;
    if (raw === null) throw consumedError(operation);
    return raw;
  }
}

/** The error of calling `Waker.<operation>()` on a waker that was woken or dropped. */
function consumedError(operation: string): SpindleError {
  return new SpindleError(
    "WAKER_CONSUMED",
    `Waker.${operation}() was called on a waker that was already woken or dropped`,
  );
}

/**
 * Keeps `stored` up to date with the waker of the current poll: returns `stored` when it already
 * wakes the same task, otherwise drops it and returns a clone of `current`. This is the
 * "replace the waker on every poll" rule of Rust's futures in one call.
 *
 * @example
 * ```ts
 * import { Context, Waker, replaceWaker } from "@spindle/core";
 *
 * let stored: Waker | null = null;
 * const cx = Context.noop();
 * stored = replaceWaker(stored, cx.waker);
 * console.log(stored.willWake(cx.waker)); // true
 * ```
 */
export function replaceWaker(stored: Waker | null, current: Waker): Waker {
  try {
    if (stored !== null && stored.willWake(current)) return stored;
    stored?.drop();
    return current.clone();
  } catch (error) {
    throw (stored === null ? undefined : notWakerError(stored, "replaceWaker() needs a Waker or null to replace")) ??
      notWakerError(current, "replaceWaker() needs the current Waker") ?? error;
  }
}

/**
 * Calls a raw waker's `wake` (or `wakeByRef`). A waker only schedules its task, so one that
 * throws is at fault itself, not the code that woke it (a sender, a timer firing, a channel
 * closing): its error is reported as an uncaught exception in a microtask, as the platform reports
 * a throwing event listener, and the caller goes on. A loop that wakes many waiters (a timer's due
 * sleeps, a wait list, a wake table's drain) therefore wakes every other one, and its state stays
 * consistent. Every wake in Spindle goes through here (`Waker`, `WakerSlot`, `wakeRawWaker`).
 */
export function wakeRaw(raw: RawWaker<unknown>, byRef: boolean, needs?: string): void {
  try {
    if (byRef) raw.vtable.wakeByRef(raw.data);
    else raw.vtable.wake(raw.data);
  } catch (error) {
    // A caller that passed what is not a raw waker at all (`needs` says whose call it was) is at
    // fault, not a waker: told at once.
    const bad = needs === undefined ? undefined : notRawWakerError(raw, needs);
    if (bad !== undefined) throw bad;
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * The `INVALID_ARGUMENT` error naming `value` if it is not a raw waker (an object whose `vtable`
 * has `clone`, `wake`, `wakeByRef` and `drop` functions), else `undefined`. `needs` says whose
 * argument it was (`"wakeRawWaker() needs a raw waker or null"`). The raw-waker helpers on hot
 * paths ask this only after a call failed, so the way that works pays nothing for it.
 */
export function notRawWakerError(value: unknown, needs: string): SpindleError | undefined {
  try {
    const vtable = (value as Partial<RawWaker> | null | undefined)?.vtable;
    if (
      typeof value === "object" && value !== null && typeof vtable === "object" && vtable !== null &&
      typeof vtable.clone === "function" && typeof vtable.wake === "function" &&
      typeof vtable.wakeByRef === "function" && typeof vtable.drop === "function"
    ) return undefined;
  } catch (cause) {
    return unreadableError(value, needs, cause);
  }
  return new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(value)}`);
}

/**
 * As {@linkcode notRawWakerError}, for a `Waker`: one that `Waker` made, so an object built on
 * `Waker.prototype` (`Object.create(Waker.prototype)`) is refused too. The brand check runs no
 * getter and no proxy trap.
 */
export function notWakerError(value: unknown, needs: string): SpindleError | undefined {
  if (typeof value === "object" && value !== null && isBranded(value)) return undefined;
  return new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(value)}`);
}
