// Probes of Bun.udpSocket behind bun-udp-backend.ts (not published, not a test): run with
//   bun packages/reactor-net/probes/bun-udp.ts [an unused IPv4 address on a local non-loopback subnet]
// Every section prints what it measured. The would-block section needs the address (ARP for it
// fails after ~3 s, which is what holds the send buffer full) and sends only ARP requests.
import { dlopen, FFIType, ptr } from "bun:ffi";

const libc = dlopen("libc.so.6", {
  setsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
});
const SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_SNDBUF = 7, IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
const getopt = (fd: number, level: number, name: number): number | string => {
  const value = new Int32Array(1);
  const length = new Uint32Array([4]);
  return libc.symbols.getsockopt(fd, level, name, ptr(value), ptr(length)) === 0 ? value[0]! : "error";
};
const t0 = performance.now();
const at = (): string => `${(performance.now() - t0).toFixed(0)} ms`;

console.log(`Bun ${Bun.version}`);

// 1. The error handler's real signature, and ICMP reports on an unconnected socket.
{
  const calls: string[] = [];
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      error(...args: unknown[]) {
        const e = args[0] as { code?: string; syscall?: string; errqueue?: boolean };
        calls.push(
          `${args.length} argument(s), this === socket: ${
            this === socket
          }, first: ${e?.constructor?.name} ${e?.code} syscall=${e?.syscall} errqueue=${e?.errqueue}`,
        );
      },
    },
  });
  socket.send(new Uint8Array(4), 9, "127.0.0.1"); // port 9: nothing listens
  await Bun.sleep(100);
  console.log("error handler calls after a send to a closed port:", calls);
  socket.close();
}

// 2. Buffer ownership: keep every datagram, check none changed after the later ones arrived.
for (const binaryType of ["buffer", "uint8array", "arraybuffer"] as const) {
  const kept: (ArrayBuffer | Uint8Array)[] = [];
  const receiver = await Bun.udpSocket({
    hostname: "127.0.0.1",
    port: 0,
    binaryType,
    socket: { data: (_s, data) => void kept.push(data) },
  });
  const sender = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  for (let i = 0; i < 64; i++) sender.send(new Uint8Array(100).fill(i), receiver.port, "127.0.0.1");
  await Bun.sleep(100);
  const bytes = (d: ArrayBuffer | Uint8Array): Uint8Array => (d instanceof ArrayBuffer ? new Uint8Array(d) : d);
  const backing = (d: ArrayBuffer | Uint8Array): ArrayBufferLike => (d instanceof ArrayBuffer ? d : d.buffer);
  console.log(`binaryType ${binaryType}:`, {
    kept: kept.length,
    intact: kept.every((d, i) => bytes(d).every((b) => b === i)),
    distinctBuffers: new Set(kept.map(backing)).size,
    type: kept[0]?.constructor.name,
    offsets: [...new Set(kept.map((d) => bytes(d).byteOffset))],
    bufferSizes: [...new Set(kept.map((d) => backing(d).byteLength))],
  });
  receiver.close();
  sender.close();
}

// 3. The `flags` bind option, as Bun's node:dgram uses it: 16 SO_REUSEADDR, 8 IPV6_V6ONLY.
for (const flags of [0, 8, 16]) {
  const socket = await Bun.udpSocket({ hostname: "::", port: 0, flags } as Parameters<typeof Bun.udpSocket>[0]);
  console.log(
    `flags ${flags}: SO_REUSEADDR=${getopt(socket.fd, SOL_SOCKET, SO_REUSEADDR)} IPV6_V6ONLY=${
      getopt(socket.fd, IPPROTO_IPV6, IPV6_V6ONLY)
    }`,
  );
  socket.close();
}

// 4. Would-block: the smallest send buffer, and a neighbour whose ARP queue holds what is sent.
const neighbour = process.argv[2];
if (neighbour === undefined) {
  console.log("would-block: skipped (give an unused IPv4 address on a local non-loopback subnet)");
} else {
  const log: string[] = [];
  const socket = await Bun.udpSocket({
    hostname: "0.0.0.0",
    port: 0,
    socket: {
      drain: () => void log.push(`drain at ${at()}`),
      error: (e: unknown) => void log.push(`error ${(e as { code?: string }).code} at ${at()}`),
    },
  });
  libc.symbols.setsockopt(socket.fd, SOL_SOCKET, SO_SNDBUF, ptr(new Int32Array([1])), 4); // the kernel raises it to its minimum
  await Bun.sleep(20); // the drain Bun sends after creating a socket
  for (let i = 0; i < 5; i++) log.push(`send ${i}: ${socket.send(new Uint8Array(1300), 9, neighbour)} at ${at()}`);
  await Bun.sleep(4_000);
  log.push(`send after: ${socket.send(new Uint8Array(1300), 9, "127.0.0.1")}`);
  console.log(`would-block (SO_SNDBUF ${getopt(socket.fd, SOL_SOCKET, SO_SNDBUF)}):`, log);
  socket.close();
}
