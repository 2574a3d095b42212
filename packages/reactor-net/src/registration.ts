import { type Context, PENDING, type Poll, type RawWaker, replaceRawWaker } from "@spindle/core";
import { Ready } from "./readiness.ts";

/**
 * One source's readiness and the tasks waiting on it (tokio's `ScheduledIo`): what
 * {@linkcode Reactor.register} returns.
 *
 * The source reports readiness with `setReady`; a task asks with `pollReady(cx, interest)`, which
 * returns the ready bits or stores `cx.waker` (only the latest waker per direction is kept). As in
 * tokio, readiness stays set until an operation finds nothing to do and calls `clearReady`: a
 * readiness event is not consumed by reading it, so no event is lost between a wake and the poll
 * that follows.
 *
 * @example
 * ```ts
 * import { Context } from "@spindle/core";
 * import { Interest, Reactor, Ready } from "@spindle/reactor-net";
 *
 * let report: ((bits: number) => void) | undefined;
 * const registration = Reactor.forThisThread().register(
 *   { start: (r) => (report = (bits) => r.setReady(bits)), stop: () => {} },
 *   Interest.READABLE,
 * );
 * const cx = Context.noop();
 * console.log(typeof registration.pollReady(cx, Interest.READABLE)); // symbol (PENDING)
 * report!(Ready.READABLE); // the source: data arrived
 * console.log(registration.pollReady(cx, Interest.READABLE)); // 1
 * registration[Symbol.dispose]();
 * ```
 */
export class Registration implements Disposable {
  readonly #interest: number;
  readonly #onDispose: (registration: Registration) => void;
  #ready = 0;
  #reader: RawWaker<unknown> | null = null;
  #writer: RawWaker<unknown> | null = null;
  #disposed = false;

  /** For {@linkcode Reactor.register}; not meant to be called directly. */
  constructor(interest: number, onDispose: (registration: Registration) => void) {
    this.#interest = interest;
    this.#onDispose = onDispose;
  }

  /** The current readiness bits. */
  get readiness(): Ready {
    return this.#ready;
  }

  /** Whether the source closed (`Ready.CLOSED` is set). */
  get isClosed(): boolean {
    return (this.#ready & Ready.CLOSED) !== 0;
  }

  /**
   * Source side: adds readiness (bits outside the registered interest are ignored, except
   * `CLOSED`) and wakes the tasks waiting for what was gained. Setting `CLOSED` wakes everyone.
   */
  setReady(bits: Ready): void {
    const gained = bits & (this.#interest | Ready.CLOSED) & ~this.#ready;
    if (gained === 0) return;
    this.#ready |= gained;
    if (gained & (Ready.READABLE | Ready.CLOSED)) this.#reader = wake(this.#reader);
    if (gained & (Ready.WRITABLE | Ready.CLOSED)) this.#writer = wake(this.#writer);
  }

  /** Clears readiness an operation found to be stale (never `CLOSED`). */
  clearReady(bits: Ready): void {
    this.#ready &= ~(bits & ~Ready.CLOSED);
  }

  /**
   * The ready bits among `interest` (plus `CLOSED`), or `PENDING` with `cx.waker` stored for
   * each direction of `interest`, replacing the waker of an earlier poll.
   */
  pollReady(cx: Context, interest: number): Poll<Ready> {
    const ready = this.#ready & (interest | Ready.CLOSED);
    if (ready !== 0) return ready;
    if (interest & Ready.READABLE) this.#reader = replaceRawWaker(this.#reader, cx.waker);
    if (interest & Ready.WRITABLE) this.#writer = replaceRawWaker(this.#writer, cx.waker);
    return PENDING;
  }

  /** Drops the stored wakers of `interest` (a waiting future was dropped). */
  forget(interest: number): void {
    if (interest & Ready.READABLE) this.#reader = drop(this.#reader);
    if (interest & Ready.WRITABLE) this.#writer = drop(this.#writer);
  }

  /** Deregisters from the reactor (and stops the source) and drops the stored wakers. */
  [Symbol.dispose](): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.forget(Ready.READABLE | Ready.WRITABLE);
    this.#onDispose(this);
  }
}

function wake(waker: RawWaker<unknown> | null): null {
  if (waker !== null) waker.vtable.wake(waker.data);
  return null;
}

function drop(waker: RawWaker<unknown> | null): null {
  if (waker !== null) waker.vtable.drop(waker.data);
  return null;
}
