// Helpers of the DirtyHairy/async-mutex ports: its `runExclusive` and `waitForUnlock` as a Spindle
// user writes them over a lock or acquire future, and a LocalExecutor on virtual time in the role
// of @sinonjs/fake-timers. Built on the public API only.
import { type Coroutine, type Future, LocalExecutor } from "@spindle/core";
import type { Mutex, Semaphore } from "@spindle/sync";
import { Instant, type Sleep, type Timer, VirtualClock } from "@spindle/timer";

/** What a lock or an acquire gives: a `MutexGuard` or a `SemaphorePermit`. */
export interface Held {
  release(): void;
}

/** A Mutex or a Semaphore as the tests both run on see it: an acquire, and whether it is free. */
export interface Lock {
  /** A `lock()` or an `acquire()` (of one permit). */
  acquire(): Future<Held>;
  /** async-mutex's `!isLocked()`: the mutex is unlocked, or the semaphore has a permit free. */
  isFree(): boolean;
}

/** A mutex as a {@linkcode Lock}. */
export function mutexLock(mutex: Mutex<unknown>): Lock {
  return { acquire: () => mutex.lock(), isFree: () => !mutex.isLocked };
}

/** A semaphore as a {@linkcode Lock}. */
export function semaphoreLock(semaphore: Semaphore): Lock {
  return { acquire: () => semaphore.acquire(), isFree: () => semaphore.availablePermits > 0 };
}

/**
 * async-mutex's `runExclusive(callback)`: waits for `acquire` (a `lock()`, an `acquire(n)`, or
 * either under `timeout` or `abortable`), runs `body` with what it gives and releases that in a
 * `finally`, so also when `body` throws or the task is aborted.
 */
export function* runExclusive<H extends Held, T>(acquire: Future<H>, body: (held: H) => Coroutine<T>): Coroutine<T> {
  const held = yield* acquire;
  try {
    return yield* body(held);
  } finally {
    held.release();
  }
}

/**
 * async-mutex's `waitForUnlock()`: waits for `acquire` and releases at once. Unlike async-mutex's
 * waiter, it takes its turn in the FIFO queue and holds the lock for that instant.
 */
export function* waitForUnlock(acquire: Future<Held>): Coroutine<void> {
  (yield* acquire).release();
}

/** Fake timers: a LocalExecutor whose VirtualClock, at 0, jumps to the next deadline whenever every task waits. */
export class VirtualTime {
  readonly clock = new VirtualClock({ start: Instant.fromMillis(0) });
  readonly executor = new LocalExecutor({ onIdle: this.clock.autoAdvance });

  /** The timer on the virtual clock. */
  get timer(): Timer {
    return this.clock.timer;
  }

  /** Virtual milliseconds since the start. */
  get now(): number {
    return this.clock.now().millis;
  }

  /** A sleep until `ms` after the start: a fake clock's `tickAsync` up to that instant. */
  until(ms: number): Sleep {
    return this.timer.sleepUntil(Instant.fromMillis(ms));
  }

  /** `setTimeout(fn, ms)`: a task that calls `fn` `ms` from now. */
  later(ms: number, fn: () => void): void {
    const sleep = this.timer.sleepUntil(this.clock.now().add(ms));
    this.executor.spawn(function* (): Coroutine<void> {
      yield* sleep;
      fn();
    }());
  }
}
