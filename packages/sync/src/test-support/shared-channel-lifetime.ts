/**
 * Run as a child process by shared-channel.test.ts: the program's only work is a pending `recv`
 * future (a waitAsync, which alone would not keep the process alive) until a worker sends 100 ms
 * later; then it drops a second pending `recv` and must exit by itself (its hold released).
 */
import { drop, LocalExecutor, select, yieldNow } from "@spindle/core";
import { sharedChannel } from "../mod.ts";
import { startWorker } from "@spindle/test-support";

const [tx, rx] = sharedChannel<string>(1);
const worker = startWorker(new URL("./shared-channel-peer.ts", import.meta.url), {
  op: "send-later",
  tx: tx.handle(),
  delayMs: 100,
  value: "late",
});
worker.unref(); // only the channel's wait may keep the process alive
const executor = new LocalExecutor();
const got = executor.spawn(rx.recv());
await executor.run();
const value = await got;
const second = new LocalExecutor();
second.spawn(function* () {
  const first = yield* select(rx.recv(), yieldNow());
  drop(first.rest);
}());
await second.run();
console.log(`received ${String(value)}; dropped pending recv released the process`);
