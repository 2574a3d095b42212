// The threads of crossbeam-channel's tests/array.rs (crossbeam_array.test.ts), each a body run by a
// worker thread of `thread.ts`: it opens the channel ends it captures from their handles, does what
// the Rust closure does, and drops its ends when done (a `move` closure's ends drop when it returns;
// a borrowing closure's ends are the test's own, which it keeps). `unwrap()` of a send is a
// blocking send that must not throw; of a receive, a value that is not STREAM_END.
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

/** What a body captures: a sender, a receiver, or both. */
export interface Ends<T> {
  readonly s?: SharedSenderHandle<T>;
  readonly r?: SharedReceiverHandle<T>;
}

const sender = <T>(data: unknown): SharedSender<T> => SharedSender.from((data as Ends<T>).s!);
const receiver = <T>(data: unknown): SharedReceiver<T> => SharedReceiver.from((data as Ends<T>).r!);

/** Whether `e` is a SendError carrying `value` (crossbeam's `SendError(value)`). */
export const sendError = (value: unknown) => (e: unknown): boolean =>
  e instanceof SendError && Object.is(e.value, value);

/** A receive that `unwrap()`s: the value, which must not be STREAM_END (nor a timeout). */
function unwrapRecv<T>(got: T | typeof PENDING | typeof STREAM_END): T {
  assert.notEqual(got, STREAM_END, "the channel is disconnected");
  assert.notEqual(got, PENDING, "no value");
  return got as T;
}

/** Shared words of `stress_oneshot`'s lock-step: arrivals at the end of each iteration. */
export interface LockStep {
  readonly arrivals: Int32Array<SharedArrayBuffer>;
}

/** Both threads of `stress_oneshot` leave iteration `i` together (the Rust scope's join). */
function endOfIteration(step: LockStep, i: number): void {
  // The add pairs with the other thread's load below; SeqCst makes each see the other's arrival.
  Atomics.add(step.arrivals, 0, 1);
  Atomics.notify(step.arrivals, 0);
  for (let seen; (seen = Atomics.load(step.arrivals, 0)) < 2 * (i + 1);) Atomics.wait(step.arrivals, 0, seen);
}

