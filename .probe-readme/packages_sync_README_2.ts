// packages/sync/README.md:230
import { type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { mpsc, type Receiver } from "@spindle/sync";

const [tx, rx] = mpsc.bounded<string>(2);
function* producer(): Coroutine<void> {
  const permit = yield* tx.reserveMany(2); // both slots, before the values exist
  permit.send("first");
  permit.send("second");
  tx.drop();
}
function* consumer(rx: Receiver<string>): Coroutine<string[]> {
  const got: string[] = [];
  for (let v; (v = yield* rx.recv()) !== STREAM_END;) got.push(v);
  return got;
}
const executor = new LocalExecutor();
executor.spawn(producer());
const got = executor.spawn(consumer(rx));
await executor.run();
console.log(await got); // [ "first", "second" ]
