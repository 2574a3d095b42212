/**
 * Rust's task model for TypeScript on Node, Deno and Bun: poll-based futures that do nothing until
 * polled, wakers built from a raw waker and its vtable, executors you control, cancellation by
 * dropping a future, and cross-thread wake and park on `SharedArrayBuffer` + `Atomics`.
 *
 * @example
 * ```ts
 * import { LocalExecutor, fromPromise, joinAll, type Coroutine } from "@spindle/core";
 *
 * function* fetchLength(text: string): Coroutine<number> {
 *   const value: string = yield* fromPromise(Promise.resolve(text));
 *   return value.length;
 * }
 *
 * const executor = new LocalExecutor();
 * const total = executor.spawn(joinAll([fetchLength("spin"), fetchLength("dle")]));
 * await executor.run();
 * console.log(await total); // [ 4, 3 ]
 * ```
 *
 * @module
 */
export { isPending, isReady, PENDING, type Pending, type Poll } from "./poll.ts";
export {
  CancelledError,
  caughtInstanceOf,
  checkInstance,
  checkIterable,
  checkOptions,
  checkTypeOf,
  describe,
  isInstance,
  noPublicConstructor,
  readErrorOptions,
  readIterable,
  SpindleError,
  type SpindleErrorCode,
  unreadableError,
} from "./errors.ts";
export { permissionDenied, PermissionDeniedError } from "./permission.ts";
export { HOST_RUNTIME, type HostRuntime } from "./host-runtime.ts";
export { readHandle } from "./read-handle.ts";
export { checkSharedWord, sharedBufferLength } from "./shared-word.ts";
export { type RawWaker, type RawWakerVTable, replaceWaker, Waker } from "./waker.ts";
export { dropRawWaker, replaceRawWaker, wakeRawWaker, WakerSlot } from "./waker-slot.ts";
export { Context } from "./context.ts";
export { drop, Future, isFuture, type Output } from "./future.ts";
export {
  type Coroutine,
  CoroutineFuture,
  fromGenerator,
  type IntoFuture,
  intoFuture,
  isCoroutine,
} from "./coroutine.ts";
export { JoinHandle } from "./join-handle.ts";
export { LocalExecutor, type LocalExecutorOptions, tasksAwaitHostTurn } from "./local-executor.ts";
export { blockOn } from "./block-on.ts";
export { ready } from "./ready.ts";
export { pending } from "./pending.ts";
export { pollFn } from "./poll-fn.ts";
export { yieldNow } from "./yield-now.ts";
export { budgetLeft, consumeBudget, pollUnconstrained, refundBudget, usedBudgetUp } from "./coop-budget.ts";
export { join, joinAll, type OutputOf } from "./join.ts";
export { race } from "./race.ts";
export { select, type Selected } from "./select.ts";
export {
  checkChunkMax,
  checkStream,
  isStream,
  type Item,
  next,
  pollChunk,
  Stream,
  STREAM_END,
  type StreamEnd,
} from "./stream.ts";
export { fromAsyncIterable, fromIterable, toAsyncIterable } from "./async-iterable.ts";
export { asCompleted } from "./as-completed.ts";
export { collect, fold, forEach } from "./stream-fold.ts";
export { chunks, filter, filterMap, map, merge, take, takeUntil, zip } from "./stream-combinators.ts";
export { chain, fuse, type FusedStream, mapWhile, skip, skipWhile, takeWhile } from "./stream-sequence.ts";
export { empty, never, once } from "./stream-sources.ts";
export { type Peekable, peekable } from "./stream-peekable.ts";
export { fromPromise } from "./from-promise.ts";
export { toPromise, type ToPromiseOptions } from "./to-promise.ts";
export { CancellationToken, CANCELLED, type Cancelled, checkSignal } from "./cancellation-token.ts";
export { abortable, type CancelSource, whenAborted } from "./abortable.ts";
export {
  type AbortHandle,
  type FailurePolicy,
  scoped,
  type TaskOutcome,
  TaskScope,
  type TaskScopeOptions,
} from "./task-scope.ts";
export type { Spawner } from "./driving.ts";
export { TaskLocal } from "./task-local.ts";
export { Parker, type ParkerHandle, Unparker } from "./parker.ts";
export { assertCanBlock, checkTimeout, SPIN_PAUSES, spinPause, spinWhileEquals } from "./atomics-wait.ts";
export { holdProcessOpen } from "./keep-alive.ts";
export { Condvar } from "./condvar.ts";
export { Mutex } from "./mutex.ts";
export { RingQueue } from "./ring-queue.ts";
export { sharedWaker, type SharedWakerHandle, WAKE_TABLE_CAPACITY, wakeShared, WakeTable } from "./wake-table.ts";
export {
  checkDeadThreadId,
  currentThreadId,
  type DeadThreadRecovery,
  recoverDeadThread,
  registerDeadThreadRecovery,
} from "./dead-thread.ts";
export { PARK_CHECK_MS, whileParked } from "./park-checks.ts";
