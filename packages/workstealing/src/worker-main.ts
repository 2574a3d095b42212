// The entry point of every worker thread of a runtime: adopt the wake table the runtime made for
// this processor, import the job module, then run the machine on a LocalExecutor until the
// runtime stops (or, for an extra machine, until it retires). Imported on a main thread (as
// `deno test --doc` does with every source file) it does nothing.
import process from "node:process";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { LocalExecutor, WakeTable } from "@spindle/core";
import { Timer } from "@spindle/timer";
import { reportFatalErrors } from "./crash-report.ts";
import { enterJobContext, importingJobModule } from "./job-context.ts";
import { loadJobModule } from "./job-module.ts";
import { Machine } from "./machine.ts";
import { SharedState, type SharedStateSetup } from "./shared-state.ts";

/** What the runtime passes to a machine's thread. */
interface MachineData {
  readonly setup: SharedStateSetup;
  readonly processor: number;
  /** The runtime's `workerData` option. */
  readonly data: unknown;
}

async function runMachine({ setup, processor, data }: MachineData): Promise<void> {
  WakeTable.forThisThread(setup.tables[processor + 1]);
  importingJobModule(true);
  const set = await loadJobModule(setup.jobModule);
  importingJobModule(false);
  // An unusable module was reported to the runtime's thread (Runtime.start rejects with it); the
  // thread ends once its event loop is empty, having started nothing.
  if (set === null) return;
  const executor = new LocalExecutor();
  const timer = setup.timer === null ? null : Timer.fromShared(setup.timer);
  const shared = new SharedState(setup, processor + 1);
  reportFatalErrors(shared.processor(processor));
  shared.idle.arrive(processor);
  const machine = new Machine(shared, processor, set, executor, timer, data);
  enterJobContext(machine);
  executor.spawn(machine);
  parentPort?.postMessage({ names: set.names }); // ready; the runtime's thread learns the job names here
  await executor.run();
  // The machine returned: it retired (idle) or the runtime stops, and none of its jobs runs. The
  // thread ends now, not when its event loop empties: a job's leftover host timer or socket kept
  // a retired worker's thread, still counted, for as long as it lived, and the runtime could not
  // start that worker again on demand (nor end a shutdown before terminating it).
  process.exit(0);
}

// No top-level await, for two reasons. Node 22 and 24 abort the process ("Check failed:
// (location_) != nullptr") when a worker is terminated, or the process exits, while an async
// module's evaluation settles and its importer (the `worker-main.js` shim, from source) is about
// to run; see the timer thread's entry and docs/architecture.md. And Deno keeps about 1 MB per
// exited worker whose entry module was still evaluating (a pending top-level await) when the
// thread died, so every death of a machine grew the process for good (measured in the package
// README). A failure (a job module that does not load) is rethrown from a task: it ends the
// thread and reaches the runtime's `error` listener.
if (!isMainThread) {
  runMachine(workerData as MachineData).catch((error: unknown) => {
    setTimeout(() => {
      throw error;
    });
  });
}
