// @spindle/sync from its README and guide alone: tokio's tests/sync_*.rs behaviours ported onto
// the public API, and hostile input. Runs from the built packages on every runtime.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blockOn,
  Context,
  type Coroutine,
  fromPromise,
  LocalExecutor,
  next,
  PENDING,
  pending,
  type RawWakerVTable,
  ready,
  SpindleError,
  STREAM_END,
  toAsyncIterable,
  Waker,
  yieldNow,
} from "@spindle/core";
import {
  Barrier,
  broadcast,
  BroadcastSender,
  ClosedError,
  LaggedError,
  mpsc,
  Mutex,
  Notify,
  OnceCell,
  oneshot,
  RwLock,
  Semaphore,
  SendError,
  watch,
} from "@spindle/sync";
import { CountingContext, isPending } from "./support.ts";

test("mpsc (tokio send_recv_with_buffer): values in order, then the end once the sender is dropped", () => {
  const [tx, rx] = mpsc.bounded<number>(16);
  assert.equal(blockOn(tx.send(1)), undefined);
  blockOn(tx.send(2));
  tx.drop();
  assert.equal(blockOn(rx.recv()), 1);
  assert.equal(blockOn(rx.recv()), 2);
  assert.equal(blockOn(rx.recv()), STREAM_END);
});

test("mpsc (tokio start_send_past_cap): a send past capacity waits, and the receive wakes it", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  const waiter = new CountingContext();
  assert.equal(tx.trySend(1), true);
  const second = tx.send(2);
  assert.ok(isPending(second, waiter.cx));
  assert.equal(tx.trySend(3), false, "trySend does not overtake a waiting send");
  assert.equal(rx.tryRecv(), 1);
  assert.ok(waiter.wakes >= 1, "the receive woke the waiting send");
  assert.notEqual(second.poll(waiter.cx), PENDING);
  assert.equal(rx.tryRecv(), 2);
  assert.equal(rx.tryRecv(), PENDING);
});

test("mpsc (tokio drop_rx / close): rx.close() fails sends with the value, what is queued drains", () => {
  const [tx, rx] = mpsc.bounded<string>(4);
  tx.trySend("kept");
  rx.close();
  assert.throws(() => tx.trySend("lost"), (e) => e instanceof SendError && e.value === "lost");
  assert.equal(rx.tryRecv(), "kept");
  assert.equal(rx.tryRecv(), STREAM_END);
  const [utx, urx] = mpsc.unbounded<number>();
  urx.close();
  assert.throws(() => utx.send(7), (e) => e instanceof SendError && e.value === 7);
});

test("mpsc: a dropped pending send sends nothing and passes its slot on (cancel safety)", () => {
  const [tx, rx] = mpsc.bounded<string>(1);
  tx.trySend("a");
  const dropped = tx.send("dropped");
  const kept = tx.send("kept");
  assert.ok(isPending(dropped));
  assert.ok(isPending(kept));
  assert.equal(rx.tryRecv(), "a"); // the slot goes to `dropped`, the front waiter
  dropped[Symbol.dispose]();
  assert.notEqual(kept.poll(new CountingContext().cx), PENDING, "the slot passed to the next sender");
  assert.equal(rx.tryRecv(), "kept");
  assert.equal(rx.tryRecv(), PENDING);
});

test("mpsc: a pending send counts as a sender, so dropping the last handle does not cut it off", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  tx.trySend(1);
  const sending = tx.send(2);
  assert.ok(isPending(sending));
  tx.drop();
  assert.equal(rx.tryRecv(), 1);
  assert.notEqual(sending.poll(new CountingContext().cx), PENDING);
  assert.equal(rx.tryRecv(), 2);
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("mpsc: a dropped pending receive takes nothing", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  const receive = rx.recv();
  assert.ok(isPending(receive));
  tx.send(5);
  receive[Symbol.dispose]();
  assert.equal(rx.tryRecv(), 5);
});

