// A channel end's getters of the channel's state (counts of ends, values held, capacities, a
// receiver's unread values and changes) read the channel's true values after the end's drop, as a
// live end of the same channel does (tokio's never fail; a Rust end cannot be used after its drop).
// Only `isClosed` answers for the end itself: true once it was dropped. Before, a dropped end read
// 0 for counts and lengths (SharedSender.length read 0 while the receiver still saw 1), and
// `capacity`, `availableCapacity`, `slotBytes`, broadcast's `tx.length` and watch's `hasChanged`
// threw ClosedError.
import assert from "node:assert/strict";
import { test } from "node:test";
import { broadcast, mpsc, sharedChannel, watch } from "./mod.ts";

test("mpsc: a dropped sender, weak sender or receiver reads the channel's true counts, length and capacity", () => {
  const [tx, rx] = mpsc.bounded<number>(4);
  const other = tx.clone();
  const weak = tx.downgrade();
  const otherWeak = weak.clone();
  tx.trySend(1);
  tx.drop();
  assert.deepEqual(
    [tx.strongCount, tx.weakCount, tx.capacity, tx.availableCapacity, tx.isClosed],
    [other.strongCount, other.weakCount, other.capacity, other.availableCapacity, true],
  );
  assert.deepEqual([tx.strongCount, tx.weakCount, tx.availableCapacity], [1, 2, 3]);
  weak.drop();
  assert.deepEqual([weak.strongCount, weak.weakCount], [1, 1], "as otherWeak sees");
  assert.deepEqual([otherWeak.strongCount, otherWeak.weakCount], [1, 1]);
  rx.drop();
  assert.deepEqual([rx.senderStrongCount, rx.senderWeakCount, rx.length, rx.isEmpty, rx.isClosed], [
    1,
    1,
    0,
    true,
    true,
  ]);

  const [utx, urx] = mpsc.unbounded<string>();
  const keep = utx.clone();
  utx.send("a");
  utx.drop();
  assert.deepEqual([utx.strongCount, utx.weakCount, utx.isClosed], [1, 0, true]);
  assert.deepEqual([urx.senderStrongCount, urx.length], [1, 1]);
  keep.drop();
  assert.deepEqual([urx.senderStrongCount, urx.length, urx.isClosed], [0, 1, true], "the value stays to be received");
});

test("sharedChannel: a dropped sender or receiver reads what the live ends read", () => {
  const [tx, rx] = sharedChannel<number>(4);
  const other = tx.clone();
  tx.trySend(1);
  tx.drop();
  assert.deepEqual(
    [tx.length, tx.senderCount, tx.receiverCount, tx.capacity, tx.slotBytes, tx.isClosed],
    [rx.length, other.senderCount, other.receiverCount, other.capacity, other.slotBytes, true],
  );
  assert.deepEqual([tx.length, tx.senderCount], [1, 1]);
  const second = rx.clone();
  rx.drop();
  assert.deepEqual(
    [rx.length, rx.senderCount, rx.receiverCount, rx.capacity, rx.isClosed],
    [second.length, second.senderCount, second.receiverCount, second.capacity, true],
  );
  assert.deepEqual([rx.length, rx.receiverCount], [1, 1]);
  other.drop();
  second.drop();
});

test("broadcast and watch: a dropped end reads the true counts, its unread values and whether a value changed", () => {
  const [tx, rx] = broadcast<number>(4);
  const other = tx.clone();
  tx.send(1);
  tx.drop();
  assert.deepEqual([tx.receiverCount, tx.length, tx.isEmpty], [other.receiverCount, other.length, other.isEmpty]);
  assert.deepEqual([tx.receiverCount, tx.length, tx.isEmpty], [1, 1, false]);
  const late = other.subscribe();
  rx.drop();
  other.send(2);
  assert.equal(rx.length, 2, "what it had not read when dropped, and what was sent since");
  assert.equal(rx.isEmpty, false);
  assert.equal(late.length, 1);

  const [wtx, wrx] = watch("one");
  const wother = wtx.clone();
  wtx.drop();
  assert.deepEqual([wtx.receiverCount, wtx.isClosed, wother.isClosed], [1, true, false]);
  wother.send("two");
  wrx.drop();
  assert.equal(wrx.hasChanged, true, "a value was sent since it last marked one seen");
  assert.equal(wrx.isClosed, true);
});
