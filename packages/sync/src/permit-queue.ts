import { consumeBudget, type Context, Future, PENDING, type Poll, refundBudget, SpindleError } from "@spindle/core";
import { ClosedError } from "./errors.ts";
import { awaitIterator, READY_VOID, ReadyNow, takeBudgetNow } from "./ready-now.ts";
import { WaitList, WaitNode } from "./wait-list.ts";

/**
 * A future waiting for `needed` permits; `assigned` of them are already its own. Owned by one
 * future from {@linkcode PermitQueue.waiter} until it gives it back with
 * {@linkcode PermitQueue.recycle}, out of the queue, its permits taken or returned and its waker
 * dropped.
 */
export class PermitWaiter extends WaitNode {
  needed: number;
  assigned = 0;

  constructor(needed: number) {
    super();
    this.needed = needed;
  }
}

/**
 * How many finished waiters a queue keeps for reuse. Under contention every acquisition waits:
 * reusing the node saves an allocation per acquisition (as tokio's and async-lock's waiter
 * nodes, which live in the future). More waiters than this at once are made and dropped. A new
 * waiter per contended acquisition instead cost 310 more instructions per acquisition of
 * `Semaphore(4)` with 100 tasks (3,480 → 3,790 on a trial future written out for the semaphore,
 * callgrind, Node 24), likely as a young node linked into a long-lived queue is a write barrier
 * per link and the queued ones are copied at each scavenge (not profiled further).
 */
const SPARE_WAITERS = 64;

/**
 * Core's `yield*` iterator ({@linkcode awaitIterator}) held in a constant of this module: V8
 * inlines `.call` of a module's own constant, not of an imported binding. A contended acquisition
 * goes through it every time: 3,504-3,515 → 3,432 machine instructions per acquisition of
 * `Semaphore(4)` with 100 tasks (callgrind, Node 24).
 */
const ordinaryIterator = awaitIterator;

/**
 * The counting core shared by `Semaphore`, `Mutex`, `RwLock` and the bounded channels' free slots:
 * a number of free permits and a FIFO of waiters, with tokio's batch-semaphore rule that permits
 * are handed to waiters at release time, front first, a waiter keeping what it got until it has
 * all it needs. Consequences that the users rely on:
 *
 * - Fairness: `free > 0` only while nobody waits, or while the front waiter needs more than there
 *   is (it keeps a partial assignment). A newcomer (`tryTake`) never overtakes a waiter, and a
 *   writer of an `RwLock` waiting for every permit holds back the readers behind it. The one
 *   exception is an `RwLock` upgrade (`tryTakeFirst`, `enqueueFirst`), served before everyone.
 * - Cancel safety: a waiter removed before it was satisfied returns what it was assigned; one
 *   satisfied (woken) but dropped before it took its permits returns all of them. Both go through
 *   {@linkcode PermitQueue.release}, so they pass to the next waiter: no permit is lost.
 */
export class PermitQueue {
  /** Permits nobody holds or is assigned. */
  free: number;
  /** After {@linkcode PermitQueue.close}: waiters fail, and so do new acquisitions. */
  closed = false;
  readonly #waiters = new WaitList<PermitWaiter>();
  /** Waiters given back by their futures, for the next ones (see SPARE_WAITERS). */
  readonly #spare: PermitWaiter[] = [];

  constructor(permits: number) {
    this.free = permits;
  }

  /** How many futures wait. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes `n` permits at once if nobody waits ahead and enough are free (never when closed). */
  tryTake(n: number): boolean {
    if (!this.canTake(n)) return false;
    this.free -= n;
    return true;
  }

  /**
   * Takes `n` permits at once if enough are free, ahead of every waiter (never when closed): the
   * front waiter's partial assignment counts as free, since it cannot complete before this taker
   * gives its permits back (an `RwLock` upgrade: the upgrading reader holds one of the permits
   * the waiting writer needs). If they are not enough, the front waiter gets its assignment back.
   */
  tryTakeFirst(n: number): boolean {
    if (this.closed) return false;
    this.#reclaimFront();
    const taken = this.free >= n;
    if (taken) this.free -= n;
    this.#assign(); // what is left goes back to the front waiter
    return taken;
  }

