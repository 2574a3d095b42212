// Port of tokio/tests/sync_broadcast_weak.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's weak broadcast senders, written from the package README. A tokio Sender
// dropped at the end of its scope (or a temporary `tx.clone()`) is an explicit drop() here, and a
// weak sender dropped by Rust is dropped with drop().
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import { broadcast, type BroadcastSender, LaggedError, type WeakSender } from "@spindle/sync";

/** `tx.clone().downgrade()`: the clone is a temporary, dropped at once. */
function weakOfClone<T>(tx: BroadcastSender<T>): WeakSender<BroadcastSender<T>> {
  const clone = tx.clone();
  const weak = clone.downgrade();
  clone.drop();
  return weak;
}

test("weak_sender", async () => {
  const [tx, rx] = broadcast<number>(11);
  const executor = new LocalExecutor();
  const producer = executor.spawn(function* (): Coroutine<WeakSender<BroadcastSender<number>> | null> {
    const weak = weakOfClone(tx);
    for (let i = 0; i < 10; i++) tx.send(i);
    const tx2 = weak.upgrade();
    assert.ok(tx2 !== null, "expected to be able to upgrade tx_weak");
    tx2.send(20);
    const again = tx2.downgrade();
    weak.drop();
    tx2.drop();
    tx.drop(); // the task owned tx: gone when it returns
    return again;
  }());
  await executor.run();
  const weak = await producer;
  assert.ok(weak !== null);
  const received: number[] = [];
  for (let i = 0; i < 12; i++) {
    let item: number | typeof STREAM_END;
    try {
      item = rx.tryRecv() as number | typeof STREAM_END;
    } catch (error) {
      assert.ok(!(error instanceof LaggedError), "11 slots hold the 11 values");
      throw error;
    }
    if (item === STREAM_END) {
      assert.equal(i, 11);
      break;
    }
    received.push(item);
  }
  assert.equal(received[10], 20);
  assert.equal(weak.upgrade(), null);
});

test("downgrade_upgrade_sender_failure", () => {
  const [tx] = broadcast<number>(1);
  const weak = tx.downgrade();
  tx.drop();
  assert.equal(weak.upgrade(), null);
});

test("downgrade_drop_upgrade", () => {
  const [tx] = broadcast<number>(1);
  const weak = weakOfClone(tx); // the cloned sender is dropped right away
  tx.drop();
  assert.equal(weak.upgrade(), null);
});

test("test_tx_count_weak_sender", () => {
  const [tx] = broadcast<number>(1);
  const weak = tx.downgrade();
  const weak2 = tx.downgrade();
  assert.equal(tx.strongCount, 1);
  assert.equal(tx.weakCount, 2);
  tx.drop();
  assert.equal(weak.upgrade(), null);
  assert.equal(weak2.upgrade(), null);
  assert.equal(weak.strongCount, 0);
  assert.equal(weak.weakCount, 2);
});

test("test_rx_is_closed_when_dropping_all_senders_except_weak_senders", () => {
  const [tx, rx] = broadcast<void>(10);
  const weak = weakOfClone(tx);
  tx.drop();
  assert.equal(weak.strongCount, 0);
  assert.equal(weak.weakCount, 1);
  assert.equal(rx.isClosed, true);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("sender_strong_count_when_cloned", () => {
  const [tx, rx] = broadcast<void>(1);
  const tx2 = tx.clone();
  assert.equal(tx.strongCount, 2);
  assert.equal(tx2.strongCount, 2);
  assert.equal(rx.senderStrongCount, 2);
});

test("sender_weak_count_when_downgraded", () => {
  const [tx] = broadcast<void>(1);
  const weak = tx.downgrade();
  assert.equal(tx.weakCount, 1);
  assert.equal(weak.weakCount, 1);
});

test("sender_strong_count_when_dropped", () => {
  const [tx, rx] = broadcast<void>(1);
  const tx2 = tx.clone();
  tx2.drop();
  assert.equal(tx.strongCount, 1);
  assert.equal(rx.senderStrongCount, 1);
});

test("sender_weak_count_when_dropped", () => {
  const [tx, rx] = broadcast<void>(1);
  const weak = tx.downgrade();
  weak.drop();
  assert.equal(tx.weakCount, 0);
  assert.equal(rx.senderWeakCount, 0);
});

test("sender_strong_and_weak_conut", () => {
  const [tx, rx] = broadcast<void>(1);
  const tx2 = tx.clone();
  const weak = tx.downgrade();
  const weak2 = tx2.downgrade();
  for (const count of [tx.strongCount, tx2.strongCount, weak.strongCount, weak2.strongCount, rx.senderStrongCount]) {
    assert.equal(count, 2);
  }
  for (const count of [tx.weakCount, tx2.weakCount, weak.weakCount, weak2.weakCount, rx.senderWeakCount]) {
    assert.equal(count, 2);
  }
  tx2.drop();
  weak2.drop();
  assert.equal(tx.strongCount, 1);
  assert.equal(weak.strongCount, 1);
  assert.equal(rx.senderStrongCount, 1);
  assert.equal(tx.weakCount, 1);
  assert.equal(weak.weakCount, 1);
  assert.equal(rx.senderWeakCount, 1);
});
