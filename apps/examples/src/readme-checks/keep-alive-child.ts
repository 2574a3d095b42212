// Child process of shared.test.ts. "wait": a sharedChannel recv future waits on the host thread for
// a value a worker sends 300 ms later (the pending recv must keep the process alive).
// "drop": a pending recv is dropped and nothing else is pending (the process must exit at once).
import process from "node:process";
import { Worker } from "node:worker_threads";
import { Context, LocalExecutor, PENDING } from "@spindle/core";
import { sharedChannel } from "@spindle/sync";

const [tx, rx] = sharedChannel<string>(2);
if (process.argv.at(-1) === "drop") {
  const receive = rx.recv();
  if (receive.poll(Context.noop()) !== PENDING) throw new Error("expected a pending recv");
  receive[Symbol.dispose]();
  console.log("dropped");
} else {
  const executor = new LocalExecutor();
  const got = executor.spawn(rx.recv());
  const worker = new Worker(new URL("./keep-alive-sender.ts", import.meta.url), { workerData: tx.handle() });
  worker.unref(); // only the pending recv may keep this process alive
  await executor.run();
  console.log(`received ${String(await got)}`);
}
