import assert from "node:assert/strict";
import { test } from "node:test";
import { PENDING, SpindleError, STREAM_END } from "@spindle/core";
import { countingWaker } from "@spindle/test-support";
import { datagrams, Interest, Reactor, Ready, WOULD_BLOCK } from "./mod.ts";
import { eachBackend } from "./test-support/each-backend.ts";
import { deliver, pair, text } from "./test-support/helpers.ts";

const isCompletedError = (e: unknown): boolean => e instanceof SpindleError && e.code === "FUTURE_COMPLETED";

eachBackend(
  "a socket operation or datagram stream polled after its drop neither waits nor takes a datagram",
  (bind) =>
    pair(bind, async (socket, peer) => {
      const { cx, counter } = countingWaker();
      const operations = {
        "recvFrom()": socket.recvFrom(),
        "readable()": socket.readable(),
        "peekFrom()": socket.peekFrom(),
        "sendTo() a host name": peer.sendTo(text("x"), `localhost:${socket.localAddr().port}`),
      };
      const stream = datagrams(socket);
      for (const operation of Object.values(operations)) operation.poll(cx);
      assert.equal(stream.pollNext(cx), PENDING);
      for (const operation of Object.values(operations)) operation[Symbol.dispose]();
      stream[Symbol.dispose]();
      await deliver(peer, socket, "kept");
      for (const [name, operation] of Object.entries(operations)) {
        assert.throws(() => operation.poll(cx), isCompletedError, name);
      }
      assert.equal(stream.pollNext(cx), STREAM_END, "a dropped stream has ended");
      assert.equal(counter.live, 1, "nothing dropped keeps a waker");
      assert.equal(socket.stats().queued, 1, "the datagram is still queued for whoever receives next");
      assert.notEqual(socket.tryRecvFrom(), WOULD_BLOCK);
    }),
);

test("a dropped registration wakes its waiting tasks with CLOSED and answers CLOSED afterwards", () => {
  const registration = Reactor.forThisThread().register({ start() {}, stop() {} }, Interest.READABLE);
  const reader = countingWaker();
  const waiter = { interest: Interest.READABLE, waker: null };
  assert.equal(registration.pollReady(reader.cx, Interest.READABLE), PENDING);
  assert.equal(registration.pollWaiter(reader.cx, waiter), PENDING);
  registration[Symbol.dispose]();
  assert.equal(reader.woken(), 2, "both waits were woken: no source will wake them any more");
  assert.equal(registration.pollReady(reader.cx, Interest.READABLE), Ready.CLOSED);
  assert.equal(registration.pollWaiter(reader.cx, waiter), Ready.CLOSED);
  assert.equal(reader.counter.live, 1, "the dropped registration keeps no waker");
});

test("a source whose start() throws is not left registered", () => {
  const reactor = Reactor.forThisThread();
  const before = reactor.registrations;
  const failure = new Error("start failed");
  assert.throws(() =>
    reactor.register({
      start() {
        throw failure;
      },
      stop() {},
    }, Interest.READABLE), (e) => e === failure);
  assert.equal(reactor.registrations, before);
});
