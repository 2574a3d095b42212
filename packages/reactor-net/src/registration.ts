import {
  type Context,
  describe,
  dropRawWaker,
  PENDING,
  type Poll,
  type RawWaker,
  replaceRawWaker,
  SpindleError,
  wakeRawWaker,
  WakerSlot,
} from "@spindle/core";
import { checkInterest, Ready } from "./readiness.ts";
import { WaiterList } from "./waiter-list.ts";

/**
 * One source's readiness and the tasks waiting on it (tokio's `ScheduledIo`): what
 * {@linkcode Reactor.register} returns.
 *
 * The source reports readiness with `setReady`. A task asks in one of two ways, as in tokio:
 * `pollReady(cx, interest)` returns the ready bits or stores `cx.waker` in the one slot of each
 * direction (only the latest waker is kept: for `poll*` methods of one task); a future that may
 * wait beside others uses its own {@linkcode ReadinessWaiter} with `pollWaiter`, and every such
 * waiter is woken. Readiness stays set until an operation finds nothing to do and calls
 * `clearReady`: reading readiness does not consume it, so no event is lost between a wake and the
 * poll that follows.
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
  readonly #reader = new WakerSlot();
  readonly #writer = new WakerSlot();
  /**
   * The waiters with a stored waker (a waiter is here exactly while its `waker` is set). Not a
   * `Set`: V8 shrinks a `Set`'s table when it empties, an allocation per wait on a socket that
   * waits once per datagram. The spare list takes the waiters that stay during a wake pass.
   */
  #waiters = new WaiterList<ReadinessWaiter>();
  #spare: WaiterList<ReadinessWaiter> | null = new WaiterList<ReadinessWaiter>();
  #disposed = false;

  /**
   * For {@linkcode Reactor.register}; not meant to be called directly. A bad `interest` or an
   * `onDispose` that is not a function is `INVALID_ARGUMENT` naming it.
   */
  constructor(interest: number, onDispose: (registration: Registration) => void) {
    this.#interest = checkInterest(interest, "new Registration()");
    if (typeof onDispose !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `new Registration() needs an onDispose function, got ${describe(onDispose)}`,
      );
    }
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
    if (gained & (Ready.READABLE | Ready.CLOSED)) this.#reader.wake();
    if (gained & (Ready.WRITABLE | Ready.CLOSED)) this.#writer.wake();
    if (this.#waiters.length > 0) this.#wakeWaiters(gained);
  }

  /** Wakes the waiters of `gained`; a wake may add or forget waiters meanwhile. */
  #wakeWaiters(gained: Ready): void {
    const waiters = this.#waiters;
    if (waiters.length === 1) {
      // One waiter, the usual case (a task waiting once per datagram): woken, or left, in place.
      const waiter = waiters.at(0);
      if (((waiter.interest | Ready.CLOSED) & gained) === 0) return;
      waiters.clear();
      waiter.waker = wakeRawWaker(waiter.waker);
      return;
    }
    const staying = this.#spare ?? new WaiterList<ReadinessWaiter>();
    this.#waiters = staying;
    this.#spare = null;
    for (let i = 0; i < waiters.length; i++) {
      const waiter = waiters.at(i);
      if (waiter.waker === null) continue; // forgotten during this pass
      if ((waiter.interest | Ready.CLOSED) & gained) waiter.waker = wakeRawWaker(waiter.waker);
      else staying.push(waiter);
    }
    waiters.clear();
    this.#spare = waiters;
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
    if (interest & Ready.READABLE) this.#reader.register(cx.waker);
    if (interest & Ready.WRITABLE) this.#writer.register(cx.waker);
    return PENDING;
  }

  /**
   * Like `pollReady` for `waiter.interest`, but the waker goes into `waiter`, which waits beside
   * every other waiter: each is woken when its readiness arrives.
   */
  pollWaiter(cx: Context, waiter: ReadinessWaiter): Poll<Ready> {
    const ready = this.#ready & (waiter.interest | Ready.CLOSED);
    if (ready !== 0) {
      this.forget(waiter);
      return ready;
    }
    if (waiter.waker === null) this.#waiters.push(waiter);
    waiter.waker = replaceRawWaker(waiter.waker, cx.waker);
    return PENDING;
  }

  /** Stops `waiter` waiting and drops its waker (its future was dropped or completed). */
  forget(waiter: ReadinessWaiter): void {
    if (waiter.waker === null) return;
    this.#waiters.remove(waiter);
    waiter.waker = dropRawWaker(waiter.waker);
  }

  /**
   * Deregisters from the reactor (and stops the source). The registration reads as closed from
   * then on: the tasks still waiting on it are woken and find `CLOSED` (no source will wake them
   * any more), and a later `pollReady` or `pollWaiter` answers `CLOSED` instead of storing a waker.
   */
  [Symbol.dispose](): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.setReady(Ready.CLOSED);
    this.#reader.drop();
    this.#writer.drop();
    const waiters = this.#waiters;
    for (let i = 0; i < waiters.length; i++) {
      const waiter = waiters.at(i);
      waiter.waker = dropRawWaker(waiter.waker);
    }
    waiters.clear();
    this.#onDispose(this);
  }
}

/** One future's place in a {@linkcode Registration}'s waiters: its interest and its waker. */
export class ReadinessWaiter {
  /** The readiness bits the future waits for. */
  readonly interest: number;
  /**
   * Its waker while it waits, set and cleared by the registration only (set exactly while the
   * registration holds the waiter).
   */
  waker: RawWaker<unknown> | null = null;

  /** A waiter for `interest` (readiness bits); pass it to `pollWaiter` on every poll. */
  constructor(interest: number) {
    this.interest = interest;
  }
}