test("mpsc: many producers on a LocalExecutor, random drops of receives; every value once, in order per producer", async () => {
  const [tx, rx] = mpsc.bounded<[number, number]>(3);
  const executor = new LocalExecutor();
  function* producer(id: number, tx: ReturnType<typeof mpsc.bounded<[number, number]>>[0]): Coroutine<void> {
    for (let i = 0; i < 200; i++) yield* tx.send([id, i]);
    tx.drop();
  }
  for (let id = 0; id < 4; id++) executor.spawn(producer(id, tx.clone()));
  tx.drop();
  const seen: number[][] = [[], [], [], []];
  executor.spawn(function* (): Coroutine<void> {
    let seed = 7;
    for (;;) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      if (seed % 3 === 0 && rx.length === 0) {
        const receive = rx.recv(); // polled once while empty, then dropped
        if (receive.poll(new CountingContext().cx) !== PENDING) {
          throw new Error("a dropped receive must not have taken");
        }
        receive[Symbol.dispose]();
      }
      const item = yield* next(rx);
      if (item === STREAM_END) return;
      seen[item[0]]!.push(item[1]);
    }
  }());
  await executor.run();
  for (const list of seen) assert.deepEqual(list, Array.from({ length: 200 }, (_, i) => i));
});

test("oneshot (tokio send_recv / close_tx): the value arrives; a dropped sender fails the receiver with ClosedError", () => {
  const [tx, rx] = oneshot<string>();
  tx.send("hi");
  assert.equal(blockOn(rx), "hi");
  const [tx2, rx2] = oneshot<string>();
  const waiter = new CountingContext();
  assert.ok(isPending(rx2, waiter.cx));
  tx2.drop();
  assert.equal(waiter.wakes, 1);
  assert.throws(() => rx2.poll(waiter.cx), ClosedError);
});

test("oneshot: send after the receiver is gone throws SendError holding the value", () => {
  const [tx, rx] = oneshot<number>();
  rx[Symbol.dispose]();
  assert.equal(tx.isClosed, true);
  assert.throws(() => tx.send(3), (e) => e instanceof SendError && e.value === 3);
});

test("broadcast (tokio lagging_rx): a receiver too far behind gets LaggedError with the count, then the oldest kept", () => {
  const [tx, rx] = broadcast<number>(2);
  const other = tx.subscribe();
  for (const v of [1, 2, 3]) tx.send(v);
  assert.throws(() => rx.tryRecv(), (e) => e instanceof LaggedError && e.missed === 1);
  assert.equal(rx.tryRecv(), 2);
  assert.equal(rx.tryRecv(), 3);
  assert.equal(rx.tryRecv(), PENDING);
  assert.throws(() => other.tryRecv(), LaggedError);
  tx.drop();
  assert.equal(rx.tryRecv(), STREAM_END);
});

test("broadcast (tokio send_no_rx): send with no receiver throws SendError", () => {
  const [tx, rx] = broadcast<number>(4);
  rx[Symbol.dispose]();
  assert.throws(() => tx.send(1), (e) => e instanceof SendError && e.value === 1);
});

test("watch (tokio single_rx_recv): changed() after a send, borrowAndUpdate marks seen, ClosedError after the sender", () => {
  const [tx, rx] = watch("one");
  assert.equal(rx.borrow(), "one");
  const changed = rx.changed();
  const waiter = new CountingContext();
  assert.ok(isPending(changed, waiter.cx));
  tx.send("two");
  assert.equal(waiter.wakes, 1);
  assert.notEqual(changed.poll(waiter.cx), PENDING);
  assert.equal(rx.hasChanged, false, "changed() marks the value seen, as tokio's");
  assert.equal(rx.borrow(), "two");
  assert.equal(tx.sendReplace("three"), "two");
  assert.equal(rx.hasChanged, true);
  assert.equal(rx.borrowAndUpdate(), "three");
  assert.equal(rx.hasChanged, false);
  tx.send("four");
  tx.drop();
  assert.notEqual(rx.changed().poll(waiter.cx), PENDING, "the unseen value is reported before the close");
  rx.borrowAndUpdate();
  assert.throws(() => blockOn(rx.changed()), ClosedError);
});

test("watch: send with no receiver throws SendError, sendReplace stores anyway", () => {
  const [tx, rx] = watch(0);
  rx[Symbol.dispose]();
  assert.throws(() => tx.send(1), SendError);
  tx.sendReplace(2);
  assert.equal(tx.borrow(), 2);
});

