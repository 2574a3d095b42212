// tokio's tests/sync_watch.rs, ported test by test onto the public API (PEER-TESTS.md maps each one).
// `assert_ready_err!` on `changed()` is the poll throwing ClosedError; tokio's `has_changed()` is
// the `hasChanged` getter, which does not fail on a closed channel (see the tests named so).
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, PENDING, select, yieldNow } from "@spindle/core";
import { ClosedError, SendError, watch } from "@spindle/sync";
import { mockTask } from "./test-support/mock-task.ts";

test("single_rx_recv", () => {
  const [tx, rx] = watch("one");
  assert.equal(mockTask(rx.changed()).poll(), PENDING);
  assert.equal(rx.borrow(), "one");
  {
    const t = mockTask(rx.changed());
    assert.equal(t.poll(), PENDING);
    tx.send("two");
    assert.equal(t.isWoken(), true);
    assert.equal(t.poll(), undefined);
  }
  assert.equal(rx.borrow(), "two");
  {
    const t = mockTask(rx.changed());
    assert.equal(t.poll(), PENDING);
    tx.drop();
    assert.equal(t.isWoken(), true);
    assert.throws(() => t.poll(), ClosedError);
  }
  assert.equal(rx.borrow(), "two");
});

test("rx_version_underflow", () => {
  const [_tx, rx] = watch("one");
  rx.markChanged();
  rx.markChanged();
  assert.equal(rx.hasChanged, true);
});

test("rx_mark_changed", () => {
  const [tx, rx] = watch("one");
  const [rx2, rx3, rx4] = [rx.clone(), rx.clone(), rx.clone()];
  rx.markChanged();
  assert.equal(rx.hasChanged, true);
  assert.equal(mockTask(rx.changed()).poll(), undefined);

  assert.equal(rx2.hasChanged, false);
  assert.equal(mockTask(rx2.changed()).poll(), PENDING);

  rx3.markChanged();
  assert.equal(rx3.borrow(), "one");
  assert.equal(rx3.hasChanged, true);
  assert.equal(rx3.borrowAndUpdate(), "one");
  assert.equal(rx3.hasChanged, false);
  assert.equal(mockTask(rx3.changed()).poll(), PENDING);

  tx.send("two");
  assert.equal(rx4.hasChanged, true);
  assert.equal(rx4.borrowAndUpdate(), "two");
  rx4.markChanged();
  assert.equal(rx4.hasChanged, true);
  assert.equal(rx4.borrowAndUpdate(), "two");
  assert.equal(rx.borrow(), "two");
});

test("rx_mark_unchanged", () => {
  const [tx, rx] = watch("one");
  const rx2 = rx.clone();
  assert.equal(rx.hasChanged, false);
  rx.markChanged();
  assert.equal(rx.hasChanged, true);
  rx.markUnchanged();
  assert.equal(rx.hasChanged, false);
  assert.equal(mockTask(rx.changed()).poll(), PENDING);

  assert.equal(rx2.hasChanged, false);
  tx.send("two");
  assert.equal(rx2.hasChanged, true);
  rx2.markUnchanged();
  assert.equal(rx2.hasChanged, false);
  assert.equal(rx2.borrowAndUpdate(), "two");
  assert.equal(rx.borrow(), "two");
});

test("multi_rx", () => {
  const [tx, rx1] = watch("one");
  const rx2 = rx1.clone();
  {
    const [t1, t2] = [mockTask(rx1.changed()), mockTask(rx2.changed())];
    assert.equal(t1.poll(), PENDING);
    assert.equal(t2.poll(), PENDING);
    t1.drop();
    t2.drop();
  }
  assert.equal(rx1.borrow(), "one");
  assert.equal(rx2.borrow(), "one");
  const t2 = mockTask(rx2.changed());
  {
    const t1 = mockTask(rx1.changed());
    assert.equal(t1.poll(), PENDING);
    assert.equal(t2.poll(), PENDING);
    tx.send("two");
    assert.equal(t1.isWoken(), true);
    assert.equal(t2.isWoken(), true);
    assert.equal(t1.poll(), undefined);
  }
  assert.equal(rx1.borrow(), "two");
  {
    const t1 = mockTask(rx1.changed());
    assert.equal(t1.poll(), PENDING);
    tx.send("three");
    assert.equal(t1.isWoken(), true);
    assert.equal(t2.isWoken(), true);
    assert.equal(t1.poll(), undefined);
    assert.equal(t2.poll(), undefined);
  }
  assert.equal(rx1.borrow(), "three");
  t2.drop();
  assert.equal(rx2.borrow(), "three");
  {
    const [t1, t2] = [mockTask(rx1.changed()), mockTask(rx2.changed())];
    assert.equal(t1.poll(), PENDING);
    assert.equal(t2.poll(), PENDING);
    tx.send("four");
    assert.equal(t1.poll(), undefined);
    assert.equal(t2.poll(), undefined);
  }
  assert.equal(rx1.borrow(), "four");
  assert.equal(rx2.borrow(), "four");
});

