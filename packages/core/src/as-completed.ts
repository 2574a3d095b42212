import { ChildSet } from "./child-set.ts";
import type { Context } from "./context.ts";
import { type IntoFuture, intoFuture } from "./coroutine.ts";
import { readIterable } from "./errors.ts";
import { drop, Future } from "./future.ts";
import { PENDING, type Poll } from "./poll.ts";
import { Stream, STREAM_END, type StreamEnd } from "./stream.ts";

/**
 * The outputs of `futures` as a stream, in the order they complete (`FuturesUnordered`, Python's
 * `as_completed`): hand it join handles of tasks or work-stealing jobs and `for await` over their
 * results as they come. A future that fails fails the poll that reaches it, with its error; the
 * stream goes on with the others. Only the futures woken since the last poll are polled again.
 * Dropping the stream drops the futures not yet completed (for join handles: detaches them).
 *
 * @example
 * ```ts
 * import { asCompleted, fromPromise, LocalExecutor, toAsyncIterable, type Coroutine } from "@spindle/core";
 *
 * function* after(ms: number): Coroutine<number> {
 *   yield* fromPromise(new Promise((resolve) => setTimeout(resolve, ms)));
 *   return ms;
 * }
 * const executor = new LocalExecutor();
 * const handles = [after(30), after(10), after(20)].map((work) => executor.spawn(work));
 * void executor.run();
 * const order: number[] = [];
 * for await (const n of toAsyncIterable(asCompleted(handles))) order.push(n);
 * console.log(order); // [ 10, 20, 30 ]
 * ```
 */
export function asCompleted<T>(futures: Iterable<IntoFuture<T>>): Stream<T> {
  const children: Future<unknown>[] = readIterable(futures, "asCompleted() needs an iterable of futures")
    .map((work) => new Caught(intoFuture(work)));
  return new AsCompleted<T>(children);
}

/**
 * A failure, as a child's output: the child set then needs no path for errors. Told from a child's
 * value by its private field (`Failure.is`), not `instanceof`, which throws on a revoked Proxy.
 */
class Failure {
  readonly #error: unknown;
  constructor(error: unknown) {
    this.#error = error;
  }
  get error(): unknown {
    return this.#error;
  }
  static is(output: unknown): output is Failure {
    return typeof output === "object" && output !== null && #error in output;
  }
}

class Caught<T> extends Future<T | Failure> {
  readonly #inner: Future<T>;
  constructor(inner: Future<T>) {
    super();
    this.#inner = inner;
  }
  poll(cx: Context): Poll<T | Failure> {
    try {
      return this.#inner.poll(cx);
    } catch (error) {
      return new Failure(error);
    }
  }
  override [Symbol.dispose](): void {
    drop(this.#inner);
  }
}

class AsCompleted<T> extends Stream<T> {
  readonly #children: ChildSet<unknown>;
  #remaining: number;

  constructor(children: Future<unknown>[]) {
    super();
    this.#children = new ChildSet(children);
    this.#remaining = children.length;
  }

  pollNext(cx: Context): Poll<T | StreamEnd> {
    if (this.#remaining === 0) return STREAM_END;
    const children = this.#children;
    children.beginPoll(cx);
    if (children.pollNext() < 0) return PENDING;
    this.#remaining--;
    if (this.#remaining === 0) children.dropAll();
    const output = children.output;
    children.output = undefined;
    if (Failure.is(output)) throw output.error;
    return output as T;
  }

  override [Symbol.dispose](): void {
    this.#remaining = 0;
    this.#children.dropAll();
  }
}
