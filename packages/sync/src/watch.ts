import { KEY } from "./construct-key.ts";
import {
  consumeBudget,
  type Context,
  describe,
  Future,
  noPublicConstructor,
  PENDING,
  type Poll,
  refundBudget,
  SpindleError,
  Stream,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { type EndCounts, EndLink } from "./channel-end.ts";
import { ClosedError, SendError } from "./errors.ts";
import { ReceiversGone } from "./receivers-gone.ts";
import { WaitList, WaitNode } from "./wait-list.ts";

// The constructors below are private (users get these objects only from this module); each
// class's static block sets its factory here for the rest of the module.
let makeWatchSender: <T>(shared: Shared<T>) => WatchSender<T>;
let makeWatchReceiver: <T>(shared: Shared<T>, seen: number) => WatchReceiver<T>;

let pollChanged: <T>(receiver: WatchReceiver<T>, node: WaitNode, cx: Context) => boolean;
let pollWaitFor: <T>(
  receiver: WatchReceiver<T>,
  node: WaitNode,
  cx: Context,
  predicate: (value: T) => boolean,
  first: boolean,
) => T | typeof PENDING;
let leaveChanged: <T>(receiver: WatchReceiver<T>, node: WaitNode) => void;
let ready: boolean;

/** What the ends of one watch channel share: the latest value and its version. Single-threaded. */
class Shared<T> implements EndCounts {
  value: T;
  /** Bumped by every send. */
  version = 0;
  senders = 1;
  receivers = 1;
  /** Receivers and `changed()` futures waiting for a new version (or the end). */
  readonly waiting: WaitList<WaitNode> = new WaitList<WaitNode>();
  /** The senders' `closed()` futures, waiting for the last receiver to go. */
  readonly closing: WaitList<WaitNode> = new WaitList<WaitNode>();

  /** Whether a receiver is live (what the senders' `closed()` futures wait on). */
  get receiving(): boolean {
    return this.receivers !== 0;
  }

  constructor(value: T) {
    this.value = value;
  }

  /** Wakes the waiting receivers and `changed()` futures to see the end. */
  lastSenderGone(): void {
    this.waiting.wakeAll();
  }

  /** Sends fail from now on; the senders' `closed()` futures complete. */
  lastReceiverGone(): void {
    this.closing.wakeAll();
  }
}

/**
 * A channel that holds only the latest value (tokio's `watch`, Effect's `SubscriptionRef`):
 * senders replace it, receivers read it with `borrow()` and wait for the next one with
 * `changed()`. Each receiver remembers the version it saw last; the receiver returned here has
 * seen `initial`. A receiver is also a core `Stream` of the values it had not seen (only the
 * latest when several were sent meanwhile), ending once every sender is dropped.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, yieldNow } from "@spindle/core";
 * import { watch, type WatchReceiver } from "@spindle/sync";
 *
 * const [tx, rx] = watch("starting");
 * function* observe(rx: WatchReceiver<string>): Coroutine<string> {
 *   yield* rx.changed();
 *   return rx.borrowAndUpdate();
 * }
 * const executor = new LocalExecutor();
 * const seen = executor.spawn(observe(rx));
 * executor.spawn(function* (): Coroutine<void> {
 *   yield* yieldNow();
 *   tx.send("running");
 * }());
 * await executor.run();
 * console.log(await seen); // running
 * ```
 */
export function watch<T>(initial: T): [WatchSender<T>, WatchReceiver<T>] {
  const shared = new Shared(initial);
  return [makeWatchSender(shared), makeWatchReceiver(shared, 0)];
}

/**
 * The sending end of a {@linkcode watch} channel.
 *
 * @example
 * ```ts
 * import { watch } from "@spindle/sync";
 *
 * const [tx, rx] = watch(1);
 * tx.send(2);
 * console.log(rx.hasChanged, rx.borrowAndUpdate(), rx.hasChanged); // true 2 false
 * ```
 */
export class WatchSender<T> implements Disposable {
  readonly #link: EndLink<Shared<T>>;

  private constructor(key: typeof KEY, shared: Shared<T>) {
    if (key !== KEY) throw noPublicConstructor("WatchSender", "watch() returns one", key);
    this.#link = new EndLink(this, shared, "sender", "WatchSender");
  }

  static {
    makeWatchSender = <T>(shared: Shared<T>): WatchSender<T> => new WatchSender(KEY, shared);
  }

  /** How many receivers are live. */
  get receiverCount(): number {
    return this.#link.observed.receivers;
  }

  /**
   * Whether no receiver is live (tokio's `is_closed`): `send` would throw {@linkcode SendError}.
   * It opens again when `subscribe()` makes a receiver. True after this sender was dropped.
   *
   * @example
   * ```ts
   * import { watch } from "@spindle/sync";
   *
   * const [tx, rx] = watch("one");
   * rx.drop();
   * console.log(tx.isClosed); // true
   * const again = tx.subscribe();
   * console.log(tx.isClosed, again.borrow()); // false one
   * ```
   */
  get isClosed(): boolean {
    return this.#link.shared === null || this.receiverCount === 0;
  }

  /**
   * Replaces the value and wakes the receivers waiting for a change. Throws
   * {@linkcode SendError} (holding `value`) when no receiver is left; use `sendReplace` to store
   * the value regardless.
   */
  send(value: T): void {
    const shared = this.#live("send()");
    if (shared.receivers === 0) throw new SendError(value);
    this.#store(shared, value);
  }

  /** Replaces the value even when no receiver is left (later subscribers see it); returns the old one. */
  sendReplace(value: T): T {
    const shared = this.#live("sendReplace()");
    const old = shared.value;
    this.#store(shared, value);
    return old;
  }

  /**
   * Changes the value in place, or replaces it, with `modify(current)` (its return value is
   * stored), and wakes the receivers, even when none is left (tokio's `send_modify`). If `modify`
   * throws, nothing is stored and no receiver is told (a change it made to the object in place
   * stays, unannounced, as tokio's after a panic); the error propagates.
   *
   * @example
   * ```ts
   * import { watch } from "@spindle/sync";
   *
   * const [tx, rx] = watch({ hits: 0 });
   * tx.sendModify((state) => {
   *   state.hits++;
   *   return state;
   * });
   * console.log(rx.hasChanged, rx.borrowAndUpdate().hits); // true 1
   * ```
   */
  sendModify(modify: (current: T) => T): void {
    const shared = this.#live("sendModify()");
    if (typeof modify !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `WatchSender.sendModify(modify) needs a function, got ${describe(modify)}`,
      );
    }
    this.#store(shared, modify(shared.value));
  }

  /** The current value. */
  borrow(): T {
    return this.#live("borrow()").value;
  }

  /**
   * A future that completes once no receiver is left (tokio's `Sender::closed`): every receiver
   * dropped. Takes a unit of the task's cooperative budget per poll, so a loop awaiting it on a
   * closed channel still lets other tasks run. A receiver subscribed later reopens the channel for
   * the futures made after it.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor } from "@spindle/core";
   * import { watch } from "@spindle/sync";
   *
   * const [tx, rx] = watch(0);
   * const executor = new LocalExecutor();
   * const done = executor.spawn(function* (): Coroutine<string> {
   *   yield* tx.closed();
   *   return "no one watches";
   * }());
   * executor.spawn(function* (): Coroutine<void> {
   *   rx[Symbol.dispose]();
   * }());
   * await executor.run();
   * console.log(await done); // no one watches
   * ```
   */
  closed(): Future<void> {
    return new ReceiversGone(this.#live("closed()"), "WatchSender.closed()");
  }

  /** A new receiver that has seen the current value. */
  subscribe(): WatchReceiver<T> {
    const shared = this.#live("subscribe()");
    shared.receivers++;
    return makeWatchReceiver(shared, shared.version);
  }

  /** Another sender of the same channel. */
  clone(): WatchSender<T> {
    const shared = this.#live("clone()");
    shared.senders++;
    return new WatchSender(KEY, shared);
  }

  /** Drops this sender; after the last one `changed()` fails and the streams end. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode WatchSender.drop}, for `using`. */
  [Symbol.dispose](): void {
    this.#link.drop();
  }

  #store(shared: Shared<T>, value: T): void {
    shared.value = value;
    shared.version++;
    shared.waiting.wakeAll();
  }

  #live(operation: string): Shared<T> {
    return this.#link.live(operation);
  }
}

