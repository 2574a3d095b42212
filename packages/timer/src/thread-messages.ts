/**
 * The messages around the timer thread. A client thread introduces itself once with a
 * {@linkcode ClientHello} carrying its `WakeTable` buffer (shared memory cannot hold a buffer, so
 * it travels by message); everything after that goes through the shared state.
 *
 * - creator → thread (its `parentPort`): `ClientHello` for the creator's own client, `close`.
 * - other threads → thread (a `BroadcastChannel` named in the shared timer): `ClientHello`.
 * - thread → creator: `running` once it serves, and every `ClientHello` it received from other
 *   threads, so that the creator can wake those clients itself if the thread dies.
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

/** What the timer thread sends its creator. */
export type FromThread = ClientHello | { readonly kind: "running" };

/** What `workerData` holds for the timer thread. */
export interface ThreadData {
  readonly buffer: SharedArrayBuffer;
  /** The name of the `BroadcastChannel` on which other threads introduce themselves. */
  readonly channel: string;
}
