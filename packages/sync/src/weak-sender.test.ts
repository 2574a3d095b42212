import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, SpindleError, STREAM_END } from "@spindle/core";
import { broadcast, ClosedError, mpsc, WeakSender } from "./mod.ts";

test("a weak sender upgrades while a sender is live and does not keep the channel open", () => {
  const [tx, rx] = mpsc.bounded<number>(4);
  const weak = tx.downgrade();
  assert.deepEqual([tx.strongCount, tx.weakCount, rx.senderStrongCount, rx.senderWeakCount], [1, 1, 1, 1]);
  const strong = weak.upgrade()!;
  assert.equal(strong.strongCount, 2);
  strong.trySend(1);
  strong.drop();
  tx.drop();
  assert.equal(rx.isClosed, true, "only the weak sender is left: the channel is closed");
  assert.equal(weak.upgrade(), null);
  assert.equal(blockOn(rx.recv()), 1);
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("a held permit counts as a sender: a weak sender still upgrades after the last handle's drop", () => {
  const [tx, _rx] = mpsc.bounded<number>(1);
  const weak = tx.downgrade();
  const permit = tx.tryReserve()!;
  tx.drop();
  const strong = weak.upgrade();
  assert.notEqual(strong, null);
  strong!.drop();
  permit.release();
  assert.equal(weak.upgrade(), null);
});

test("weak senders of an unbounded channel: clone, drop counts, use after drop throws ClosedError", () => {
  const [tx, rx] = mpsc.unbounded<string>();
  const weak = tx.downgrade();
  const other = weak.clone();
  assert.equal(rx.senderWeakCount, 2);
  other.drop();
  other.drop();
  assert.equal(weak.weakCount, 1);
  assert.throws(() => other.upgrade(), ClosedError);
  weak.upgrade()!.send("via the weak sender"); // an UnboundedSender: send() does not wait
  assert.equal(rx.tryRecv(), "via the weak sender");
});

test("a broadcast weak sender upgrades while a sender is live, keeps no channel open, and counts on every end", () => {
  const [tx, rx] = broadcast<number>(4);
  const late = tx.subscribe();
  const weak = tx.downgrade();
  const weak2 = weak.clone();
  assert.deepEqual([tx.strongCount, tx.weakCount, rx.senderStrongCount, rx.senderWeakCount], [1, 2, 1, 2]);
  const strong = weak.upgrade()!;
  assert.equal(strong.send(7), 2, "the upgraded sender reaches both receivers");
  strong.drop();
  weak2.drop();
  assert.equal(rx.isClosed, false);
  tx.drop();
  assert.deepEqual([rx.isClosed, late.isClosed, rx.senderStrongCount, rx.senderWeakCount], [true, true, 0, 1]);
  assert.equal(weak.upgrade(), null, "no sender left: the channel stays closed for senders");
  assert.equal(rx.tryRecv(), 7);
  assert.equal(rx.tryRecv(), STREAM_END);
  weak.drop();
  assert.throws(() => weak.upgrade(), (e) => e instanceof ClosedError && /WeakSender<BroadcastSender>/.test(e.message));
  rx.drop();
  assert.equal(rx.isClosed, true, "a dropped receiver is closed");
});

test("new WeakSender(...) from outside is INVALID_ARGUMENT saying to downgrade() a sender, whatever it is given", () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const Constructor = WeakSender as unknown as new (...args: unknown[]) => unknown;
  for (const bad of [null, undefined, { senders: 1, weakSenders: 0 }, proxy, Symbol("s")]) {
    assert.throws(
      () => new Constructor(bad, () => null, "Sender"),
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes("downgrade()"),
    );
  }
  const [tx, rx] = mpsc.unbounded<number>();
  const weak = tx.downgrade();
  assert.equal(weak.clone().weakCount, 2, "downgrade() and clone() still make them");
  assert.equal(rx.senderWeakCount, 2);
});
