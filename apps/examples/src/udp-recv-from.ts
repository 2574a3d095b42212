/**
 * udp-recv-from: the reactor scenario. A server socket bound to `127.0.0.1:0` waits in
 * `recvFrom`; it finds no datagram, so its task returns pending with its waker stored in the
 * socket's registration with this thread's reactor. When the client's datagram arrives, the
 * reactor marks the socket readable and wakes the task, which polls again and receives it. The
 * server echoes each word back in capitals until it gets "bye".
 *
 * The lines never print the port (the OS picks it), so the output is the same on every run.
 */
import { type Coroutine, LocalExecutor, PENDING, pollFn } from "@spindle/core";
import { UdpSocket, WOULD_BLOCK } from "@spindle/reactor-net";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function* server(socket: UdpSocket): Coroutine<void> {
  for (;;) {
    const { data, from } = yield* socket.recvFrom(); // pending until the reactor wakes us
    const word = decode(data);
    console.log(`[server] received "${word}" from the client`);
    yield* socket.sendTo(encode(word.toUpperCase()), from);
    if (word === "bye") return;
  }
}

function* client(socket: UdpSocket, server: UdpSocket, words: string[]): Coroutine<void> {
  for (const word of words) {
    yield* socket.sendTo(encode(word), server.localAddr());
    const { data } = yield* socket.recvFrom();
    console.log(`[client] reply "${decode(data)}"`);
  }
}

const serverSocket = await UdpSocket.bind("127.0.0.1:0"); // port 0: the OS picks a free port
const clientSocket = await UdpSocket.bind("127.0.0.1:0");
console.log(`server bound to ${serverSocket.localAddr().address}`);
console.log(
  `tryRecvFrom before any datagram: ${serverSocket.tryRecvFrom() === WOULD_BLOCK ? "would block" : "a datagram?"}`,
);

const executor = new LocalExecutor();
// One poll by hand shows what the server task sees first: pending, its waker stored.
let firstPoll = "";
executor.spawn(pollFn((cx) => {
  firstPoll = serverSocket.pollRecvFrom(cx) === PENDING ? "pending (waker stored with the reactor)" : "ready";
  return undefined;
}));
await executor.run();
console.log(`first pollRecvFrom: ${firstPoll}`);

executor.spawn(server(serverSocket));
executor.spawn(client(clientSocket, serverSocket, ["hello", "reactor", "bye"]));
await executor.run();
const stats = serverSocket.stats();
console.log(
  `server stats: received ${stats.received}, delivered ${stats.delivered}, dropped ${stats.dropped}, sent ${stats.sent}`,
);
serverSocket.close();
clientSocket.close();
console.log("all done");
