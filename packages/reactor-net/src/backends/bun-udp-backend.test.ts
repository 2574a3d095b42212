// Tests of the "bun" backend's own behaviour (Bun only). Every udp-socket test also runs on it
// (udp-socket.test.ts), and there, on Node and Deno, a test checks that choosing it fails with
// INVALID_ARGUMENT naming the runtime; this file defines no tests on those runtimes.
//
// Some tests wrap `Bun.udpSocket` (restored before the test goes on) to watch the real socket's
// handlers, or to make its `send` refuse: on loopback the kernel never refuses a send (see
// bun-udp-backend.ts), and a real refusal needs another interface and ~3 s (probes/bun-udp.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Coroutine, joinAll, LocalExecutor } from "@spindle/core";
import { NetError, UdpSocket, type UdpSocketOptions, WOULD_BLOCK } from "../mod.ts";
import { sleep, str, text, until } from "../test-support/helpers.ts";

/** `promise`, or a failure naming `what` after 10 s (a hang bound, not a measure). */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((
    _,
    reject,
  ) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const hasCode = (code: string, cause?: string) => (e: unknown): boolean =>
  e instanceof NetError && e.code === code &&
  (cause === undefined || (e.cause as { code?: string } | undefined)?.code === cause);

// The slice of Bun's API the wrapper touches.
type Handler = (this: unknown, ...args: unknown[]) => unknown;
interface Handlers {
  data: Handler;
  drain: Handler;
  error: Handler;
}
interface RealSocket {
  readonly closed: boolean;
  send(data: Uint8Array, port: number, address: string): boolean;
}
interface BunUdp {
  udpSocket(options: { socket: Handlers }): Promise<RealSocket>;
}
const bun = (globalThis as unknown as { Bun?: BunUdp }).Bun;

const bind = (address: string, options: UdpSocketOptions = {}): Promise<UdpSocket> =>
  UdpSocket.bind(address, { ...options, backend: "bun" });

/** What the wrapper saw of the one Bun socket opened through it, and its switch to refuse sends. */
interface Watched {
  real: RealSocket | null;
  /** The backend's handlers, as given to `Bun.udpSocket`. */
  handlers: Handlers | null;
  /** Every call Bun made to the error handler: `this`, and the arguments. */
  errorCalls: { self: unknown; args: unknown[] }[];
  drains: number;
  /** While true, `send` returns `false` without sending, as Bun does when the kernel would block. */
  refuse: boolean;
  refusals: number;
  /** Methods the backend does not see, as on a Bun without them. */
  hide: readonly string[];
}

const watching = (hide: readonly string[] = []): Watched => ({
  real: null,
  handlers: null,
  errorCalls: [],
  drains: 0,
  refuse: false,
  refusals: 0,
  hide,
});

/**
 * Binds with backend "bun" while `Bun.udpSocket` is wrapped: the socket Bun creates is real, its
 * handlers are watched, and the backend sees it through a proxy that can refuse sends and hide
 * the methods named in `watched.hide`.
 */
async function watchedBind(
  address: string,
  options: UdpSocketOptions = {},
  watched: Watched = watching(),
): Promise<{ socket: UdpSocket; watched: Watched }> {
  const namespace = bun!;
  const udpSocket = namespace.udpSocket;
  namespace.udpSocket = async (opts) => {
    const handlers = opts.socket;
    watched.handlers = handlers;
    const real = await udpSocket.call(namespace, {
      ...opts,
      socket: {
        data: handlers.data,
        drain(...args) {
          watched.drains++;
          return handlers.drain.apply(this, args);
        },
        error(...args) {
          watched.errorCalls.push({ self: this, args });
          return handlers.error.apply(this, args);
        },
      },
    });
    watched.real = real;
    return new Proxy(real, {
      get(target, key) {
        if (typeof key === "string" && watched.hide.includes(key)) return undefined;
        if (key === "send") {
          return (data: Uint8Array, port: number, to: string) => {
            if (!watched.refuse) return target.send(data, port, to);
            watched.refusals++;
            return false;
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  try {
    return { socket: await bind(address, options), watched };
  } finally {
    namespace.udpSocket = udpSocket;
  }
}

if (bun !== undefined) {
  test("bun: a refused send (send() → false) is would-block: not writable until drain, nothing lost, order kept", async () => {
    const receiver = await bind("127.0.0.1:0", { receiveQueueSize: 16 });
    const { socket: sender, watched } = await watchedBind("127.0.0.1:0");
    const to = receiver.localAddr();
    try {
      // Bun calls drain once just after creating the socket; let it pass, so it cannot interfere.
      await until(() => watched.drains === 1, "the drain Bun sends after creating the socket");
      assert.equal(sender.trySendTo(text("0"), to), 1);
      watched.refuse = true;
      assert.equal(
        sender.trySendTo(text("x"), to),
        WOULD_BLOCK,
        "refused: nothing sent, the datagram stays the caller's",
      );
      assert.equal(sender.trySendTo(text("x"), to), WOULD_BLOCK, "not writable: the runtime is not asked again");
      assert.equal(watched.refusals, 1);

      const order: string[] = [];
      const executor = new LocalExecutor();
      executor.spawn(function* (): Coroutine<void> {
        yield* sender.writable();
        order.push("writable");
      }());
      const sends = executor.spawn(joinAll(["1", "2", "3"].map((s) => sender.sendTo(text(s), to))));
      const running = executor.run();
      await sleep(20);
      assert.deepEqual(order, [], "not writable before drain");
      assert.equal(watched.refusals, 1, "the waiting sends did not ask the runtime");
      assert.deepEqual(sender.stats(), {
        received: 0,
        delivered: 0,
        dropped: 0,
        queued: 0,
        discarded: 0,
        sent: 1,
        sendErrors: 0,
      });

      watched.refuse = false;
      watched.handlers!.drain.call(watched.real, watched.real); // as Bun calls it once the kernel takes sends
      await within(running, "the waiting sends to go once drained");
      assert.deepEqual(order, ["writable"]);
      assert.deepEqual(await sends, [1, 1, 1]);
      await until(() => receiver.stats().received === 4, "4 datagrams");
      const got: string[] = [];
      for (let d = receiver.tryRecvFrom(); d !== WOULD_BLOCK; d = receiver.tryRecvFrom()) got.push(str(d.data));
      assert.deepEqual(got, ["0", "1", "2", "3"]);
      assert.deepEqual(sender.stats(), {
        received: 0,
        delivered: 0,
        dropped: 0,
        queued: 0,
        discarded: 0,
        sent: 4,
        sendErrors: 0,
      });
    } finally {
      sender.close();
      receiver.close();
    }
  });

  test("bun: a drain with nothing refused changes nothing; closing while refused fails the waiting send with CLOSED", async () => {
    const peer = await bind("127.0.0.1:0");
    const { socket, watched } = await watchedBind("127.0.0.1:0");
    await until(() => watched.drains === 1, "the drain Bun sends after creating the socket");
    watched.handlers!.drain.call(watched.real, watched.real);
    assert.equal(socket.trySendTo(text("a"), peer.localAddr()), 1);
    watched.refuse = true;
    const executor = new LocalExecutor();
    const send = executor.spawn(socket.sendTo(text("b"), peer.localAddr()));
    const running = executor.run();
    await sleep(10);
    socket.close();
    await within(running, "the waiting send to fail once closed");
    await assert.rejects(Promise.resolve(send), hasCode("CLOSED"));
    assert.equal(watched.real!.closed, true);
    peer.close();
  });

  test("bun: Bun calls the error handler as error(err) with this = the socket; ICMP reports to an unconnected socket are dropped, as on Node", async () => {
    const closed = await bind("127.0.0.1:0");
    const port = closed.localAddr().port;
    closed.close();
    const { socket, watched } = await watchedBind("127.0.0.1:0");
    try {
      // A datagram to a closed port: the kernel queues ICMP port unreachable, which Bun reports.
      assert.equal(socket.trySendTo(text("anyone?"), `127.0.0.1:${port}`), 7);
      await until(() => watched.errorCalls.length > 0, "Bun's error report");
      const [{ self, args }] = watched.errorCalls as [{ self: unknown; args: unknown[] }];
      assert.equal(self, watched.real, "this is the socket");
      assert.equal(args.length, 1, "one argument: the error, not (socket, error) as Bun's types say");
      const reported = args[0] as { code?: string; syscall?: string; errqueue?: boolean };
      assert.ok(reported instanceof Error);
      assert.deepEqual([reported.code, reported.syscall, reported.errqueue], ["ECONNREFUSED", "recv", true]);
      assert.equal(socket.takeError(), null, "dropped: node:dgram reports nothing for an unconnected socket");

      // Any other error reaches takeError, in Bun's real form and in the form of its types.
      watched.handlers!.error.call(watched.real, new Error("as Bun calls it"));
      assert.equal(socket.takeError()?.message, "as Bun calls it");
      watched.handlers!.error.call(watched.real, watched.real, new Error("as Bun's types say"));
      assert.equal(socket.takeError()?.message, "as Bun's types say");
    } finally {
      socket.close();
    }
  });

  test("bun: on a connected socket Bun's ICMP reports fail the next operation: CONNECTION_REFUSED or PEER_UNREACHABLE, the error as cause", async () => {
    const peer = await bind("127.0.0.1:0");
    const { socket, watched } = await watchedBind("127.0.0.1:0");
    try {
      const report = (code: string): void => {
        const error = Object.assign(new Error(`${code}: as Bun reports it, recv`), {
          code,
          syscall: "recv",
          errqueue: true,
        });
        watched.handlers!.error.call(watched.real, error);
      };
      report("ECONNREFUSED");
      assert.equal(socket.takeError(), null, "unconnected: dropped");
      await socket.connect(peer.localAddr());
      report("EHOSTUNREACH");
      assert.ok(hasCode("PEER_UNREACHABLE", "EHOSTUNREACH")(socket.takeError()));
      report("ECONNREFUSED");
      assert.throws(() => socket.trySend(text("x")), hasCode("CONNECTION_REFUSED", "ECONNREFUSED"));
      assert.equal(socket.trySend(text("y")), 1);
      await until(() => peer.stats().received === 1, "the datagram after the refusal");
      assert.equal(socket.stats().sendErrors, 1);
    } finally {
      socket.close();
      peer.close();
    }
  });

  test("bun: datagrams are queued as Bun hands them, each in its own exact-size buffer that Bun does not reuse", async () => {
    const N = 64;
    const receiver = await bind("127.0.0.1:0", { receiveQueueSize: N });
    const sender = await bind("127.0.0.1:0");
    try {
      for (let i = 0; i < N; i++) {
        assert.equal(sender.trySendTo(new Uint8Array(100).fill(i), receiver.localAddr()), 100);
      }
      await until(() => receiver.stats().received === N, `${N} datagrams`);
      const kept: Uint8Array[] = [];
      for (let d = receiver.tryRecvFrom(); d !== WOULD_BLOCK; d = receiver.tryRecvFrom()) kept.push(d.data);
      assert.equal(kept.length, N);
      assert.ok(kept.every((data) => data.constructor === Uint8Array), "plain Uint8Arrays (binaryType uint8array)");
      assert.ok(
        kept.every((data) => data.byteOffset === 0 && data.buffer.byteLength === 100),
        "each in its own 100-byte buffer",
      );
      assert.equal(new Set(kept.map((data) => data.buffer)).size, N, "no two share a buffer");
      assert.ok(kept.every((data, i) => data.every((byte) => byte === i)), "intact after the later ones arrived");
    } finally {
      receiver.close();
      sender.close();
    }
  });

  test("bun: reuseAddress lets two sockets share a port; without it the second bind fails", async () => {
    const a = await bind("127.0.0.1:0", { reuseAddress: true });
    try {
      const b = await bind(`127.0.0.1:${a.localAddr().port}`, { reuseAddress: true });
      b.close();
      const plain = await bind("127.0.0.1:0");
      try {
        await assert.rejects(bind(`127.0.0.1:${plain.localAddr().port}`), hasCode("BIND_FAILED"));
      } finally {
        plain.close();
      }
    } finally {
      a.close();
    }
  });

  test("bun: an IPv6 socket is dual-stack unless ipv6Only, which refuses IPv4 traffic", async () => {
    const v4 = await bind("127.0.0.1:0");
    const v6 = await bind("[::1]:0");
    try {
      for (const ipv6Only of [false, true]) {
        const socket = await bind("[::]:0", { ipv6Only });
        try {
          const port = socket.localAddr().port;
          v4.trySendTo(text("over IPv4"), `127.0.0.1:${port}`);
          v6.trySendTo(text("over IPv6"), `[::1]:${port}`);
          await until(() => socket.stats().received === (ipv6Only ? 1 : 2), "the datagrams");
          await sleep(20); // time for anything more to show
          const got: string[] = [];
          for (let d = socket.tryRecvFrom(); d !== WOULD_BLOCK; d = socket.tryRecvFrom()) {
            got.push(`${str(d.data)} from ${d.from.address}`);
          }
          assert.deepEqual(
            got,
            ipv6Only ? ["over IPv6 from ::1"] : ["over IPv4 from ::ffff:127.0.0.1", "over IPv6 from ::1"],
            `ipv6Only: ${ipv6Only}`,
          );
        } finally {
          socket.close();
        }
      }
    } finally {
      v4.close();
      v6.close();
    }
  });

  test("bun: broadcast (loopback's 127.255.255.255): refused with SEND_FAILED (EACCES) until set, at bind or later", async () => {
    const receiver = await bind("0.0.0.0:0");
    const to = `127.255.255.255:${receiver.localAddr().port}`;
    const plain = await bind("127.0.0.1:0");
    const broadcasting = await bind("127.0.0.1:0", { broadcast: true });
    try {
      const executor = new LocalExecutor();
      const refused = executor.spawn(plain.sendTo(text("no"), to));
      await executor.run();
      await assert.rejects(Promise.resolve(refused), hasCode("SEND_FAILED", "EACCES"));
      assert.equal(plain.trySendTo(text("no"), to), 2, "trySendTo: the failure is reported after");
      assert.equal((plain.takeError() as { code?: string } | null)?.code, "EACCES");
      assert.deepEqual(plain.stats(), {
        received: 0,
        delivered: 0,
        dropped: 0,
        queued: 0,
        discarded: 0,
        sent: 0,
        sendErrors: 2,
      });
      assert.equal(broadcasting.trySendTo(text("set at bind"), to), 11);
      plain.setBroadcast(true);
      assert.equal(plain.trySendTo(text("set later"), to), 9);
      await until(() => receiver.stats().received === 2, "2 broadcasts");
      const got: string[] = [];
      for (let d = receiver.tryRecvFrom(); d !== WOULD_BLOCK; d = receiver.tryRecvFrom()) got.push(str(d.data));
      assert.deepEqual(got, ["set at bind", "set later"]);
    } finally {
      receiver.close();
      plain.close();
      broadcasting.close();
    }
  });

  test("bun: ttl and multicast join / leave apply; Bun's refusals are MULTICAST_FAILED with its error as cause", async () => {
    const socket = await bind("127.0.0.1:0", { ttl: 7 });
    try {
      socket.setTtl(1);
      socket.joinMulticast("224.0.0.114", "127.0.0.1");
      assert.throws(() => socket.joinMulticast("224.0.0.114", "127.0.0.1"), hasCode("MULTICAST_FAILED", "EADDRINUSE"));
      socket.leaveMulticast("224.0.0.114", "127.0.0.1");
      assert.throws(
        () => socket.leaveMulticast("224.0.0.114", "127.0.0.1"),
        hasCode("MULTICAST_FAILED", "EADDRNOTAVAIL"),
      );
    } finally {
      socket.close();
    }
  });

  test("bun: an option this Bun's socket lacks fails with UNSUPPORTED naming the option and Bun, and leaves nothing open", async () => {
    const unsupported = (option: string) => (e: unknown): boolean =>
      hasCode("UNSUPPORTED")(e) &&
      new RegExp(`^${option} is not supported on Bun \\S+ by backend "bun"`).test((e as Error).message);
    for (
      const [hidden, options, option] of [
        ["setBroadcast", { broadcast: true }, "broadcast"],
        ["setTTL", { ttl: 5 }, "ttl"],
      ] as const
    ) {
      const watched = watching([hidden]);
      await assert.rejects(watchedBind("127.0.0.1:0", options, watched), unsupported(option));
      assert.equal(watched.real!.closed, true, `the socket bound before ${option} failed is closed`);
    }
    const { socket, watched } = await watchedBind(
      "127.0.0.1:0",
      {},
      watching(["setBroadcast", "setTTL", "addMembership", "dropMembership"]),
    );
    try {
      assert.throws(() => socket.setBroadcast(true), unsupported("broadcast"));
      assert.throws(() => socket.setTtl(5), unsupported("ttl"));
      assert.throws(() => socket.joinMulticast("224.0.0.114"), unsupported("joinMulticast"));
      assert.throws(() => socket.leaveMulticast("224.0.0.114"), unsupported("leaveMulticast"));
    } finally {
      socket.close();
    }
    assert.equal(watched.real!.closed, true);
  });
}
