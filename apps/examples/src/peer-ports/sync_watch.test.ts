// Port of tokio/tests/sync_watch.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's watch, written from the package README. tokio's `is_closed()` on a sender
// is `receiverCount === 0` here; `changed()` failing is a ClosedError.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, fromGenerator, type Future, LocalExecutor, race, yieldNow } from "@spindle/core";
import { ClosedError, SendError, watch } from "@spindle/sync";
import { pending, ready, spawn } from "./support.ts";

test("single_rx_recv", () => {
  const [tx, rx] = watch("one");
  pending(spawn(rx.changed()).poll());
  assert.equal(rx.borrow(), "one");

  const t2 = spawn(rx.changed());
  pending(t2.poll());
  tx.send("two");
  assert.ok(t2.isWoken());
  ready(t2.poll());
  assert.equal(rx.borrow(), "two");

  const t3 = spawn(rx.changed());
  pending(t3.poll());
  tx.drop();
  assert.ok(t3.isWoken());
  assert.throws(() => t3.poll(), ClosedError);
  assert.equal(rx.borrow(), "two");
});

test("multi_rx", () => {
  const [tx, rx1] = watch("one");
  const rx2 = rx1.clone();
  {
    const t1 = spawn(rx1.changed());
    const t2 = spawn(rx2.changed());
    pending(t1.poll());
    pending(t2.poll());
    t1.drop();
    t2.drop();
  }
  assert.equal(rx1.borrow(), "one");
  assert.equal(rx2.borrow(), "one");

  const t2 = spawn(rx2.changed());
  {
    const t1 = spawn(rx1.changed());
    pending(t1.poll());
    pending(t2.poll());
    tx.send("two");
    assert.ok(t1.isWoken());
    assert.ok(t2.isWoken());
    ready(t1.poll());
  }
  assert.equal(rx1.borrow(), "two");
  {
    const t1 = spawn(rx1.changed());
    pending(t1.poll());
    tx.send("three");
    assert.ok(t1.isWoken());
    // t2 was woken by "two" and not polled since: its flag still says so (tokio checks the same).
    ready(t1.poll());
    ready(t2.poll());
  }
  assert.equal(rx1.borrow(), "three");
  assert.equal(rx2.borrow(), "three");
  {
    const t1 = spawn(rx1.changed());
    const t2b = spawn(rx2.changed());
    pending(t1.poll());
    pending(t2b.poll());
    tx.send("four");
    ready(t1.poll());
    ready(t2b.poll());
  }
  assert.equal(rx1.borrow(), "four");
  assert.equal(rx2.borrow(), "four");
});

test("rx_observes_final_value", () => {
  {
    const [tx, rx] = watch("one");
    tx.drop();
    assert.throws(() => spawn(rx.changed()).poll(), ClosedError);
    assert.equal(rx.borrow(), "one");
  }
  const [tx, rx] = watch("one");
  tx.send("two");
  ready(spawn(rx.changed()).poll());
  assert.equal(rx.borrow(), "two");

  const t1 = spawn(rx.changed());
  pending(t1.poll());
  tx.send("three");
  tx.drop();
  assert.ok(t1.isWoken());
  ready(t1.poll());
  assert.equal(rx.borrow(), "three");

  assert.throws(() => spawn(rx.changed()).poll(), ClosedError);
  assert.equal(rx.borrow(), "three");
});

test("poll_close", () => {
  const [tx, rx] = watch("one");
  const t = spawn(tx.closed());
  pending(t.poll());
  rx[Symbol.dispose]();
  assert.ok(t.isWoken());
  ready(t.poll());
  assert.equal(tx.receiverCount, 0);
  assert.throws(() => tx.send("two"), (e) => e instanceof SendError && e.value === "two");
});

test("borrow_and_update", () => {
  const [tx, rx] = watch("one");
  assert.equal(rx.hasChanged, false);
  tx.send("two");
  assert.equal(rx.hasChanged, true);
  ready(spawn(rx.changed()).poll());
  pending(spawn(rx.changed()).poll());
  assert.equal(rx.hasChanged, false);
  tx.send("three");
  assert.equal(rx.hasChanged, true);
  assert.equal(rx.borrowAndUpdate(), "three");
  pending(spawn(rx.changed()).poll());
  assert.equal(rx.hasChanged, false);
  tx.drop();
  assert.equal(rx.borrowAndUpdate(), "three");
  assert.throws(() => spawn(rx.changed()).poll(), ClosedError);
  // Differs: tokio's has_changed() is an error once the senders are gone; here it stays a boolean.
  assert.equal(rx.hasChanged, false);
});

