import type { Worker } from "node:worker_threads";

/**
 * The worker of each reactor's timer thread, for the fault-injection tests only (they terminate it
 * to check that every pending sleep then fails). Not exported from the package.
 */
export const timerThreads: WeakMap<object, Worker> = new WeakMap();
