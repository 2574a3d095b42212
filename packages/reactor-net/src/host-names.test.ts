import assert from "node:assert/strict";
import dns from "node:dns";
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { NetError, type UdpSocket, WOULD_BLOCK } from "./mod.ts";
import { until, within } from "@spindle/test-support";
import { sleep, str, text } from "./test-support/helpers.ts";
import { eachBackend } from "./test-support/each-backend.ts";

/** Resolves in .invalid, which DNS reserves never to resolve (RFC 6761). */
const NOWHERE = "no-such-host.invalid";
const unresolved = (e: unknown): boolean =>
  e instanceof NetError && e.code === "RESOLVE_FAILED" && e.message.includes(`"${NOWHERE}"`) &&
  (e.cause as { code?: string } | undefined)?.code === "ENOTFOUND";

/**
 * Runs `body` with `dns.lookup` (the resolver every runtime's `node:dns` has, which the package
 * calls) counting the host names it is asked for.
 */
async function countingLookups(body: (looked: string[]) => Promise<void>): Promise<void> {
  const original = dns.lookup;
  const looked: string[] = [];
  dns.lookup = ((host: string, ...rest: unknown[]) => {
    looked.push(host);
    return (original as (...args: unknown[]) => unknown)(host, ...rest);
  }) as typeof dns.lookup;
  try {
    await body(looked);
  } finally {
    dns.lookup = original;
  }
}

/** Runs `work` on an executor to completion. */
async function run<T>(work: Coroutine<T>): Promise<T> {
  const executor = new LocalExecutor();
  const handle = executor.spawn(work);
  await executor.run();
  return await handle;
}

/** Waits until `socket` has a datagram queued and returns its text. */
async function nextText(socket: UdpSocket): Promise<string> {
  await until(() => socket.stats().queued > 0, "a datagram");
  const datagram = socket.tryRecvFrom();
  assert.ok(datagram !== WOULD_BLOCK);
  return str(datagram.data);
}

eachBackend('bind("localhost:0") resolves the name once and binds its loopback address', async (bind) => {
  await countingLookups(async (looked) => {
    const socket = await bind("localhost:0");
    try {
      assert.ok(["127.0.0.1", "::1"].includes(socket.localAddr().address), `bound to ${socket.localAddr()}`);
      assert.ok(socket.localAddr().port > 0);
      assert.deepEqual(looked, ["localhost"]);
    } finally {
      socket.close();
    }
  });
});

eachBackend(
  'connect("localhost:port") resolves once, to the socket\'s family, and connects to that peer',
  async (bind) => {
    const peer = await bind("127.0.0.1:0");
    const socket = await bind("127.0.0.1:0");
    try {
      await countingLookups(async (looked) => {
        await socket.connect(`localhost:${peer.localAddr().port}`);
        assert.deepEqual(looked, ["localhost"]);
      });
      assert.ok(socket.peerAddr()?.equals(peer.localAddr()), `connected to ${socket.peerAddr()}`);
      assert.equal(socket.trySend(text("via name")), 8);
      assert.equal(await nextText(peer), "via name");
    } finally {
      socket.close();
      peer.close();
    }
  },
);

eachBackend('sendTo(data, "localhost:port") resolves once per call and delivers', async (bind) => {
  const peer = await bind("127.0.0.1:0");
  const socket = await bind("127.0.0.1:0");
  try {
    await countingLookups(async (looked) => {
      const to = `localhost:${peer.localAddr().port}`;
      function* twice(): Coroutine<number[]> {
        return [yield* socket.sendTo(text("one"), to), yield* socket.sendTo(text("two"), to)];
      }
      assert.deepEqual(await run(twice()), [3, 3]);
      assert.deepEqual(looked, ["localhost", "localhost"]);
    });
    assert.equal(await nextText(peer), "one");
    assert.equal(await nextText(peer), "two");
    assert.equal(socket.stats().sent, 2);
  } finally {
    socket.close();
    peer.close();
  }
});

eachBackend("IP literals take the fast path: bind, connect, sendTo and trySendTo call no resolver", async (bind) => {
  await countingLookups(async (looked) => {
    const peer = await bind("127.0.0.1:0");
    const socket = await bind("127.0.0.1:0");
    try {
      const to = `127.0.0.1:${peer.localAddr().port}`;
      assert.equal(socket.trySendTo(text("a"), to), 1);
      await run((function* (): Coroutine<number> {
        return yield* socket.sendTo(text("b"), to);
      })());
      await socket.connect(to);
      assert.deepEqual(looked, []);
    } finally {
      socket.close();
      peer.close();
    }
  });
});

