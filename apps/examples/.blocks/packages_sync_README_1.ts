import { type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { sharedChannel, SharedReceiver, SharedSender } from "@spindle/sync";

const [tx, rx] = sharedChannel<{ id: number; text: string }>(64, { slotBytes: 128 });
// On a worker: new Worker(url, { workerData: tx.handle }), then SharedSender.from(workerData).
const there = SharedSender.from(structuredClone(tx.handle));
there.sendBlocking({ id: 1, text: "hello" }); // blocks while the channel is full
there.close(); // visible to every end on every thread

function* drain(rx: SharedReceiver<{ id: number; text: string }>): Coroutine<string[]> {
  const texts: string[] = [];
  for (let m; (m = yield* rx.recv()) !== STREAM_END;) texts.push(m.text);
  return texts;
}
const executor = new LocalExecutor();
const texts = executor.spawn(drain(rx));
await executor.run();
console.log(await texts); // [ "hello" ]
