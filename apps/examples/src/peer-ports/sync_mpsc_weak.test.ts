// Port of tokio/tests/sync_mpsc_weak.rs (tokio-rs/tokio ea91b33ca57ff0581b38e735cc108f831bccbdaa)
// onto @spindle/sync's weak mpsc senders, written from the package README. A tokio Sender dropped
// at the end of its scope (or a temporary `tx.clone()`) is an explicit drop() here; tokio's
// `reserve_owned()`, which moves the sender into the permit, is a reservation followed by the
// sender's drop().
import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, type Coroutine, LocalExecutor, STREAM_END } from "@spindle/core";
import {
  mpsc,
  oneshot,
  type OneshotSender,
  type Receiver,
  type Sender,
  SendError,
  type UnboundedSender,
  type WeakSender,
} from "@spindle/sync";

type AnySender<T> = Sender<T> | UnboundedSender<T>;

/** The bounded and unbounded variants tokio tests twice. */
const kinds = [
  { u: "", make: <T>(capacity = 1): [AnySender<T>, Receiver<T>] => mpsc.bounded<T>(capacity) },
  { u: "unbounded_", make: <T>(): [AnySender<T>, Receiver<T>] => mpsc.unbounded<T>() },
];

/** `tx.send(v).await` for either kind (an unbounded send is done at once). */
function* send<T>(tx: AnySender<T>, value: T): Coroutine<void> {
  const sent = tx.send(value);
  if (sent !== undefined) yield* sent;
}

/** `tx.clone().downgrade()`: the clone is a temporary, dropped at once. */
function weakOfClone<T>(tx: AnySender<T>): WeakSender<AnySender<T>> {
  const clone = tx.clone();
  const weak = clone.downgrade() as WeakSender<AnySender<T>>;
  clone.drop();
  return weak;
}

