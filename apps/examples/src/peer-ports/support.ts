// A mock task for the peer ports, in the role of tokio_test::task::spawn: it polls a future through
// a waker of its own and tells whether that waker was woken since the last poll; a stream of items
// that come after sleeps; and tokio's `#[tokio::test]` as a task of a LocalExecutor. Built on the
// public API only.
import {
  Context,
  type Coroutine,
  type Future,
  LocalExecutor,
  PENDING,
  pending as pendingFuture,
  type Poll,
  type RawWakerVTable,
  Stream,
  STREAM_END,
  type StreamEnd,
  Waker,
} from "@spindle/core";
import type { Timer } from "@spindle/timer";

/** A future polled by hand, with a waker that records its wakes. */
export class MockTask<T> {
  #woken = false;
  #wakes = 0;
  #refs = 1;
  readonly cx: Context;
  readonly future: Future<T>;

  constructor(future: Future<T>) {
    this.future = future;
    const vtable: RawWakerVTable<MockTask<T>> = {
      clone: (data) => {
        data.#refs++;
        return { data, vtable };
      },
      wake: (data) => {
        data.#refs--;
        data.#wake();
      },
      wakeByRef: (data) => data.#wake(),
      drop: (data) => void data.#refs--,
    };
    this.cx = new Context(Waker.fromRaw({ data: this, vtable }));
  }

  #wake(): void {
    this.#woken = true;
    this.#wakes++;
  }

  /** Polls the future once; clears the woken flag first, as tokio_test does. */
  poll(): Poll<T> {
    this.#woken = false;
    return this.future.poll(this.cx);
  }

  /** Whether the waker was woken since the last poll. */
  isWoken(): boolean {
    return this.#woken;
  }

  /** How many times the waker was woken in all. */
  get wakes(): number {
    return this.#wakes;
  }

  /** Live references to the task's waker: 1 (the task's own) plus the clones not yet woken or dropped. */
  get wakerRefCount(): number {
    return this.#refs;
  }

  /** Polls `future` (another one) through this task's waker, as tokio_test's `enter`. */
  pollOther<U>(future: Future<U>): Poll<U> {
    this.#woken = false;
    return future.poll(this.cx);
  }

  /** Polls `stream` for its next item through this task's waker (tokio_test's `poll_next`). */
  pollNext<U>(stream: Stream<U>): Poll<U | StreamEnd> {
    this.#woken = false;
    return stream.pollNext(this.cx);
  }

  /** Drops the future (cancels it). */
  drop(): void {
    this.future[Symbol.dispose]();
  }
}

/** Spawns a mock task over `future`. */
export function spawn<T>(future: Future<T>): MockTask<T> {
  return new MockTask(future);
}

/** A mock task for polling a stream (`task.pollNext(stream)`): its own future never completes. */
export function spawnForStream(): MockTask<never> {
  return new MockTask(pendingFuture<never>());
}

/** The value of a ready poll; throws when it is pending. */
export function ready<T>(poll: Poll<T>): T {
  if (poll === PENDING) throw new Error("expected the poll to be ready, it is pending");
  return poll as T;
}

/** Throws when the poll is ready. */
export function pending<T>(poll: Poll<T>): void {
  if (poll !== PENDING) throw new Error(`expected the poll to be pending, it is ready with ${String(poll)}`);
}

/**
 * tokio-stream's `stream::iter(..).then(|n| sleep(d).map(|_| n))` chained after a plain
 * `stream::iter`: each `[ms, item]` comes out after a sleep of `ms` (none for 0) started by the
 * poll that reaches it; the stream ends after the last.
 */
export class SleepThenItems<T> extends Stream<T> {
  readonly #timer: Timer;
  readonly #steps: [number, T][];
  #sleep: Future<void> | null = null;

  constructor(timer: Timer, steps: [number, T][]) {
    super();
    this.#timer = timer;
    this.#steps = steps.slice();
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    const step = this.#steps[0];
    if (step === undefined) return STREAM_END;
    if (step[0] > 0) {
      this.#sleep ??= this.#timer.sleep(step[0]);
      if (this.#sleep.poll(cx) === PENDING) return PENDING;
      this.#sleep = null;
    }
    this.#steps.shift();
    return step[1];
  }

  override [Symbol.dispose](): void {
    this.#sleep?.[Symbol.dispose]();
    this.#sleep = null;
  }
}

/** Runs `body` as a task of a LocalExecutor (tokio's `#[tokio::test]`). */
export async function onExecutor<T>(body: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(body);
  await executor.run();
  return await handle;
}

/** A coroutine that returns `x` at once (tokio's `async { x }`). */
export function* value<T>(x: T): Coroutine<T> {
  return x;
}
