// The threads of crossbeam-channel's tests/mpsc.rs (`sync_channel_tests`, `select_tests`;
// crossbeam_mpsc.test.ts): the general ones first (a thread that sends given values, one that
// receives and checks them, one that only drops the end it was given...), then those of one test.
// A test thread that blocks while other threads run is a body here too (`…main`), so that the
// test's own thread keeps its event loop.
import assert from "node:assert/strict";
import { PENDING, STREAM_END } from "@spindle/core";
import {
  SendError,
  SharedReceiver,
  type SharedReceiverHandle,
  SharedSender,
  type SharedSenderHandle,
} from "@spindle/sync";
import { sleep } from "./sleep.ts";

type S<T> = SharedSenderHandle<T>;
type R<T> = SharedReceiverHandle<T>;

/** `mpsc.send`: after `sleepMs`, sends each of `values` (blocking; each must go through), then drops its end. */
export interface SendData<T> {
  readonly s: SharedSenderHandle<T>;
  readonly values: readonly T[];
  readonly sleepMs?: number;
}

/**
 * `mpsc.recv`: receives (blocking) and checks each of `values`; with `thenEnd`, then STREAM_END;
 * drops its end.
 */
export interface RecvData<T> {
  readonly r: SharedReceiverHandle<T>;
  readonly values: readonly T[];
  readonly thenEnd?: boolean;
}

/** `mpsc.drop`: after `sleepMs`, opens the end it was given and drops it (a Rust `drop(end)` in a thread). */
export interface DropData {
  readonly s?: SharedSenderHandle<unknown>;
  readonly r?: SharedReceiverHandle<unknown>;
  readonly sleepMs?: number;
}

/** `mpsc.sendUntilError`: sends `value` until the send fails with SendError (every receiver gone). */
export interface SendUntilErrorData<T> {
  readonly s: readonly SharedSenderHandle<T>[];
  readonly value: T;
}

