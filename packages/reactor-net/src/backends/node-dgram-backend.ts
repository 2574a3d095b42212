import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { HOST_RUNTIME } from "@spindle/core";
import { closedError, isIcmpError, NetError, unsupportedOption } from "../errors.ts";
import { type SocketAddress, trustedAddress } from "../socket-address.ts";
import { SendChain } from "./send-chain.ts";
import { SenderCache } from "./sender-cache.ts";
import type { BackendEvents, BindOptions, UdpBackend } from "./udp-backend.ts";

/**
 * Bun's `node:dgram` sets `IP_RECVERR` (it is `Bun.udpSocket` underneath): an earlier datagram's
 * ICMP error also fails the socket's next send, whatever its destination (see the class doc).
 */
const SENDS_CARRY_ICMP_ERRORS = HOST_RUNTIME === "Bun";

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
 * - A `node:dgram` socket whose bind fails stays open, with its file descriptor (Node 22 and 24:
 *   1,000 failed binds held 1,000 more descriptors; `probes/refusal-and-descriptors.ts`): a failed
 *   bind closes it here.
 * - `connect` connects the kernel socket (synchronously: the lookup here answers at once), so the
 *   kernel filters other senders and reports ICMP errors for the peer: Node and Bun emit them as
 *   `error` events from `recvmsg` (`ECONNREFUSED` 0.3–40 ms after a send to a closed port on
 *   loopback), or fail the next send with them. A connected `node:dgram` socket refuses sends
 *   that name an address (`ERR_SOCKET_DGRAM_IS_CONNECTED`), so sends to the peer go without one.
 *   Deno's `node:dgram` only emulates `connect` and reports no ICMP error.
 * - Bun's `node:dgram` also fails the next send with an earlier datagram's ICMP error, connected
 *   or not, and reports that error as an `error` event too (connected), or not at all: measured,
 *   of three sends issued at once to a closed port, the second failed with `ECONNREFUSED` and two
 *   `error` events followed (one refusal reported twice); unconnected, a send to a live peer
 *   just after one to a closed port failed and its datagram never arrived. Node reports each
 *   refusal once (the second send's failure, or an event) and an unconnected socket's never. So on
 *   Bun a send that fails with an ICMP error is made once more; on Node its failure is the report.
 * - Closing drops the reports of sends still in flight (no callback is called: measured on Node,
 *   Deno and Bun), and Deno's chained sends not yet issued are failed with `CLOSED`.
 */
export class NodeDgramBackend implements UdpBackend {
  readonly name = "node:dgram";
  readonly broadcastByDefault = false;
  #socket: Socket | null = null;
  /** The peer the kernel socket is connected to, or `null`. */
  #peer: SocketAddress | null = null;
  /** Senders seen recently, so that datagrams from one peer share one address object. */
  readonly #senders = new SenderCache();
  /** On Deno only: sends one at a time, in order. */
  readonly #chain: SendChain | null = HOST_RUNTIME !== "Deno"
    ? null
    : new SendChain((data, to) =>
      new Promise<void>((resolve, reject) => this.#sendNow(data, to, (error) => (error ? reject(error) : resolve())))
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
        this.close(); // else the socket keeps its descriptor (see the class doc)
      };
      socket.once("error", failed);
      socket.bind(address.port, address.address, () => {
        socket.off("error", failed);
        // Errors of the receive path are the kernel's ICMP reports for a connected socket.
        socket.on(
          "error",
          (error: Error & { syscall?: string }) =>
            error.syscall === "recvmsg" || error.syscall === "recv" ? events.unreachable(error) : events.error(error),
        );
        socket.on(
          "message",
          (data: Uint8Array, info: RemoteInfo) => events.datagram(data, this.#senders.get(info.address, info.port)),
        );
        const bound = socket.address();
        resolve(trustedAddress(bound.address, bound.port, address.family));
      });
    });
  }

  send(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): void {
    if (this.#chain !== null) this.#chain.push(data, to, done);
    else this.#sendNow(data, to, done);
  }

  connect(peer: SocketAddress): Promise<void> {
    const socket = this.#socket!;
    if (this.#peer !== null) {
      socket.disconnect();
      this.#peer = null;
    }
    return new Promise((resolve, reject) => {
      try {
        socket.connect(peer.port, peer.address, (error?: Error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error);
        return;
      }
      // The lookup answered at once, so the kernel socket is connected now, or the connect failed
      // and the callback reports why on the next tick (then the socket stays unconnected).
      if (isConnected(socket)) this.#peer = peer;
    });
  }

  setBroadcast(on: boolean): void {
    this.#socket!.setBroadcast(on);
  }

  setTtl(ttl: number): void {
    this.#socket!.setTTL(ttl);
  }

  setMulticastLoop(on: boolean): void {
    this.#socket!.setMulticastLoopback(on);
  }

  setMulticastTtl(ttl: number): void {
    this.#socket!.setMulticastTTL(ttl);
  }

  setMulticastInterface(iface: string): void {
    this.#socket!.setMulticastInterface(iface);
  }

  setTos(_tos: number): void {
    throw this.#noTos();
  }

  tos(): number {
    throw this.#noTos();
  }

  #noTos(): NetError {
    return unsupportedOption("tos", this.name, "node:dgram has no IP_TOS option");
  }

  recvBufferSize(): number {
    this.#checkBufferSizes("recvBufferSize");
    return this.#socket!.getRecvBufferSize();
  }

  setRecvBufferSize(bytes: number): void {
    this.#checkBufferSizes("setRecvBufferSize");
    this.#socket!.setRecvBufferSize(bytes);
  }

  sendBufferSize(): number {
    this.#checkBufferSizes("sendBufferSize");
    return this.#socket!.getSendBufferSize();
  }

  setSendBufferSize(bytes: number): void {
    this.#checkBufferSizes("setSendBufferSize");
    this.#socket!.setSendBufferSize(bytes);
  }

  /**
   * Deno's `node:dgram` only pretends to size buffers: measured on Deno 2.9 with `ss -m`
   * (`probes/buffer-sizes.ts`), after `setRecvBufferSize(100000)` it reported 200,000 while the
   * kernel socket kept its 212,992 bytes (and it reported 65,536 before, not the kernel's size).
   * So on Deno these are `UNSUPPORTED`.
   */
  #checkBufferSizes(option: string): void {
    if (HOST_RUNTIME === "Deno") {
      throw unsupportedOption(
        option,
        this.name,
        "Deno's node:dgram keeps the size in JavaScript and never sets the kernel socket's buffer",
      );
    }
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
    this.#peer = null;
    socket?.close();
    this.#chain?.cancel(closedError);
  }

  /**
   * Hands one datagram to `node:dgram`: without an address to the connected peer, as it requires.
   * On Bun, a send failed by an earlier datagram's ICMP error is made once more (see the class doc).
   */
  #sendNow(
    data: Uint8Array,
    to: SocketAddress,
    done: (error?: Error | null) => void,
    retry = SENDS_CARRY_ICMP_ERRORS,
  ): void {
    const socket = this.#socket;
    if (socket === null) {
      done(closedError());
      return;
    }
    const report = retry
      ? (
        error?: Error | null,
      ): void => (error != null && isIcmpError(error) ? this.#sendNow(data, to, done, false) : done(error))
      : done;
    const peer = this.#peer;
    if (peer === null) socket.send(data, to.port, to.address, report);
    else if (peer.equals(to)) socket.send(data, report);
    else {done(
        new NetError("INVALID_ADDRESS", `the socket was connected to ${peer} before this send to ${to} was issued`),
      );}
  }
}

/** Whether a `node:dgram` socket is connected (`remoteAddress()` throws when it is not). */
function isConnected(socket: Socket): boolean {
  try {
    socket.remoteAddress();
    return true;
  } catch {
    return false;
  }
}

/**
 * `node:dgram`'s host-name lookup for sends, for IP literals only (a socket checks every
 * destination is one): answers at once. The default, `dns.lookup`, answers IP literals on the
 * next tick, so every send would wait for a tick before its system call. `node:dgram` passes the
 * socket's family, 4 or 6 (on Node 22 / 24, Deno and Bun; a socket sends only to its own family),
 * which is the answer: looking for a `:` in the address cost a string search per send. (Typed as
 * `dns.lookup`'s options, which it is not: the address is looked at if it is not a number.)
 */
function ipLiteralLookup(
  address: string,
  family: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, typeof family === "number" ? family : address.includes(":") ? 6 : 4);
}
