/**
 * Test support (not published): what the socket and registration tests share — text in and out
 * of datagrams, bounded waits, and a context whose waker counts its wakes.
 */
import { Context, type RawWakerVTable, Waker } from "@spindle/core";

/** UTF-8 bytes of `s`. */
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The UTF-8 text of `b`. */
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a failure naming `what` after `ms` (a bound on a loaded 2-vCPU machine). */
export async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((
    _,
    reject,
  ) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export { until } from "../../../core/src/test-support/runtime.ts";

/** A context whose waker (and its clones) counts wakes. */
export function countingContext(): { cx: Context; wakes: () => number } {
  const counter = { wakes: 0 };
  const vtable: RawWakerVTable<typeof counter> = {
    clone: (c) => ({ data: c, vtable }),
    wake: (c) => void c.wakes++,
    wakeByRef: (c) => void c.wakes++,
    drop: () => {},
  };
  return { cx: new Context(Waker.fromRaw({ data: counter, vtable })), wakes: () => counter.wakes };
}