test("Mutex (tokio readiness / aborted_future): a dropped lock() does not take the lock, FIFO hand-over", () => {
  const mutex = new Mutex(0);
  const held = mutex.tryLock()!;
  const a = mutex.lock();
  const b = mutex.lock();
  const wa = new CountingContext();
  const wb = new CountingContext();
  assert.ok(isPending(a, wa.cx));
  assert.ok(isPending(b, wb.cx));
  assert.equal(mutex.tryLock(), null);
  held.release();
  assert.equal(wa.wakes, 1);
  assert.equal(wb.wakes, 0);
  a[Symbol.dispose](); // chosen, dropped before it ran: passes to b
  assert.equal(wb.wakes, 1);
  const guard = b.poll(wb.cx);
  assert.notEqual(guard, PENDING);
  (guard as { release(): void }).release();
  assert.equal(mutex.isLocked, false);
});

test("RwLock: a waiting writer holds back later readers", () => {
  const lock = new RwLock(1);
  const r1 = blockOn(lock.read());
  const writer = lock.write();
  assert.ok(isPending(writer));
  const r2 = lock.read();
  assert.ok(isPending(r2), "a reader after a waiting writer waits");
  r1.release();
  const w = writer.poll(new CountingContext().cx);
  assert.notEqual(w, PENDING);
  (w as { value: number; release(): void }).value = 2;
  (w as { release(): void }).release();
  const read = r2.poll(new CountingContext().cx);
  assert.notEqual(read, PENDING);
  assert.equal((read as { value: number }).value, 2);
});

test("Semaphore (tokio try_acquire / add_permits / close): no overtaking, partial grants return on drop", () => {
  const semaphore = new Semaphore(1);
  const big = semaphore.acquire(3);
  const wBig = new CountingContext();
  assert.ok(isPending(big, wBig.cx));
  assert.equal(semaphore.tryAcquire(1), null, "tryAcquire does not overtake the waiter");
  semaphore.addPermits(1); // big now holds 2 of 3
  big[Symbol.dispose](); // gives them back
  const two = semaphore.tryAcquire(2);
  assert.ok(two !== null, "the partial grant came back");
  two.release();
  const waiting = semaphore.acquire(5);
  const w = new CountingContext();
  assert.ok(isPending(waiting, w.cx));
  semaphore.close();
  assert.equal(w.wakes, 1, "close wakes waiters");
  assert.throws(() => waiting.poll(w.cx), ClosedError);
  assert.throws(() => semaphore.tryAcquire(1), ClosedError);
});

test("Notify (tokio notify_notified_one / notify_waiters): one permit kept, notifyWaiters keeps none", () => {
  const notify = new Notify();
  notify.notifyOne();
  notify.notifyOne();
  assert.notEqual(notify.notified().poll(new CountingContext().cx), PENDING);
  assert.ok(isPending(notify.notified()), "several notifyOne keep one permit");
  const before = notify.notified(); // made before the call, never polled
  notify.notifyWaiters();
  assert.notEqual(before.poll(new CountingContext().cx), PENDING);
  assert.ok(isPending(notify.notified()), "notifyWaiters keeps no permit");
});

test("Notify: a waiter chosen by notifyOne and dropped passes the notification on", () => {
  const notify = new Notify();
  const a = notify.notified();
  const b = notify.notified();
  const wb = new CountingContext();
  assert.ok(isPending(a));
  assert.ok(isPending(b, wb.cx));
  notify.notifyOne();
  a[Symbol.dispose]();
  assert.equal(wb.wakes, 1);
  assert.notEqual(b.poll(wb.cx), PENDING);
  // dropped with nobody else waiting: it becomes the permit
  const c = notify.notified();
  assert.ok(isPending(c));
  notify.notifyOne();
  c[Symbol.dispose]();
  assert.notEqual(notify.notified().poll(new CountingContext().cx), PENDING);
});

test("Barrier (tokio single / lots): n waiters released together, one leader per round, arrivals taken back on drop", async () => {
  const barrier = new Barrier(3);
  const dropped = barrier.wait();
  assert.ok(isPending(dropped));
  dropped[Symbol.dispose]();
  const executor = new LocalExecutor();
  let leaders = 0;
  const handles = [];
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 3; i++) {
      handles.push(executor.spawn(function* (): Coroutine<void> {
        if ((yield* barrier.wait()).isLeader) leaders++;
      }()));
    }
  }
  await executor.run();
  for (const handle of handles) await handle;
  assert.equal(leaders, 2);
});

