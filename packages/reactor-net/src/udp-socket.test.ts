import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { test } from "node:test";
import { type Coroutine, fromPromise, joinAll, LocalExecutor, PENDING, SpindleError } from "@spindle/core";
import { type BackendChoice, NetError, UdpSocket, type UdpSocketOptions, WOULD_BLOCK } from "./mod.ts";
import { countingContext, str, text, until } from "./test-support/helpers.ts";

const isClosed = (e: unknown): boolean => e instanceof NetError && e.code === "CLOSED";

/** Every backend: each test below runs once per backend this runtime has, named in its title. */
const BACKENDS: readonly Exclude<BackendChoice, "auto">[] = ["node:dgram", "deno", "bun"];
/** Backends that pull datagrams only while the receive queue has room (the kernel keeps the rest). */
const PULLING: ReadonlySet<BackendChoice> = new Set(["deno"]);
const denoNamespace = (globalThis as unknown as { Deno?: { listenDatagram?: unknown } }).Deno;
const RUNTIME = denoNamespace !== undefined ? "Deno" : "Bun" in globalThis ? "Bun" : "Node";

/** The error binding with `backend` must fail with on this runtime, or `undefined` if it can bind. */
function unavailable(backend: BackendChoice): RegExp | undefined {
  if (backend === "bun") return RUNTIME === "Bun" ? undefined : new RegExp(`backend "bun" needs Bun's Bun.udpSocket, which ${RUNTIME} does not have`);
  if (backend !== "deno") return undefined;
  if (denoNamespace === undefined) return new RegExp(`needs Deno's Deno.listenDatagram, which ${RUNTIME} does not have`);
  return typeof denoNamespace.listenDatagram === "function" ? undefined : /only with the --unstable-net flag/;
}

/** `UdpSocket.bind` with one backend. */
type Bind = (address: string, options?: UdpSocketOptions) => Promise<UdpSocket>;

/** Defines `body` as one test per backend available here. */
function eachBackend(title: string, body: (bind: Bind, backend: BackendChoice) => Promise<void>): void {
  for (const backend of BACKENDS) {
    if (unavailable(backend) !== undefined) continue; // tested just below: it must fail clearly
    test(`${backend}: ${title}`, () => body((address, options) => UdpSocket.bind(address, { ...options, backend }), backend));
  }
}

for (const backend of BACKENDS) {
  const missing = unavailable(backend);
  if (missing === undefined) continue;
  test(`${backend}: not available on ${RUNTIME}, so binding fails with INVALID_ARGUMENT saying what is missing`, async () => {
    await assert.rejects(UdpSocket.bind("127.0.0.1:0", { backend }), (e: unknown) => e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && missing.test(e.message));
  });
}

for (const host of ["127.0.0.1", "[::1]"]) {
  eachBackend(`loopback echo over ${host.includes(":") ? "IPv6" : "IPv4"}`, async (bind) => {
    const server = await bind(`${host}:0`);
    const client = await bind(`${host}:0`);
    function* echo(times: number): Coroutine<void> {
      for (let i = 0; i < times; i++) {
        const { data, from } = yield* server.recvFrom();
        yield* server.sendTo(data, from);
      }
    }
    function* ask(words: string[]): Coroutine<string[]> {
      const replies: string[] = [];
      for (const word of words) {
        yield* client.sendTo(text(word), server.localAddr());
        const { data, from } = yield* client.recvFrom();
        assert.ok(from.equals(server.localAddr()), `reply from ${from}`);
        replies.push(str(data));
      }
      return replies;
    }
    const executor = new LocalExecutor();
    executor.spawn(echo(3));
    const replies = executor.spawn(ask(["one", "two", "three"]));
    await executor.run();
    assert.deepEqual(await replies, ["one", "two", "three"]);
    assert.deepEqual(server.stats(), { received: 3, delivered: 3, dropped: 0, sent: 3, sendErrors: 0 });
    server.close();
    client.close();
  });
}

