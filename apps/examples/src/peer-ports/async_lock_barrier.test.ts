// Port of smol-rs/async-lock tests/barrier.rs (smol-rs/async-lock
// 23e181d5cfb91a59382e5719c682caa58ff43ace) onto @spindle/sync's Barrier, written from the sync
// README. The upstream threads are tasks of one LocalExecutor (the Barrier is single-threaded);
// flume is an mpsc.unbounded channel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, PENDING } from "@spindle/core";
import { Barrier, mpsc } from "@spindle/sync";

test("smoke", async () => {
  const N = 10;
  const barrier = new Barrier(N);
  for (let round = 0; round < 10; round++) {
    const [tx, rx] = mpsc.unbounded<boolean>();
    const executor = new LocalExecutor();
    for (let i = 0; i < N - 1; i++) {
      const sender = tx.clone();
      executor.spawn(function* (): Coroutine<void> {
        const res = yield* barrier.wait();
        sender.send(res.isLeader);
        sender.drop();
      }());
    }
    tx.drop();
    const checked = executor.spawn(function* (): Coroutine<void> {
      assert.equal(rx.tryRecv(), PENDING);
      let leaderFound = (yield* barrier.wait()).isLeader;
      for (let i = 0; i < N - 1; i++) {
        if (yield* rx.recv()) {
          assert.ok(!leaderFound);
          leaderFound = true;
        }
      }
      assert.ok(leaderFound);
    }());
    await executor.run();
    await checked;
  }
});
