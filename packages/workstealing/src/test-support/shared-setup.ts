// A runtime's shared-state setup for tests that drive a SharedState by hand, with no runtime and no
// machine threads: one processor per wake table given, default limits.
import { WakeTable } from "@spindle/core";
import { SharedHeap } from "@spindle/codec";
import { outputWordsBuffer } from "../output-flush.ts";
import { SharedState, type SharedStateSetup } from "../shared-state.ts";

/**
 * A setup with one processor (and worker) per table of `workerTables` (the runtime's thread's is
 * this thread's own table) and a shared heap of `heapBytes`.
 */
export function sharedStateSetup(workerTables: readonly SharedArrayBuffer[], heapBytes: number): SharedStateSetup {
  const processors = workerTables.length;
  return {
    control: SharedState.controlBuffer(processors, 256),
    heap: SharedHeap.create(heapBytes).buffer,
    tables: [WakeTable.forThisThread().buffer, ...workerTables],
    processors,
    workers: processors,
    minWorkers: processors,
    idleTimeoutMs: 1_000,
    recycle: { maxJobs: 0, maxMemory: 0 },
    metrics: null,
    output: outputWordsBuffer(processors),
    resourceLimits: null,
    dequeCapacity: 256,
    jobModule: "",
    timer: null,
    abortGraceMs: 1_000,
  };
}