export const mpscBodies = {
  "mpsc.send"(data: unknown): void {
    const { s, values, sleepMs } = data as SendData<unknown>;
    const tx = SharedSender.from(s);
    if (sleepMs !== undefined) sleep(sleepMs);
    for (const value of values) assert.equal(tx.sendBlocking(value), true);
    tx.drop();
  },
  "mpsc.recv"(data: unknown): void {
    const { r, values, thenEnd } = data as RecvData<unknown>;
    const rx = SharedReceiver.from(r);
    for (const value of values) assert.deepEqual(rx.recvBlocking(), value);
    if (thenEnd) assert.equal(rx.recvBlocking(), STREAM_END);
    rx.drop();
  },
  "mpsc.drop"(data: unknown): void {
    const { s, r, sleepMs } = data as DropData;
    const end = s !== undefined ? SharedSender.from(s) : SharedReceiver.from(r!);
    if (sleepMs !== undefined) sleep(sleepMs);
    end.drop();
  },
  "mpsc.recvEnd"(data: unknown): void {
    const rx = SharedReceiver.from((data as { r: SharedReceiverHandle<unknown> }).r);
    assert.equal(rx.recvBlocking(), STREAM_END);
    rx.drop();
  },
  "mpsc.sendUntilError"(data: unknown): void {
    const { s, value } = data as SendUntilErrorData<unknown>;
    const senders = s.map((handle) => SharedSender.from(handle));
    try {
      for (;;) for (const tx of senders) tx.sendBlocking(value);
    } catch (e) {
      if (!(e instanceof SendError)) throw e;
    }
    for (const tx of senders) tx.drop();
  },
  "mpsc.recvOne"(data: unknown): void {
    const rx = SharedReceiver.from((data as { r: SharedReceiverHandle<unknown> }).r);
    const got = rx.recvBlocking();
    assert.ok(got !== STREAM_END && got !== PENDING, "a value");
    rx.drop();
  },

  /** `while rx.recv().is_ok() {}` */
  "mpsc.drainUntilEnd"(data: unknown): void {
    const rx = SharedReceiver.from((data as { r: R<unknown> }).r);
    while (rx.recvBlocking() !== STREAM_END);
    rx.drop();
  },
  /** `let _ = tx.send(v)`: a send whose failure is ignored. */
  "mpsc.sendIgnoringError"(data: unknown): void {
    const { s, value } = data as { s: S<unknown>; value: unknown };
    const tx = SharedSender.from(s);
    try {
      tx.sendBlocking(value);
    } catch (e) {
      if (!(e instanceof SendError)) throw e;
    }
    tx.drop();
  },
  /** Receives with a `timeoutMs` timeout until the end, counting the values (each `value`); checks the count. */
  "mpsc.recvTimeoutCount"(data: unknown): void {
    const { r, timeoutMs, value, count, done } = data as {
      r: R<unknown>;
      timeoutMs: number;
      value: unknown;
      count: number;
      done?: S<null>;
    };
    const rx = SharedReceiver.from(r);
    let received = 0;
    for (;;) {
      const got = rx.recvBlocking(timeoutMs);
      if (got === PENDING) continue;
      if (got === STREAM_END) break;
      assert.equal(got, value);
      received++;
    }
    assert.equal(received, count);
    assert.equal(rx.tryRecv(), STREAM_END); // `try_recv().is_err()`: drained and disconnected
    rx.drop();
    if (done !== undefined) {
      const dtx = SharedSender.from(done);
      assert.equal(dtx.sendBlocking(null), true);
      dtx.drop();
    }
  },
  /** `stress_shared`'s receiver: `count` blocking receives of `value`, then no value, then `dtx.send(())`. */
  "mpsc.stress_shared.receiver"(data: unknown): void {
    const { r, value, count, done } = data as { r: R<unknown>; value: unknown; count: number; done: S<null> };
    const rx = SharedReceiver.from(r);
    for (let i = 0; i < count; i++) assert.equal(rx.recvBlocking(), value);
    const rest = rx.tryRecv();
    assert.ok(rest === PENDING || rest === STREAM_END, "try_recv is an error");
    rx.drop();
    const dtx = SharedSender.from(done);
    assert.equal(dtx.sendBlocking(null), true);
    dtx.drop();
  },
  "mpsc.test_nested_recv_iter.thread"(data: unknown): void {
    const { r, total } = data as { r: R<number>; total: S<number> };
    const rx = SharedReceiver.from(r);
    let acc = 0;
    for (let x; (x = rx.recvBlocking()) !== STREAM_END;) acc += x as number;
    rx.drop();
    const tx = SharedSender.from(total);
    assert.equal(tx.sendBlocking(acc), true);
    tx.drop();
  },
  "mpsc.test_recv_iter_break.thread"(data: unknown): void {
    const { r, countS } = data as { r: R<number>; countS: S<number> };
    const rx = SharedReceiver.from(r);
    let count = 0;
    for (let x; (x = rx.recvBlocking()) !== STREAM_END;) {
      if (count >= 3) break;
      count += x as number;
    }
    rx.drop();
    const tx = SharedSender.from(countS);
    assert.equal(tx.sendBlocking(count), true);
    tx.drop();
  },
  "mpsc.test_recv_iter_break.main"(data: unknown): void {
    const { s, countR } = data as { s: S<number>; countR: R<number> };
    const tx = SharedSender.from(s);
    assert.equal(tx.sendBlocking(2), true);
    assert.equal(tx.sendBlocking(2), true);
    assert.equal(tx.sendBlocking(2), true);
    try {
      tx.trySend(2); // `let _ = tx.try_send(2)`: full, sent or disconnected, all ignored
    } catch (e) {
      if (!(e instanceof SendError)) throw e;
    }
    tx.drop();
    const rx = SharedReceiver.from(countR);
    assert.equal(rx.recvBlocking(), 4);
    rx.drop();
  },
  "mpsc.try_recv_states.thread"(data: unknown): void {
    const { tx1, rx2, tx3 } = data as { tx1: S<number>; rx2: R<null>; tx3: S<null> };
    const [t1, r2, t3] = [SharedSender.from(tx1), SharedReceiver.from(rx2), SharedSender.from(tx3)];
    assert.equal(r2.recvBlocking(), null);
    assert.equal(t1.sendBlocking(1), true);
    assert.equal(t3.sendBlocking(null), true);
    assert.equal(r2.recvBlocking(), null);
    t1.drop();
    assert.equal(t3.sendBlocking(null), true);
    r2.drop();
    t3.drop();
  },
  "mpsc.try_recv_states.main"(data: unknown): void {
    const { rx1, tx2, rx3 } = data as { rx1: R<number>; tx2: S<null>; rx3: R<null> };
    const [r1, t2, r3] = [SharedReceiver.from(rx1), SharedSender.from(tx2), SharedReceiver.from(rx3)];
    assert.equal(r1.tryRecv(), PENDING);
    assert.equal(t2.sendBlocking(null), true);
    assert.equal(r3.recvBlocking(), null);
    assert.equal(r1.tryRecv(), 1);
    assert.equal(r1.tryRecv(), PENDING);
    assert.equal(t2.sendBlocking(null), true);
    assert.equal(r3.recvBlocking(), null);
    assert.equal(r1.tryRecv(), STREAM_END);
    r1.drop();
    t2.drop();
    r3.drop();
  },
  "mpsc.destroy_upgraded.thread"(data: unknown): void {
    const { r, tx2 } = data as { r: R<null>; tx2: S<null> };
    const rx = SharedReceiver.from(r);
    assert.equal(rx.recvBlocking(), null); // wait on a oneshot
    rx.drop();
    const t2 = SharedSender.from(tx2);
    assert.equal(t2.sendBlocking(null), true);
    t2.drop();
  },
  "mpsc.destroy_upgraded.main"(data: unknown): void {
    const { s, rx2 } = data as { s: S<null>; rx2: R<null> };
    const tx = SharedSender.from(s);
    sleep(5); // `for _ in 0..5000 { thread::yield_now() }`: let the other thread go to sleep
    const tx2 = tx.clone();
    tx.drop();
    assert.equal(tx2.sendBlocking(null), true);
    tx2.drop();
    const r2 = SharedReceiver.from(rx2);
    assert.equal(r2.recvBlocking(), null);
    r2.drop();
  },
  "mpsc.send3.main"(data: unknown): void {
    const tx = SharedSender.from((data as { s: S<number> }).s);
    assert.throws(() => tx.sendBlocking(1), (e) => e instanceof SendError && e.value === 1);
    tx.drop();
  },
  "mpsc.issue_15761.thread"(data: unknown): void {
    const { rx1, tx2 } = data as { rx1: R<null>; tx2: S<null> };
    const r1 = SharedReceiver.from(rx1);
    assert.equal(r1.recvBlocking(), null);
    r1.drop();
    const t2 = SharedSender.from(tx2);
    assert.equal(t2.trySend(null), true);
    t2.drop();
  },
  "mpsc.issue_15761.main"(data: unknown): void {
    const { tx1, rx2 } = data as { tx1: S<null>; rx2: R<null> };
    const t1 = SharedSender.from(tx1);
    assert.equal(t1.trySend(null), true);
    t1.drop();
    const r2 = SharedReceiver.from(rx2);
    assert.equal(r2.recvBlocking(), null);
    r2.drop();
  },
  "mpsc.sync2.thread"(data: unknown): void {
    const tx = SharedSender.from((data as { s: S<number> }).s);
    sleep(1); // `for _ in 0..100 { thread::yield_now() }`
    assert.equal(tx.sendBlocking(1), true);
    tx.drop();
  },
};