eachBackend("readiness: pollRecvFrom stores the latest waker, a datagram wakes it, tryRecvFrom reports would-block", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  const peer = await bind("127.0.0.1:0");
  try {
    assert.equal(socket.tryRecvFrom(), WOULD_BLOCK);
    const first = countingContext();
    const latest = countingContext();
    assert.equal(socket.pollRecvFrom(first.cx), PENDING);
    assert.equal(socket.pollRecvFrom(latest.cx), PENDING);
    assert.equal(peer.trySendTo(text("hi"), socket.localAddr()), 2);
    await until(() => latest.wakes() > 0, "the wake");
    assert.equal(first.wakes(), 0, "only the latest waker is kept");
    const datagram = socket.pollRecvFrom(latest.cx);
    assert.ok(datagram !== PENDING && str(datagram.data) === "hi" && datagram.from.equals(peer.localAddr()));
    assert.equal(socket.tryRecvFrom(), WOULD_BLOCK);
  } finally {
    socket.close();
    peer.close();
  }
});

eachBackend("overflow: with the queue capped at K, received + dropped account for every datagram", async (bind, backend) => {
  const K = 8;
  const N = 50;
  const socket = await bind("127.0.0.1:0", { receiveQueueSize: K });
  const peer = await bind("127.0.0.1:0");
  try {
    const executor = new LocalExecutor();
    const sends = Array.from({ length: N }, (_, i) => peer.sendTo(text(`d${i}`), socket.localAddr()));
    executor.spawn(joinAll(sends));
    await executor.run();
    if (PULLING.has(backend)) {
      // Only K datagrams leave the kernel; the rest wait there for room (deno-datagram-backend.test.ts).
      await until(() => socket.stats().received === K, `${K} datagrams to arrive`);
      await new Promise((resolve) => setTimeout(resolve, 20)); // time for any excess to show
      assert.deepEqual(socket.stats(), { received: K, delivered: 0, dropped: 0, sent: 0, sendErrors: 0 });
    } else {
      await until(() => socket.stats().received === N, `${N} datagrams to arrive`);
      assert.deepEqual(socket.stats(), { received: N, delivered: 0, dropped: N - K, sent: 0, sendErrors: 0 });
    }
    const kept: string[] = [];
    for (let d = socket.tryRecvFrom(); d !== WOULD_BLOCK; d = socket.tryRecvFrom()) kept.push(str(d.data));
    assert.deepEqual(kept, Array.from({ length: K }, (_, i) => `d${i}`), "the newest are the ones dropped");
    assert.equal(socket.stats().delivered, K);
  } finally {
    socket.close();
    peer.close();
  }
});

eachBackend("send order is preserved for a burst of sends issued without waiting", async (bind) => {
  // Fewer than the ~256 small datagrams the kernel's default receive buffer holds here, so that
  // none is lost on the way even while the receiving task waits its turn.
  const N = 200;
  const receiver = await bind("127.0.0.1:0", { receiveQueueSize: N });
  const sender = await bind("127.0.0.1:0");
  try {
    function* receive(): Coroutine<number[]> {
      const seen: number[] = [];
      while (seen.length < N) seen.push(Number(str((yield* receiver.recvFrom()).data)));
      return seen;
    }
    const executor = new LocalExecutor();
    const received = executor.spawn(receive());
    executor.spawn(joinAll(Array.from({ length: N }, (_, i) => sender.sendTo(text(String(i)), receiver.localAddr()))));
    await executor.run();
    assert.deepEqual(await received, Array.from({ length: N }, (_, i) => i));
    assert.equal(sender.stats().sent, N);
  } finally {
    receiver.close();
    sender.close();
  }
});

eachBackend("a receive buffer smaller than the datagram gets the head and a truncation flag", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  const peer = await bind("127.0.0.1:0");
  try {
    peer.trySendTo(text("abcdef"), socket.localAddr());
    const buffer = new Uint8Array(4);
    const executor = new LocalExecutor();
    const received = executor.spawn(socket.recvFrom(buffer));
    await executor.run();
    const { bytes, truncated, from } = await received;
    assert.deepEqual([bytes, truncated, str(buffer), from.port], [4, true, "abcd", peer.localAddr().port]);
  } finally {
    socket.close();
    peer.close();
  }
});

