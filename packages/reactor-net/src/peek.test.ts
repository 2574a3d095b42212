import assert from "node:assert/strict";
import { type Coroutine, type Future, LocalExecutor, PENDING } from "@spindle/core";
import { NetError, type UdpSocket, WOULD_BLOCK } from "./mod.ts";
import { countingWaker, until, within } from "@spindle/test-support";
import { closedPort, deliver, notConnected, pair, sleep, str, text, withReverseEcho } from "./test-support/helpers.ts";
import { eachBackend, RUNTIME } from "./test-support/each-backend.ts";

/** Runs `future` to completion on an executor. */
async function run<T>(future: Future<T> | Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(future);
  await executor.run();
  return await handle;
}

/** Receives the queued datagram and checks stats: delivered once, however often it was peeked. */
function receiveOnce(socket: UdpSocket, word: string): void {
  const datagram = socket.tryRecvFrom();
  assert.ok(datagram !== WOULD_BLOCK && str(datagram.data) === word, "the peeked datagram is still the next one");
  assert.equal(socket.tryRecvFrom(), WOULD_BLOCK);
  const { received, delivered, queued } = socket.stats();
  assert.deepEqual({ received, delivered, queued }, { received: 1, delivered: 1, queued: 0 });
}

eachBackend(
  "tryPeekFrom: WOULD_BLOCK when empty, then the oldest datagram, left queued and counted once",
  async (bind) => {
    await pair(bind, async (socket, peer) => {
      assert.equal(socket.tryPeekFrom(), WOULD_BLOCK);
      await deliver(peer, socket, "peeked");
      for (let i = 0; i < 3; i++) {
        const datagram = socket.tryPeekFrom();
        assert.ok(datagram !== WOULD_BLOCK, "a peek finds the datagram");
        assert.equal(str(datagram.data), "peeked");
        assert.ok(datagram.from.equals(peer.localAddr()));
        assert.deepEqual([socket.stats().delivered, socket.stats().queued], [0, 1]);
      }
      receiveOnce(socket, "peeked");
    });
  },
);

eachBackend(
  "tryPeekFrom(buffer): the head and a truncation flag, the datagram left whole in the queue",
  async (bind) => {
    await pair(bind, async (socket, peer) => {
      await deliver(peer, socket, "abcdef");
      const small = new Uint8Array(4);
      const peeked = socket.tryPeekFrom(small);
      assert.ok(peeked !== WOULD_BLOCK);
      assert.deepEqual([peeked.bytes, peeked.truncated, str(small), peeked.from.port], [
        4,
        true,
        "abcd",
        peer.localAddr().port,
      ]);
      const large = new Uint8Array(16);
      const whole = socket.tryPeekFrom(large);
      assert.ok(whole !== WOULD_BLOCK && whole.bytes === 6 && !whole.truncated);
      assert.throws(
        () => socket.tryPeekFrom("x" as unknown as Uint8Array),
        /tryPeekFrom\(buffer\) needs a Uint8Array, got "x"/,
      );
      receiveOnce(socket, "abcdef");
    });
  },
);

eachBackend(
  "tryPeekSender: the oldest datagram's sender, left queued; WOULD_BLOCK clears readability",
  async (bind) => {
    await pair(bind, async (socket, peer) => {
      assert.equal(socket.tryPeekSender(), WOULD_BLOCK);
      const { cx, woken: wakes } = countingWaker();
      assert.equal(socket.pollRecvReady(cx), PENDING, "readability was cleared by the empty peek");
      await deliver(peer, socket, "who");
      await until(() => wakes() > 0, "the readiness wake");
      const sender = socket.tryPeekSender();
      assert.ok(sender !== WOULD_BLOCK && sender.equals(peer.localAddr()));
      assert.equal(socket.pollRecvReady(cx), undefined, "a successful peek keeps readability");
      receiveOnce(socket, "who");
    });
  },
);

