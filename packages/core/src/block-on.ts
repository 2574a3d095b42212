import { Context } from "./context.ts";
import { type IntoFuture, intoFuture } from "./coroutine.ts";
import { enterDriving, exitDriving, isDriving } from "./driving.ts";
import { SpindleError } from "./errors.ts";
import { assertCanBlock } from "./atomics-wait.ts";
import { PENDING } from "./poll.ts";
import { type RawWakerVTable, Waker } from "./waker.ts";
import { WakeTable } from "./wake-table.ts";
import { hasParkChecks, PARK_CHECK_MS, runParkChecks } from "./park-checks.ts";

interface BlockOnState {
  notified: boolean;
}

const BLOCK_ON_VTABLE: RawWakerVTable<BlockOnState> = {
  clone: (state) => ({ data: state, vtable: BLOCK_ON_VTABLE }),
  wake: (state) => {
    state.notified = true;
  },
  wakeByRef: (state) => {
    state.notified = true;
  },
  drop: () => {},
};

/**
 * Runs a future (or coroutine) to completion on this thread, blocking it between wakes, and
 * returns the output (or throws the future's error).
 *
 * Wakes from other threads arrive through this thread's {@linkcode WakeTable}: `blockOn` parks on
 * its futex and drains it. A wake that arrives while the future is being polled, or before the
 * thread parks, makes the park return at once, so none is lost.
 *
 * The host event loop does not run while the thread blocks, so a future that waits on promises or
 * host callbacks cannot complete here: `blockOn` detects that nothing can wake the future and throws
 * `DEADLOCK` instead of hanging. For the same reason it cannot learn of another thread's death from
 * that thread's `exit` event: components whose futures depend on another thread register a check
 * ({@linkcode whileParked}) that runs every `PARK_CHECK_MS` while the thread is parked here, and
 * fail their futures when that thread is gone. It throws `BLOCKING_NOT_ALLOWED` inside a task of an executor and
 * where the thread may not block. A future still pending when `blockOn` throws (`DEADLOCK`, a failed
 * park check) is dropped first: a coroutine's `finally` blocks run (they cannot wait).
 *
 * @example
 * ```ts
 * import { blockOn, ready, type Coroutine } from "@spindle/core";
 *
 * function* main(): Coroutine<string> {
 *   const greeting: string = yield* ready("hello");
 *   return `${greeting}, world`;
 * }
 * console.log(blockOn(main())); // hello, world
 * ```
 */
export function blockOn<T>(work: IntoFuture<T>): T {
  if (isDriving()) {
    throw new SpindleError(
      "BLOCKING_NOT_ALLOWED",
      "blockOn() was called inside a task; blocking would stall every other task of that executor (spawn the future instead)",
    );
  }
  assertCanBlock("blockOn()");
  const future = intoFuture(work);
  const state: BlockOnState = { notified: false };
  const waker = Waker.fromRaw({ data: state, vtable: BLOCK_ON_VTABLE });
  const cx = new Context(waker);
  enterDriving();
  try {
    for (;;) {
      state.notified = false;
      const output = future.poll(cx);
      if (output !== PENDING) return output;
      try {
        while (!state.notified) waitForRemoteWake();
      } catch (error) {
        // DEADLOCK, or a park check that failed: the future, still pending, can never be polled
        // again here. blockOn owns it (as an executor owns a task): drop it, so that its `finally`
        // blocks run and what it holds (a lock guard, a registration) is given back. Its own
        // error, if dropping throws, is not the one to report.
        try {
          future[Symbol.dispose]();
        } catch {
          // the error that ended the wait is thrown below
        }
        throw error;
      }
    }
  } finally {
    exitDriving();
    waker.drop();
  }
}

function waitForRemoteWake(): void {
  const table = WakeTable.ifCreated();
  if (table === null || table.registered === 0) {
    throw new SpindleError(
      "DEADLOCK",
      "blockOn(): the future is pending and nothing can wake it (no waker of this thread is registered for a cross-thread wake, and the event loop cannot run while blocked)",
    );
  }
  const epoch = table.epoch;
  if (table.drain() !== 0) return;
  if (!hasParkChecks()) return table.waitSync(epoch);
  // Something this thread waits for depends on another thread whose death would only be told
  // to this thread's event loop (see park-checks.ts): park in slices and check between them.
  const now = performance.now();
  if (now < nextCheckAt) table.waitSync(epoch, nextCheckAt - now);
  if (performance.now() < nextCheckAt) return;
  nextCheckAt = performance.now() + PARK_CHECK_MS;
  runParkChecks();
}

/** When a parked `blockOn` of this thread runs the park checks next. */
let nextCheckAt = 0;
