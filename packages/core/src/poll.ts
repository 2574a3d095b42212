/**
 * The value a future's `poll` returns while its output is not ready yet.
 *
 * `Poll<T>` is `T | typeof PENDING`, so polling allocates nothing: a ready poll returns the output
 * itself and a pending poll returns this one shared symbol.
 *
 * @example
 * ```ts
 * import { PENDING, type Poll } from "@spindle/core";
 *
 * function half(n: number): Poll<number> {
 *   return n % 2 === 0 ? n / 2 : PENDING;
 * }
 * console.log(half(4), half(3) === PENDING); // 2 true
 * ```
 */
export const PENDING: unique symbol = Symbol("spindle.pending");

/** The type of {@linkcode PENDING}. */
export type Pending = typeof PENDING;

/** The result of polling a future: its output `T`, or {@linkcode PENDING}. */
export type Poll<T> = T | Pending;

/**
 * Whether a poll result is {@linkcode PENDING}.
 *
 * @example
 * ```ts
 * import { isPending, PENDING } from "@spindle/core";
 * console.log(isPending(PENDING), isPending(0)); // true false
 * ```
 */
export function isPending<T>(poll: Poll<T>): poll is Pending {
  return poll === PENDING;
}

/**
 * Whether a poll result is a ready output.
 *
 * @example
 * ```ts
 * import { isReady, PENDING } from "@spindle/core";
 * console.log(isReady(1), isReady(PENDING)); // true false
 * ```
 */
export function isReady<T>(poll: Poll<T>): poll is T {
  return poll !== PENDING;
}
