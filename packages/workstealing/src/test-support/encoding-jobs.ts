// The job module of spawn-during-encoding.test.ts: jobs whose arguments or results have getters
// that spawn jobs while the worker's encoder is encoding them.
import type { Coroutine } from "@spindle/core";
import { defineJobs, type JobHandle, type JobSet } from "../mod.ts";

/** The jobs of the encoding tests. */
export type EncodingJobs = {
  add: (a: number, b: number) => number;
  echo: (value: unknown) => unknown;
  spawnInArgumentGetter: () => Coroutine<unknown[]>;
  spawnInResultGetter: () => unknown;
};

const jobs: JobSet<EncodingJobs> = defineJobs<EncodingJobs>({
  add(a, b) {
    return a + b;
  },
  echo(value) {
    return value;
  },
  // A child's argument whose getter spawns another child: both children get their own arguments.
  *spawnInArgumentGetter() {
    let inner: JobHandle<number> | undefined;
    const argument = {
      a: "a",
      get b() {
        inner = jobs.spawn("add", 20, 22);
        return "b";
      },
      c: "c",
      d: "d",
    };
    const outer = jobs.spawn("echo", argument);
    return [yield* outer, yield* inner!];
  },
  // A result whose getter spawns a job while the result is encoded; nobody joins that job.
  spawnInResultGetter() {
    return {
      a: 1,
      get b() {
        jobs.spawn("add", 1, 1);
        return 2;
      },
      c: 3,
      d: 4,
    };
  },
});
export default jobs;
