import assert from "node:assert/strict";
import { type Coroutine, LocalExecutor, PENDING } from "@spindle/core";
import { NetError, type UdpSocket, WOULD_BLOCK } from "./mod.ts";
import { countingWaker, until } from "@spindle/test-support";
import { deliver, notConnected, pair, str, text } from "./test-support/helpers.ts";
import { type Bind, eachBackend } from "./test-support/each-backend.ts";

/** A socket connected to a peer on loopback (the peer unconnected), closed after `body`. */
async function connectedPair(
  bind: Bind,
  body: (socket: UdpSocket, peer: UdpSocket) => Promise<void>,
  options = {},
): Promise<void> {
  await pair(bind, async (socket, peer) => {
    await socket.connect(peer.localAddr());
    await body(socket, peer);
  }, options);
}

eachBackend(
  "tryRecv: NOT_CONNECTED without a peer; WOULD_BLOCK, then the peer's datagram (or into a buffer)",
  async (bind) => {
    const lone = await bind("127.0.0.1:0");
    assert.throws(() => lone.tryRecv(), notConnected);
    lone.close();
    await connectedPair(bind, async (socket, peer) => {
      assert.equal(socket.tryRecv(), WOULD_BLOCK);
      await deliver(peer, socket, "first");
      await deliver(peer, socket, "second");
      const data = socket.tryRecv();
      assert.ok(data !== WOULD_BLOCK && str(data) === "first");
      const buffer = new Uint8Array(3);
      const into = socket.tryRecv(buffer);
      assert.ok(into !== WOULD_BLOCK);
      assert.deepEqual([into.bytes, into.truncated, str(buffer), into.from.equals(peer.localAddr())], [
        3,
        true,
        "sec",
        true,
      ]);
      assert.equal(socket.tryRecv(), WOULD_BLOCK);
      assert.throws(() => socket.tryRecv([] as unknown as Uint8Array), /tryRecv\(buffer\) needs a Uint8Array/);
      const { received, delivered, queued } = socket.stats();
      assert.deepEqual({ received, delivered, queued }, { received: 2, delivered: 2, queued: 0 });
    });
  },
);

eachBackend("pollRecv: only the latest waker is kept and woken, then the datagram (or into a buffer)", async (bind) => {
  await connectedPair(bind, async (socket, peer) => {
    const first = countingWaker();
    const latest = countingWaker();
    assert.equal(socket.pollRecv(first.cx), PENDING);
    assert.equal(socket.pollRecv(latest.cx), PENDING);
    await deliver(peer, socket, "one");
    await until(() => latest.woken() > 0, "the wake");
    assert.equal(first.woken(), 0, "only the latest waker is kept");
    const data = socket.pollRecv(latest.cx);
    assert.ok(data !== PENDING && str(data) === "one");
    const buffer = new Uint8Array(8);
    assert.equal(socket.pollRecv(latest.cx, buffer), PENDING);
    await deliver(peer, socket, "two");
    await until(() => latest.woken() > 1, "the second wake");
    const into = socket.pollRecv(latest.cx, buffer);
    assert.ok(into !== PENDING && into.bytes === 3 && !into.truncated && str(buffer.subarray(0, 3)) === "two");
  });
});

eachBackend("recv(buffer): a future that receives the peer's datagram into the caller's buffer", async (bind) => {
  const lone = await bind("127.0.0.1:0");
  assert.throws(() => lone.recv(new Uint8Array(1)), notConnected);
  lone.close();
  await connectedPair(bind, async (socket, peer) => {
    const buffer = new Uint8Array(5);
    function* receive(): Coroutine<[number, boolean, string, boolean]> {
      const { bytes, truncated, from } = yield* socket.recv(buffer);
      return [bytes, truncated, str(buffer), from.equals(peer.localAddr())];
    }
    const executor = new LocalExecutor();
    const got = executor.spawn(receive());
    const running = executor.run();
    await new Promise((resolve) => setTimeout(resolve, 10)); // the receive waits
    peer.trySendTo(text("buffered"), socket.localAddr());
    await running;
    assert.deepEqual(await got, [5, true, "buffe", true]);
  });
});

eachBackend("pollSend: NOT_CONNECTED without a peer; sends to the peer and returns the byte count", async (bind) => {
  const lone = await bind("127.0.0.1:0");
  assert.throws(() => lone.pollSend(countingWaker().cx, text("x")), notConnected);
  lone.close();
  await connectedPair(bind, async (socket, peer) => {
    const { cx } = countingWaker();
    assert.equal(socket.pollSend(cx, text("polled send")), 11);
    await until(() => peer.stats().queued === 1, "the datagram to arrive");
    const datagram = peer.tryRecvFrom();
    assert.ok(datagram !== WOULD_BLOCK && str(datagram.data) === "polled send");
    assert.ok(datagram.from.equals(socket.localAddr()));
  });
});

eachBackend(
  "pollSendReady: ready at once; with the send window full, PENDING until the runtime reports a send, then woken",
  async (bind, backend) => {
    await connectedPair(bind, async (socket) => {
      const { cx, woken: wakes } = countingWaker();
      assert.equal(socket.pollSendReady(cx), undefined);
      assert.equal(socket.trySend(text("fills the window")), 16);
      if (backend === "bun") {
        // Bun.udpSocket's send reports synchronously (backends/bun-udp-backend.ts): the window never fills on
        // loopback, so the socket stays writable.
        assert.equal(socket.pollSendReady(cx), undefined);
        return;
      }
      // node:dgram and Deno report a send later: the one-send window is full until then.
      assert.equal(socket.trySend(text("x")), WOULD_BLOCK);
      assert.equal(socket.pollSendReady(cx), PENDING);
      await until(() => wakes() > 0, "the wake once the send was reported");
      assert.equal(socket.pollSendReady(cx), undefined);
      assert.equal(socket.stats().sent, 1);
    }, { sendWindow: 1 });
  },
);

eachBackend(
  "pollRecvReady: PENDING with the latest waker; a datagram wakes it; ready until a try* finds nothing",
  async (bind) => {
    await connectedPair(bind, async (socket, peer) => {
      const first = countingWaker();
      const latest = countingWaker();
      assert.equal(socket.pollRecvReady(first.cx), PENDING);
      assert.equal(socket.pollRecvReady(latest.cx), PENDING);
      await deliver(peer, socket, "ready");
      await until(() => latest.woken() > 0, "the wake");
      assert.equal(first.woken(), 0, "only the latest waker is kept");
      assert.equal(socket.pollRecvReady(latest.cx), undefined);
      assert.equal(socket.pollRecvReady(latest.cx), undefined, "readiness is not consumed by asking");
      assert.ok(socket.tryRecv() !== WOULD_BLOCK);
      assert.equal(socket.pollRecvReady(latest.cx), undefined, "still set: no try* has found nothing yet");
      assert.equal(socket.tryRecv(), WOULD_BLOCK);
      assert.equal(socket.pollRecvReady(latest.cx), PENDING);
      socket.close();
      assert.throws(
        () => socket.pollRecvReady(latest.cx),
        (e: unknown) => e instanceof NetError && e.code === "CLOSED",
      );
    });
  },
);
