// A bare `node:worker_threads` thread: the baseline of benchmarks 2 and 4 in
// workstealing.bench.ts, one message per run.
// - `{ count, iters }` (benchmark 2): it calls `spinTask(iters)` `count` times in a plain loop (no
//   message, no queue between tasks) and answers with the sum of the tasks' in-thread times and
//   how often each tier of `spin` was sampled.
// - `{ fib, cutoff, next }` (benchmark 4): the leaves of the fork/join `fib(fib, cutoff)` tree are
//   shared out through one atomic counter (`next`, an Int32Array over shared memory): the thread
//   takes the next leaf with `Atomics.add` until none is left and answers with the sum of its
//   leaves. The same work as Spindle's fork/join, split as evenly as the leaves allow, with no
//   scheduler: what the machine's cores can do in parallel in that round.
import { parentPort } from "node:worker_threads";
import { decodeSpin, fibLeaves, fibSequential, spinTask } from "./work.ts";

function run(count: number, iters: number): { ns: number; tiers: number[] } {
  let ns = 0;
  const tiers = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < count; i++) {
    const r = decodeSpin(spinTask(iters));
    ns += r.ns;
    tiers[r.tier]!++;
  }
  return { ns, tiers };
}

let leaves: { key: string; list: number[] } | null = null;

function fibShare(n: number, cutoff: number, next: Int32Array): number {
  const key = `${n}/${cutoff}`;
  if (leaves?.key !== key) leaves = { key, list: fibLeaves(n, cutoff) };
  const list = leaves.list;
  let sum = 0;
  for (let i = Atomics.add(next, 0, 1); i < list.length; i = Atomics.add(next, 0, 1)) sum += fibSequential(list[i]!);
  return sum;
}

type Message = { count: number; iters: number } | { fib: number; cutoff: number; next: Int32Array };

parentPort!.on("message", (msg: Message) => {
  parentPort!.postMessage("fib" in msg ? fibShare(msg.fib, msg.cutoff, msg.next) : run(msg.count, msg.iters));
});