/**
 * A receiving end of a {@linkcode watch} channel.
 *
 * @example
 * ```ts
 * import { blockOn, next } from "@spindle/core";
 * import { watch } from "@spindle/sync";
 *
 * const [tx, rx] = watch(0);
 * tx.send(1);
 * tx.send(2);
 * console.log(blockOn(next(rx))); // 2 (only the latest)
 * ```
 */
export class WatchReceiver<T> extends Stream<T> {
  readonly #link: EndLink<Shared<T>>;
  #seen: number;
  readonly #node = new WaitNode();

  private constructor(key: typeof KEY, shared: Shared<T>, seen: number) {
    super();
    if (key !== KEY) throw noPublicConstructor("WatchReceiver", "watch() returns one", key);
    this.#link = new EndLink(this, shared, "receiver", "WatchReceiver", this.#node);
    this.#seen = seen;
  }

  static {
    makeWatchReceiver = <T>(shared: Shared<T>, seen: number): WatchReceiver<T> => new WatchReceiver(KEY, shared, seen);
  }

  /** The current value, without marking it seen. */
  borrow(): T {
    return this.#live("borrow()").value;
  }

  /** The current value, marking it seen. */
  borrowAndUpdate(): T {
    const shared = this.#live("borrowAndUpdate()");
    this.#seen = shared.version;
    return shared.value;
  }