test("rx_observes_final_value", () => {
  {
    const [tx, rx] = watch("one");
    tx.drop();
    assert.throws(() => mockTask(rx.changed()).poll(), ClosedError);
    assert.equal(rx.borrow(), "one");
  }
  const [tx, rx] = watch("one");
  tx.send("two");
  assert.equal(mockTask(rx.changed()).poll(), undefined);
  assert.equal(rx.borrow(), "two");
  {
    const t1 = mockTask(rx.changed());
    assert.equal(t1.poll(), PENDING);
    tx.send("three");
    tx.drop();
    assert.equal(t1.isWoken(), true);
    assert.equal(t1.poll(), undefined);
  }
  assert.equal(rx.borrow(), "three");
  assert.throws(() => mockTask(rx.changed()).poll(), ClosedError);
  assert.equal(rx.borrow(), "three");
});

test("poll_close", () => {
  const [tx, rx] = watch("one");
  const t = mockTask(tx.closed());
  assert.equal(t.poll(), PENDING);
  rx.drop();
  assert.equal(t.isWoken(), true);
  assert.equal(t.poll(), undefined);
  assert.throws(() => tx.send("two"), SendError);
});

test("borrow_and_update (hasChanged stays false, not an error, once the senders are gone)", () => {
  const [tx, rx] = watch("one");
  assert.equal(rx.hasChanged, false);
  tx.send("two");
  assert.equal(rx.hasChanged, true);
  assert.equal(mockTask(rx.changed()).poll(), undefined);
  assert.equal(mockTask(rx.changed()).poll(), PENDING);
  assert.equal(rx.hasChanged, false);
  tx.send("three");
  assert.equal(rx.hasChanged, true);
  assert.equal(rx.borrowAndUpdate(), "three");
  assert.equal(mockTask(rx.changed()).poll(), PENDING);
  assert.equal(rx.hasChanged, false);
  tx.drop();
  assert.equal(rx.borrowAndUpdate(), "three");
  assert.throws(() => mockTask(rx.changed()).poll(), ClosedError);
  assert.equal(rx.hasChanged, false); // tokio: Err(RecvError); here isClosed says it
  assert.equal(rx.isClosed, true);
});

test("reopened_after_subscribe", () => {
  const [tx, rx] = watch("one");
  assert.equal(tx.isClosed, false);
  rx.drop();
  assert.equal(tx.isClosed, true);
  const rx2 = tx.subscribe();
  assert.equal(tx.isClosed, false);
  rx2.drop();
  assert.equal(tx.isClosed, true);
});

test("send_modify_panic (a modify that throws stores nothing: sendModify takes the new value as its result)", () => {
  const [tx, rx] = watch("one");
  tx.sendModify(() => "two");
  assert.equal(rx.borrowAndUpdate(), "two");
  const rx2 = rx.clone();
  assert.equal(rx2.borrowAndUpdate(), "two");
  const task = mockTask(rx2.changed());
  assert.throws(() =>
    tx.sendModify(() => {
      throw new Error("panicked");
    }), /panicked/);
  assert.equal(task.poll(), PENDING);
  assert.equal(rx.borrow(), "two"); // tokio: "panicked", written in place before the panic
  tx.sendModify(() => "three");
  assert.equal(task.poll(), undefined);
  assert.equal(rx.borrowAndUpdate(), "three");
});

