import { checkTypeOf, describe, SpindleError } from "./errors.ts";

/**
 * Recovering what a dead thread held in shared memory. A thread that ends without cleaning up
 * (terminated, `process.exit`, an uncaught error, out of memory) runs no `finally` block: permits
 * it held stay taken, channel ends it held stay counted. Shared primitives that record which
 * thread holds what (their owner ids in shared memory) register themselves here on every thread
 * that makes or opens them, and whoever learns of a death calls {@linkcode recoverDeadThread}
 * with the dead thread's id: each primitive known to this thread gives back what the dead thread
 * held and wakes whoever waits.
 *
 * Run it only after the thread has ended (its `exit` event): the host joins the thread before it
 * reports the exit, so every write the dead thread made is visible to the recovery.
 */

/** What one primitive gave back for a dead thread: `what` names it, `counts` says how much of what. */
export interface DeadThreadRecovery {
  /** The primitive, e.g. `"SharedSemaphore"` or `"sharedChannel"`. */
  readonly what: string;
  /** The thread whose holdings were recovered. */
  readonly threadId: number;
  /** How much of each kind was given back or dropped, e.g. `{ permits: 2 }`, `{ lostValues: 1 }`. */
  readonly counts: Readonly<Record<string, number>>;
}

type Recover = (target: object, deadThreadId: number) => DeadThreadRecovery | null;

interface Registration {
  readonly target: WeakRef<object>;
  readonly recover: Recover;
}

/** The primitives this thread made or opened, held weakly (a collected one holds nothing here). */
const registered = new Set<Registration>();
const known = new WeakSet<object>();
/** Forgets a collected primitive's registration, so that the set does not grow without bound. */
const forget = new FinalizationRegistry<Registration>((registration) => registered.delete(registration));

let threadIdCache: number | undefined;

/**
 * This thread's id as `node:worker_threads` numbers it on Node, Deno and Bun (0 on the main
 * thread; a `Worker` object's `threadId` in its parent, read before it exits): the id that
 * {@linkcode recoverDeadThread} takes. -1 on a thread without one: a Deno Web `Worker` (Deno's
 * `node:worker_threads` reports the main thread's 0 there, and its `Worker` object has no
 * `threadId`), whose holdings cannot be recovered.
 *
 * @example
 * ```ts
 * import { currentThreadId } from "@spindle/core";
 *
 * console.log(currentThreadId()); // 0 on the main thread
 * ```
 */
export function currentThreadId(): number {
  if (threadIdCache === undefined) {
    const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    const threads = host.process?.getBuiltinModule?.("node:worker_threads") as { threadId?: number } | undefined;
    const scope = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
    const webWorker = typeof scope === "function" && globalThis instanceof scope;
    const id = typeof threads?.threadId === "number" ? threads.threadId : 0;
    threadIdCache = webWorker && id === 0 ? -1 : id;
  }
  return threadIdCache;
}

/**
 * Registers `target` (a shared primitive made or opened on this thread) for
 * {@linkcode recoverDeadThread}: `recover(target, id)` gives back what thread `id` held in it and
 * says what it did (`null`: it held nothing). Held weakly; registering twice is a no-op.
 */
export function registerDeadThreadRecovery<T extends object>(
  target: T,
  recover: (target: T, deadThreadId: number) => DeadThreadRecovery | null,
): void {
  // Checked now: a bad registration would throw in every later recoverDeadThread of this thread.
  if ((typeof target !== "object" && typeof target !== "function") || target === null) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `registerDeadThreadRecovery() needs an object to register, got ${describe(target)}`,
    );
  }
  if (typeof recover !== "function") {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `registerDeadThreadRecovery() needs a recover function, got ${describe(recover)}`,
    );
  }
  if (known.has(target)) return;
  known.add(target);
  const registration = { target: new WeakRef(target), recover: recover as Recover };
  registered.add(registration);
  forget.register(target, registration);
}

/**
 * The largest thread id a recovery takes, 2^31 - 2: shared primitives record a holder as its id + 1
 * in an Int32 word (0: nobody), and `Atomics` wraps a larger number into that range, where it
 * would name another thread (2^32 is thread 0's record) or a free entry.
 */
const MAX_THREAD_ID = 2 ** 31 - 2;

/**
 * Checks the id given to a recovery (`recoverDeadThread`, or a primitive's own `recover`, which
 * `what` names): an `INVALID_ARGUMENT` `SpindleError` naming it unless it is an integer from 0 to
 * 2^31 - 2 (the largest a record holds) other than this thread's own id. A `-1` is what Node leaves in
 * `worker.threadId` once the worker has exited; recovering this live thread would give back what
 * it still holds, twice.
 *
 * @example
 * ```ts
 * import { checkDeadThreadId, currentThreadId } from "@spindle/core";
 * try {
 *   checkDeadThreadId(currentThreadId(), "recover()");
 * } catch (error) {
 *   console.log((error as Error).message); // recover(): thread 0 is this thread, which is alive ...
 * }
 * ```
 */
export function checkDeadThreadId(threadId: number, what: string): number {
  checkTypeOf(what, "string", "checkDeadThreadId(): what");
  if (typeof threadId !== "number" || !Number.isInteger(threadId) || threadId < 0 || threadId > MAX_THREAD_ID) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what}: a dead thread's id must be an integer from 0 to ${MAX_THREAD_ID} (its worker's threadId read before it exited: Node sets it to -1 on exit), got ${
        describe(threadId)
      }`,
    );
  }
  if (threadId === currentThreadId()) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what}: thread ${threadId} is this thread, which is alive (recovering it would give back what it still holds)`,
    );
  }
  return threadId;
}

/**
 * Gives back what thread `threadId` held in every shared primitive this thread made or opened
 * (`SharedSemaphore` permits, `sharedChannel` ends and half-done slots, ...) and wakes their
 * waiters; returns what was recovered, one entry per primitive that had something. Call it once
 * the thread has ended (its `exit` event), with the id read before it exited (`worker.threadId`;
 * Node sets it to -1 on exit). The work-stealing runtime does this for its own workers. Calling it
 * twice for one thread recovers nothing the second time. A recovery that throws (a primitive's
 * shared memory found corrupted) does not stop the others; its error is thrown after them.
 *
 * @example
 * ```ts
 * import { recoverDeadThread } from "@spindle/core";
 *
 * // worker.on("exit", () => recoverDeadThread(id)), with const id = worker.threadId
 * console.log(recoverDeadThread(12345)); // [] : nothing here was held by thread 12345
 * ```
 */
export function recoverDeadThread(threadId: number): DeadThreadRecovery[] {
  checkDeadThreadId(threadId, "recoverDeadThread()");
  const recovered: DeadThreadRecovery[] = [];
  let failure: { error: unknown } | undefined;
  for (const entry of registered) {
    const target = entry.target.deref();
    if (target === undefined) {
      registered.delete(entry);
      continue;
    }
    try {
      const report = entry.recover(target, threadId);
      if (report !== null) recovered.push(report);
    } catch (error) {
      failure ??= { error }; // the others are still recovered; the first error is thrown after
    }
  }
  if (failure !== undefined) throw failure.error;
  return recovered;
}
