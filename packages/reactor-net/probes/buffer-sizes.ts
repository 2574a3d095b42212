// Probe behind the README's "Socket options" table, buffer-size row (not published, not a test):
// whether `node:dgram`'s setRecvBufferSize / setSendBufferSize reach the kernel socket, read with
// `ss -m` (iproute2; Linux). Run on each runtime:
//   node probes/buffer-sizes.ts
//   deno run -A probes/buffer-sizes.ts
//   bun probes/buffer-sizes.ts
// Measured: Node 22 / 24 and Bun 1.4 report 200,000 / 100,000 after setting 100,000 / 50,000, and
// `ss` shows rb200000 / tb100000; Deno 2.9 reports the same numbers (65,536 before any set) while
// `ss` still shows the kernel's default rb212992 / tb212992: Deno's node:dgram only keeps them.
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";

const host = globalThis as unknown as { Deno?: unknown; Bun?: unknown };
console.log(host.Deno !== undefined ? "Deno" : host.Bun !== undefined ? "Bun" : `Node ${process.version}`);
const socket = createSocket("udp4");
await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
const port = socket.address().port;
const kernel = (): string =>
  execFileSync("ss", ["-uamn", `sport = :${port}`], { encoding: "utf8" }).match(/skmem:\([^)]*\)/)?.[0] ?? "?";
console.log("before:", socket.getRecvBufferSize(), socket.getSendBufferSize(), kernel());
socket.setRecvBufferSize(100_000);
socket.setSendBufferSize(50_000);
console.log("after: ", socket.getRecvBufferSize(), socket.getSendBufferSize(), kernel());
socket.close();
