import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SpindleError } from "@spindle/core";
import { NetError, type UdpSocket } from "./mod.ts";
import { until } from "@spindle/test-support";
import { sleep, text } from "./test-support/helpers.ts";
import { eachBackend, RUNTIME, RUNTIME_WITH_VERSION } from "./test-support/each-backend.ts";

/** `UNSUPPORTED` naming `option`, this runtime with its version, and `backend` (README, Socket options). */
const unsupported = (option: string, backend: string) => (e: unknown): boolean =>
  e instanceof NetError && e.code === "UNSUPPORTED" &&
  e.message.startsWith(`${option} is not supported on ${RUNTIME_WITH_VERSION} by backend "${backend}": `);
const invalid = (message: RegExp) => (e: unknown): boolean =>
  e instanceof SpindleError && e.code === "INVALID_ARGUMENT" && message.test(e.message);

/**
 * A Python receiver that reports the TTL each datagram arrived with (test-support/ttl-report.py),
 * on 127.0.0.1, or a member of `group` on `iface`.
 */
async function ttlReporter(count: number, group?: string, iface?: string) {
  const script = fileURLToPath(new URL("./test-support/ttl-report.py", import.meta.url));
  const args = group === undefined ? [script, String(count)] : [script, String(count), group, iface!];
  const python = spawn("python3", args, { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  let partial = "";
  python.stdout.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  await until(() => lines.length > 0, "the Python peer's port");
  return {
    port: Number(lines[0]),
    /** The reports so far: `"<text> <ttl>"`. */
    reports: () => lines.slice(1),
    close: () => python.kill(),
  };
}

/** Sends `word` from `socket` to `to` every 5 ms until `done()`, or fails after the bound of `until`. */
async function sendUntil(socket: UdpSocket, word: string, to: string, done: () => boolean): Promise<void> {
  const sending = setInterval(() => socket.trySendTo(text(word), to), 5);
  try {
    await until(done, `"${word}" to arrive at ${to}`);
  } finally {
    clearInterval(sending);
  }
}

eachBackend("broadcast(): off by default (on, always, with deno), and what setBroadcast set", async (bind, backend) => {
  const socket = await bind("127.0.0.1:0");
  try {
    if (backend === "deno") {
      assert.equal(socket.broadcast(), true);
      assert.throws(() => socket.setBroadcast(false), unsupported("broadcast: false", "deno"));
      assert.equal(socket.broadcast(), true);
      return;
    }
    assert.equal(socket.broadcast(), false);
    socket.setBroadcast(true);
    assert.equal(socket.broadcast(), true);
    const on = await bind("127.0.0.1:0", { broadcast: true });
    assert.equal(on.broadcast(), true);
    on.close();
    socket.setBroadcast(false);
    assert.equal(socket.broadcast(), false);
    assert.throws(() => socket.setBroadcast(1 as unknown as boolean), invalid(/broadcast must be a boolean, got 1/));
  } finally {
    socket.close();
  }
});

eachBackend(
  "ttl(): null until set; setTtl's TTL is what a Python receiver sees (IP_RECVTTL)",
  async (bind, backend) => {
    const socket = await bind("127.0.0.1:0");
    try {
      assert.equal(socket.ttl(), null);
      if (backend === "deno") {
        // Deno.listenDatagram has no unicast TTL (backends/deno-datagram-backend.ts).
        assert.throws(() => socket.setTtl(7), unsupported("ttl", "deno"));
        assert.equal(socket.ttl(), null);
        return;
      }
      const peer = await ttlReporter(1);
      try {
        socket.setTtl(7);
        assert.equal(socket.ttl(), 7);
        assert.equal(socket.trySendTo(text("ttl"), `127.0.0.1:${peer.port}`), 3);
        await until(() => peer.reports().length === 1, "the Python peer's report");
        assert.deepEqual(peer.reports(), ["ttl 7"]);
      } finally {
        peer.close();
      }
      const preset = await bind("127.0.0.1:0", { ttl: 9 });
      assert.equal(preset.ttl(), 9);
      preset.close();
    } finally {
      socket.close();
    }
  },
);

eachBackend(
  "multicastLoopV4: on by default; off, the socket's own multicast does not come back; on, it does",
  async (bind, backend) => {
    const group = "239.255.77.81";
    const socket = await bind("0.0.0.0:0");
    try {
      assert.equal(socket.multicastLoopV4(), true);
      if (backend === "deno") {
        // Deno sets it only through a joined group's membership (backends/deno-datagram-backend.ts).
        assert.throws(
          () => socket.setMulticastLoopV4(false),
          (e: unknown) => unsupported("multicastLoopV4", "deno")(e) && /join a group first/.test((e as Error).message),
        );
      }
      socket.joinMulticast(group);
      const to = `${group}:${socket.localAddr().port}`;
      await sendUntil(socket, "looped", to, () => socket.stats().received > 0); // the join is complete
      socket.setMulticastLoopV4(false);
      assert.equal(socket.multicastLoopV4(), false);
      await sleep(50); // Deno applies it asynchronously
      const before = socket.stats().received;
      for (let i = 0; i < 5; i++) socket.trySendTo(text("not looped"), to);
      await sleep(100);
      assert.equal(socket.stats().received, before, "nothing looped back while off");
      socket.setMulticastLoopV4(true);
      await sendUntil(socket, "looped again", to, () => socket.stats().received > before);
      assert.equal(socket.takeError(), null);
    } finally {
      socket.close();
    }
  },
);

eachBackend(
  "multicastLoopV6: on by default, set on an IPv6 socket; refused on an IPv4 socket",
  async (bind, backend) => {
    const v6 = await bind("[::1]:0");
    const v4 = await bind("127.0.0.1:0");
    try {
      assert.equal(v6.multicastLoopV6(), true);
      assert.throws(
        () => v4.setMulticastLoopV6(false),
        invalid(/multicastLoopV6 applies to an IPv6 socket; this one is bound to IPv4/),
      );
      assert.throws(() => v6.multicastLoopV4(), invalid(/multicastLoopV4 applies to an IPv4 socket/));
      if (backend === "deno") {
        assert.throws(() => v6.setMulticastLoopV6(false), unsupported("multicastLoopV6", "deno"));
        return;
      }
      // Loopback here has no IPv6 multicast route (measured: nothing looped back either way), so
      // this checks that the runtime takes the option, and the getter.
      v6.setMulticastLoopV6(false);
      assert.equal(v6.multicastLoopV6(), false);
      v6.setMulticastLoopV6(true);
      assert.equal(v6.multicastLoopV6(), true);
    } finally {
      v6.close();
      v4.close();
    }
  },
);

eachBackend(
  "multicastTtlV4: 1 by default; setMulticastTtlV4's TTL is what a Python group member sees",
  async (bind, backend) => {
    const group = "239.255.77.82";
    const socket = await bind("0.0.0.0:0");
    const member = await ttlReporter(1, group, "0.0.0.0");
    try {
      assert.equal(socket.multicastTtlV4(), 1);
      assert.throws(
        () => socket.setMulticastTtlV4(256),
        invalid(/multicastTtlV4 must be an integer from 0 to 255, got 256/),
      );
      if (backend === "deno") {
        assert.throws(() => socket.setMulticastTtlV4(5), unsupported("multicastTtlV4", "deno"));
        socket.joinMulticast("239.255.77.83"); // any IPv4 group gives Deno a membership to set it through
        await sleep(50);
      }
      socket.setMulticastTtlV4(5);
      assert.equal(socket.multicastTtlV4(), 5);
      await sleep(50); // Deno applies it asynchronously
      await sendUntil(socket, "group", `${group}:${member.port}`, () => member.reports().length > 0);
      assert.deepEqual(member.reports(), ["group 5"]);
      assert.equal(socket.takeError(), null);
    } finally {
      member.close();
      socket.close();
    }
  },
);

eachBackend(
  "setMulticastInterface: multicast leaves by the interface set; a non-local one is OPTION_FAILED",
  async (bind, backend) => {
    const socket = await bind("0.0.0.0:0");
    try {
      if (backend === "deno") {
        assert.throws(() => socket.setMulticastInterface("127.0.0.1"), unsupported("multicastInterface", "deno"));
        return;
      }
      assert.throws(
        () => socket.setMulticastInterface("192.0.2.1"), // TEST-NET-1: not an address of this host
        (e: unknown) =>
          e instanceof NetError && e.code === "OPTION_FAILED" && /multicastInterface to "192\.0\.2\.1"/.test(e.message),
      );
      socket.setMulticastInterface("127.0.0.1");
      const group = "239.255.77.84";
      const member = await ttlReporter(1, group, "127.0.0.1"); // a member on loopback only
      try {
        await sendUntil(socket, "via lo", `${group}:${member.port}`, () => member.reports().length > 0);
        assert.deepEqual(member.reports(), ["via lo 1"]);
      } finally {
        member.close();
      }
    } finally {
      socket.close();
    }
  },
);

eachBackend(
  "tos / setTos: no runtime has IP_TOS, so UNSUPPORTED naming the option, runtime and backend",
  async (bind, backend) => {
    const socket = await bind("127.0.0.1:0");
    try {
      assert.throws(() => socket.setTos(0x10), unsupported("tos", backend));
      assert.throws(() => socket.tos(), unsupported("tos", backend));
      assert.throws(() => socket.setTos(256), invalid(/tos must be an integer from 0 to 255, got 256/));
    } finally {
      socket.close();
    }
  },
);

eachBackend(
  "recvBufferSize / sendBufferSize: the kernel's sizes after a set (node:dgram on Node and Bun), else UNSUPPORTED",
  async (bind, backend) => {
    const socket = await bind("127.0.0.1:0");
    try {
      if (backend !== "node:dgram" || RUNTIME === "Deno") {
        // Bun.udpSocket and Deno.listenDatagram have no buffer sizes; Deno's node:dgram only keeps them
        // in JavaScript (measured with `ss -m`: the kernel socket's buffer did not change).
        for (const option of ["recvBufferSize", "setRecvBufferSize", "sendBufferSize", "setSendBufferSize"] as const) {
          const call = option.startsWith("set")
            ? () => (socket[option as "setRecvBufferSize"])(100_000)
            : () => (socket[option as "recvBufferSize"])();
          assert.throws(call, unsupported(option, backend));
        }
        return;
      }
      assert.ok(socket.recvBufferSize() > 0 && socket.sendBufferSize() > 0);
      socket.setRecvBufferSize(100_000);
      socket.setSendBufferSize(50_000);
      // Linux doubles the size asked for (its bookkeeping overhead), below net.core.[rw]mem_max.
      assert.deepEqual([socket.recvBufferSize(), socket.sendBufferSize()], [200_000, 100_000]);
      assert.throws(() => socket.setRecvBufferSize(0), invalid(/recvBufferSize must be an integer from 1/));
    } finally {
      socket.close();
    }
  },
);

eachBackend("options on a closed socket throw CLOSED", async (bind) => {
  const socket = await bind("127.0.0.1:0");
  socket.close();
  const closed = (e: unknown): boolean => e instanceof NetError && e.code === "CLOSED";
  assert.throws(() => socket.broadcast(), closed);
  assert.throws(() => socket.ttl(), closed);
  assert.throws(() => socket.setMulticastTtlV4(2), closed);
  assert.throws(() => socket.recvBufferSize(), closed);
});
