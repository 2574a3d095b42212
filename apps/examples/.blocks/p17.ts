import { blockOn } from "@spindle/core";
import { sharedChannel, SharedSemaphore, SharedNotify } from "@spindle/sync";
import { Worker } from "node:worker_threads";
const [tx, rx] = sharedChannel<number>(2);
const w = new Worker(`const { workerData } = require("node:worker_threads"); setTimeout(() => {}, 10);`, { eval: true });
w.unref();
const which = process.argv[2];
const t0 = Date.now();
try {
  if (which === "recv") console.log("blockOn recv ->", blockOn(rx.recv()));
  if (which === "send") { tx.trySend(1); tx.trySend(2); console.log("blockOn send ->", blockOn(tx.send(3))); }
  if (which === "sem") console.log("blockOn acquire ->", blockOn(new SharedSemaphore(0).acquire(1)));
  if (which === "notify") console.log("blockOn notified ->", blockOn(new SharedNotify().notified()));
} catch (e: any) { console.log(which, "THROW", e.name, e.code, String(e.message).slice(0, 150), Date.now() - t0, "ms"); }
