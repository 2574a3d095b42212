import { KEY } from "./construct-key.ts";
import {
  consumeBudget,
  type Context,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  refundBudget,
  SpindleError,
} from "@spindle/core";
import { WaitList, WaitNode } from "./wait-list.ts";

/** A `notified()` future's node: set `notified` when `notifyOne` or `notifyLast` chose it. */
class NotifyWaiter extends WaitNode {
  notified = false;
  /** Chosen by `notifyLast`: a drop passes the notification on the same way. */
  last = false;
}

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeNotified: (notify: Notify, generation: number) => Notified;

let generationOf: (notify: Notify) => number;
let takePermit: (notify: Notify) => boolean;
let waitersOf: (notify: Notify) => WaitList<NotifyWaiter>;

/**
 * Wakes tasks without passing data (tokio's `Notify`): a task waits with `yield* notify.notified()`;
 * `notifyOne()` wakes the longest-waiting one, or, when none waits, keeps one permit so that the
 * next `notified()` completes at once (several `notifyOne` calls keep at most one permit);
 * `notifyWaiters()` wakes every `notified()` future created before the call, polled yet or not,
 * and keeps no permit.
 *
 * Cancel-safe: a `notified()` future chosen by `notifyOne` but dropped before it completed passes
 * the notification on (to the next waiter, or as the permit), so no notification is lost.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor } from "@spindle/core";
 * import { Notify } from "@spindle/sync";
 *
 * const ready = new Notify();
 * const log: string[] = [];
 * function* waiter(): Coroutine<void> {
 *   yield* ready.notified();
 *   log.push("woken");
 * }
 * const executor = new LocalExecutor();
 * executor.spawn(waiter());
 * executor.spawn(waiter());
 * executor.spawn(function* (): Coroutine<void> {
 *   ready.notifyWaiters();
 * }());
 * await executor.run();
 * console.log(log); // [ "woken", "woken" ]
 * ```
 */
export class Notify {
  readonly #waiters = new WaitList<NotifyWaiter>();
  #permit = false;
  /** How many `notifyWaiters` calls were made: a `notified()` future made before one completes. */
  #generation = 0;

  /** Wakes the longest-waiting `notified()` future, or keeps one permit for the next. */
  notifyOne(): void {
    this.#notify(this.#waiters.head, false);
  }

  /**
   * Wakes the `notified()` future that joined the queue last (tokio's `notify_last`: LIFO), or
   * keeps one permit for the next, as `notifyOne`. A future it chose that is dropped before it
   * completes passes the notification on to the then last waiter.
   *
   * @example
   * ```ts
   * import { Context } from "@spindle/core";
   * import { Notify } from "@spindle/sync";
   *
   * const notify = new Notify();
   * const [first, second] = [notify.notified(), notify.notified()];
   * const cx = Context.noop();
   * first.poll(cx); // both wait, in this order
   * second.poll(cx);
   * notify.notifyLast();
   * console.log(first.poll(cx) === undefined, second.poll(cx) === undefined); // false true
   * ```
   */
  notifyLast(): void {
    this.#notify(this.#waiters.tail, true);
  }

  #notify(waiter: NotifyWaiter | null, last: boolean): void {
    if (waiter === null) {
      this.#permit = true;
      return;
    }
    this.#waiters.remove(waiter);
    waiter.notified = true;
    waiter.last = last;
    waiter.wake();
  }

  /** Wakes every `notified()` future created before this call; keeps no permit. */
  notifyWaiters(): void {
    this.#generation++;
    this.#waiters.wakeAll();
  }

  /**
   * A future that completes on the next `notifyOne` (or a kept permit) or `notifyWaiters`. It
   * joins the queue when first polled (or on {@linkcode Notified.enable}); `notifyWaiters`
   * completes it even before that.
   */
  notified(): Notified {
    return makeNotified(this, this.#generation);
  }

  static {
    generationOf = (notify) => notify.#generation;
    takePermit = (notify) => {
      const had = notify.#permit;
      notify.#permit = false;
      return had;
    };
    waitersOf = (notify) => notify.#waiters;
  }
}

