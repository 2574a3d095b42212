/**
 * The messages around the timer thread. A client thread introduces itself once with a
 * {@linkcode ClientHello} carrying its `WakeTable` buffer (shared memory cannot hold a buffer, so
 * it travels by message); everything after that goes through the shared state.
 *
 * - creator → thread (its `parentPort`): `ClientHello` for the creator's own client, `close`.
 * - other threads → thread (a `BroadcastChannel` named in the shared timer): `ClientHello`.
 * - thread → creator: `running` once it serves, every `ClientHello` it received from other
 *   threads, so that the creator can wake those clients itself if the thread dies, and
 *   `corrupted` once the timer closed as corrupted and it left its loop.
 */
export interface ClientHello {
  readonly kind: "client";
  /** The client's index in the shared state. */
  readonly index: number;
  /** The client thread's `WakeTable` buffer. */
  readonly buffer: SharedArrayBuffer;
}

/** What the creator sends the timer thread. */
export type ToThread = ClientHello | { readonly kind: "close" };

/**
 * Fault injection for the tests (set through `reactor-workers.ts`, never by the public API): the
 * thread dies once client `whenArmed` is introduced and armed (with `null`, before it serves), by
 * an uncaught error (`"throw"`) or by `process.exit(code)` (`"exit"`).
 */
export interface ThreadFault {
  readonly kind: "throw" | "exit";
  readonly code: number;
  readonly whenArmed: number | null;
}

/**
 * The timer closed as corrupted and the thread left its loop: the creator ends the thread and
 * fails its own timers. What was found is not in the message: every client reads it from the
 * shared state with the close (see `SharedTimerState`), before any message could arrive.
 */
export interface CorruptionFound {
  readonly kind: "corrupted";
}

/** What the timer thread sends its creator. */
export type FromThread = ClientHello | CorruptionFound | { readonly kind: "running" };

/** What `workerData` holds for the timer thread. */
export interface ThreadData {
  readonly buffer: SharedArrayBuffer;
  /** The name of the `BroadcastChannel` on which other threads introduce themselves. */
  readonly channel: string;
  /** Tests only: how the thread is to die. */
  readonly fault?: ThreadFault;
}
