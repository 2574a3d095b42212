// Port of tokio-stream/tests/watch.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's WatchReceiver as a core stream, written from the sync README: a receiver
// used as a stream is tokio's WatchStream::from_changes; WatchStream::new (the current value
// first) is `rx.borrowAndUpdate()` before iterating, as the README says.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, map, next, STREAM_END } from "@spindle/core";
import { watch } from "@spindle/sync";
import { pending, spawnForStream } from "./support.ts";

test("watch_stream_message_not_twice", async () => {
  const [tx, rx] = watch("hello");
  let counter = 0;
  const seen: string[] = [rx.borrowAndUpdate()]; // WatchStream::new yields the current value first
  const stream = map(rx, (payload) => {
    seen.push(payload);
    if (payload === "goodbye") counter++;
    assert.ok(counter < 2, "too many goodbyes");
  });
  const executor = new LocalExecutor();
  const task = executor.spawn(function* (): Coroutine<void> {
    while ((yield* next(stream)) !== STREAM_END);
  }());
  tx.send("goodbye");
  tx.drop();
  await executor.run();
  await task;
  assert.deepEqual(seen, ["hello", "goodbye"]);
});

test("watch_stream_from_rx", () => {
  const [tx, rx] = watch("hello");
  assert.equal(rx.borrowAndUpdate(), "hello");
  tx.send("bye");
  assert.equal(blockOn(next(rx)), "bye");
});

test("watch_stream_from_changes", () => {
  const [tx, rx] = watch("hello");
  pending(spawnForStream().pollNext(rx));
  tx.send("bye");
  assert.equal(blockOn(next(rx)), "bye");
});