eachBackend("the largest IPv4 datagram goes through; one byte more is rejected before sending", async (bind) => {
  const socket = await bind("127.0.0.1:0", { receiveQueueSize: 2 });
  try {
    assert.throws(() => socket.trySendTo(new Uint8Array(65_508), socket.localAddr()), (e: unknown) => e instanceof NetError && e.code === "DATAGRAM_TOO_LARGE" && /at most 65507 bytes, got 65508/.test(e.message));
    const executor = new LocalExecutor();
    executor.spawn(socket.sendTo(new Uint8Array(65_507), socket.localAddr()));
    const received = executor.spawn(socket.recvFrom());
    await executor.run();
    assert.equal((await received).data.byteLength, 65_507);
  } finally {
    socket.close();
  }
});

eachBackend("bad input gets a clear error naming the value", async (bind) => {
  await assert.rejects(bind("127.0.0.1:70000"), /got 70000/);
  await assert.rejects(bind("127.0.0.1:0", { receiveQueueSize: 0 }), (e: unknown) => e instanceof SpindleError && /receiveQueueSize must be an integer from 1/.test(e.message));
  await assert.rejects(bind("127.0.0.1:0", { ttl: 300 }), /ttl must be an integer from 1 to 255, got 300/);
  await assert.rejects(UdpSocket.bind("127.0.0.1:0", { backend: "quic" as "auto" }), /backend must be one of "auto", "node:dgram", "deno".*got "quic"/);
  const socket = await bind("127.0.0.1:0");
  try {
    assert.throws(() => socket.trySendTo(text("x"), "[::1]:9"), /bound to IPv4 .* cannot reach the IPv6 address \[::1\]:9/);
    assert.throws(() => socket.trySendTo(text("x"), "127.0.0.1:0"), /cannot send to port 0/);
    assert.throws(() => socket.sendTo("text" as unknown as Uint8Array, "127.0.0.1:9"), /must be a Uint8Array, got "text"/);
    assert.throws(() => socket.recvFrom([] as unknown as Uint8Array), /needs a Uint8Array, got a Array/);
    assert.throws(() => socket.send(text("x")), (e: unknown) => e instanceof NetError && e.code === "NOT_CONNECTED");
    assert.throws(() => socket.joinMulticast("not-an-ip"), /not an IPv4 or IPv6 address: "not-an-ip"/);
  } finally {
    socket.close();
  }
  await assert.rejects(
    (async () => {
      const a = await bind("127.0.0.1:0");
      try {
        await bind(`127.0.0.1:${a.localAddr().port}`);
      } finally {
        a.close();
      }
    })(),
    (e: unknown) => e instanceof NetError && e.code === "BIND_FAILED",
  );
});

eachBackend("closing wakes every waiting task with CLOSED, and later operations fail", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  const executor = new LocalExecutor();
  const receiving = executor.spawn(socket.recvFrom());
  const waiting = executor.spawn(socket.readable());
  const running = executor.run();
  await new Promise((resolve) => setTimeout(resolve, 10));
  socket.close();
  await running;
  await assert.rejects(Promise.resolve(receiving), isClosed);
  await assert.rejects(Promise.resolve(waiting), isClosed);
  assert.throws(() => socket.tryRecvFrom(), isClosed);
  assert.throws(() => socket.trySendTo(text("x"), "127.0.0.1:9"), isClosed);
  assert.throws(() => socket.sendTo(text("x"), "127.0.0.1:9"), isClosed);
  socket.close(); // twice is harmless
});

eachBackend("connect: send and recv use the peer, and other senders are discarded", async (bind) => {
  const a = await bind("127.0.0.1:0");
  const b = await bind("127.0.0.1:0");
  const stranger = await bind("127.0.0.1:0");
  try {
    a.connect(b.localAddr());
    b.connect(a.localAddr());
    stranger.trySendTo(text("noise"), a.localAddr());
    const executor = new LocalExecutor();
    executor.spawn(function* (): Coroutine<void> {
      yield* fromPromise(new Promise((resolve) => setTimeout(resolve, 20))); // the noise arrives first
      yield* b.send(text("hello"));
    }());
    const got = executor.spawn(a.recv());
    await executor.run();
    assert.equal(str(await got), "hello");
    assert.equal(a.stats().received, 1, "the stranger's datagram never reached the queue");
    assert.ok(a.peerAddr()?.equals(b.localAddr()));
  } finally {
    a.close();
    b.close();
    stranger.close();
  }
});

