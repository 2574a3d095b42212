// Tests of the "deno" backend's own behaviour (Deno with --unstable-net). Every udp-socket test
// also runs on it (udp-socket.test.ts), and there, on Node and Bun, a test checks that choosing
// it fails with a clear error; this file defines no tests on those runtimes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { type Coroutine, joinAll, LocalExecutor, SpindleError } from "@spindle/core";
import { NetError, UdpSocket, type UdpSocketOptions, WOULD_BLOCK } from "../mod.ts";
import { until } from "@spindle/test-support";
import { sleep, str, text } from "../test-support/helpers.ts";
import { RUNTIME_WITH_VERSION } from "../test-support/each-backend.ts";

/** The next error `socket.takeError()` gives (a hang bound of 10 s). */
async function nextError(socket: UdpSocket): Promise<Error> {
  for (const start = Date.now(); Date.now() - start < 10_000; await sleep(2)) {
    const error = socket.takeError();
    if (error !== null) return error;
  }
  assert.fail("timed out waiting for an error");
}

interface Conn {
  receive(buffer?: Uint8Array): Promise<unknown>;
}
interface DenoNet {
  listenDatagram?: (options: unknown) => Conn;
  execPath(): string;
}
const deno = (globalThis as unknown as { Deno?: DenoNet }).Deno;

const bind = (address: string, options: UdpSocketOptions = {}): Promise<UdpSocket> =>
  UdpSocket.bind(address, { ...options, backend: "deno" });

/**
 * Runs `body` with `Deno.listenDatagram` wrapped so that it counts the `receive` calls in
 * progress on the sockets opened meanwhile (now, and the most ever at once).
 */
async function countingReceives(body: (receives: { now: number; most: number }) => Promise<void>): Promise<void> {
  const namespace = deno!;
  const listenDatagram = namespace.listenDatagram!;
  const receives = { now: 0, most: 0 };
  namespace.listenDatagram = (options) => {
    const conn = listenDatagram.call(namespace, options);
    const receive = conn.receive;
    conn.receive = (buffer) => {
      receives.most = Math.max(receives.most, ++receives.now);
      return receive.call(conn, buffer).finally(() => receives.now--);
    };
    return conn;
  };
  try {
    await body(receives);
  } finally {
    namespace.listenDatagram = listenDatagram;
  }
}

/** The kernel's view of the UDP socket bound to 127.0.0.1:`port` (Linux `/proc/net/udp`). */
function kernelSocket(port: number): { queuedBytes: number; drops: number } {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const line = readFileSync("/proc/net/udp", "utf8").split("\n").map((l) => l.trim().split(/\s+/)).find((f) =>
    f[1] === local
  );
  assert.ok(line !== undefined, `no socket on ${local} in /proc/net/udp`);
  return { queuedBytes: parseInt(line[4]!.split(":")[1]!, 16), drops: Number(line.at(-1)) };
}

