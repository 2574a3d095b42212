import { notRawWakerError, notWakerError, type RawWaker, type Waker, wakeRaw } from "./waker.ts";

/**
 * The place where a future or a driver keeps the waker of the task waiting on it, with the three
 * things done to it: register (on every poll that returns `PENDING`, keeping only the latest
 * task's waker), wake (the awaited thing happened), drop (the waiter went away). The slot holds a
 * raw waker, one object fewer than a `Waker`, and ends it exactly once.
 *
 * Owners that keep many waiting wakers on a hot path (a timer's entries, a socket's operations,
 * executor tasks) keep the raw waker in a field of their own instead, to save this object, and use
 * {@linkcode replaceRawWaker}, {@linkcode wakeRawWaker} and {@linkcode dropRawWaker} on it.
 *
 * @example
 * ```ts
 * import { Context, Future, PENDING, type Poll, WakerSlot } from "@spindle/core";
 *
 * class Flag extends Future<void> {
 *   #raised = false;
 *   readonly #waiter = new WakerSlot();
 *   poll(cx: Context): Poll<void> {
 *     if (this.#raised) return;
 *     this.#waiter.register(cx.waker);
 *     return PENDING;
 *   }
 *   raise(): void {
 *     this.#raised = true;
 *     this.#waiter.wake();
 *   }
 *   override [Symbol.dispose](): void {
 *     this.#waiter.drop();
 *   }
 * }
 *
 * const flag = new Flag();
 * const cx = Context.noop();
 * console.log(flag.poll(cx) === PENDING); // true: the slot keeps a clone of cx.waker
 * flag.raise(); // wakes that clone and empties the slot
 * console.log(flag.poll(cx)); // undefined: ready
 * ```
 */
export class WakerSlot implements Disposable {
  #raw: RawWaker<unknown> | null = null;

  /** Whether a waker is stored (a task is waiting). */
  get isEmpty(): boolean {
    return this.#raw === null;
  }

  /**
   * Stores a clone of `waker` for a later wake, replacing (and dropping) the stored one unless it
   * already wakes the same task.
   */
  register(waker: Waker): void {
    this.#raw = replaceRaw(this.#raw, waker, "WakerSlot.register()");
  }

  /** Wakes the stored waker, if any, and empties the slot (the slot is empty before the wake runs). */
  wake(): void {
    const raw = this.#raw;
    if (raw === null) return;
    this.#raw = null;
    wakeRaw(raw, false);
  }

  /** Drops the stored waker, if any, without waking, and empties the slot. */
  drop(): void {
    const raw = this.#raw;
    if (raw === null) return;
    this.#raw = null;
    raw.vtable.drop(raw.data);
  }

  /** Same as {@linkcode WakerSlot.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.drop();
  }
}

/**
 * {@linkcode WakerSlot.register} for an owner that keeps the raw waker in its own field (one
 * object fewer per stored waker: join handles, and drivers that hold many wakers, such as a
 * timer's queue): returns `stored` when it already wakes the same task as `current`, otherwise
 * drops it and returns a clone of `current`. Pass `null` for the first store; end the stored
 * waker with {@linkcode wakeRawWaker} or {@linkcode dropRawWaker}.
 *
 * @example
 * ```ts
 * import { Context, type RawWaker, replaceRawWaker, wakeRawWaker } from "@spindle/core";
 *
 * const cx = Context.noop();
 * let stored: RawWaker<unknown> | null = replaceRawWaker(null, cx.waker);
 * console.log(replaceRawWaker(stored, cx.waker) === stored); // true: same task, kept
 * stored = wakeRawWaker(stored); // ends it
 * ```
 */
export function replaceRawWaker(stored: RawWaker<unknown> | null, current: Waker): RawWaker<unknown> {
  return replaceRaw(stored, current, "replaceRawWaker()");
}

/** {@linkcode replaceRawWaker} for `what`'s call (`"WakerSlot.register()"`), named in a bad argument's error. */
function replaceRaw(stored: RawWaker<unknown> | null, current: Waker, what: string): RawWaker<unknown> {
  try {
    const data = current.data;
    const vtable = current.vtable;
    if (stored !== null && stored.data === data && stored.vtable === vtable) return stored;
    if (stored !== null) stored.vtable.drop(stored.data);
    return vtable.clone(data);
  } catch (error) {
    throw (stored === null ? undefined : notRawWakerError(stored, `${what} needs a raw waker or null`)) ??
      notWakerError(current, `${what} needs the current Waker`) ?? error;
  }
}

/**
 * {@linkcode WakerSlot.wake} for an owner's own field: wakes `stored` if it is not `null` and
 * returns `null`, written `field = wakeRawWaker(field)`. The field still holds the waker while its
 * `wake` runs, which is sound because a waker only schedules its task, never polls it on the spot
 * (so nothing re-enters the owner meanwhile).
 *
 * @example
 * ```ts
 * import { Context, type RawWaker, replaceRawWaker, wakeRawWaker } from "@spindle/core";
 *
 * let stored: RawWaker<unknown> | null = replaceRawWaker(null, Context.noop().waker);
 * stored = wakeRawWaker(stored);
 * console.log(stored, wakeRawWaker(stored)); // null null
 * ```
 */
export function wakeRawWaker(stored: RawWaker<unknown> | null): null {
  if (stored !== null) wakeRaw(stored, false, "wakeRawWaker() needs a raw waker or null");
  return null;
}

/**
 * {@linkcode WakerSlot.drop} for an owner's own field: drops `stored` without waking if it is not
 * `null` and returns `null`, written `field = dropRawWaker(field)`.
 *
 * @example
 * ```ts
 * import { Context, dropRawWaker, type RawWaker, replaceRawWaker } from "@spindle/core";
 *
 * let stored: RawWaker<unknown> | null = replaceRawWaker(null, Context.noop().waker);
 * stored = dropRawWaker(stored);
 * console.log(stored); // null
 * ```
 */
export function dropRawWaker(stored: RawWaker<unknown> | null): null {
  if (stored === null) return null;
  try {
    stored.vtable.drop(stored.data);
  } catch (error) {
    throw notRawWakerError(stored, "dropRawWaker() needs a raw waker or null") ?? error;
  }
  return null;
}