eachBackend(
  "tryPeek: the connected peer's datagram (or into a buffer), left queued; NOT_CONNECTED without a peer",
  async (bind) => {
    await pair(bind, async (socket, peer) => {
      assert.throws(() => socket.tryPeek(), notConnected);
      await socket.connect(peer.localAddr());
      assert.equal(socket.tryPeek(), WOULD_BLOCK);
      await deliver(peer, socket, "connected");
      const data = socket.tryPeek();
      assert.ok(data !== WOULD_BLOCK && str(data) === "connected");
      const buffer = new Uint8Array(4);
      const into = socket.tryPeek(buffer);
      assert.ok(into !== WOULD_BLOCK && into.bytes === 4 && into.truncated && str(buffer) === "conn");
      receiveOnce(socket, "connected");
    });
  },
);

eachBackend("pollPeekFrom: only the latest waker is kept and woken; the datagram stays queued", async (bind) => {
  await pair(bind, async (socket, peer) => {
    const first = countingWaker();
    const latest = countingWaker();
    assert.equal(socket.pollPeekFrom(first.cx), PENDING);
    assert.equal(socket.pollPeekFrom(latest.cx), PENDING);
    await deliver(peer, socket, "polled");
    await until(() => latest.woken() > 0, "the wake");
    assert.equal(first.woken(), 0, "only the latest waker is kept");
    const datagram = socket.pollPeekFrom(latest.cx);
    assert.ok(datagram !== PENDING && str(datagram.data) === "polled" && datagram.from.equals(peer.localAddr()));
    const buffer = new Uint8Array(3);
    const into = socket.pollPeekFrom(latest.cx, buffer);
    assert.ok(into !== PENDING && into.bytes === 3 && into.truncated && str(buffer) === "pol");
    receiveOnce(socket, "polled");
  });
});

eachBackend("pollPeekSender: PENDING with the waker stored, then the sender, left queued", async (bind) => {
  await pair(bind, async (socket, peer) => {
    const { cx, woken: wakes } = countingWaker();
    assert.equal(socket.pollPeekSender(cx), PENDING);
    await deliver(peer, socket, "from");
    await until(() => wakes() > 0, "the wake");
    const sender = socket.pollPeekSender(cx);
    assert.ok(sender !== PENDING && sender.equals(peer.localAddr()));
    receiveOnce(socket, "from");
  });
});

eachBackend(
  "pollPeek: the connected peer's datagram after a wake, left queued; NOT_CONNECTED without a peer",
  async (bind) => {
    await pair(bind, async (socket, peer) => {
      const { cx, woken: wakes } = countingWaker();
      assert.throws(() => socket.pollPeek(cx), notConnected);
      await socket.connect(peer.localAddr());
      assert.equal(socket.pollPeek(cx), PENDING);
      await deliver(peer, socket, "poll-peek");
      await until(() => wakes() > 0, "the wake");
      const data = socket.pollPeek(cx);
      assert.ok(data !== PENDING && str(data) === "poll-peek");
      receiveOnce(socket, "poll-peek");
    });
  },
);

eachBackend(
  "peekFrom: a future that waits for a datagram and leaves it queued; several peekers all see it",
  async (bind) => {
    await pair(bind, async (socket, peer) => {
      const executor = new LocalExecutor();
      const peeks = [executor.spawn(socket.peekFrom()), executor.spawn(socket.peekFrom())];
      const buffer = new Uint8Array(2);
      const into = executor.spawn(socket.peekFrom(buffer));
      const running = executor.run();
      await new Promise((resolve) => setTimeout(resolve, 10)); // the peekers wait
      assert.equal(peer.trySendTo(text("future"), socket.localAddr()), 6);
      await running;
      for (const peek of peeks) assert.equal(str((await peek).data), "future");
      assert.deepEqual([(await into).bytes, (await into).truncated, str(buffer)], [2, true, "fu"]);
      receiveOnce(socket, "future");
    });
  },
);

eachBackend("peekSender: a future of the next datagram's sender, which a receive then takes", async (bind) => {
  await pair(bind, async (socket, peer) => {
    function* session(): Coroutine<string> {
      const sender = yield* socket.peekSender();
      assert.ok(sender.equals(peer.localAddr()));
      return str((yield* socket.recvFrom()).data);
    }
    const executor = new LocalExecutor();
    const got = executor.spawn(session());
    const running = executor.run();
    await new Promise((resolve) => setTimeout(resolve, 10));
    peer.trySendTo(text("hello"), socket.localAddr());
    await running;
    assert.equal(await got, "hello");
    const { received, delivered, queued } = socket.stats();
    assert.deepEqual({ received, delivered, queued }, { received: 1, delivered: 1, queued: 0 });
  });
});

