// Helpers of the README checks: a waker that counts its wakes, and a poll through it.
import { Context, PENDING, type RawWakerVTable, Waker } from "@spindle/core";

/** A context whose waker counts `wake` / `wakeByRef` calls (clones share the count). */
export class CountingContext {
  wakes = 0;
  readonly cx: Context;
  constructor() {
    const vtable: RawWakerVTable<CountingContext> = {
      clone: (data) => ({ data, vtable }),
      wake: (data) => void data.wakes++,
      wakeByRef: (data) => void data.wakes++,
      drop: () => {},
    };
    this.cx = new Context(Waker.fromRaw({ data: this, vtable }));
  }
}

/** Polls `future` once through `cx` and reports whether it is still pending. */
export function isPending(future: { poll(cx: Context): unknown }, cx: Context = Context.noop()): boolean {
  return future.poll(cx) === PENDING;
}

/** Rejects after `ms` with a message naming `what`, so a hang fails the test instead of the run. */
export function within<T>(what: string, ms: number, promise: PromiseLike<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), limit]).finally(() => clearTimeout(timer));
}
