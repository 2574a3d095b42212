// Arguments that throw when read (a revoked Proxy, a throwing trap): each is INVALID_ARGUMENT naming
// what it was for, with the engine's error as cause, not the engine's TypeError or the trap's error.
import assert from "node:assert/strict";
import { SpindleError } from "@spindle/core";
import { assertUnreadableRefused, isUnreadableError, type Taker } from "@spindle/test-support";
import { datagrams, NetError, SocketAddress, UdpSocket } from "./mod.ts";
import { eachBackend } from "./test-support/each-backend.ts";

eachBackend("a socket argument that throws when read is INVALID_ARGUMENT with its error as cause", async (bind) => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  await assert.rejects(UdpSocket.bind(proxy as never), isUnreadableError('expected "ip:port" or a SocketAddress'));
  await assert.rejects(
    UdpSocket.bind("127.0.0.1:0", proxy as never),
    isUnreadableError("UdpSocket.bind() needs options"),
  );
  const socket = await bind("127.0.0.1:0");
  try {
    const to = socket.localAddr();
    const takers: Taker[] = [
      ["a datagram must be a Uint8Array", (v) => socket.trySendTo(v, to)],
      ["a datagram must be a Uint8Array", (v) => socket.sendTo(v, to)],
      ['expected "ip:port" or a SocketAddress', (v) => socket.trySendTo(new Uint8Array(1), v)],
      ['expected "ip:port" or a SocketAddress', (v) => SocketAddress.from(v)],
      ["tryPeekFrom(buffer) needs a Uint8Array", (v) => socket.tryPeekFrom(v)],
      ["tryRecvFrom(buffer) needs a Uint8Array", (v) => socket.tryRecvFrom(v)],
      ["recvFrom(buffer) needs a Uint8Array", (v) => socket.recvFrom(v)],
      ["datagrams() needs a UdpSocket", (v) => datagrams(v)],
    ];
    assertUnreadableRefused(takers, (error) => error instanceof SpindleError || error instanceof NetError);
  } finally {
    socket.close();
  }
});
