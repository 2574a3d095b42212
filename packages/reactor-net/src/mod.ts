/**
 * UDP sockets with tokio's readiness semantics for `@spindle/core` futures, the same on Node, Deno
 * and Bun: `recvFrom` / `sendTo` futures, `readable()` / `writable()`, `pollRecvFrom(cx)`,
 * `tryRecvFrom()` with a cheap would-block result, bounded receive queues with exact loss
 * accounting, and a per-thread {@linkcode Reactor} that other event sources can use too.
 *
 * @example
 * ```ts
 * import { UdpSocket, WOULD_BLOCK } from "@spindle/reactor-net";
 *
 * const socket = await UdpSocket.bind("127.0.0.1:0");
 * console.log(socket.tryRecvFrom() === WOULD_BLOCK); // true: nothing queued yet
 * socket.close();
 * ```
 *
 * @module
 */
export { NetError, type NetErrorCode } from "./errors.ts";
export type { BackendChoice } from "./backends/backend-choice.ts";
export { SocketAddress } from "./socket-address.ts";
export { Interest, Ready } from "./readiness.ts";
export { ReadinessWaiter, Registration } from "./registration.ts";
export { type EventSource, Reactor } from "./reactor.ts";
export {
  type Datagram,
  type Received,
  UdpSocket,
  type UdpSocketOptions,
  type UdpStats,
  WOULD_BLOCK,
  type WouldBlock,
} from "./udp-socket.ts";