test("reopened_after_subscribe", () => {
  const [tx, rx] = watch("one");
  assert.equal(tx.isClosed, false);
  rx[Symbol.dispose]();
  assert.equal(tx.isClosed, true);
  const rx2 = tx.subscribe();
  assert.equal(tx.isClosed, false);
  rx2[Symbol.dispose]();
  assert.equal(tx.isClosed, true);
});

test("multiple_sender", () => {
  const [tx1, rx] = watch(0);
  const tx2 = tx1.clone();
  const t = spawn(fromGenerator(function* (): Coroutine<[number, number]> {
    yield* rx.changed();
    const v1 = rx.borrowAndUpdate();
    yield* rx.changed();
    const v2 = rx.borrowAndUpdate();
    return [v1, v2];
  }()));
  tx1.send(1);
  pending(t.poll());
  tx2.send(2);
  assert.deepEqual(ready(t.poll()), [1, 2]);
});

test("receiver_is_notified_when_last_sender_is_dropped", () => {
  const [tx1, rx] = watch(0);
  const tx2 = tx1.clone();
  const t = spawn(rx.changed());
  pending(t.poll());
  tx1.drop();
  assert.ok(!t.isWoken());
  tx2.drop();
  assert.ok(t.isWoken());
});

// tokio's `select! { biased; loop {...}, yield_now() }` in a #[tokio::test]: the loop must hand
// the task back (the budget runs out), so yield_now's branch completes. A task on a LocalExecutor
// (core's budget applies only in an executor's poll loop; blockOn's is unlimited, core's
// coop-budget docs). A bound on the loop turns a hang into a failure.
const LOOP_BOUND = 100_000;

async function inTask<T>(future: Future<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await executor.run();
  return await handle;
}

test("receiver_changed_is_cooperative", async () => {
  const [tx, rx] = watch(null);
  tx.drop();
  let turns = 0;
  const outcome = await inTask(race<string>([
    fromGenerator(function* (): Coroutine<string> {
      while (turns++ < LOOP_BOUND) {
        try {
          yield* rx.changed();
          assert.fail("changed() succeeded on a closed channel");
        } catch (e) {
          assert.ok(e instanceof ClosedError);
        }
      }
      return "the loop never yielded";
    }()),
    fromGenerator(function* (): Coroutine<string> {
      yield* yieldNow();
      return "yielded";
    }()),
  ]));
  assert.equal(outcome, "yielded");
});

test("receiver_changed_is_cooperative_ok", async () => {
  const [tx, rx] = watch(null);
  let turns = 0;
  const outcome = await inTask(race<string>([
    fromGenerator(function* (): Coroutine<string> {
      while (turns++ < LOOP_BOUND) {
        tx.send(null);
        yield* rx.changed();
      }
      return "the loop never yielded";
    }()),
    fromGenerator(function* (): Coroutine<string> {
      yield* yieldNow();
      return "yielded";
    }()),
  ]));
  assert.equal(outcome, "yielded");
});

test("changed_succeeds_on_closed_channel_with_unseen_value", () => {
  const [tx, rx] = watch("A");
  tx.send("B");
  tx.drop();
  blockOn(rx.changed());
});

test("changed_errors_on_closed_channel_with_seen_value", () => {
  const [tx, rx] = watch("A");
  tx.drop();
  assert.throws(() => blockOn(rx.changed()), ClosedError);
});

// Differs: tokio's has_changed() errors once every sender is gone; Spindle's `hasChanged` is a
// boolean that keeps saying whether an unseen value is there (README: borrow/hasChanged).
test("has_changed_errors_on_closed_channel_with_unseen_value (differs: hasChanged stays true; isClosed tells the close)", () => {
  const [tx, rx] = watch("A");
  tx.send("B");
  assert.equal(rx.isClosed, false);
  tx.drop();
  assert.equal(rx.isClosed, true);
  assert.equal(rx.hasChanged, true);
});

test("has_changed_errors_on_closed_channel_with_seen_value (differs: hasChanged stays false; isClosed tells the close)", () => {
  const [tx, rx] = watch("A");
  tx.drop();
  assert.equal(rx.isClosed, true);
  assert.equal(rx.hasChanged, false);
});