for (const { u, make } of kinds) {
  const tokioName = (bounded: string, unbounded: string) => u === "" ? bounded : unbounded;

  test(tokioName("weak_sender", "weak_unbounded_sender"), async () => {
    const [tx, rx] = make<number>(11);
    const executor = new LocalExecutor();
    const task = executor.spawn(function* (): Coroutine<WeakSender<AnySender<number>>> {
      const txWeak = weakOfClone(tx);
      for (let i = 0; i < 10; i++) yield* send(tx, i);
      const tx2 = txWeak.upgrade();
      assert.notEqual(tx2, null, "expected to be able to upgrade tx_weak");
      yield* send(tx2!, 20);
      const weak2 = tx2!.downgrade() as WeakSender<AnySender<number>>;
      tx2!.drop();
      tx.drop(); // the task owned tx
      return weak2;
    }());
    await executor.run();
    const txWeak = await task;
    for (let i = 0; i < 12; i++) {
      const msg = blockOn(rx.recv());
      if (msg === STREAM_END) {
        assert.equal(i, 11);
        break;
      }
      if (i === 10) assert.equal(msg, 20);
    }
    assert.equal(txWeak.upgrade(), null);
  });

  test(tokioName("actor_weak_sender", "actor_weak_unbounded_sender"), async () => {
    type Message = { kind: "getUniqueId"; respondTo: OneshotSender<number> } | { kind: "self" };
    const [sender, receiver] = make<Message>(8);
    let nextId = 0;
    let receivedSelfMessage = false;
    function* actor(weak: WeakSender<AnySender<Message>>): Coroutine<void> {
      let i = 0;
      for (let msg; (msg = yield* receiver.recv()) !== STREAM_END;) {
        if (msg.kind === "getUniqueId") {
          try {
            msg.respondTo.send(++nextId);
          } catch (error) {
            if (!(error instanceof SendError)) throw error; // the asker gave up: ignored, as tokio's `let _ =`
          }
        } else receivedSelfMessage = true;
        if (i++ === 0) {
          const strong = weak.upgrade();
          if (strong !== null) {
            yield* send(strong, { kind: "self" });
            const again = strong.downgrade() as WeakSender<AnySender<Message>>;
            weak.drop();
            weak = again;
            strong.drop();
          }
        }
      }
      assert.equal(receivedSelfMessage, true);
    }
    function* getUniqueId(handle: AnySender<Message>): Coroutine<number> {
      const [respondTo, response] = oneshot<number>();
      yield* send(handle, { kind: "getUniqueId", respondTo });
      return yield* response;
    }
    const executor = new LocalExecutor();
    const actorTask = executor.spawn(actor(weakOfClone(sender)));
    const asked = executor.spawn(function* (): Coroutine<number> {
      const id = yield* getUniqueId(sender);
      sender.drop(); // the last strong sender: the actor's weak one does not keep it running
      return id;
    }());
    await executor.run();
    assert.equal(await asked, 1);
    await actorTask;
  });

  test(
    tokioName("test_msgs_dropped_on_rx_drop", "test_msgs_dropped_on_unbounded_rx_drop") +
      " (Rust's Drop counts have no counterpart; the send after the receiver's drop fails)",
    async () => {
      const [tx, rx] = make<object>(3);
      const executor = new LocalExecutor();
      executor.spawn(function* (): Coroutine<void> {
        yield* send(tx, {});
        yield* send(tx, {});
        const sentFut = executor.spawn(send(tx, {}));
        assert.notEqual(yield* rx.recv(), STREAM_END);
        assert.notEqual(yield* rx.recv(), STREAM_END);
        yield* sentFut;
        assert.equal(rx.length, 1);
        rx.drop();
        assert.equal(rx.length, 0, "the value left is dropped with the receiver");
        const late = {};
        try {
          yield* send(tx, late);
          assert.fail("a send after the receiver's drop must fail");
        } catch (error) {
          assert.ok(error instanceof SendError && error.value === late);
        }
      }());
      await executor.run();
    },
  );

  test(`downgrade_upgrade_${u}sender_success`, () => {
    const [tx, _rx] = make<number>();
    const weak = tx.downgrade();
    assert.notEqual(weak.upgrade(), null);
  });

  test(`downgrade_upgrade_${u}sender_failure`, () => {
    const [tx, _rx] = make<number>();
    const weak = tx.downgrade();
    tx.drop();
    assert.equal(weak.upgrade(), null);
  });

  test(tokioName("downgrade_drop_upgrade", "downgrade_drop_upgrade_unbounded"), () => {
    const [tx, _rx] = make<number>();
    const weak = weakOfClone(tx);
    tx.drop();
    assert.equal(weak.upgrade(), null);
  });

  test(tokioName("test_tx_count_weak_sender", "test_tx_count_weak_unbounded_sender"), () => {
    const [tx, _rx] = make<number>();
    const [weak1, weak2] = [tx.downgrade(), tx.downgrade()];
    tx.drop();
    assert.equal(weak1.upgrade(), null);
    assert.equal(weak2.upgrade(), null);
  });

  test(`test_rx_${u}is_closed_when_dropping_all_senders_except_weak_senders`, () => {
    const [tx, rx] = make<null>(10);
    const _weak = weakOfClone(tx);
    tx.drop();
    assert.equal(rx.isClosed, true);
  });

  const p = u === "" ? "" : "unbounded_";
  test(`${p}sender_strong_count_when_cloned`, () => {
    const [tx, rx] = make<null>();
    const tx2 = tx.clone();
    assert.equal(tx.strongCount, 2);
    assert.equal(tx2.strongCount, 2);
    assert.equal(rx.senderStrongCount, 2);
  });

  test(`${p}sender_weak_count_when_downgraded`, () => {
    const [tx, rx] = make<null>();
    const weak = tx.downgrade();
    assert.equal(tx.weakCount, 1);
    assert.equal(weak.weakCount, 1);
    assert.equal(rx.senderWeakCount, 1);
  });

  test(`${p}sender_strong_count_when_dropped`, () => {
    const [tx, rx] = make<null>();
    tx.clone().drop();
    assert.equal(tx.strongCount, 1);
    assert.equal(rx.senderStrongCount, 1);
  });

  test(`${p}sender_weak_count_when_dropped`, () => {
    const [tx, rx] = make<null>();
    tx.downgrade().drop();
    assert.equal(tx.weakCount, 0);
    assert.equal(rx.senderWeakCount, 0);
  });

  test(`${p}sender_strong_and_weak_conut`, () => {
    const [tx, rx] = make<null>();
    const tx2 = tx.clone();
    const weak = tx.downgrade();
    const weak2 = tx2.downgrade();
    for (const n of [tx.strongCount, tx2.strongCount, weak.strongCount, weak2.strongCount, rx.senderStrongCount]) {
      assert.equal(n, 2);
    }
    for (const n of [tx.weakCount, tx2.weakCount, weak.weakCount, weak2.weakCount, rx.senderWeakCount]) {
      assert.equal(n, 2);
    }
    tx2.drop();
    weak2.drop();
    for (const n of [tx.strongCount, weak.strongCount, rx.senderStrongCount]) assert.equal(n, 1);
    for (const n of [tx.weakCount, weak.weakCount, rx.senderWeakCount]) assert.equal(n, 1);
  });
}

test("downgrade_get_permit_upgrade_no_senders (a permit counts as a sender)", () => {
  const [tx, _rx] = mpsc.bounded<number>(1);
  const weak = tx.downgrade();
  const _permit = blockOn(tx.reserve());
  tx.drop(); // reserve_owned moves tx into the permit
  assert.notEqual(weak.upgrade(), null);
});

test("downgrade_upgrade_get_permit_no_senders", () => {
  const [tx, _rx] = mpsc.bounded<number>(1);
  const tx2 = tx.clone();
  const _permit = blockOn(tx.reserve());
  tx.drop();
  const weak = tx2.downgrade();
  tx2.drop();
  assert.notEqual(weak.upgrade(), null);
});

test("a weak sender used after its drop() throws ClosedError; drop() is idempotent", () => {
  const [tx, _rx] = mpsc.unbounded<number>();
  const weak = tx.downgrade();
  weak.drop();
  weak.drop();
  assert.equal(tx.weakCount, 0);
  assert.throws(() => weak.upgrade(), /WeakSender<UnboundedSender>\.upgrade\(\) on a weak sender that was dropped/);
});
