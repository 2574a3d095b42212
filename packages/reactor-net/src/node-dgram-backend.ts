import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { NetError } from "./errors.ts";
import { type SocketAddress, trustedAddress } from "./socket-address.ts";
import { SendChain } from "./send-chain.ts";
import { SenderCache } from "./sender-cache.ts";
import type { BackendEvents, BindOptions, UdpBackend } from "./udp-backend.ts";

declare const Deno: unknown;

/**
 * The `node:dgram` backend: Node's own UDP API, also implemented by Deno and Bun. Its traps,
 * measured here, and what this backend does about them:
 *
 * - Node drops synchronous send errors (`EMSGSIZE`) when `send` has no callback: every send here
 *   has one, and the socket checks datagram sizes before sending.
 * - Deno reverses the order of sends issued without waiting for the previous one:
 *   on Deno, sends go through a {@linkcode SendChain} (one at a time, in order).
 * - Node delivers at most 32 datagrams per socket per event-loop turn; the receive queue absorbs
 *   bursts, and its bound (not the runtime's) decides what is dropped.
 */
export class NodeDgramBackend implements UdpBackend {
  readonly name = "node:dgram";
  #socket: Socket | null = null;
  /** Senders seen recently, so that datagrams from one peer share one address object. */
  readonly #senders = new SenderCache();
  /** On Deno only: sends one at a time, in order. */
  readonly #chain: SendChain | null = typeof Deno === "undefined" ? null : new SendChain((data, to) =>
    new Promise<void>((resolve, reject) => this.#socket!.send(data, to.port, to.address, (error) => (error ? reject(error) : resolve())))
  );

  bind(address: SocketAddress, options: BindOptions, events: BackendEvents): Promise<SocketAddress> {
    const socket = createSocket({
      type: address.family === "IPv6" ? "udp6" : "udp4",
      reuseAddr: options.reuseAddress,
      ipv6Only: options.ipv6Only,
      lookup: ipLiteralLookup,
    });
    this.#socket = socket;
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
        reject(new NetError("BIND_FAILED", `could not bind ${address}: ${error.message}`, { cause: error }));
      };
      socket.once("error", failed);
      socket.bind(address.port, address.address, () => {
        socket.off("error", failed);
        socket.on("error", (error) => events.error(error));
        socket.on("message", (data: Uint8Array, info: RemoteInfo) => events.datagram(data, this.#senders.get(info.address, info.port)));
        const bound = socket.address();
        resolve(trustedAddress(bound.address, bound.port, address.family));
      });
    });
  }

  send(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): void {
    if (this.#chain !== null) this.#chain.push(data, to, done);
    else this.#socket!.send(data, to.port, to.address, done);
  }

  setBroadcast(on: boolean): void {
    this.#socket!.setBroadcast(on);
  }

  setTtl(ttl: number): void {
    this.#socket!.setTTL(ttl);
  }

  joinMulticast(group: string, iface?: string): void {
    this.#socket!.addMembership(group, iface);
  }

  leaveMulticast(group: string, iface?: string): void {
    this.#socket!.dropMembership(group, iface);
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }
}

/**
 * `node:dgram`'s host-name lookup for sends, for IP literals only (a socket checks every
 * destination is one): answers at once. The default, `dns.lookup`, answers IP literals on the
 * next tick, so every send would wait for a tick before its system call.
 */
function ipLiteralLookup(address: string, family: unknown, callback: (error: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(":") ? 6 : 4);
}