test("sync hostile input: capacities and permits out of range are INVALID_ARGUMENT naming the value", () => {
  const invalid = (name: string, f: () => unknown, shown: string) =>
    assert.throws(
      f,
      (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(shown),
      name,
    );
  for (
    const [value, shown] of [[0, "0"], [-1, "-1"], [Number.NaN, "NaN"], [Infinity, "Infinity"], [1.5, "1.5"], [
      2 ** 31,
      "2147483648",
    ], ["3", '"3"']] as const
  ) {
    invalid("mpsc.bounded", () => mpsc.bounded(value as number), shown);
    invalid("broadcast", () => broadcast(value as number), shown);
    if (value !== 0) {
      invalid("Barrier", () => new Barrier(value as number), shown); // 0 parties never waits (README)
      invalid("Semaphore", () => new Semaphore(value as number), shown);
      invalid("acquire", () => new Semaphore(1).acquire(value as number), shown);
      invalid("tryAcquire", () => new Semaphore(1).tryAcquire(value as number), shown);
      invalid("addPermits", () => new Semaphore(1).addPermits(value as number), shown);
    }
  }
  invalid("addPermits overflow", () => new Semaphore(2 ** 31 - 2).addPermits(5), "5");
});

test("sync: use after drop or release is ClosedError", () => {
  const [tx] = mpsc.bounded<number>(1);
  tx.drop();
  assert.throws(() => tx.trySend(1), ClosedError);
  assert.throws(() => tx.clone(), ClosedError);
  const guard = new Mutex(1).tryLock()!;
  guard.release();
  assert.throws(() => guard.value, ClosedError);
});

test("sync: re-entrancy: a waker that sends on the channel from inside the send that wakes it", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  let wakes = 0;
  const vtable: RawWakerVTable<null> = {
    clone: (data) => ({ data, vtable }),
    wake: () => {
      if (wakes++ === 0) tx.send(2); // inside tx.send(1)
    },
    wakeByRef: () => void wakes++,
    drop: () => {},
  };
  const cx = new Context(Waker.fromRaw({ data: null, vtable }));
  const receive = rx.recv();
  assert.equal(receive.poll(cx), PENDING);
  tx.send(1);
  assert.equal(receive.poll(cx), 1);
  assert.equal(rx.tryRecv(), 2);
  assert.equal(rx.tryRecv(), PENDING);
  const semaphore = new Semaphore(0);
  const acquire = semaphore.acquire(1);
  const releaseOnWake: RawWakerVTable<null> = {
    clone: (data) => ({ data, vtable: releaseOnWake }),
    wake: () => semaphore.addPermits(1), // wakes while addPermits runs
    wakeByRef: () => semaphore.addPermits(1),
    drop: () => {},
  };
  const cx2 = new Context(Waker.fromRaw({ data: null, vtable: releaseOnWake }));
  assert.equal(acquire.poll(cx2), PENDING);
  semaphore.addPermits(1);
  const permit = acquire.poll(cx2);
  assert.notEqual(permit, PENDING);
  (permit as { release(): void }).release();
  assert.ok(semaphore.tryAcquire(2) !== null, "both permits are there: none lost, none invented");
});

test("sync: drop() and release() are idempotent: a second call neither ends a channel nor frees a lock twice", () => {
  const [tx, rx] = mpsc.bounded<number>(2);
  const clone = tx.clone();
  clone.drop();
  clone.drop();
  clone[Symbol.dispose]();
  assert.equal(rx.tryRecv(), PENDING, "the original sender keeps the channel open");
  const [btx, brx] = broadcast<number>(2);
  const extra = btx.subscribe();
  extra[Symbol.dispose]();
  extra[Symbol.dispose]();
  assert.equal(btx.receiverCount, 1);
  assert.equal(btx.send(1), 1);
  assert.equal(brx.tryRecv(), 1);
  const mutex = new Mutex(0);
  const first = mutex.tryLock()!;
  const next = mutex.lock();
  assert.ok(isPending(next));
  first.release();
  const second = next.poll(new CountingContext().cx);
  assert.notEqual(second, PENDING);
  first.release(); // stale: must not unlock the new holder's lock
  assert.ok(isPending(mutex.lock()), "the lock is still held by the second guard");
  const lock = new RwLock(0);
  const r1 = lock.tryRead()!;
  const r2 = lock.tryRead()!;
  r1.release();
  r1.release();
  assert.equal(lock.tryWrite(), null, "r2 still reads");
  r2.release();
  const semaphore = new Semaphore(1);
  const permit = semaphore.tryAcquire()!;
  permit.release();
  permit.release();
  assert.equal(semaphore.tryAcquire(2), null, "one permit, not two");
});