/**
 * The future of {@linkcode Notify.notified}: completes on a `notifyOne`/`notifyLast` that chose
 * it (or a permit kept), or on a `notifyWaiters` made after it was created. Dropped after a
 * `notifyOne` chose it but before it completed, it passes the notification on.
 *
 * @example
 * ```ts
 * import { blockOn } from "@spindle/core";
 * import { Notify } from "@spindle/sync";
 *
 * const notify = new Notify();
 * const notified = notify.notified();
 * notified.enable(); // in the queue now: a notifyOne from here on is this future's
 * notify.notifyOne();
 * console.log(blockOn(notified)); // undefined
 * ```
 */
export class Notified extends Future<void> {
  readonly #notify: Notify;
  readonly #generation: number;
  #waiter: NotifyWaiter | null = null;
  /** `enable()` took the kept permit: the notification is this future's. */
  #permitTaken = false;
  #done = false;

  private constructor(key: typeof KEY, notify: Notify, generation: number) {
    super();
    if (key !== KEY) throw noPublicConstructor("Notified", "notify.notified() returns one", key);
    this.#notify = notify;
    this.#generation = generation;
  }

  static {
    makeNotified = (notify, generation) => new Notified(KEY, notify, generation);
  }

  /**
   * Joins the queue now, without waiting to be polled (tokio's `Notified::enable`), so that a
   * `notifyOne` from here on can choose this future; takes the kept permit if there is one.
   * Returns whether the future is notified already (it will complete at its next poll, or has
   * completed). For the check-then-wait pattern: enable, check the condition, then wait, and no
   * notification between the check and the wait is missed.
   *
   * @example
   * ```ts
   * import { Notify } from "@spindle/sync";
   *
   * const notify = new Notify();
   * const notified = notify.notified();
   * console.log(notified.enable()); // false
   * notify.notifyOne();
   * console.log(notified.enable()); // true
   * ```
   */
  enable(): boolean {
    if (this.#done || this.#permitTaken) return true;
    const notify = this.#notify;
    const waiter = this.#waiter;
    if (waiter?.notified || generationOf(notify) !== this.#generation) return true;
    if (waiter !== null) return false;
    if (takePermit(notify)) return this.#permitTaken = true;
    waitersOf(notify).push(this.#waiter = new NotifyWaiter());
    return false;
  }

  /** Ready once this waiter was notified (or took the stored permit); takes a unit of budget. */
  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "Notify.notified() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const notify = this.#notify;
    let waiter = this.#waiter;
    if (this.#permitTaken || waiter?.notified || generationOf(notify) !== this.#generation) return this.#complete();
    if (waiter === null) {
      if (takePermit(notify)) return this.#complete();
      waiter = this.#waiter = new NotifyWaiter();
      waitersOf(notify).push(waiter);
    }
    refundBudget();
    waiter.register(cx.waker);
    return PENDING;
  }

  #complete(): void {
    this.#done = true;
    this.#permitTaken = false;
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    // A waiter chosen by notifyOne that also saw a notifyWaiters uses the notifyOne: it was
    // woken by it, as notifyOne promises.
    this.#release(waiter, false);
  }

  /**
   * Dropped: out of the queue; a `notifyOne` (or `notifyLast`) it received, or the permit
   * `enable()` took, and did not use goes on, the same way, to the next waiter or as the permit.
   */
  override [Symbol.dispose](): void {
    const waiter = this.#waiter;
    const permitTaken = this.#permitTaken;
    this.#done = true;
    this.#permitTaken = false;
    if (permitTaken) this.#notify.notifyOne();
    if (waiter === null) return;
    this.#waiter = null;
    this.#release(waiter, waiter.notified);
  }

  #release(waiter: NotifyWaiter, passOn: boolean): void {
    waitersOf(this.#notify).remove(waiter);
    waiter.dropWaker();
    if (!passOn) return;
    if (waiter.last) this.#notify.notifyLast();
    else this.#notify.notifyOne();
  }
}