eachBackend("peek: a future of the connected peer's datagram (or into a buffer), left queued", async (bind) => {
  await pair(bind, async (socket, peer) => {
    assert.throws(() => socket.peek(), notConnected);
    await socket.connect(peer.localAddr());
    await deliver(peer, socket, "peek-me");
    assert.equal(str(await run(socket.peek())), "peek-me");
    const buffer = new Uint8Array(4);
    const into = await run(socket.peek(buffer));
    assert.deepEqual([into.bytes, into.truncated, str(buffer)], [4, true, "peek"]);
    receiveOnce(socket, "peek-me");
  });
});

eachBackend("closing fails a waiting peek with CLOSED, and peeking a closed socket throws CLOSED", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  const executor = new LocalExecutor();
  const waiting = executor.spawn(socket.peekFrom());
  const running = executor.run();
  await new Promise((resolve) => setTimeout(resolve, 10));
  socket.close();
  await within(running, 2_000, "the waiting peek to fail once closed");
  const isClosed = (e: unknown): boolean => e instanceof NetError && e.code === "CLOSED";
  await assert.rejects(async () => await waiting, isClosed);
  assert.throws(() => socket.tryPeekFrom(), isClosed);
  assert.throws(() => socket.peekSender(), isClosed);
});

eachBackend(
  "peek against a Python socket peer: peekSender and peekFrom see its reply, recvFrom takes it once",
  async (bind) => {
    await withReverseEcho(1, async (port) => {
      const socket = await bind("127.0.0.1:0");
      try {
        function* talk(): Coroutine<string[]> {
          yield* socket.sendTo(text("gossip"), `127.0.0.1:${port}`);
          const sender = yield* socket.peekSender();
          const peeked = yield* socket.peekFrom();
          const received = yield* socket.recvFrom();
          return [`${sender}`, str(peeked.data), `${peeked.from}`, str(received.data), `${received.from}`];
        }
        const peerAddress = `127.0.0.1:${port}`;
        assert.deepEqual(await run(talk()), [peerAddress, "pissog", peerAddress, "pissog", peerAddress]);
        const { received, delivered, queued } = socket.stats();
        assert.deepEqual({ received, delivered, queued }, { received: 1, delivered: 1, queued: 0 });
      } finally {
        socket.close();
      }
    });
  },
);

/**
 * Whether the runtime reports ICMP errors to a connected socket: not Deno (measured in
 * udp-socket.test.ts, `REPORTS_ICMP`; the README's support table).
 */
const REPORTS_ICMP = RUNTIME !== "Deno";
const refused = (e: unknown): boolean =>
  e instanceof NetError && e.code === "CONNECTION_REFUSED" &&
  (e.cause as { code?: string } | undefined)?.code === "ECONNREFUSED";

eachBackend(
  "a waiting peek gets a connected peer's refusal (CONNECTION_REFUSED), once; then tryPeek would block",
  async (bind) => {
    const port = await closedPort(bind);
    const socket = await bind("127.0.0.1:0");
    try {
      await socket.connect(`127.0.0.1:${port}`);
      const executor = new LocalExecutor();
      const peeked = executor.spawn(socket.peek());
      const running = executor.run();
      assert.equal(socket.trySend(text("anyone?")), 7);
      if (!REPORTS_ICMP) {
        await sleep(300);
        assert.equal(socket.tryPeek(), WOULD_BLOCK, "Deno reports no refusal");
        socket.close();
        await within(running, 2_000, "the waiting peek to fail once closed");
        await assert.rejects(async () => await peeked, (e: unknown) => e instanceof NetError && e.code === "CLOSED");
        return;
      }
      await within(running, 2_000, "the refusal to wake the peek"); // ~1 ms measured on loopback
      await assert.rejects(async () => await peeked, refused);
      assert.equal(socket.tryPeek(), WOULD_BLOCK, "reported once");
      assert.equal(socket.takeError(), null);
    } finally {
      socket.close();
    }
  },
);
