// Run by udp-socket.test.ts on Deno without --allow-net: prints how binding fails with each
// backend, as one JSON line.
import { UdpSocket } from "../mod.ts";

const results: Record<string, unknown> = {};
for (const backend of ["node:dgram", "deno"] as const) {
  try {
    (await UdpSocket.bind("127.0.0.1:0", { backend })).close();
    results[backend] = "bound";
  } catch (error) {
    results[backend] = { name: (error as Error).name, flag: (error as { flag?: unknown }).flag };
  }
}
console.log(JSON.stringify(results));
