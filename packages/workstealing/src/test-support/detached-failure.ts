// A program that detaches a failing job and gives no `onUnhandledError`; for
// detached-failure.test.ts, run in a child process. The job's error must become an unhandled
// rejection that ends the process before the 30 s timer prints "not reported".
import { startTestRuntime } from "./runtime.ts";

const { runtime } = await startTestRuntime({ workers: 1 });
runtime.spawn("fail", "RangeError", "nobody joins this").detach();
setTimeout(() => {
  console.log("not reported");
  void runtime.shutdown();
}, 30_000);