test("multiple_sender", () => {
  const [tx1, rx] = watch(0);
  const tx2 = tx1.clone();
  const t = mockTask(function* (): Coroutine<[number, number]> {
    yield* rx.changed();
    const v1 = rx.borrowAndUpdate();
    yield* rx.changed();
    const v2 = rx.borrowAndUpdate();
    return [v1, v2];
  }());
  tx1.send(1);
  assert.equal(t.poll(), PENDING);
  tx2.send(2);
  assert.deepEqual(t.poll(), [1, 2]);
});

test("receiver_is_notified_when_last_sender_is_dropped", () => {
  const [tx1, rx] = watch(0);
  const tx2 = tx1.clone();
  const t = mockTask(rx.changed());
  assert.equal(t.poll(), PENDING);
  tx1.drop();
  assert.equal(t.isWoken(), false);
  tx2.drop();
  assert.equal(t.isWoken(), true);
});

/** tokio's `select! { biased; _ = loop {...} => {}, _ = yield_now() => {} }`: the loop must yield. */
async function yieldsToTheExecutor(loop: Coroutine<void>): Promise<void> {
  const executor = new LocalExecutor();
  const done = executor.spawn(select(loop, yieldNow()));
  await executor.run();
  assert.equal((await done).index, 1);
}

test("receiver_changed_is_cooperative", async () => {
  const [tx, rx] = watch<null>(null);
  tx.drop();
  await yieldsToTheExecutor(function* () {
    for (;;) {
      const changed = rx.changed();
      try {
        yield* changed;
        assert.fail("changed() after the senders are gone must fail");
      } catch (error) {
        if (!(error instanceof ClosedError)) throw error;
      }
    }
  }());
});

test("receiver_changed_is_cooperative_ok", async () => {
  const [tx, rx] = watch<null>(null);
  await yieldsToTheExecutor(function* () {
    for (;;) {
      tx.send(null);
      yield* rx.changed();
    }
  }());
});

test("receiver_wait_for_is_cooperative", async () => {
  const [tx, rx] = watch(0);
  tx.drop();
  await yieldsToTheExecutor(function* () {
    for (;;) {
      try {
        yield* rx.waitFor((v) => v === 1);
        assert.fail("waitFor() after the senders are gone must fail");
      } catch (error) {
        if (!(error instanceof ClosedError)) throw error;
      }
    }
  }());
});

test("receiver_wait_for_is_cooperative_ok", async () => {
  const [tx, rx] = watch(0);
  await yieldsToTheExecutor(function* () {
    for (;;) {
      tx.send(1);
      assert.equal(yield* rx.waitFor((v) => v === 1), 1);
    }
  }());
});

test("sender_closed_is_cooperative", async () => {
  const [tx, rx] = watch<null>(null);
  rx.drop();
  await yieldsToTheExecutor(function* () {
    for (;;) yield* tx.closed();
  }());
});

test("changed_succeeds_on_closed_channel_with_unseen_value", () => {
  const [tx, rx] = watch("A");
  tx.send("B");
  tx.drop();
  assert.equal(blockOn(rx.changed()), undefined);
});

test("changed_errors_on_closed_channel_with_seen_value", () => {
  const [tx, rx] = watch("A");
  tx.drop();
  assert.throws(() => blockOn(rx.changed()), ClosedError);
});

test("has_changed_errors_on_closed_channel_with_unseen_value (hasChanged stays a boolean; isClosed tells the close)", () => {
  const [tx, rx] = watch("A");
  tx.send("B");
  assert.equal(rx.isClosed, false);
  tx.drop();
  assert.equal(rx.isClosed, true);
  assert.equal(rx.hasChanged, true);
});

test("has_changed_errors_on_closed_channel_with_seen_value (isClosed)", () => {
  const [tx, rx] = watch("A");
  tx.drop();
  assert.equal(rx.isClosed, true);
  assert.equal(rx.hasChanged, false);
});

test("wait_for_errors_on_closed_channel_true_predicate", () => {
  const [tx, rx] = watch("A");
  tx.send("B");
  tx.drop();
  assert.equal(blockOn(rx.waitFor(() => true)), "B");
});
