// The job module of spawn-during-encoding.test.ts and unreadable-outcomes.test.ts: jobs whose
// arguments or results have getters that spawn jobs while the worker's encoder is encoding them,
// and jobs whose error or result cannot be read at all (a revoked Proxy).
import { type Coroutine, yieldNow } from "@spindle/core";
import { defineJobs, type JobHandle, type JobSet } from "../mod.ts";

/** The jobs of the encoding tests. */
export type EncodingJobs = {
  add: (a: number, b: number) => number;
  echo: (value: unknown) => unknown;
  spawnInArgumentGetter: () => Coroutine<unknown[]>;
  spawnInResultGetter: () => unknown;
  throwUnreadable: () => never;
  throwUnreadableLater: () => Coroutine<never>;
  returnUnreadable: () => unknown;
  unreadableAt: (item: number) => unknown;
  joinUnreadableChild: () => Coroutine<string>;
};

/** A revoked Proxy: `instanceof`, property reads and `then` lookups on it throw. */
function unreadable(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

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
  throwUnreadable() {
    throw unreadable();
  },
  *throwUnreadableLater() {
    yield* yieldNow(); // thrown from the job's task, not from its function
    throw unreadable();
  },
  returnUnreadable() {
    return unreadable();
  },
  unreadableAt(item) {
    return item === 2 ? unreadable() : item;
  },
  // The child runs in place (its value reaches the parent as it is) or on another worker (it
  // cannot cross: the parent gets the refusal); either way the parent settles.
  *joinUnreadableChild() {
    try {
      yield* jobs.spawn("returnUnreadable");
    } catch (error) {
      return (error as Error).message;
    }
    return "got the value";
  },
});
export default jobs;
