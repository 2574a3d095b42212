import { describe, SpindleError } from "./errors.ts";
import { checkSharedWord } from "./shared-word.ts";

/**
 * What the primitives that block in `Atomics.wait` ({@linkcode Parker}, `WakeTable`, `blockOn`)
 * share: whether this thread may wait at all, the check of a wait's timeout, and the brief spin
 * before a wait.
 */

let blockingAllowed: boolean | undefined;

/**
 * Throws `BLOCKING_NOT_ALLOWED` when this thread may not block in `Atomics.wait` (a browser's main
 * thread, or a host without `SharedArrayBuffer`). Node, Deno and Bun allow it on every thread.
 *
 * @example
 * ```ts
 * import { assertCanBlock } from "@spindle/core";
 *
 * assertCanBlock("recvBlocking()"); // returns on Node, Deno and Bun
 * ```
 */
export function assertCanBlock(operation: string): void {
  blockingAllowed ??= probeBlocking();
  if (!blockingAllowed) {
    throw new SpindleError(
      "BLOCKING_NOT_ALLOWED",
      `${operation} would block this thread, and this thread may not block (Atomics.wait is not allowed here); use an executor's run() instead`,
    );
  }
}

function probeBlocking(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws a `RangeError` naming `timeoutMs` unless it is a number ≥ 0 (`Infinity` allowed).
 *
 * @example
 * ```ts
 * import { checkTimeout } from "@spindle/core";
 *
 * checkTimeout(Infinity);
 * try {
 *   checkTimeout(-1);
 * } catch (error) {
 *   console.log((error as RangeError).message); // timeout must be a number of milliseconds ≥ 0, got -1
 * }
 * ```
 */
export function checkTimeout(timeoutMs: number): void {
  if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`timeout must be a number of milliseconds ≥ 0, got ${describe(timeoutMs)}`);
  }
}

/**
 * The pauses of one spin of {@linkcode spinWhileEquals}: a spin of its own elsewhere (a look for a
 * value, `@spindle/sync`'s) that takes as long uses this many {@linkcode spinPause}s.
 */
export const SPIN_PAUSES = 64;

/**
 * `Atomics.pause(n)` where the runtime has it (a hint to the CPU that this thread spins), else
 * nothing: what every spin on shared memory calls between two looks.
 *
 * @example
 * ```ts
 * import { spinPause } from "@spindle/core";
 *
 * spinPause(); // one pause
 * spinPause(3); // a pause whose length grows with the spin's count
 * ```
 */
export const spinPause: (n?: number) => void = (Atomics as { pause?: (n?: number) => void }).pause ?? (() => {});

/**
 * Spins briefly while `word[index] === value`; returns whether it changed. Waking a thread parked
 * in `Atomics.wait` costs 5 µs when its vCPU is awake and 45–60 µs when it went idle (measured
 * here); a hand-off already under way usually lands within this spin, which costs well under a
 * microsecond.
 *
 * @example
 * ```ts
 * import { spinWhileEquals } from "@spindle/core";
 *
 * const word = new Int32Array(new SharedArrayBuffer(4));
 * console.log(spinWhileEquals(word, 0, 0)); // false: nobody changed it
 * ```
 */
export function spinWhileEquals(word: Int32Array, index: number, value: number): boolean {
  try {
    for (let i = 0; i < SPIN_PAUSES; i++) {
      if (Atomics.load(word, index) !== value) return true;
      spinPause(i);
    }
  } catch (error) {
    // Free on the path that works: only a bad word or index makes `Atomics.load` throw; name it.
    checkSharedWord(word, index, "spinWhileEquals()");
    throw error;
  }
  return false;
}
