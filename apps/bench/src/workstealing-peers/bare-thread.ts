// A bare `node:worker_threads` thread: the baseline of benchmark 2 in workstealing.bench.ts. The
// main thread sends it one message per run, `{ count, iters }`; it calls `spinTask(iters)` `count`
// times in a plain loop (no message, no queue between tasks) and answers with the sum of the
// tasks' in-thread times and how often each tier of `spin` was sampled.
import { parentPort } from "node:worker_threads";
import { decodeSpin, spinTask } from "./work.ts";

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

parentPort!.on("message", (msg: { count: number; iters: number }) => {
  parentPort!.postMessage(run(msg.count, msg.iters));
});
