// packages/sync/README.md:77
import { type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { sharedChannel, SharedReceiver, SharedSender } from "@spindle/sync";

const [tx, rx] = sharedChannel<{ id: number; text: string }>(64, { slotBytes: 128 });
// On a worker: new Worker(url, { workerData: tx.handle() }), then SharedSender.from(workerData).
const there = SharedSender.from(structuredClone(tx.handle()));
tx.drop(); // this thread sends nothing: the sender "there" is the only one left
there.sendBlocking({ id: 1, text: "hello" }); // blocks while the channel is full
there.drop(); // the last sender, on whichever thread: the receivers drain, then end

function* drain(rx: SharedReceiver<{ id: number; text: string }>): Coroutine<string[]> {
  const texts: string[] = [];
  for (let m; (m = yield* rx.recv()) !== STREAM_END;) texts.push(m.text);
  return texts;
}
const executor = new LocalExecutor();
const texts = executor.spawn(drain(rx));
await executor.run();
console.log(await texts); // [ "hello" ]
