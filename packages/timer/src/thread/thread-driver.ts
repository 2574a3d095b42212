import {
  type RawWakerVTable,
  type SharedWakerHandle,
  tasksAwaitHostTurn,
  Waker,
  wakeShared,
  WakeTable,
  whileParked,
} from "@spindle/core";
import { clockNow } from "../clock.ts";
import { closeCauseFor, type Driver } from "../driver.ts";
import type { CloseReason } from "../errors.ts";
import type { SharedTimerState } from "./shared-state.ts";
import type { TimerQueue } from "../timer-queue.ts";

/**
 * The client side of the timer thread, one per thread that uses the timer: it publishes its
 * queue's earliest deadline in the shared state, and the timer thread wakes it through this
 * thread's {@linkcode WakeTable} when that deadline passes.
 *
 * Arming is cheap when it can be: `published` remembers the deadline the timer thread will wake
 * this client for, so a deadline at or after it needs no lock at all (most sleeps, which are
 * registered in deadline order). An earlier deadline is written under the mutex, and the
 * condition variable is notified only when it is earlier than what the thread sleeps until; the
 * thread marks itself awake (`sleepingUntil = -Infinity`) until it rescans, so many earlier
 * deadlines from one turn cost one notify. A deadline already past needs no timer thread: this
 * thread fires the queue again itself (see `arm`).
 *
 * A fire wakes at most {@linkcode FIRE_SLICE} timers, the earliest first, and leaves the rest of a
 * burst due; the next slice is fired by a microtask, after the tasks the slice woke were polled
 * (an executor's drive, queued by the slice's first wake, runs first), and with no host turn in
 * between: every due timer is woken within the same turn of the host, whether or not the
 * executor's time slice ended meanwhile, so a wake is never late by a host turn (1 ms and more on
 * a busy thread), while a woken task is polled soon after its wake, while what it touches is
 * still in the cache. Fairness towards the host is the executor's own time slice, not the wakes':
 * only while an executor of this thread waits for a host turn anyway (its slice used up: core's
 * `tasksAwaitHostTurn`), and would poll nothing woken before it, is the next slice fired after
 * that turn instead.
 *
 * While the queue holds a timer, one `WakeTable` slot is registered, which keeps the process alive
 * and lets `blockOn` park for the timer; an empty queue unregisters it.
 *
 * A thread parked in `blockOn` does not run its event loop, so it cannot receive the timer
 * thread's `exit` event (nor can the creator wake it if the creator is the one parked). While a
 * timer is pending, the driver registers a park check (core's `whileParked`): every check, it
 * probes the timer thread (`SharedTimerState.probeThread`), and when a probe stays unanswered for
 * {@linkcode THREAD_SILENCE_MS} it closes the timer as `"thread-exited"` and fires, so that the
 * parked future fails with `TimerClosedError` within that bound (plus a check period).
 */
