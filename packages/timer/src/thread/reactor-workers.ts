import type { Worker } from "node:worker_threads";
import type { ThreadFault } from "./thread-messages.ts";

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
