// A program whose unref'd runtime runs jobs that log, for output-flush.test.ts, run in a child
// process: it neither awaits the jobs nor shuts the runtime down, so the process exits on its own
// once they settled. Its arguments: how many lines a job logs to each stream, then which jobs:
// "sync" (one job logging them to stdout and stderr in one call), "joined" (a coroutine that logs, joins a child that logs, and
// logs again), "method" (as "sync", on a runtime unref'd with runtime.unref()).
import process from "node:process";
import { startTestRuntime } from "./runtime.ts";

const [lines, mode] = process.argv.slice(-2);
const count = Number(lines);
const { runtime } = await startTestRuntime({ workers: 1, unref: mode !== "method" });
if (mode === "method") runtime.unref();
if (mode === "joined") runtime.spawn("logAndJoin", "joined", count).detach();
else runtime.spawn("logLines", "sync", count).detach();