  /** A waiter for `needed` permits: a spare one if there is one. */
  waiter(needed: number): PermitWaiter {
    const waiter = this.#spare.pop();
    if (waiter === undefined) return new PermitWaiter(needed);
    waiter.needed = needed;
    return waiter;
  }

  /**
   * Takes back a waiter its future is done with: out of the queue, nothing assigned, no waker
   * (the future keeps no reference to it).
   */
  recycle(waiter: PermitWaiter): void {
    if (this.#spare.length < SPARE_WAITERS) this.#spare.push(waiter);
  }

  /** Queues `waiter` behind the others and hands it what is free if it is at the front. */
  enqueue(waiter: PermitWaiter): void {
    this.#waiters.push(waiter);
    // Under contention nothing is free (a waiter ahead would hold it): nothing to hand out.
    if (this.free !== 0) this.#assign();
  }

  /** Whether `tryTake(n)` would succeed now (it takes nothing). */
  canTake(n: number): boolean {
    return !this.closed && this.#waiters.length === 0 && this.free >= n;
  }

  /**
   * Queues `waiter` in front of the others (an `RwLock` upgrade, see
   * {@linkcode PermitQueue.tryTakeFirst}): what the former front waiter was assigned is its now.
   */
  enqueueFirst(waiter: PermitWaiter): void {
    this.#reclaimFront();
    this.#waiters.unshift(waiter);
    this.#assign();
  }

  /** Gives `n` permits back (a holder released them) and hands them on to the waiters, front first. */
  release(n: number): void {
    this.free += n;
    if (this.#waiters.length !== 0) this.#assign(); // a bounded channel's receive: nobody, mostly
  }

  /**
   * A waiter went away (its future was dropped): out of the queue, and what it was given goes
   * back through {@linkcode PermitQueue.release}. `waiter` may be queued (partly assigned) or
   * already satisfied but not yet consumed; a consumed waiter must not be passed here.
   */
  cancel(waiter: PermitWaiter): void {
    this.#waiters.remove(waiter);
    const given = waiter.assigned;
    waiter.assigned = 0;
    if (given !== 0) this.release(given);
  }

  /** Closes the queue: every waiter is woken (its future then fails) and no acquisition succeeds. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#waiters.wakeAll();
  }

  /** Takes the front waiter's partial assignment back into `free` (only the front has one). */
  #reclaimFront(): void {
    const head = this.#waiters.head;
    if (head === null || head.assigned === 0) return;
    this.free += head.assigned;
    head.assigned = 0;
  }

  #assign(): void {
    if (this.closed) return;
    const waiters = this.#waiters;
    for (let head = waiters.head; head !== null; head = waiters.head) {
      const give = Math.min(head.needed - head.assigned, this.free);
      head.assigned += give;
      this.free -= give;
      if (head.assigned !== head.needed) return;
      waiters.shift();
      head.wake();
    }
  }
}

/**
 * What a kind of {@linkcode PermitFuture} is: its output once it holds its permits, its name in
 * errors, and whether it is served ahead of the queue. One object per kind of acquisition (a module
 * constant, or one per lock, made with it), not per future.
 */
export interface PermitGrant<R> {
  /** The future's name in errors (`Semaphore.acquire()`...). */
  readonly what: string;
  /** Served ahead of the queue (see {@linkcode PermitQueue.enqueueFirst}) instead of at its back. */
  readonly first: boolean;
  /** The output once `future` holds its permits (a guard or permit object); runs once, never throws. */
  granted(future: PermitFuture<R>): R;
}

/**
 * The future of an acquisition of `n` permits from a {@linkcode PermitQueue}: ready with
 * `grant.granted(future)` once it holds them; fails with a {@linkcode ClosedError} when the queue
 * closes first. Dropped while waiting (or woken but not yet polled), it hands what it was given on
 * (see {@linkcode PermitQueue.cancel}).
 *
 * What differs between acquisitions is in the {@linkcode PermitGrant}, not in a subclass: the
 * semaphore's and the mutex's futures are this class itself, a direct subclass of `Future`. A
 * third class level made each construction about three times slower on V8 (Node 24: 22-45 ns
 * against 7-16 ns, a million constructions, alternating rounds) and was 8.5 % of the
 * `Semaphore(4)` benchmark (`--cpu-prof`), as constructors that do not allocate `this`
 * themselves are not inlined. One level less, a base class whose prototype is linked to
 * `Future.prototype` afterwards (as core's `Task` is), gained nothing, although Bun's `--cpu-prof`
 * put 3-14 % of that benchmark in `Future`'s implicit constructor: instructions per contended
 * acquisition (callgrind, `Semaphore(4)`, 100 tasks) Node 24 3,516 → 3,528, Bun 2,624 → 2,679,
 * where identical runs differ by about 85.
 */