eachBackend("interoperates with a UDP peer this project did not write (Python's socket module)", async (bind) => {
  const script = fileURLToPath(new URL("./test-support/reverse-echo.py", import.meta.url));
  const words = ["spindle", "reactor", "udp"];
  const python = spawn("python3", [script, String(words.length)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => python.on("close", resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      python.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      python.once("error", reject);
    });
    const socket = await bind("127.0.0.1:0");
    try {
      function* talk(): Coroutine<string[]> {
        const replies: string[] = [];
        for (const word of words) {
          yield* socket.sendTo(text(word), `127.0.0.1:${port}`);
          replies.push(str((yield* socket.recvFrom()).data));
        }
        return replies;
      }
      const executor = new LocalExecutor();
      const replies = executor.spawn(talk());
      await executor.run();
      assert.deepEqual(await replies, ["eldnips", "rotcaer", "pdu"]);
    } finally {
      socket.close();
    }
    assert.equal(await exited, 0);
  } finally {
    python.kill();
  }
});

eachBackend("reuseAddress lets a second socket bind the same address and port", async (bind) => {
  const first = await bind("127.0.0.1:0", { reuseAddress: true });
  try {
    const second = await bind(`127.0.0.1:${first.localAddr().port}`, { reuseAddress: true });
    assert.ok(second.localAddr().equals(first.localAddr()));
    second.close();
  } finally {
    first.close();
  }
});

eachBackend("broadcast: true lets a socket send to a broadcast address (the loopback network's)", async (bind) => {
  const socket = await bind("127.0.0.1:0", { broadcast: true });
  try {
    const executor = new LocalExecutor();
    const sent = executor.spawn(socket.sendTo(text("x"), `127.255.255.255:${socket.localAddr().port}`));
    await executor.run();
    assert.equal(await sent, 1);
  } finally {
    socket.close();
  }
});

eachBackend("multicast: a socket that joined a group receives what is sent to it, and leaves it", async (bind) => {
  const group = "239.255.77.77";
  const member = await bind("0.0.0.0:0");
  const sender = await bind("0.0.0.0:0");
  try {
    member.joinMulticast(group);
    // A join may complete after the call returns (Deno's does): send until one datagram arrives.
    const sending = setInterval(() => sender.trySendTo(text("to the group"), `${group}:${member.localAddr().port}`), 5);
    try {
      await until(() => member.stats().received > 0, "a datagram sent to the group");
    } finally {
      clearInterval(sending);
    }
    const datagram = member.tryRecvFrom();
    assert.ok(datagram !== WOULD_BLOCK && str(datagram.data) === "to the group");
    member.leaveMulticast(group);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(member.takeError(), null);
  } finally {
    member.close();
    sender.close();
  }
});

test("auto picks the runtime's own UDP API: bun on Bun, deno on Deno with --unstable-net, node:dgram on Node", async () => {
  const host = globalThis as { Bun?: unknown; Deno?: { listenDatagram?: unknown } };
  const expected = host.Bun !== undefined ? "bun" : typeof host.Deno?.listenDatagram === "function" ? "deno" : "node:dgram";
  const socket = await UdpSocket.bind("127.0.0.1:0");
  try {
    assert.equal(socket.backend, expected);
  } finally {
    socket.close();
  }
});

// Permissions exist only on Deno (Node and Bun grant everything): this test is defined there only.
if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") {
  test("deno: without --allow-net, binding with either backend fails with PermissionDeniedError naming the flag", () => {
    const script = fileURLToPath(new URL("./test-support/without-net.ts", import.meta.url));
    const bin = process.env.SPINDLE_TEST_RUNTIME_BIN ?? process.execPath;
    const out = execFileSync(bin, ["run", "--no-prompt", "--unstable-net", "--allow-env", script], { encoding: "utf8", timeout: 20_000 });
    const refused = { name: "PermissionDeniedError", flag: "--allow-net" };
    assert.deepEqual(JSON.parse(out), { "node:dgram": refused, deno: refused });
  });
}
