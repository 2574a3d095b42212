/** One measured workload of a benchmark: `run` runs all its tasks once. */
export interface Workload {
  /** `<library>-<shape>`, e.g. `spindle-trivial`; `--only` selects by it. */
  id: string;
  library: "spindle" | "native" | "effect" | "floor";
  shape: "trivial" | "suspend-once";
  /** Runs the tasks; resolves to the sum of their outputs (the task count when every task ran). */
  run: () => Promise<number>;
}