  /**
   * Whether every sender is gone (tokio's `has_changed()` failing): no value will come after the
   * current one. `changed()` then fails once this receiver has seen it. True after this receiver
   * was dropped.
   *
   * @example
   * ```ts
   * import { watch } from "@spindle/sync";
   *
   * const [tx, rx] = watch(1);
   * tx.send(2);
   * tx.drop();
   * console.log(rx.isClosed, rx.hasChanged, rx.borrowAndUpdate()); // true true 2
   * ```
   */
  get isClosed(): boolean {
    return (this.#link.shared?.senders ?? 0) === 0;
  }

  /** Whether a value was sent since this receiver last marked one seen. */
  get hasChanged(): boolean {
    return this.#link.observed.version !== this.#seen;
  }

  /**
   * Marks the current value unseen (tokio's `mark_changed`): `hasChanged` is true and `changed()`
   * completes at once, until the value is marked seen again.
   *
   * @example
   * ```ts
   * import { watch } from "@spindle/sync";
   *
   * const [_tx, rx] = watch("config");
   * rx.markChanged();
   * console.log(rx.hasChanged, rx.borrowAndUpdate(), rx.hasChanged); // true config false
   * ```
   */
  markChanged(): void {
    const shared = this.#live("markChanged()");
    this.#seen = shared.version - 1;
  }

  /**
   * Marks the current value seen without reading it (tokio's `mark_unchanged`).
   *
   * @example
   * ```ts
   * import { watch } from "@spindle/sync";
   *
   * const [tx, rx] = watch(1);
   * tx.send(2);
   * rx.markUnchanged();
   * console.log(rx.hasChanged, rx.borrow()); // false 2
   * ```
   */
  markUnchanged(): void {
    const shared = this.#live("markUnchanged()");
    this.#seen = shared.version;
  }

  /**
   * A future of the first value, the current one included, for which `predicate` is true (tokio's
   * `wait_for`): it checks the current value at once, then each new one, marking what it checked
   * seen. Once every sender is gone it checks the last value too, and fails with
   * {@linkcode ClosedError} if that one does not match either. Takes a unit of the task's
   * cooperative budget per poll. A throwing `predicate` fails the future with its error.
   *
   * @example
   * ```ts
   * import { type Coroutine, LocalExecutor, yieldNow } from "@spindle/core";
   * import { watch } from "@spindle/sync";
   *
   * const [tx, rx] = watch(0);
   * const executor = new LocalExecutor();
   * const reached = executor.spawn(rx.waitFor((n) => n >= 3));
   * executor.spawn(function* (): Coroutine<void> {
   *   for (let n = 1; n <= 5; n++) {
   *     tx.send(n);
   *     yield* yieldNow();
   *   }
   * }());
   * await executor.run();
   * console.log(await reached); // 3
   * ```
   */
  waitFor(predicate: (value: T) => boolean): Future<T> {
    this.#live("waitFor()");
    if (typeof predicate !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `WatchReceiver.waitFor(predicate) needs a function, got ${describe(predicate)}`,
      );
    }
    return new WaitFor(this, predicate);
  }

