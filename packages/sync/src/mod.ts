/**
 * Channels and async locks for `@spindle/core` tasks on any executor (`LocalExecutor`, `blockOn`,
 * work-stealing jobs), as `tokio::sync` gives them: {@linkcode oneshot}, {@linkcode mpsc} (bounded
 * with backpressure, and unbounded), {@linkcode broadcast}, {@linkcode watch}; {@linkcode Mutex},
 * {@linkcode RwLock}, {@linkcode Semaphore}, {@linkcode Notify}, {@linkcode Barrier},
 * {@linkcode OnceCell}. Receivers are core `Stream`s. Every wait is cancel-safe: a pending receive,
 * send, acquire or `notified()` dropped loses no message, permit or notification.
 *
 * @example
 * ```ts
 * import { type Coroutine, LocalExecutor, next, STREAM_END } from "@spindle/core";
 * import { mpsc, Mutex } from "@spindle/sync";
 *
 * const [tx, rx] = mpsc.bounded<string>(8);
 * const log = new Mutex<string[]>([]);
 * function* worker(name: string): Coroutine<void> {
 *   for (let job; (job = yield* next(rx)) !== STREAM_END;) {
 *     const guard = yield* log.lock();
 *     guard.value.push(`${name}:${job}`);
 *     guard.release();
 *   }
 * }
 * function* boss(): Coroutine<void> {
 *   for (const job of ["a", "b", "c"]) yield* tx.send(job);
 *   tx.drop();
 * }
 * const executor = new LocalExecutor();
 * executor.spawn(worker("w"));
 * executor.spawn(boss());
 * await executor.run();
 * console.log(log.tryLock()!.value); // [ "w:a", "w:b", "w:c" ]
 * ```
 *
 * @module
 */
export { ClosedError, LaggedError, MAX_PERMITS, SendError } from "./errors.ts";
export { oneshot, OneshotReceiver, OneshotSender } from "./oneshot.ts";
export { type Mpsc, mpsc, Receiver, Sender, SendPermit, UnboundedSender } from "./mpsc.ts";
export { WeakSender } from "./weak-sender.ts";
export { broadcast, BroadcastReceiver, BroadcastSender } from "./broadcast.ts";
export { watch, WatchReceiver, WatchSender } from "./watch.ts";
export { Semaphore, SemaphorePermit } from "./semaphore.ts";
export { Mutex, MutexGuard } from "./mutex.ts";
export { RwLock, type RwLockOptions, RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard } from "./rw-lock.ts";
export { Notified, Notify } from "./notify.ts";
export { Barrier, type BarrierWaitResult } from "./barrier.ts";
export { OnceCell } from "./once-cell.ts";
export {
  sharedChannel,
  type SharedChannelOptions,
  type SharedEndHandle,
  SharedReceiver,
  type SharedReceiverHandle,
  SharedSender,
  type SharedSenderHandle,
} from "./shared-channel.ts";
export { type ChannelRecovery, MAX_SHARED_CAPACITY, MAX_SLOT_BYTES, ValueTooLargeError } from "./shared-ring.ts";
export { UncloneableValueError } from "@spindle/codec";
export { SharedSemaphore, type SharedSemaphoreHandle, SharedSemaphorePermit } from "./shared-semaphore.ts";
export { SharedNotify, type SharedNotifyHandle } from "./shared-notify.ts";
export { currentThreadId, type DeadThreadRecovery, recoverDeadThread } from "@spindle/core";