eachBackend(
  `a name that does not resolve (${NOWHERE}) is RESOLVE_FAILED for bind, connect and sendTo`,
  async (bind) => {
    await assert.rejects(bind(`${NOWHERE}:0`), unresolved);
    const socket = await bind("127.0.0.1:0");
    try {
      await assert.rejects(socket.connect(`${NOWHERE}:9`), unresolved);
      assert.equal(socket.peerAddr(), null, "still unconnected");
      await assert.rejects(
        run((function* (): Coroutine<number> {
          return yield* socket.sendTo(text("lost"), `${NOWHERE}:9`);
        })()),
        unresolved,
      );
      // Nothing reached the runtime: not a send error.
      assert.deepEqual([socket.stats().sent, socket.stats().sendErrors], [0, 0]);
    } finally {
      socket.close();
    }
  },
);

eachBackend(
  "trySendTo takes IP addresses only: a host name is INVALID_ADDRESS saying which calls resolve",
  async (bind) => {
    const socket = await bind("127.0.0.1:0");
    try {
      assert.throws(
        () => socket.trySendTo(text("x"), "localhost:9"),
        (e: unknown) =>
          e instanceof NetError && e.code === "INVALID_ADDRESS" &&
          /"localhost".*bind, connect and sendTo/.test(e.message),
      );
      assert.throws(
        () => socket.sendTo(text("x"), "-bad-:9"),
        (e: unknown) => e instanceof NetError && e.code === "INVALID_ADDRESS",
      );
      assert.throws(() => socket.sendTo(text("x"), "localhost:70000"), /got 70000/);
    } finally {
      socket.close();
    }
  },
);

eachBackend(
  "closing while sendTo waits for the resolver fails it with CLOSED at once, not when the resolver answers",
  async (bind) => {
    const original = dns.lookup;
    dns.lookup = (() => {}) as unknown as typeof dns.lookup; // a resolver that never answers
    try {
      const socket = await bind("127.0.0.1:0");
      const executor = new LocalExecutor();
      const sending = executor.spawn(socket.sendTo(text("late"), "localhost:9"));
      const running = executor.run();
      await sleep(10); // the send waits for the resolver
      socket.close();
      // The resolver never answers: only the close can settle the send. A hang bound, not a measure
      // (the close wakes the waiting send synchronously).
      let bound: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        bound = setTimeout(() => reject(new Error("the send did not settle within 30 s of close")), 30_000);
      });
      try {
        await Promise.race([running, late]);
      } finally {
        clearTimeout(bound);
      }
      await assert.rejects(async () => await sending, (e: unknown) => e instanceof NetError && e.code === "CLOSED");
    } finally {
      dns.lookup = original;
    }
  },
);

eachBackend(
  "closing while connect waits for the resolver rejects it with CLOSED at once; the socket stays unconnected",
  async (bind) => {
    const original = dns.lookup;
    dns.lookup = (() => {}) as unknown as typeof dns.lookup; // a resolver that never answers
    try {
      const socket = await bind("127.0.0.1:0");
      const connecting = socket.connect("localhost:9");
      await sleep(10); // the connect waits for the resolver
      socket.close();
      // Bound for a loaded 2-vCPU machine: the close rejects the waiting connect synchronously.
      await assert.rejects(
        within(connecting, 2_000, "the connect to fail once closed"),
        (e: unknown) => e instanceof NetError && e.code === "CLOSED",
      );
      assert.equal(socket.peerAddr(), null);
    } finally {
      dns.lookup = original;
    }
  },
);

eachBackend("sendTo a host name checks the data and port at the call, before resolving", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  try {
    assert.throws(() => socket.sendTo(text("x"), "localhost:0"), /cannot send to port 0 \(localhost:0\)/);
    assert.throws(
      () => socket.sendTo(new Uint8Array(65_508), "localhost:9"),
      (e: unknown) => e instanceof NetError && e.code === "DATAGRAM_TOO_LARGE",
    );
  } finally {
    socket.close();
  }
});