  /**
   * A future that completes when a value this receiver has not seen is there, marking it seen; it
   * fails with {@linkcode ClosedError} when every sender is gone and nothing new is there.
   */
  changed(): Future<void> {
    this.#live("changed()");
    return new Changed(this);
  }

  /** The latest value not seen yet (marking it seen), `STREAM_END` once the senders are gone, or `PENDING`. */
  pollNext(cx: Context): Poll<T | StreamEnd> {
    const shared = this.#live("pollNext()");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    if (shared.version !== this.#seen) {
      this.#seen = shared.version;
      return shared.value;
    }
    if (shared.senders === 0) return STREAM_END;
    refundBudget();
    this.#node.register(cx.waker);
    if (!this.#node.queued) shared.waiting.push(this.#node);
    return PENDING;
  }

  /** Another receiver that has seen what this one has. */
  clone(): WatchReceiver<T> {
    const shared = this.#live("clone()");
    shared.receivers++;
    return new WatchReceiver(KEY, shared, this.#seen);
  }

  /** Drops the receiver. Idempotent. */
  drop(): void {
    this.#link.drop();
  }

  /** Same as {@linkcode WatchReceiver.drop}, for `using`. */
  override [Symbol.dispose](): void {
    this.#link.drop();
  }

  static {
    pollChanged = (receiver, node, cx) => {
      const shared = receiver.#live("changed()");
      if (shared.version !== receiver.#seen) {
        receiver.#seen = shared.version;
        return true;
      }
      if (shared.senders === 0) throw new ClosedError("channel", "changed() after every watch sender was dropped");
      node.register(cx.waker);
      if (!node.queued) shared.waiting.push(node);
      return false;
    };
    pollWaitFor = (receiver, node, cx, predicate, first) => {
      const shared = receiver.#live("waitFor()");
      if (first || shared.version !== receiver.#seen) {
        receiver.#seen = shared.version;
        const value = shared.value;
        if (predicate(value)) return value;
      }
      if (shared.senders === 0) {
        throw new ClosedError("channel", "waitFor() found no matching value before every watch sender was dropped");
      }
      node.register(cx.waker);
      if (!node.queued) shared.waiting.push(node);
      return PENDING;
    };
    leaveChanged = (receiver, node) => {
      receiver.#link.shared?.waiting.remove(node);
      node.dropWaker();
    };
  }

  #live(operation: string): Shared<T> {
    return this.#link.live(operation);
  }
}

class Changed<T> extends Future<void> {
  readonly #receiver: WatchReceiver<T>;
  readonly #node = new WaitNode();
  #done = false;

  constructor(receiver: WatchReceiver<T>) {
    super();
    this.#receiver = receiver;
  }

  poll(cx: Context): Poll<void> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "WatchReceiver.changed() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    try {
      ready = pollChanged(this.#receiver, this.#node, cx);
    } catch (error) {
      this.#finish();
      throw error;
    }
    if (!ready) {
      refundBudget();
      return PENDING;
    }
    this.#finish();
  }

  override [Symbol.dispose](): void {
    if (!this.#done) this.#finish();
  }

  #finish(): void {
    this.#done = true;
    leaveChanged(this.#receiver, this.#node);
  }
}

/** `WatchReceiver.waitFor(predicate)`; see there. */
class WaitFor<T> extends Future<T> {
  readonly #receiver: WatchReceiver<T>;
  readonly #predicate: (value: T) => boolean;
  readonly #node = new WaitNode();
  /** Whether the current value is still to be checked (the first poll checks it, seen or not). */
  #first = true;
  #done = false;

  constructor(receiver: WatchReceiver<T>, predicate: (value: T) => boolean) {
    super();
    this.#receiver = receiver;
    this.#predicate = predicate;
  }

  poll(cx: Context): Poll<T> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", "WatchReceiver.waitFor() was polled after it completed");
    if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
    let output: T | typeof PENDING;
    try {
      output = pollWaitFor(this.#receiver, this.#node, cx, this.#predicate, this.#first);
    } catch (error) {
      this.#finish();
      throw error;
    }
    this.#first = false;
    if (output === PENDING) {
      refundBudget();
      return PENDING;
    }
    this.#finish();
    return output;
  }

  override [Symbol.dispose](): void {
    if (!this.#done) this.#finish();
  }

  #finish(): void {
    this.#done = true;
    leaveChanged(this.#receiver, this.#node);
  }
}
