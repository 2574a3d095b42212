// Test support (not published): binds a socket with backend "deno" and prints the outcome, for a
// test that runs this in a child Deno started without --unstable-net.
import { UdpSocket } from "../mod.ts";

try {
  (await UdpSocket.bind("127.0.0.1:0", { backend: "deno" })).close();
  console.log("bound");
} catch (error) {
  const { code, message } = error as { code?: string; message: string };
  console.log(`${code}: ${message}`);
}