if (typeof deno?.listenDatagram === "function") {
  test("deno: one receive outstanding, none while the queue is full: with room for 4, 46 of 50 unread datagrams stay in the kernel and none is dropped", async () => {
    await countingReceives(async (receives) => {
      const N = 50;
      const K = 4;
      const socket = await bind("127.0.0.1:0", { receiveQueueSize: K });
      const peer = await UdpSocket.bind("127.0.0.1:0", { backend: "node:dgram" }); // receives are counted on "deno" sockets only
      try {
        const sending = new LocalExecutor();
        sending.spawn(joinAll(Array.from({ length: N }, (_, i) => peer.sendTo(text(`d${i}`), socket.localAddr()))));
        await sending.run();
        await until(() => socket.stats().received === K, `${K} datagrams to arrive`);
        await sleep(20); // time for any excess to show
        assert.deepEqual(socket.stats(), {
          received: K,
          delivered: 0,
          dropped: 0,
          queued: K,
          discarded: 0,
          sent: 0,
          sendErrors: 0,
        });
        assert.equal(receives.now, 0, "no receive while the queue is full");
        if (existsSync("/proc/net/udp")) {
          const kernel = kernelSocket(socket.localAddr().port);
          assert.ok(kernel.queuedBytes > 0, "the rest waits in the kernel's receive buffer");
          assert.equal(kernel.drops, 0);
        }
        function* readAll(): Coroutine<string[]> {
          const seen: string[] = [];
          while (seen.length < N) seen.push(str((yield* socket.recvFrom()).data));
          return seen;
        }
        const reading = new LocalExecutor();
        const seen = reading.spawn(readAll());
        await reading.run();
        assert.deepEqual(await seen, Array.from({ length: N }, (_, i) => `d${i}`), "all of them, in order");
        assert.deepEqual(socket.stats(), {
          received: N,
          delivered: N,
          dropped: 0,
          queued: 0,
          discarded: 0,
          sent: 0,
          sendErrors: 0,
        });
        await sleep(5);
        assert.equal(receives.now, 1, "with room again, one receive waits for the next datagram");
        assert.equal(receives.most, 1, "never more than one receive at a time per socket");
      } finally {
        socket.close();
        peer.close();
      }
    });
  });

  test("deno: received datagrams are copies in a shared pool, not views of the reused receive buffer", async () => {
    const socket = await bind("127.0.0.1:0");
    const peer = await bind("127.0.0.1:0");
    try {
      peer.trySendTo(text("first"), socket.localAddr());
      await until(() => socket.stats().received === 1, "the first datagram");
      peer.trySendTo(text("2nd"), socket.localAddr()); // may land in the buffer the first came through
      await until(() => socket.stats().received === 2 || socket.takeError() !== null, "the second datagram");
      const first = socket.tryRecvFrom();
      const second = socket.tryRecvFrom();
      assert.ok(first !== WOULD_BLOCK && second !== WOULD_BLOCK);
      assert.deepEqual([str(first.data), str(second.data)], ["first", "2nd"]);
      // Small datagrams are copied into a shared 16 KiB pool (see CopyPool), not kept in the
      // 64 KiB receive buffer, which the next receive overwrites.
      assert.equal(first.data.buffer, second.data.buffer);
      assert.equal(first.data.buffer.byteLength, 16 * 1024);
      assert.ok(second.data.byteOffset >= first.data.byteOffset + first.data.byteLength, "copies do not overlap");
    } finally {
      socket.close();
      peer.close();
    }
  });

  test("deno: a full send window waits in order behind one send in flight, and is writable again at half", async () => {
    // Deno reverses the order of sends issued without waiting: the backend issues one at a time.
    const receiver = await bind("127.0.0.1:0");
    const sender = await bind("127.0.0.1:0", { sendWindow: 8 });
    const to = receiver.localAddr();
    try {
      for (let i = 0; i < 8; i++) assert.equal(sender.trySendTo(text(String(i)), to), 1, `send ${i} is taken`);
      assert.equal(sender.trySendTo(text("8"), to), WOULD_BLOCK, "the window is full");
      const executor = new LocalExecutor();
      const sentWhenWritable = executor.spawn(function* (): Coroutine<number> {
        yield* sender.writable();
        const sent = sender.stats().sent;
        for (let i = 8; i < 12; i++) yield* sender.sendTo(text(String(i)), to);
        return sent;
      }());
      await executor.run();
      assert.ok((await sentWhenWritable) >= 4, "writable once at most half of the window is in flight");
      await until(() => receiver.stats().received === 12, "12 datagrams");
      const got: string[] = [];
      for (let d = receiver.tryRecvFrom(); d !== WOULD_BLOCK; d = receiver.tryRecvFrom()) got.push(str(d.data));
      assert.deepEqual(got, Array.from({ length: 12 }, (_, i) => String(i)));
    } finally {
      receiver.close();
      sender.close();
    }
  });

  test("deno: options Deno.listenDatagram lacks fail with UNSUPPORTED naming the option, Deno with its version and the backend, and leave no socket open", async () => {
    const unsupported = (option: string) => (e: unknown): boolean =>
      e instanceof NetError && e.code === "UNSUPPORTED" &&
      e.message.startsWith(
        `${option} is not supported on ${RUNTIME_WITH_VERSION} by backend "deno": Deno.listenDatagram `,
      );
    await assert.rejects(bind("[::]:0", { ipv6Only: true }), unsupported("ipv6Only: true"));
    await countingReceives(async (receives) => {
      await assert.rejects(bind("127.0.0.1:0", { ttl: 64 }), unsupported("ttl"));
      await sleep(5);
      assert.equal(receives.now, 0, "the socket bound before the ttl was refused is closed again");
    });
    const socket = await bind("127.0.0.1:0", { broadcast: true });
    try {
      assert.throws(() => socket.setTtl(8), unsupported("ttl"));
      assert.throws(() => socket.setBroadcast(false), unsupported("broadcast: false"));
      socket.setBroadcast(true); // what Deno always has
    } finally {
      socket.close();
    }
  });

  test("deno: broadcast is always on (Deno sets SO_BROADCAST on every UDP socket)", async () => {
    const socket = await bind("127.0.0.1:0"); // no broadcast option: node:dgram would get EACCES
    try {
      const executor = new LocalExecutor();
      const sent = executor.spawn(socket.sendTo(text("x"), `127.255.255.255:${socket.localAddr().port}`));
      await executor.run();
      assert.equal(await sent, 1);
    } finally {
      socket.close();
    }
  });

  // Deno's test runner fails the test in which a promise rejection goes unhandled.
  test("deno: closing ends the outstanding receive, or the wait for room, without an unhandled rejection", async () => {
    await countingReceives(async (receives) => {
      const idle = await bind("127.0.0.1:0");
      const full = await bind("127.0.0.1:0", { receiveQueueSize: 1 });
      const peer = await UdpSocket.bind("127.0.0.1:0", { backend: "node:dgram" });
      try {
        await until(() => receives.now === 2, "both sockets to be receiving");
        const executor = new LocalExecutor();
        executor.spawn(joinAll([peer.sendTo(text("1"), full.localAddr()), peer.sendTo(text("2"), full.localAddr())]));
        await executor.run();
        await until(() => full.stats().received === 1 && receives.now === 1, "the full socket to wait for room");
        idle.close(); // a receive outstanding
        full.close(); // waiting for room
        await sleep(20);
        assert.equal(receives.now, 0, "no receive left");
        assert.deepEqual([idle.takeError(), full.takeError()], [null, null], "nothing reported");
      } finally {
        idle.close();
        full.close();
        peer.close();
      }
    });
  });

  test("deno: a multicast join Deno fails later arrives as MULTICAST_FAILED through takeError", async () => {
    const socket = await bind("0.0.0.0:0");
    try {
      socket.joinMulticast("239.255.77.78", "192.0.2.254"); // no interface has this address
      const failure = await nextError(socket);
      assert.ok(failure instanceof NetError && failure.code === "MULTICAST_FAILED", String(failure));
      assert.match(failure.message, /could not join multicast group 239\.255\.77\.78/);
    } finally {
      socket.close();
    }
  });

  test("deno: leaving a group not joined and joining on an unknown interface throw at once", async () => {
    const socket = await bind("0.0.0.0:0");
    try {
      assert.throws(
        () => socket.leaveMulticast("239.255.77.79"),
        (e: unknown) =>
          e instanceof SpindleError && e.code === "INVALID_ARGUMENT" &&
          /has not joined 239\.255\.77\.79/.test(e.message),
      );
      assert.throws(
        () => socket.joinMulticast("ff12::1", "no-such-interface"),
        (e: unknown) =>
          e instanceof NetError && e.code === "INVALID_ADDRESS" &&
          /by interface index.*"no-such-interface"/.test(e.message),
      );
    } finally {
      socket.close();
    }
  });

  test('deno: IPv6 groups are joined by interface index ("%1", loopback on Linux) or on the default interface, and left', async () => {
    const socket = await bind("[::]:0");
    try {
      socket.joinMulticast("ff12::1234", "%1");
      socket.joinMulticast("ff12::1235");
      await sleep(20);
      socket.leaveMulticast("ff12::1234", "%1");
      socket.leaveMulticast("ff12::1235");
      await sleep(20);
      assert.equal(socket.takeError(), null);
    } finally {
      socket.close();
    }
  });

  test("deno: without --unstable-net, choosing the backend fails with INVALID_ARGUMENT naming the flag", async () => {
    const script = fileURLToPath(new URL("../test-support/bind-deno-backend.ts", import.meta.url));
    const root = fileURLToPath(new URL("../../../..", import.meta.url));
    const child = spawn(deno!.execPath(), ["run", "-A", "--conditions=@spindle/source", script], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Uint8Array) => (output += str(chunk)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("close", resolve);
      child.on("error", reject);
    });
    assert.equal(code, 0);
    assert.match(
      output,
      /^INVALID_ARGUMENT: backend "deno" needs Deno\.listenDatagram, which Deno offers only with the --unstable-net flag/,
    );
  });
}
