import { consumeBudget, type Context, Future, PENDING, type Poll, refundBudget, SpindleError } from "@spindle/core";
import { WaitList, WaitNode } from "./wait-list.ts";

/** A `notified()` future's node: set `notified` when `notifyOne` chose it. */
class NotifyWaiter extends WaitNode {
  notified = false;
}

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
    const waiter = this.#waiters.shift();
    if (waiter === null) {
      this.#permit = true;
      return;
    }
    waiter.notified = true;
    waiter.wake();
  }

  /** Wakes every `notified()` future created before this call; keeps no permit. */
  notifyWaiters(): void {
    this.#generation++;
    this.#waiters.wakeAll();
  }

  /**
   * A future that completes on the next `notifyOne` (or a kept permit) or `notifyWaiters`. It
   * joins the queue when first polled; `notifyWaiters` completes it even before that.
   */
  notified(): Future<void> {
    return new Notified(this, this.#generation);
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

class Notified extends Future<void> {
  readonly #notify: Notify;
  readonly #generation: number;
  #waiter: NotifyWaiter | null = null;
  #done = false;

  constructor(notify: Notify, generation: number) {
    super();
    this.#notify = notify;
    this.#generation = generation;
  }

  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "Notify.notified() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    const notify = this.#notify;
    let waiter = this.#waiter;
    if (waiter?.notified || generationOf(notify) !== this.#generation) return this.#complete();
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
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    // A waiter chosen by notifyOne that also saw a notifyWaiters uses the notifyOne: it was
    // woken by it, as notifyOne promises.
    this.#release(waiter, false);
  }

  /** Dropped: out of the queue; a `notifyOne` it received and did not use goes to the next waiter. */
  override [Symbol.dispose](): void {
    const waiter = this.#waiter;
    this.#done = true;
    if (waiter === null) return;
    this.#waiter = null;
    this.#release(waiter, waiter.notified);
  }

  #release(waiter: NotifyWaiter, passOn: boolean): void {
    waitersOf(this.#notify).remove(waiter);
    waiter.dropWaker();
    if (passOn) this.#notify.notifyOne();
  }
}
