// packages/reactor-net/README.md:110
import { type Coroutine, LocalExecutor } from "@spindle/core";
import { UdpSocket } from "@spindle/reactor-net";

const server = await UdpSocket.bind("127.0.0.1:0");
const client = await UdpSocket.bind("127.0.0.1:0");

function* serve(): Coroutine<string> {
  const sender = yield* server.peekSender(); // who is it? (the datagram stays queued)
  const { data } = yield* server.recvFrom(); // now take it
  return `${sender.equals(client.localAddr())} ${new TextDecoder().decode(data)}`;
}

const executor = new LocalExecutor();
const served = executor.spawn(serve());
executor.spawn(client.sendTo(new TextEncoder().encode("hello"), server.localAddr()));
await executor.run();
console.log(await served, server.stats().delivered); // true hello 1
server.close();
client.close();