// ---- this round's API, from the README's "What is there" table and its Errors table ----

test("mpsc weak senders: downgrade() does not keep the channel open; upgrade() while a sender lives, null after", () => {
  const [boundedTx, boundedRx] = mpsc.bounded<number>(4);
  const [unboundedTx, unboundedRx] = mpsc.unbounded<number>();
  for (
    const [tx, rx, send] of [
      [boundedTx, boundedRx, (value: number) => blockOn(boundedTx.send(value))],
      [unboundedTx, unboundedRx, (value: number) => unboundedTx.send(value)],
    ] as const
  ) {
    const weak = tx.downgrade();
    assert.deepEqual([tx.strongCount, tx.weakCount, rx.senderStrongCount, rx.senderWeakCount], [1, 1, 1, 1]);
    const again = weak.upgrade();
    assert.ok(again !== null);
    assert.equal(rx.senderStrongCount, 2);
    again.drop();
    assert.deepEqual([rx.isEmpty, rx.length, rx.isClosed], [true, 0, false]);
    send(7);
    assert.deepEqual([rx.isEmpty, rx.length], [false, 1]);
    tx.drop();
    assert.equal(weak.upgrade(), null, "the last sender is gone: a weak one cannot bring it back");
    assert.equal(rx.isClosed, true, "closed once every sender is dropped (tokio's is_closed), values still queued");
    assert.equal(blockOn(rx.recv()), 7);
    assert.equal(blockOn(rx.recv()), STREAM_END);
  }
});

test("watch isClosed on both ends; broadcast length counts what a lagging receiver missed", () => {
  const [tx, rx] = watch(0);
  assert.deepEqual([tx.isClosed, rx.isClosed], [false, false]);
  rx.drop();
  assert.equal(tx.isClosed, true, "no receiver left");
  const [tx2, rx2] = watch(0);
  tx2.drop();
  assert.equal(rx2.isClosed, true, "no sender left");

  const [btx, brx] = broadcast<number>(2);
  for (const value of [1, 2, 3]) btx.send(value);
  assert.equal(brx.length, 3, "above capacity: it lags");
  assert.equal(btx.length, 2, "unread by the slowest receiver, of those still kept");
  assert.throws(() => brx.tryRecv(), (e) => e instanceof LaggedError && e.missed === 1);
  assert.deepEqual([brx.tryRecv(), brx.tryRecv(), brx.length], [2, 3, 0]);
});

test("a cache behind an RwLock with upgradable reads, its connection made once by a OnceCell", async () => {
  // What a tokio user writes first: a lazily made shared resource, and a read-mostly cache
  // whose miss path upgrades the read it holds (no writer in between).
  const connection = new OnceCell<{ id: number }>();
  let connects = 0;
  function* connect(): Coroutine<{ id: number }> {
    connects++;
    yield* fromPromise(new Promise((resolve) => setTimeout(resolve, 5)));
    return { id: connects };
  }
  const cache = new RwLock(new Map<string, number>());
  let loads = 0;
  function* lookup(key: string): Coroutine<number> {
    const conn = yield* connection.getOrInit(connect);
    const guard = yield* cache.upgradableRead();
    const hit = guard.value.get(key);
    if (hit !== undefined) {
      guard.release();
      return hit;
    }
    const writer = yield* guard.upgrade();
    try {
      loads++;
      yield* yieldNow(); // stands for the load
      writer.value.set(key, key.length * 10 + conn.id);
      return writer.value.get(key)!;
    } finally {
      writer.release();
    }
  }
  const executor = new LocalExecutor();
  const answers = ["ab", "ab", "abc", "ab"].map((key) => executor.spawn(lookup(key)));
  await executor.run();
  assert.deepEqual(await Promise.all(answers), [21, 21, 31, 21]);
  assert.equal(connects, 1, "every caller got the one connection");
  assert.equal(loads, 2, "each key loaded once: the upgradable read is held by one task at a time");
  assert.deepEqual([connection.initialized, connection.get()?.id, connection.set({ id: 9 })], [true, 1, false]);
  assert.equal(blockOn(OnceCell.from(3).wait()), 3);
  assert.throws(
    () => connection.getOrInit(5 as never),
    (e) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT",
  );

  const reader = blockOn(cache.read());
  const upgradable = cache.tryUpgradableRead();
  assert.ok(upgradable !== null, "an upgradable read beside plain readers");
  assert.equal(cache.tryUpgradableRead(), null, "one at a time");
  assert.equal(upgradable.tryUpgrade(), null, "not while a reader holds the lock");
  reader.release();
  const writer = upgradable.tryUpgrade();
  assert.ok(writer !== null);
  writer.release();
});

