// packages/sync/README.md:10
import { type Coroutine, LocalExecutor, next, STREAM_END } from "@spindle/core";
import { mpsc, Mutex, type Receiver, type Sender } from "@spindle/sync";

function* producer(name: string, tx: Sender<string>): Coroutine<void> {
  for (let i = 0; i < 3; i++) yield* tx.send(`${name}${i}`); // waits while 2 values are queued
  tx.drop(); // the receiver ends once every sender is dropped
}

function* consumer(rx: Receiver<string>, seen: Mutex<string[]>): Coroutine<void> {
  for (let item; (item = yield* next(rx)) !== STREAM_END;) {
    const guard = yield* seen.lock();
    guard.value.push(item);
    guard.release();
  }
}

const [tx, rx] = mpsc.bounded<string>(2);
const seen = new Mutex<string[]>([]);
const executor = new LocalExecutor();
executor.spawn(producer("a", tx.clone()));
executor.spawn(producer("b", tx));
executor.spawn(consumer(rx, seen));
await executor.run();
console.log(seen.tryLock()!.value.sort().join(" ")); // a0 a1 a2 b0 b1 b2
