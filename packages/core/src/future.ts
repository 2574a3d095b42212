import type { Context } from "./context.ts";
import type { Poll } from "./poll.ts";

/**
 * A value that becomes ready later and does nothing until it is polled.
 *
 * Implement `poll`: return the output when it is ready; otherwise arrange for `cx.waker` to be
 * woken when progress is possible and return {@linkcode PENDING}. Override `[Symbol.dispose]` when
 * the future holds a resource: dropping a pending future must deregister it wherever it registered.
 *
 * Inside a generator, `yield* future` waits for it: `const n: number = yield* someFuture`.
 *
 * @example
 * ```ts
 * import { Future, PENDING, blockOn, type Context, type Poll } from "@spindle/core";
 *
 * class Countdown extends Future<string> {
 *   #left = 3;
 *   poll(cx: Context): Poll<string> {
 *     if (this.#left-- === 0) return "lift-off";
 *     cx.waker.wakeByRef(); // ready to make progress again at once
 *     return PENDING;
 *   }
 * }
 * console.log(blockOn(new Countdown())); // lift-off
 * ```
 */
export abstract class Future<T> implements Disposable {
  /** Advances the future: its output, or {@linkcode PENDING} with `cx.waker` arranged to be woken. */
  abstract poll(cx: Context): Poll<T>;

  /** Makes `yield* future` wait for the future inside a generator. */
  [Symbol.iterator](): Iterator<Future<unknown>, T, unknown> {
    return new Await(this);
  }

  /** Drops the future: releases what it holds and deregisters it everywhere. */
  [Symbol.dispose](): void {}
}

/** The output type of a future. */
export type Output<F> = F extends Future<infer T> ? T : never;

/**
 * The iterator behind `yield* future`: it yields the future itself once to the driver, and returns
 * what the driver sends back. Hand-written because a generator here would make every `yield*`
 * allocate a generator object, which measured many times slower on V8. It is also its own
 * iterator result (`yield*` and the driver read `done` and `value` before calling `next` again),
 * so a `yield*` allocates this one object.
 */
class Await<T> implements Iterator<Future<unknown>, T, unknown> {
  done = false;
  value: unknown;
  #yielded = false;

  constructor(future: Future<T>) {
    this.value = future;
  }

  next(output?: unknown): IteratorResult<Future<unknown>, T> {
    if (this.#yielded) {
      this.done = true;
      this.value = output;
    } else {
      this.#yielded = true;
    }
    return this as IteratorResult<Future<unknown>, T>;
  }

  throw(error: unknown): never {
    throw error;
  }

  return(value?: unknown): IteratorResult<Future<unknown>, T> {
    return { done: true, value: value as T };
  }
}

/** Whether `value` looks like a future (has a `poll` method). */
export function isFuture(value: unknown): value is Future<unknown> {
  return typeof (value as { poll?: unknown } | null)?.poll === "function";
}

/** Drops a future: `future[Symbol.dispose]()`, for futures that may be plain objects. */
export function drop(future: Future<unknown>): void {
  future[Symbol.dispose]();
}