export const arrayBodies = {
  "array.try_recv.receiver"(data: unknown): void {
    const r = receiver<number>(data);
    assert.equal(r.tryRecv(), PENDING);
    sleep(1500);
    assert.equal(r.tryRecv(), 7);
    sleep(500);
    assert.equal(r.tryRecv(), STREAM_END);
    r.drop();
  },
  "array.try_recv.sender"(data: unknown): void {
    const s = sender<number>(data);
    sleep(1000);
    assert.equal(s.sendBlocking(7), true);
    s.drop();
  },

  "array.recv.receiver"(data: unknown): void {
    const r = receiver<number>(data);
    assert.equal(r.recvBlocking(), 7);
    sleep(1000);
    assert.equal(r.recvBlocking(), 8);
    sleep(1000);
    assert.equal(r.recvBlocking(), 9);
    assert.equal(r.recvBlocking(), STREAM_END);
    r.drop();
  },
  "array.recv.sender"(data: unknown): void {
    const s = sender<number>(data);
    sleep(1500);
    s.sendBlocking(7);
    s.sendBlocking(8);
    s.sendBlocking(9);
    s.drop();
  },

  "array.recv_timeout.receiver"(data: unknown): void {
    const r = receiver<number>(data);
    assert.equal(r.recvBlocking(1000), PENDING);
    assert.equal(r.recvBlocking(1000), 7);
    assert.equal(r.recvBlocking(1000), STREAM_END);
    r.drop();
  },
  "array.recv_timeout.sender"(data: unknown): void {
    const s = sender<number>(data);
    sleep(1500);
    s.sendBlocking(7);
    s.drop();
  },

  "array.try_send.sender"(data: unknown): void {
    const s = sender<number>(data);
    assert.equal(s.trySend(1), true);
    assert.equal(s.trySend(2), false);
    sleep(1500);
    assert.equal(s.trySend(3), true);
    sleep(500);
    assert.throws(() => s.trySend(4), sendError(4));
    s.drop();
  },
  "array.try_send.receiver"(data: unknown): void {
    const r = receiver<number>(data);
    sleep(1000);
    assert.equal(r.tryRecv(), 1);
    assert.equal(r.tryRecv(), PENDING);
    assert.equal(r.recvBlocking(), 3);
    r.drop();
  },

  "array.send.sender"(data: unknown): void {
    const s = sender<number>(data);
    s.sendBlocking(7);
    sleep(1000);
    s.sendBlocking(8);
    sleep(1000);
    s.sendBlocking(9);
    sleep(1000);
    s.sendBlocking(10);
    s.drop();
  },
  "array.send.receiver"(data: unknown): void {
    const r = receiver<number>(data);
    sleep(1500);
    assert.equal(r.recvBlocking(), 7);
    assert.equal(r.recvBlocking(), 8);
    assert.equal(r.recvBlocking(), 9);
    r.drop();
  },

  "array.send_timeout.sender"(data: unknown): void {
    const s = sender<number>(data);
    assert.equal(s.sendBlocking(1, 1000), true);
    assert.equal(s.sendBlocking(2, 1000), true);
    assert.equal(s.sendBlocking(3, 500), false);
    sleep(1000);
    assert.equal(s.sendBlocking(4, 1000), true);
    sleep(1000);
    assert.throws(() => s.sendBlocking(5), sendError(5));
    s.drop();
  },
  "array.send_timeout.receiver"(data: unknown): void {
    const r = receiver<number>(data);
    sleep(1000);
    assert.equal(r.recvBlocking(), 1);
    sleep(1000);
    assert.equal(r.recvBlocking(), 2);
    assert.equal(r.recvBlocking(), 4);
    r.drop();
  },

  "array.len.receiver"(data: unknown): void {
    const { count, cap } = data as { count: number; cap: number };
    const r = receiver<number>(data);
    for (let i = 0; i < count; i++) {
      assert.equal(r.recvBlocking(), i);
      assert.ok(r.length <= cap, `len ${r.length} > ${cap}`);
    }
    r.drop();
  },
  "array.len.sender"(data: unknown): void {
    const { count, cap } = data as { count: number; cap: number };
    const s = sender<number>(data);
    for (let i = 0; i < count; i++) {
      s.sendBlocking(i);
      assert.ok(s.length <= cap, `len ${s.length} > ${cap}`);
    }
    s.drop();
  },

  "array.disconnect_wakes_sender.sender"(data: unknown): void {
    const s = sender<null>(data);
    assert.equal(s.sendBlocking(null), true);
    assert.throws(() => s.sendBlocking(null), sendError(null));
    s.drop();
  },
  "array.disconnect_wakes_sender.dropper"(data: unknown): void {
    const r = receiver<null>(data);
    sleep(1000);
    r.drop();
  },

  "array.disconnect_wakes_receiver.receiver"(data: unknown): void {
    const r = receiver<null>(data);
    assert.equal(r.recvBlocking(), STREAM_END);
    r.drop();
  },
  "array.disconnect_wakes_receiver.dropper"(data: unknown): void {
    const s = sender<null>(data);
    sleep(1000);
    s.drop();
  },

  "array.spsc.receiver"(data: unknown): void {
    const { count } = data as { count: number };
    const r = receiver<number>(data);
    for (let i = 0; i < count; i++) assert.equal(r.recvBlocking(), i);
    assert.equal(r.recvBlocking(), STREAM_END);
    r.drop();
  },
  "array.spsc.sender"(data: unknown): void {
    const { count } = data as { count: number };
    const s = sender<number>(data);
    for (let i = 0; i < count; i++) s.sendBlocking(i);
    s.drop();
  },

  "array.mpmc.receiver"(data: unknown): void {
    const { count, v } = data as { count: number; v: Int32Array<SharedArrayBuffer> };
    const r = receiver<number>(data);
    for (let i = 0; i < count; i++) {
      const n = unwrapRecv(r.recvBlocking());
      Atomics.add(v, n, 1); // read by the test after the scope (the join orders it)
    }
    r.drop();
  },
  "array.mpmc.sender"(data: unknown): void {
    const { count } = data as { count: number };
    const s = sender<number>(data);
    for (let i = 0; i < count; i++) s.sendBlocking(i);
    s.drop();
  },

  "array.stress_oneshot.receiver"(data: unknown): void {
    const { rs } = data as { rs: SharedReceiverHandle<number>[] } & LockStep;
    rs.forEach((handle, i) => {
      const r = SharedReceiver.from(handle);
      unwrapRecv(r.recvBlocking());
      r.drop();
      endOfIteration(data as LockStep, i);
    });
  },
  "array.stress_oneshot.sender"(data: unknown): void {
    const { ss } = data as { ss: SharedSenderHandle<number>[] } & LockStep;
    ss.forEach((handle, i) => {
      const s = SharedSender.from(handle);
      s.sendBlocking(0);
      s.drop();
      endOfIteration(data as LockStep, i);
    });
  },

  "array.stress_iter.requester"(data: unknown): void {
    const { count, requestS, responseR } = data as {
      count: number;
      requestS: SharedSenderHandle<null>;
      responseR: SharedReceiverHandle<number>;
    };
    const request = SharedSender.from(requestS);
    const response = SharedReceiver.from(responseR);
    let total = 0;
    try {
      for (;;) {
        // try_iter(): the values there now, until Empty or Disconnected.
        for (let x; typeof (x = response.tryRecv()) === "number";) {
          total += x;
          if (total === count) return;
        }
        request.sendBlocking(null);
      }
    } finally {
      request.drop();
      response.drop();
    }
  },
  "array.stress_iter.responder"(data: unknown): void {
    const { requestR, responseS } = data as {
      requestR: SharedReceiverHandle<null>;
      responseS: SharedSenderHandle<number>;
    };
    const request = SharedReceiver.from(requestR);
    const response = SharedSender.from(responseS);
    while (request.recvBlocking() !== STREAM_END) {
      try {
        response.sendBlocking(1);
      } catch (e) {
        if (e instanceof SendError) break;
        throw e;
      }
    }
    request.drop();
    response.drop();
  },

  "array.stress_timeout_two_threads.sender"(data: unknown): void {
    const { count } = data as { count: number };
    const s = sender<number>(data);
    for (let i = 0; i < count; i++) {
      if (i % 2 === 0) sleep(50);
      while (!s.sendBlocking(i, 10));
    }
    s.drop();
  },
  "array.stress_timeout_two_threads.receiver"(data: unknown): void {
    const { count } = data as { count: number };
    const r = receiver<number>(data);
    for (let i = 0; i < count; i++) {
      if (i % 2 === 0) sleep(50);
      for (;;) {
        const x = r.recvBlocking(10);
        if (x === PENDING) continue;
        assert.equal(x, i);
        break;
      }
    }
    r.drop();
  },

  "array.drops.receiver"(data: unknown): void {
    const { steps, received } = data as { steps: number; received: Int32Array<SharedArrayBuffer> };
    const r = receiver<null>(data);
    for (let i = 0; i < steps; i++) {
      unwrapRecv(r.recvBlocking());
      Atomics.add(received, 0, 1); // read by the test after the scope
    }
    r.drop();
  },
  "array.drops.sender"(data: unknown): void {
    const { steps } = data as { steps: number };
    const s = sender<null>(data);
    for (let i = 0; i < steps; i++) s.sendBlocking(null);
    s.drop();
  },

  "array.linearizable.thread"(data: unknown): void {
    const { count } = data as { count: number };
    const s = sender<number>(data);
    const r = receiver<number>(data);
    for (let i = 0; i < count; i++) {
      s.sendBlocking(0);
      const got = r.tryRecv();
      assert.ok(got !== PENDING && got !== STREAM_END, `try_recv after a send found ${String(got)} (iteration ${i})`);
    }
    s.drop();
    r.drop();
  },
};
