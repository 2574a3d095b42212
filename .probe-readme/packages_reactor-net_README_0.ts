// packages/reactor-net/README.md:9
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { UdpSocket } from "@spindle/reactor-net";

const server = await UdpSocket.bind("127.0.0.1:0"); // port 0: the OS picks one
const client = await UdpSocket.bind("127.0.0.1:0");

function* echo(): Coroutine<void> {
  const { data, from } = yield* server.recvFrom(); // pending until a datagram arrives
  yield* server.sendTo(data, from);
}

function* ping(): Coroutine<string> {
  yield* client.sendTo(new TextEncoder().encode("ping"), server.localAddr());
  const { data } = yield* client.recvFrom();
  return new TextDecoder().decode(data);
}

const executor = new LocalExecutor();
executor.spawn(echo());
const reply = executor.spawn(ping());
await executor.run();
console.log(await reply); // ping
console.log(server.stats()); // { received: 1, delivered: 1, dropped: 0, queued: 0, discarded: 0, sent: 1, sendErrors: 0 }
server.close();
client.close();
