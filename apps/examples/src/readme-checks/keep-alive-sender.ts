// Worker of keep-alive-child.ts: sends one value after 300 ms, blocking (no timers of its own).
import { workerData } from "node:worker_threads";
import { SharedSender } from "@spindle/sync";

Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
SharedSender.from<string>(workerData).sendBlocking("late value");