test("Barrier(0) never waits, as Barrier(1): every wait is its round's leader", () => {
  const barrier = new Barrier(0);
  assert.equal(blockOn(barrier.wait()).isLeader, true);
  assert.equal(blockOn(barrier.wait()).isLeader, true);
});

test("FUTURE_COMPLETED: a future polled after it was dropped, core's and sync's alike (README Errors)", () => {
  // Was (found by the README checks): a dropped rx.recv() polled again took a value (mpsc) or
  // waited (broadcast), and dropped ready(), pending(), yieldNow() and next(stream) answered as if
  // never dropped, where every other future threw FUTURE_COMPLETED.
  const [tx, rx] = mpsc.bounded<number>(1);
  tx.trySend(1);
  const [, brx] = broadcast<number>(1);
  const mutex = new Mutex(0);
  const held = mutex.tryLock();
  const futures: [string, { poll(cx: Context): unknown; [Symbol.dispose](): void }][] = [
    ["ready", ready(1)],
    ["pending", pending()],
    ["yieldNow", yieldNow()],
    ["next", next(rx)],
    ["mpsc recv", rx.recv()],
    ["broadcast recv", brx.recv()],
    ["lock", mutex.lock()],
    ["getOrInit", new OnceCell<number>().getOrInit(() => pending())],
    ["barrier", new Barrier(2).wait()],
  ];
  for (const [name, future] of futures) {
    future[Symbol.dispose]();
    assert.throws(
      () => future.poll(Context.noop()),
      (e) => e instanceof SpindleError && e.code === "FUTURE_COMPLETED",
      name,
    );
  }
  assert.equal(rx.tryRecv(), 1, "the dropped receives took nothing");
  held?.release();
});

test("broadcast weak senders (README: tx.downgrade()): no keeping open, counts on both ends, isClosed once every sender is gone", () => {
  const [tx, rx] = broadcast<number>(4);
  const weak = tx.downgrade();
  assert.deepEqual([tx.strongCount, tx.weakCount, rx.senderStrongCount, rx.senderWeakCount, rx.isClosed], [
    1,
    1,
    1,
    1,
    false,
  ]);
  const strong = weak.upgrade();
  assert.ok(strong instanceof BroadcastSender, "a sender is live: it upgrades");
  strong.send(7);
  assert.equal(rx.senderStrongCount, 2);
  strong.drop();
  tx.drop();
  assert.deepEqual([rx.isClosed, rx.senderWeakCount, weak.upgrade()], [true, 1, null]);
  assert.equal(rx.tryRecv(), 7, "values sent before are still read");
  assert.equal(rx.tryRecv(), STREAM_END);
  weak.drop();
  assert.equal(rx.senderWeakCount, 0);
  assert.throws(() => weak.upgrade(), ClosedError, "upgrade() after the weak sender's own drop");
});

test("broadcast (README LaggedError): a lag ends a for await over toAsyncIterable(rx) and drops the receiver", async () => {
  const [tx, rx] = broadcast<number>(2);
  for (const v of [1, 2, 3]) tx.send(v);
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const v of toAsyncIterable(rx)) seen.push(v);
    })(),
    (e) => e instanceof LaggedError && e.missed === 1,
  );
  assert.deepEqual(seen, []);
  assert.equal(tx.receiverCount, 0, "the receiver was dropped with the stream");
});