test("rx_version_underflow", () => {
  const [_tx, rx] = watch("one");
  rx.markChanged();
  rx.markChanged();
  assert.equal(rx.hasChanged, true);
});

test("rx_mark_changed", () => {
  const [tx, rx] = watch("one");
  const rx2 = rx.clone();
  const rx3 = rx.clone();
  const rx4 = rx.clone();

  rx.markChanged();
  assert.equal(rx.hasChanged, true);
  ready(spawn(rx.changed()).poll());

  assert.equal(rx2.hasChanged, false);
  pending(spawn(rx2.changed()).poll());

  rx3.markChanged();
  assert.equal(rx3.borrow(), "one");
  assert.equal(rx3.hasChanged, true);
  assert.equal(rx3.borrowAndUpdate(), "one");
  assert.equal(rx3.hasChanged, false);
  pending(spawn(rx3.changed()).poll());

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
  pending(spawn(rx.changed()).poll());

  assert.equal(rx2.hasChanged, false);
  tx.send("two");
  assert.equal(rx2.hasChanged, true);
  rx2.markUnchanged();
  assert.equal(rx2.hasChanged, false);
  assert.equal(rx2.borrowAndUpdate(), "two");

  assert.equal(rx.borrow(), "two");
});

// tokio's closure gets `&mut T`; here `modify` returns the value to store, and the in-place change
// before the throw is made on an object (a string cannot be changed in place).
test("send_modify_panic", () => {
  const [tx, rx] = watch({ s: "one" });
  tx.sendModify((old) => ({ ...old, s: "two" }));
  assert.equal(rx.borrowAndUpdate().s, "two");
  const rx2 = rx.clone();
  assert.equal(rx2.borrowAndUpdate().s, "two");
  const task = spawn(rx2.changed());
  assert.throws(() =>
    tx.sendModify((old) => {
      old.s = "panicked";
      throw new Error("panic");
    }), /panic/);
  pending(task.poll());
  assert.equal(rx.borrow().s, "panicked");
  tx.sendModify((old) => ({ ...old, s: "three" }));
  ready(task.poll());
  assert.equal(rx.borrowAndUpdate().s, "three");
});

test("receiver_wait_for_is_cooperative", async () => {
  const [tx, rx] = watch(0);
  tx.drop();
  let turns = 0;
  const outcome = await inTask(race<string>([
    fromGenerator(function* (): Coroutine<string> {
      while (turns++ < LOOP_BOUND) {
        try {
          yield* rx.waitFor((val) => val === 1);
          assert.fail("waitFor() matched on a closed channel");
        } catch (e) {
          assert.ok(e instanceof ClosedError);
        }
      }
      return "the loop never yielded";
    }()),
    fromGenerator(function* (): Coroutine<string> {
      yield* yieldNow();
      return "yielded";
    }()),
  ]));
  assert.equal(outcome, "yielded");
});

test("receiver_wait_for_is_cooperative_ok", async () => {
  const [tx, rx] = watch(0);
  let turns = 0;
  const outcome = await inTask(race<string>([
    fromGenerator(function* (): Coroutine<string> {
      while (turns++ < LOOP_BOUND) {
        tx.send(1);
        assert.equal(yield* rx.waitFor((val) => val === 1), 1);
      }
      return "the loop never yielded";
    }()),
    fromGenerator(function* (): Coroutine<string> {
      yield* yieldNow();
      return "yielded";
    }()),
  ]));
  assert.equal(outcome, "yielded");
});

test("wait_for_errors_on_closed_channel_true_predicate", () => {
  const [tx, rx] = watch("A");
  tx.send("B");
  tx.drop();
  assert.equal(blockOn(rx.waitFor(() => true)), "B");
});

test("sender_closed_is_cooperative", async () => {
  const [tx, rx] = watch(null);
  rx[Symbol.dispose]();
  let turns = 0;
  const outcome = await inTask(race<string>([
    fromGenerator(function* (): Coroutine<string> {
      while (turns++ < LOOP_BOUND) yield* tx.closed();
      return "the loop never yielded";
    }()),
    fromGenerator(function* (): Coroutine<string> {
      yield* yieldNow();
      return "yielded";
    }()),
  ]));
  assert.equal(outcome, "yielded");
});
