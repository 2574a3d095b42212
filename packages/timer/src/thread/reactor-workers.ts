import type { Worker } from "node:worker_threads";
import type { ClientHello, ThreadFault } from "./thread-messages.ts";

/**
 * The worker of each reactor's timer thread, for the fault-injection tests only (they terminate it
 * to check that every pending sleep then fails). Not exported from the package.
 */
export const timerThreads: WeakMap<object, Worker> = new WeakMap();

/**
 * For the fault-injection tests only (not exported from the package): the fault the next timer
 * thread started is to die of (see {@linkcode ThreadFault}); taken, and cleared, by that start.
 */
export const nextThreadFault: { fault: ThreadFault | null } = { fault: null };

/**
 * For the fault-injection tests only (not exported from the package): the clients of other
 * threads each reactor's creator knows (their introductions, forwarded by the timer thread), the
 * ones it can wake itself if the thread is killed.
 */
export const creatorClients: WeakMap<object, readonly ClientHello[]> = new WeakMap();
