// Probes behind the README's "Connected sockets" table and the failed-bind descriptor fix (not
// published, not a test). Run on each runtime (Linux, for /proc/self/fd):
//   node probes/refusal-and-descriptors.ts
//   deno run -A --unstable-net probes/refusal-and-descriptors.ts
//   bun probes/refusal-and-descriptors.ts
// Every section prints what it measured, with the runtime's own APIs only (no Spindle code).
import { createSocket, type Socket } from "node:dgram";
import { readdirSync } from "node:fs";

const host = globalThis as unknown as { Deno?: DenoNet; Bun?: BunNet };
const runtime = host.Deno !== undefined ? "Deno" : host.Bun !== undefined ? "Bun" : `Node ${process.version}`;
const t0 = performance.now();
const at = (): string => `${(performance.now() - t0).toFixed(1)} ms`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const lookup = (address: string, _family: unknown, callback: (e: Error | null, a: string, f: number) => void): void =>
  callback(null, address, address.includes(":") ? 6 : 4);
const bound = async (port = 0): Promise<Socket> => {
  const socket = createSocket({ type: "udp4", lookup });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, "127.0.0.1", () => resolve());
  });
  return socket;
};
console.log(runtime);

// A port where nothing listens.
const closed = await bound();
const closedPort = closed.address().port;
closed.close();

// 1. node:dgram: a connected socket sending to a closed port: how the refusal is reported.
{
  const socket = await bound();
  const seen: string[] = [];
  socket.on(
    "error",
    (e: Error & { code?: string; syscall?: string }) => void seen.push(`${at()} error event ${e.code} ${e.syscall}`),
  );
  socket.connect(closedPort, "127.0.0.1");
  let connected = true;
  try {
    socket.remoteAddress();
  } catch {
    connected = false;
  }
  seen.push(`${at()} connected right after connect(): ${connected}`);
  for (let i = 0; i < 3; i++) {
    socket.send(
      new Uint8Array([i]),
      (e) => void seen.push(`${at()} send ${i}: ${e ? (e as { code?: string }).code : "ok"}`),
    );
    await sleep(30);
  }
  console.log("node:dgram, connected, sends to a closed port:", seen);
  socket.close();
}

// 2. Deno.listenDatagram (Deno with --unstable-net): sends to a closed port, and a receive.
if (typeof host.Deno?.listenDatagram === "function") {
  const conn = host.Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const receive = conn.receive().then(() => "received", (e: Error) => `rejected ${e.name}`);
  const sends: string[] = [];
  for (let i = 0; i < 3; i++) {
    sends.push(
      await conn.send(new Uint8Array(1), { transport: "udp", hostname: "127.0.0.1", port: closedPort }).then(
        String,
        (e: Error) => e.name,
      ),
    );
    await sleep(30);
  }
  console.log(
    "Deno.listenDatagram sends to a closed port:",
    sends,
    "receive:",
    await Promise.race([receive, sleep(300).then(() => "pending 300 ms later")]),
  );
  conn.close();
  await receive;
}

// 3. Bun.udpSocket: the error handler's reports, and a send to a live peer right after a refusal.
if (host.Bun !== undefined) {
  const live = await host.Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  const errors: string[] = [];
  const socket = await host.Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      error: (e: Error & { code?: string; syscall?: string; errqueue?: boolean }) =>
        void errors.push(`${e.code} ${e.syscall} errqueue=${e.errqueue}`),
    },
  });
  socket.send(new Uint8Array(1), closedPort, "127.0.0.1");
  let second: string;
  try {
    second = String(socket.send(new Uint8Array(1), live.port, "127.0.0.1"));
  } catch (e) {
    second = `threw ${(e as { code?: string }).code} (syscall ${(e as { syscall?: string }).syscall}); again: ${
      socket.send(new Uint8Array(1), live.port, "127.0.0.1")
    }`;
  }
  await sleep(50);
  console.log(
    "Bun.udpSocket, unconnected: a send to a live peer just after one to a closed port:",
    second,
    "error handler:",
    errors,
  );
  console.log(
    "Bun.udpSocket socket has connect():",
    typeof (socket as unknown as { connect?: unknown }).connect === "function",
  );
  socket.close();
  live.close();
}

// 4. Descriptors after 200 failed node:dgram binds, without and with close() on failure.
if (process.platform === "linux") {
  const holder = await bound();
  const port = holder.address().port;
  const descriptors = (): number => readdirSync("/proc/self/fd").length;
  for (const closeOnFailure of [false, true]) {
    const before = descriptors();
    for (let i = 0; i < 200; i++) {
      const socket = createSocket({ type: "udp4", lookup });
      await new Promise<void>((resolve) => {
        socket.once("error", () => {
          if (closeOnFailure) socket.close();
          resolve();
        });
        socket.bind(port, "127.0.0.1", () => resolve());
      });
    }
    await sleep(50);
    console.log(
      `node:dgram, 200 failed binds, close() on failure: ${closeOnFailure}: +${descriptors() - before} descriptors`,
    );
  }
  holder.close();
}
// (Unref'd sockets left open by section 4 without close() would keep the process alive.)
process.exit(0);

// The slices of Deno's and Bun's APIs used above (the package's tsconfig has neither's types).
interface DenoNet {
  listenDatagram?: (options: { transport: "udp"; hostname: string; port: number }) => {
    receive(): Promise<unknown>;
    send(data: Uint8Array, to: { transport: "udp"; hostname: string; port: number }): Promise<number>;
    close(): void;
  };
}
interface BunNet {
  udpSocket(options: { hostname: string; port: number; socket?: { error?: (e: never) => void } }): Promise<{
    readonly port: number;
    send(data: Uint8Array, port: number, address: string): boolean;
    close(): void;
  }>;
}
