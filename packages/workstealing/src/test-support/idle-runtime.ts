// A program whose only remaining work, once it printed its results, is an idle runtime that it
// never shuts down; for idle-exit.test.ts, run in a child process. Its argument picks how:
// "option" (unref: true), "method" (runtime.unref()), "ref" (the default: the runtime keeps the
// process alive), "detached" (unref'd, with a job nobody awaits still running).
// Prints "result <n>", then "exited" when the process exits on its own, or "still alive" from
// an unref'd timer, which fires only if something else keeps the process alive that long.
import process from "node:process";
import { startTestRuntime } from "./runtime.ts";

const mode = process.argv.at(-1);
const { runtime, counters } = await startTestRuntime({ workers: 2, unref: mode === "option" || mode === "detached" });
if (mode === "method") runtime.unref();
console.log(`result ${await runtime.spawn("add", 40, 2)}`);
if (mode === "detached") {
  // Counter 0 becomes 1 when the job starts; the job then blocks its worker for 300 ms and
  // returns. Nobody awaits it: only the runtime's live-job hold keeps the process alive for it.
  runtime.spawn("hold", 0, 300).detach();
  process.on("exit", () => console.log(`detached job finished: ${runtime.liveJobs === 0}`));
}
const started = performance.now();
process.on("exit", () => console.log(`exited after ${Math.round(performance.now() - started)} ms`));
setTimeout(() => {
  console.log("still alive");
  void runtime.shutdown();
}, mode === "ref" ? 1_000 : 30_000).unref();
void counters;
