// The program of the console-log port (piscina's fixtures/console-log.ts): a runtime with one
// worker runs a job that logs two lines. With the argument "unref", as piscina's fixture does, the
// runtime is unref'd and the program neither awaits the job nor shuts the runtime down, so the
// process exits on its own once the job settled; otherwise it awaits the job and shuts down.
import process from "node:process";
import { Runtime } from "@spindle/workstealing";
import type jobs from "./jobs.ts";

const unref = process.argv[2] === "unref";
const runtime = await Runtime.start<typeof jobs>(new URL("./jobs.ts", import.meta.url), {
  workers: 1,
  unref,
  workerData: { words: new Int32Array(new SharedArrayBuffer(4)) },
});
const logged = runtime.spawn("log", ["A", "B"]);
if (!unref) {
  await logged;
  await runtime.shutdown();
}
