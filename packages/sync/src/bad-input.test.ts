import assert from "node:assert/strict";
import { test } from "node:test";
import { blockOn, currentThreadId, SpindleError } from "@spindle/core";
import {
  Barrier,
  broadcast,
  ClosedError,
  MAX_PERMITS,
  mpsc,
  Mutex,
  RwLock,
  type RwLockOptions,
  Semaphore,
  SendError,
  sharedChannel,
  type SharedChannelOptions,
  SharedNotify,
  SharedReceiver,
  SharedSemaphore,
  SharedSender,
} from "./mod.ts";

const NOT_CAPACITIES: unknown[] = [0, -1, 1.5, NaN, Infinity, "10", null, undefined, 2 ** 31, 10n];

/** Asserts `fn` throws INVALID_ARGUMENT whose message names `what` and renders `value`. */
function rejects(fn: () => unknown, what: string, value: unknown): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof SpindleError, `a SpindleError for ${String(value)}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.ok(error.message.includes(what), `"${error.message}" names ${what}`);
    const shown = typeof value === "string"
      ? JSON.stringify(value)
      : typeof value === "bigint"
      ? `${value}`
      : String(value);
    assert.ok(error.message.includes(shown), `"${error.message}" shows ${shown}`);
    return true;
  });
}

test("channel capacities that are not positive integers up to 2^31 - 1 are rejected, naming the value", () => {
  for (const bad of NOT_CAPACITIES) {
    rejects(() => mpsc.bounded(bad as number), "mpsc.bounded(capacity)", bad);
    rejects(() => broadcast(bad as number), "broadcast(capacity)", bad);
    if (bad !== 0) rejects(() => new Barrier(bad as number), "Barrier parties", bad);
  }
  assert.equal(new Barrier(0).parties, 1, "0 parties is tokio's and async-lock's barrier that never waits");
  assert.equal(mpsc.bounded(MAX_PERMITS)[0].capacity, MAX_PERMITS);
});

test("permit counts that are not integers from 0 to MAX_PERMITS are rejected, naming the value", () => {
  const semaphore = new Semaphore(1);
  for (const bad of [-1, 0.5, NaN, Infinity, "2", null, MAX_PERMITS + 1]) {
    rejects(() => new Semaphore(bad as number), "Semaphore permits", bad);
    rejects(() => semaphore.acquire(bad as number), "Semaphore.acquire(n)", bad);
    rejects(() => semaphore.tryAcquire(bad as number), "Semaphore.tryAcquire(n)", bad);
    rejects(() => semaphore.addPermits(bad as number), "Semaphore.addPermits(n)", bad);
  }
  assert.equal(semaphore.availablePermits, 1, "a rejected call changed nothing");
});

test("addPermits beyond the maximum is rejected and changes nothing", () => {
  const semaphore = new Semaphore(MAX_PERMITS - 1);
  rejects(() => semaphore.addPermits(2), "more than the maximum", 2);
  assert.equal(semaphore.availablePermits, MAX_PERMITS - 1);
  semaphore.addPermits(1);
  assert.equal(semaphore.availablePermits, MAX_PERMITS);
});

test("use after close or drop fails with ClosedError naming what was closed", () => {
  const [tx, rx] = mpsc.bounded<number>(1);
  tx.drop();
  rx[Symbol.dispose]();
  const semaphore = new Semaphore(1);
  semaphore.close();
  const guard = new Mutex(0).tryLock()!;
  guard.release();
  const cases: [() => unknown, string][] = [
    [() => tx.send(1), "sender"],
    [() => rx.tryRecv(), "receiver"],
    [() => blockOn(semaphore.acquire()), "semaphore"],
    [() => semaphore.tryAcquire(), "semaphore"],
    [() => guard.value, "guard"],
  ];
  for (const [fn, what] of cases) {
    assert.throws(fn, (e) => e instanceof ClosedError && e.what === what && e.message.includes(what));
  }
});

test("from() of a SharedArrayBuffer that is not a channel's, semaphore's or notify's, or of null, is INVALID_ARGUMENT", () => {
  // Before: a channel end accepted any SharedArrayBuffer of 52 bytes or more (its first use threw a
  // bare RangeError, or ValueTooLargeError with slotBytes 0), and from(null) threw a TypeError; a
  // semaphore's buffer passed for a notify's and back when their sizes matched.
  const isInvalid = (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT";
  const [tx, rx] = sharedChannel<number>(2);
  const channelBytes = tx.handle().buffer.byteLength;
  for (const bytes of [64, 4096, channelBytes]) {
    const buffer = new SharedArrayBuffer(bytes);
    assert.throws(() => SharedReceiver.from({ end: "receiver", buffer } as never), isInvalid, `${bytes} bytes`);
    assert.throws(() => SharedSender.from({ end: "sender", buffer } as never), isInvalid, `${bytes} bytes`);
  }
  // A channel's buffer cut short or with a header that does not match its length.
  const forged = new SharedArrayBuffer(channelBytes + 8);
  new Uint8Array(forged).set(new Uint8Array(rx.handle().buffer));
  assert.throws(() => SharedReceiver.from({ end: "receiver", buffer: forged } as never), isInvalid);
  for (const bad of [null, undefined, 5]) {
    assert.throws(() => SharedReceiver.from(bad as never), isInvalid, String(bad));
    assert.throws(() => SharedSender.from(bad as never), isInvalid, String(bad));
  }
  const semaphore = new SharedSemaphore(1);
  const notify = new SharedNotify();
  assert.throws(() => SharedNotify.from({ kind: "notify", buffer: semaphore.handle.buffer }), isInvalid);
  assert.throws(() => SharedSemaphore.from({ kind: "semaphore", buffer: notify.handle.buffer }), isInvalid);
  for (const bytes of [12, 16, 20]) {
    const buffer = new SharedArrayBuffer(bytes);
    assert.throws(() => SharedSemaphore.from({ kind: "semaphore", buffer }), isInvalid, `${bytes} bytes`);
    assert.throws(() => SharedNotify.from({ kind: "notify", buffer }), isInvalid, `${bytes} bytes`);
  }
  assert.equal(SharedSemaphore.from(structuredClone(semaphore.handle)).availablePermits, 1, "a real handle opens");
  tx.drop();
  rx.drop();
});

test("a SendError after the receiver's close() says the channel was closed, after its drop that no receiver is left", () => {
  const [tx, rx] = mpsc.unbounded<number>();
  rx.close();
  assert.throws(() => tx.send(1), (e) => e instanceof SendError && /closed the channel/.test(e.message));
  rx[Symbol.dispose]();
  assert.throws(() => tx.send(2), (e) => e instanceof SendError && /no receiver is left/.test(e.message));
  const [stx, srx] = sharedChannel<number>(2);
  srx.close();
  assert.throws(() => stx.trySend(1), (e) => e instanceof SendError && /the channel was closed/.test(e.message));
  stx.drop();
  srx.drop();
  const [dtx, drx] = sharedChannel<number>(2);
  drx.drop();
  assert.throws(() => dtx.trySend(1), (e) => e instanceof SendError && /no receiver is left/.test(e.message));
  dtx.drop();
});

test("recover() of this live thread's id, or of an id that is not a thread's, is INVALID_ARGUMENT and gives back nothing", () => {
  const semaphore = new SharedSemaphore(3);
  const permit = semaphore.tryAcquire(2)!;
  const [tx, rx] = sharedChannel<number>(2);
  assert.ok(tx.trySend(1));
  // Recovering this thread used to give back its live permits (3 + 2 = 5 over a maximum of 3) and
  // drop its live ends (closing the channel); -1 (Node's worker.threadId after exit) matched every
  // free holder entry and reported an empty recovery.
  const alive = (what: string) => (e: unknown): boolean =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && e.message.includes(what) &&
    e.message.includes("this thread, which is alive");
  assert.throws(() => semaphore.recover(currentThreadId()), alive("SharedSemaphore.recover()"));
  assert.throws(() => tx.recover(currentThreadId()), alive("SharedSender.recover()"));
  assert.throws(() => rx.recover(currentThreadId()), alive("SharedReceiver.recover()"));
  for (const id of [-1, NaN, 1.5, "7", null]) {
    rejects(() => semaphore.recover(id as number), "SharedSemaphore.recover()", id);
    rejects(() => tx.recover(id as number), "SharedSender.recover()", id);
    rejects(() => rx.recover(id as number), "SharedReceiver.recover()", id);
  }
  assert.equal(semaphore.availablePermits, 1);
  assert.ok(!tx.isClosed);
  assert.equal(rx.tryRecv(), 1);
  permit.release();
  assert.equal(semaphore.availablePermits, 3);
});

test("options that are not an object (or undefined) are rejected, naming the value: RwLock, sharedChannel", () => {
  // { slotBytes: null } was taken as the default 256 (`??`), where maxReaders: null is refused.
  rejects(() => sharedChannel(4, { slotBytes: null as never }), "slotBytes", null);
  rejects(() => new RwLock(0, { maxReaders: null as never }), "maxReaders", null);
  for (const bad of [null, 5, "maxReaders", true]) {
    rejects(() => new RwLock(0, bad as RwLockOptions), "RwLock's options", bad);
    rejects(() => sharedChannel(2, bad as SharedChannelOptions), "sharedChannel()'s options", bad);
  }
  assert.equal(new RwLock(0, undefined).maxReaders, MAX_PERMITS);
});

test("from() of a handle, and options, that throw when read are INVALID_ARGUMENT with the read's error as cause", () => {
  // Before: a revoked Proxy threw the engine's TypeError from every from(), sharedChannel's and
  // RwLock's options, and a getter of slotBytes its own error.
  const { proxy: revokedHandle, revoke } = Proxy.revocable({}, {});
  revoke();
  const throwing = Object.defineProperty({}, "slotBytes", {
    get() {
      throw new Error("reading slotBytes");
    },
  });
  const unreadable = (needs: RegExp) => (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && needs.test(e.message) && e.cause instanceof Error;
  assert.throws(() => SharedSender.from(revokedHandle as never), unreadable(/SharedSender\.from\(\) needs a handle/));
  assert.throws(
    () => SharedReceiver.from(revokedHandle as never),
    unreadable(/SharedReceiver\.from\(\) needs a handle/),
  );
  assert.throws(() => SharedSemaphore.from(revokedHandle as never), unreadable(/SharedSemaphore\.from\(\) needs/));
  assert.throws(() => SharedNotify.from(revokedHandle as never), unreadable(/SharedNotify\.from\(\) needs/));
  const revokedBuffer = { end: "sender", kind: "semaphore", buffer: revokedHandle };
  assert.throws(() => SharedSender.from(revokedBuffer as never), unreadable(/needs its buffer/));
  assert.throws(() => SharedSemaphore.from(revokedBuffer as never), unreadable(/needs a handle's buffer/));
  assert.throws(() => sharedChannel(4, throwing), unreadable(/sharedChannel\(\) needs options/));
  assert.throws(() => sharedChannel(4, revokedHandle), unreadable(/sharedChannel\(\) needs options/));
  assert.throws(() => new RwLock(0, revokedHandle), unreadable(/RwLock needs options/));
});

test("from() of a Proxy of a channel's, semaphore's or notify's own buffer is INVALID_ARGUMENT naming it, not the engine's TypeError", () => {
  // A Proxy passes instanceof SharedArrayBuffer, and its byteLength getter then threw a bare TypeError.
  const refusedAsProxy = (e: unknown) =>
    e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && /Proxy|SharedArrayBuffer/.test(e.message);
  const [tx, rx] = sharedChannel<number>(2);
  const semaphore = new SharedSemaphore(1);
  const notify = new SharedNotify();
  const proxy = <T extends object>(buffer: T): T => new Proxy(buffer, {});
  assert.throws(() => SharedSender.from({ end: "sender", buffer: proxy(tx.handle().buffer) } as never), refusedAsProxy);
  assert.throws(
    () => SharedReceiver.from({ end: "receiver", buffer: proxy(rx.handle().buffer) } as never),
    refusedAsProxy,
  );
  assert.throws(
    () => SharedSemaphore.from({ kind: "semaphore", buffer: proxy(semaphore.handle.buffer) }),
    refusedAsProxy,
  );
  assert.throws(() => SharedNotify.from({ kind: "notify", buffer: proxy(notify.handle.buffer) }), refusedAsProxy);
  tx.drop();
  rx.drop();
});