export class ThreadDriver implements Driver {
  readonly kind = "thread" as const;
  readonly #queue: TimerQueue;
  readonly #state: SharedTimerState;
  readonly #index: number;
  readonly #cause: () => unknown;
  #slot: SharedWakerHandle | null = null;
  /** The deadline the timer thread will wake this client at (or before); `Infinity` if none. */
  #published = Infinity;
  /** The cause made on this thread for a close it knows nothing more of (one for all failures). */
  #fallbackCause: Error | undefined;
  /** Ends the park check registered while a timer is pending (see the class comment). */
  #stopChecking: (() => void) | null = null;
  /** The liveness probe sent to the timer thread and not answered yet, and when (`NaN`: none). */
  #probe = 0;
  #probeSentAt = Number.NaN;
  /** The queue is being fired: a due deadline armed meanwhile is fired after the slice's wakes. */
  #firing = false;
  /** A deadline already due was armed during the current fire. */
  #dueWhileFiring = false;
  /** A microtask that fires the queue is queued (`#fireSoon`). */
  #continuing = false;
  /** This thread's slot was woken by this thread itself and that wake was not drained yet. */
  #selfWoken = false;
  /** `#fire`, bound once: the microtask that fires the next slice. */
  readonly #continue = (): void => {
    this.#continuing = false;
    this.#fire();
  };

  constructor(queue: TimerQueue, state: SharedTimerState, index: number, cause: () => unknown) {
    this.#queue = queue;
    this.#state = state;
    this.#index = index;
    this.#cause = cause;
  }

  now(): number {
    return clockNow();
  }

  get closeReason(): CloseReason | null {
    return this.#state.closeReason;
  }

  get seemsOpen(): boolean {
    return this.#state.seemsOpen;
  }

  /**
   * Once closed: what the creator knows (the thread's error, an `Error` naming its exit code, the
   * `Error` of `close()`), else the corruption this thread found, or the one another thread found
   * (from its summary in the shared state), else the error the thread died of (from its summary:
   * read with the close, as the creator's `error` event may not have come yet, and other threads
   * get none), else an `Error` for the reason (naming the thread's exit code, read from the
   * shared state, when it died); `undefined` while open.
   */
  get closeCause(): unknown {
    const state = this.#state;
    const reason = state.closeReason;
    if (reason === null) return undefined;
    return this.#cause() ?? state.corruption ?? state.threadError ??
      (this.#fallbackCause ??= closeCauseFor(reason, state.exitCode));
  }

  arm(deadline: number): void {
    if (deadline === Infinity) {
      this.#disarm();
      return;
    }
    if (deadline >= this.#published) return;
    const slot = this.#slot ?? this.#register();
    if (deadline <= clockNow()) {
      // Due already: the rest of a burst that the fire left for its next slice, or a sleep whose
      // deadline passed before its first poll. This thread fires it itself, with no timer thread
      // (a lock, a notify and two thread wake-ups). What the timer thread holds for this client
      // (`published`) is left alone: it wakes this thread then, at worst spuriously.
      this.#fireSoon(slot);
      return;
    }
    const state = this.#state;
    if (!state.lock()) {
      wakeShared(slot); // closed while the lock was held by a thread that died: fire to fail
      return;
    }
    // The slot is published before the closed check: whoever closes the timer and then reads the
    // slot to wake this client either reads this slot, or closed before the check below.
    state.setWakeSlot(this.#index, slot.slot);
    state.setDeadline(this.#index, deadline);
    if (state.isClosed) {
      state.unlock();
      wakeShared(slot);
      return;
    }
    const sleepingUntil = state.sleepingUntil;
    // Until the thread has read this client's introduction, every arm wakes it to read it: the
    // thread forwards it to the creator, which must know every client to wake it if the thread
    // dies.
    const notify = deadline < sleepingUntil || (sleepingUntil !== -Infinity && !state.isIntroduced(this.#index));
    if (notify) state.sleepingUntil = -Infinity;
    state.unlock();
    if (notify) state.notifyThread();
    this.#published = deadline;
  }

  /**
   * Registers this client's `WakeTable` slot and starts checking the timer thread while parked.
   * `register()` runs no waker before it returns, so `fired` cannot re-enter here with a slot of
   * its own.
   */
  #register(): SharedWakerHandle {
    const registered = WakeTable.forThisThread().register(Waker.fromRaw({ data: this, vtable: FIRE_VTABLE }));
    this.#probeSentAt = Number.NaN;
    this.#stopChecking ??= whileParked(() => this.#checkThread());
    return (this.#slot = registered);
  }

  /**
   * Run while this thread is parked in `blockOn` with a timer pending: probes the timer thread, and
   * fires (to fail the timers) once the timer is closed, or closes it when the thread has not
   * answered for THREAD_SILENCE_MS (it died, and its exit cannot reach this parked thread).
   */
  #checkThread(): void {
    const slot = this.#slot;
    if (slot === null) return;
    const state = this.#state;
    if (!state.isClosed) {
      const now = clockNow();
      if (Number.isNaN(this.#probeSentAt)) {
        this.#probe = state.probeThread();
        this.#probeSentAt = now;
        return;
      }
      if (state.answered(this.#probe)) {
        this.#probeSentAt = Number.NaN; // alive: the next check probes again
        return;
      }
      const silentMs = now - this.#probeSentAt;
      if (silentMs < THREAD_SILENCE_MS) return;
      if (!state.close("thread-exited")) return this.#checkThread(); // closed meanwhile: fire
      this.#fallbackCause = new Error(
        `the timer thread did not answer for ${Math.round(silentMs)} ms while this thread was parked in ` +
          "blockOn: it has died (its exit event cannot reach a parked thread)",
      );
    }
    wakeShared(slot);
  }

  /**
   * Woken through the WakeTable: the timer thread took this client's deadline, or this thread
   * woke itself for one already past (see `#fireSoon`).
   */
  fired(): void {
    this.#published = Infinity;
    this.#selfWoken = false;
    this.#fire();
  }

  /** Fires one slice of the queue; a due deadline armed meanwhile is fired soon after it. */
  #fire(): void {
    this.#firing = true;
    this.#dueWhileFiring = false;
    try {
      this.#queue.fire(FIRE_SLICE);
    } finally {
      this.#firing = false;
    }
    // After the slice's wakes, so that the microtask below is queued after the executor drives
    // they queued: the tasks woken are polled before the next slice is taken.
    const slot = this.#slot;
    if (this.#dueWhileFiring && slot !== null) this.#fireSoon(slot);
  }

  /**
   * Makes this thread fire its queue soon, for a deadline already due: a microtask fires it, in
   * the same turn of the host, and a wake of this thread's own slot makes a `blockOn` that parks
   * meanwhile (no microtask runs there) drain and fire it at once. Whichever comes second finds
   * less or nothing due, which is harmless. One of each is outstanding at a time. The slot's bit
   * and epoch bump pair with this thread's own drain and waits, as any remote wake's do (see
   * WakeTable), so the wake is not lost whichever of them comes next.
   */
  #fireSoon(slot: SharedWakerHandle): void {
    if (this.#firing) {
      this.#dueWhileFiring = true;
      return;
    }
    if (!this.#continuing) {
      this.#continuing = true;
      // An executor that used up its time slice polls nothing before the host's next turn: the
      // next slice is woken after that turn (a `setImmediate`, queued after the executor's), just
      // before its tasks are polled, not now, long before, with its tasks' state out of the cache
      // by then. Otherwise now, by a microtask.
      if (tasksAwaitHostTurn()) setImmediate(this.#continue);
      else RESOLVED.then(this.#continue);
    }
    if (!this.#selfWoken) {
      this.#selfWoken = true;
      wakeShared(slot);
    }
  }

  #disarm(): void {
    const slot = this.#slot;
    if (slot === null) return;
    this.#slot = null;
    this.#published = Infinity;
    this.#selfWoken = false; // a wake of the old slot left undrained is a stale one (see WakeTable)
    this.#stopChecking?.();
    this.#stopChecking = null;
    const state = this.#state;
    if (state.lock()) {
      state.setDeadline(this.#index, Infinity);
      state.unlock();
    }
    WakeTable.forThisThread().unregister(slot);
  }
}

/**
 * How long a liveness probe may stay unanswered before a client parked in `blockOn` takes the timer
 * thread for dead. The thread answers each time round its loop, at least every 250 ms; this
 * leaves room for a loaded machine (a false verdict would close a live timer).
 */
export const THREAD_SILENCE_MS = 3_000;

/**
 * The most timers one fire wakes: a burst of due timers (100,000 in 100 ms is one a microsecond)
 * is woken in slices of this many, each fired by a microtask after the tasks the slice before
 * woke were polled (see the class comment), so that a woken task's state is still in the cache
 * when it is polled.
 */
const FIRE_SLICE = 256;

/** Queues a microtask with one reaction (`then`), not a promise per call. */
const RESOLVED = Promise.resolve();

const FIRE_VTABLE: RawWakerVTable<ThreadDriver> = {
  clone: (driver) => ({ data: driver, vtable: FIRE_VTABLE }),
  wake: (driver) => driver.fired(),
  wakeByRef: (driver) => driver.fired(),
  drop: () => {},
};