export class PermitFuture<R> extends Future<R> {
  /** The queue the permits come from, and how many: read by the grants too. */
  readonly queue: PermitQueue;
  readonly needed: number;
  readonly #grant: PermitGrant<R>;
  #waiter: PermitWaiter | null = null;
  /** Granted, failed or dropped: polling again is a misuse. */
  #done = false;

  constructor(queue: PermitQueue, needed: number, grant: PermitGrant<R>) {
    super();
    this.queue = queue;
    this.needed = needed;
    this.#grant = grant;
  }

  /** The error when the queue closed before the permits were granted. */
  #closedError(): Error {
    return new ClosedError("semaphore", `${this.#grant.what} on a semaphore that was closed`);
  }

  /**
   * `yield*` on the future: when the permits are free and nobody waits ahead, takes them and
   * completes here, without suspending the coroutine (see {@linkcode ReadyNow}).
   */
  override [Symbol.iterator](): Iterator<Future<unknown>, R, unknown> {
    const queue = this.queue;
    const first = this.#grant.first;
    // Under contention a permit is never free here: straight to the poll, which queues the future.
    if (
      this.#waiter === null && !this.#done && (first ? !queue.closed : queue.canTake(this.needed)) && takeBudgetNow()
    ) {
      if (first ? queue.tryTakeFirst(this.needed) : queue.tryTake(this.needed)) {
        const output = this.#granted();
        return output === undefined ? READY_VOID as ReadyNow<R> : new ReadyNow(output);
      }
      refundBudget();
    }
    return ordinaryIterator.call(this) as Iterator<Future<unknown>, R, unknown>;
  }

  poll(cx: Context): Poll<R> {
    if (this.#done) throw new SpindleError("FUTURE_COMPLETED", `${this.#grant.what} was polled after it completed`);
    const queue = this.queue;
    const first = this.#grant.first;
    let waiter = this.#waiter;
    if (waiter === null) {
      // A poll that completes takes a unit of the task's budget; one that only queues the future
      // (the case under contention) takes none, so there is none to give back.
      if (first || queue.closed || queue.canTake(this.needed)) {
        if (!consumeBudget(cx)) return PENDING; // the task used up its budget: woken, polled again later
        if (queue.closed) return this.#fail();
        if (first ? queue.tryTakeFirst(this.needed) : queue.tryTake(this.needed)) return this.#granted();
        refundBudget(); // an upgrade that must wait
      }
      waiter = this.#waiter = queue.waiter(this.needed);
      if (first) queue.enqueueFirst(waiter);
      else queue.enqueue(waiter);
    }
    if (!waiter.queued) {
      if (!consumeBudget(cx)) return PENDING; // granted, kept for the next poll
      // Out of the queue: satisfied, or woken by close() short of what it needs.
      waiter.dropWaker();
      this.#waiter = null;
      if (waiter.assigned === waiter.needed) {
        waiter.assigned = 0; // the permits are this future's now
        queue.recycle(waiter);
        return this.#granted();
      }
      // Woken by close() short of what it needs: what it was given goes back to the count (as
      // tokio's Acquire does when dropped), or `availablePermits` lost it for good.
      queue.cancel(waiter);
      queue.recycle(waiter);
      return this.#fail();
    }
    waiter.register(cx.waker);
    return PENDING;
  }

  #granted(): R {
    this.#done = true;
    return this.#grant.granted(this);
  }

  #fail(): never {
    this.#done = true;
    this.#waiter = null;
    throw this.#closedError();
  }

  /** Drops the acquisition: out of the queue, and the permits it was given pass to the next waiter. */
  override [Symbol.dispose](): void {
    const waiter = this.#waiter;
    if (waiter === null) {
      this.#done = true;
      return;
    }
    this.#waiter = null;
    this.#done = true;
    waiter.dropWaker();
    this.queue.cancel(waiter);
    this.queue.recycle(waiter);
  }
}
