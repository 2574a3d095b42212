import { HOST_RUNTIME, SpindleError } from "@spindle/core";
import { isIcmpError, NetError, unsupportedOption } from "../errors.ts";
import { type SocketAddress, trustedAddress } from "../socket-address.ts";
import { SenderCache } from "./sender-cache.ts";
import type { BackendEvents, BindOptions, UdpBackend } from "./udp-backend.ts";

/**
 * The `Bun.udpSocket` backend (`backend: "bun"`): Bun's own UDP API. It exists only on Bun;
 * choosing it anywhere else throws `INVALID_ARGUMENT` naming the runtime. What it does, as
 * measured on Bun 1.4.5 (Linux; `probes/bun-udp.ts` in this package repeats every measurement):
 *
 * Sending: `send(data, port, address)` is synchronous. It returns `true` once the kernel took the
 * datagram, `false` when the kernel would block (nothing was sent), and throws the kernel's
 * error (`EMSGSIZE`, `EACCES` for a broadcast address without `SO_BROADCAST`…). The probe: with a
 * 1-byte `SO_SNDBUF` (raised by the kernel to its minimum, 4,608) and an unresolved neighbour on the
 * local subnet, whose ARP queue holds the first datagrams charged to the send buffer, sends 0–1
 * return `true`, sends 2–4 return `false`, and `drain` fires when ARP gives up ~3 s later; a send
 * then returns `true` again. (On loopback `send` never refuses: the kernel frees a datagram's
 * send-buffer charge as soon as it is handed over, so the send buffer never fills.)
 * This backend maps the three outcomes onto `UdpBackend.send`: `true` → `done(null)` at once,
 * a throw → `done(error)` at once (a send error, as `node:dgram` reports in its callback), and
 * `false` → `send` returns `false` (would block; `done` is not called). The socket then is not
 * writable and keeps the datagram with its caller until `drain`, which this backend passes on as
 * `events.writable()`. `drain` also fires once just after the socket is created; that call finds
 * nothing refused and changes nothing. Sends complete in the order they are made.
 *
 * Receiving: Bun pushes each datagram to the `data` handler; it cannot be paused, so a full
 * receive queue drops (and counts) as with `node:dgram`. Buffer ownership: Bun copies each
 * datagram out of its receive batch (`recvmmsg`) into a new `ArrayBuffer` of exactly the
 * datagram's size, and never touches it again. The probe: 64 datagrams of 100 bytes, each
 * filled with its index, all kept — 64 distinct `ArrayBuffer`s of 100 bytes at offset 0, every
 * byte intact after the later ones arrived (the same with `binaryType` `"buffer"`,
 * `"uint8array"` and `"arraybuffer"`). So this backend queues what Bun hands it, with no copy of
 * its own (`binaryType: "uint8array"`: a plain `Uint8Array` rather than a `Buffer`).
 *
 * Errors: Bun calls the `error` handler as `error(err)` with `this` the socket — not
 * `error(socket, err)` as its type definitions say (the probe: one argument, an `Error`, and
 * `this === socket`); this backend accepts either form. Bun also reports ICMP errors that the
 * kernel queues for the socket (`ECONNREFUSED` from a closed port, `EHOSTUNREACH`), as errors with
 * `syscall: "recv"` and `errqueue: true`, even though the socket is not connected (Bun sets
 * `IP_RECVERR`); they carry no address. This backend passes them on as `events.unreachable`: the
 * socket reports them when connected and drops them otherwise, as Node, Bun's own `node:dgram`
 * and the kernel do for an unconnected socket. (With no `error` handler at all, Bun treats them
 * as uncaught exceptions: this backend always sets one.)
 *
 * `IP_RECVERR` also makes the kernel fail the socket's next send with the same error, whatever
 * its destination: on loopback the ICMP error arrives during the refused send, so a send just
 * after it, even to a live peer, threw `ECONNREFUSED` (syscall `send`) without sending, and the
 * same send made again went out. So a send that throws an ICMP error is made once more: that
 * error was about an earlier datagram, and arrives through the `error` handler anyway.
 *
 * Connecting: a `Bun.udpSocket` socket can be connected only when it is created (its `connect`
 * option); Bun 1.4.5's socket has no `connect` method (its `node:dgram` uses a private one), and
 * re-creating the socket would give up its port. So `connect` only names the peer here: the
 * socket filters other senders in JavaScript, and the ICMP reports above tell it of refusals,
 * as a connected kernel socket would (one difference: a report for a datagram sent to another
 * address just before `connect` is taken as the peer's).
 *
 * Options, mapped to what `Bun.udpSocket` offers:
 * - `reuseAddress`, `ipv6Only`: its `flags` bind option (not in its type definitions; Bun's own
 *   `node:dgram` passes it): `16` sets `SO_REUSEADDR`, `8` sets `IPV6_V6ONLY` (checked with
 *   `getsockopt` by the probe). Without `ipv6Only`, an IPv6 socket is dual-stack. A Bun that
 *   ignored `flags` would bind without them, undetectably; Bun 1.4.5 applies them.
 * - `broadcast`: `setBroadcast`; `ttl`: `setTTL` (the unicast hop limit on an IPv6 socket);
 *   `multicastLoopV4/V6`: `setMulticastLoopback`; `multicastTtlV4`: `setMulticastTTL`;
 *   `setMulticastInterface`: `setMulticastInterface`. No buffer sizes and no `IP_TOS`: `UNSUPPORTED`.
 *   multicast: `addMembership` / `dropMembership`, whose failures (joining twice, leaving a group
 *   not joined, not a multicast address) throw `MULTICAST_FAILED` with Bun's error as `cause`. For
 *   IPv6, `iface` is an address, optionally with a scope (`"::%eth0"`).
 * - A Bun whose `Bun.udpSocket` socket lacks one of those methods makes the option throw
 *   `UNSUPPORTED`, naming the option and the Bun version.
 */
export class BunUdpBackend implements UdpBackend {
  readonly name = "bun";
  readonly broadcastByDefault = false;
  readonly #bun: BunGlobal;
  #socket: BunUdpSocket | null = null;
  /** Senders seen recently, by port, so that datagrams from one peer share one address object. */
  readonly #senders = new SenderCache();

  /** Throws `INVALID_ARGUMENT` when `Bun.udpSocket` is not available (any runtime but Bun). */
  constructor() {
    const bun = (globalThis as unknown as { Bun?: BunGlobal }).Bun;
    if (bun === undefined || typeof bun.udpSocket !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `backend "bun" needs Bun's Bun.udpSocket, which ${HOST_RUNTIME} does not have; use "node:dgram" or "auto"`,
      );
    }
    this.#bun = bun;
  }

  async bind(address: SocketAddress, options: BindOptions, events: BackendEvents): Promise<SocketAddress> {
    let flags = 0;
    if (options.reuseAddress) flags |= LISTEN_REUSE_ADDR;
    if (options.ipv6Only && address.family === "IPv6") flags |= SOCKET_IPV6_ONLY;
    let socket: BunUdpSocket;
    try {
      socket = await this.#bun.udpSocket({
        hostname: address.address,
        port: address.port,
        flags,
        binaryType: "uint8array",
        socket: {
          data: (_socket, data, port, from) => events.datagram(data, this.#senders.get(from, port)),
          drain: () => events.writable(),
          // Called as `error(err)` (this = the socket); `error(socket, err)` as typed is accepted too.
          error: (first: unknown, second?: unknown) => {
            const error: BunError = first instanceof Error
              ? first
              : second instanceof Error
              ? second
              : new Error(String(first));
            if (error.errqueue === true && error.syscall === "recv") events.unreachable(error); // see the class doc
            else events.error(error);
          },
        },
      });
    } catch (error) {
      const cause = error as Error;
      throw new NetError("BIND_FAILED", `could not bind ${address}: ${cause.message}`, { cause });
    }
    this.#socket = socket;
    return trustedAddress(socket.address.address, socket.port, address.family);
  }

  send(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): boolean {
    const socket = this.#socket!;
    let taken: boolean;
    try {
      taken = socket.send(data, to.port, to.address);
    } catch (error) {
      if (!isIcmpError(error)) {
        done(error as Error);
        return true;
      }
      // An earlier datagram's ICMP error, reported to this send (see the class doc): once more.
      try {
        taken = socket.send(data, to.port, to.address);
      } catch (again) {
        done(again as Error);
        return true;
      }
    }
    if (!taken) return false; // would block: `drain` follows (see the class doc)
    done(null);
    return true;
  }

  /** Names the peer only: Bun's socket cannot be connected after it was created (see the class doc). */
  connect(_peer: SocketAddress): Promise<void> {
    return Promise.resolve();
  }

  setBroadcast(on: boolean): void {
    this.#method("setBroadcast", "broadcast").call(this.#socket, on);
  }

  setTtl(ttl: number): void {
    this.#method("setTTL", "ttl").call(this.#socket, ttl);
  }

  setMulticastLoop(on: boolean): void {
    this.#method("setMulticastLoopback", "multicastLoop").call(this.#socket, on);
  }

  setMulticastTtl(ttl: number): void {
    this.#method("setMulticastTTL", "multicastTtlV4").call(this.#socket, ttl);
  }

  setMulticastInterface(iface: string): void {
    this.#method("setMulticastInterface", "multicastInterface").call(this.#socket, iface);
  }

  setTos(_tos: number): void {
    throw this.#noTos();
  }

  tos(): number {
    throw this.#noTos();
  }

  #noTos(): NetError {
    return unsupportedOption("tos", this.name, "Bun.udpSocket has no IP_TOS option", "nor has node:dgram");
  }

  recvBufferSize(): number {
    throw noBufferSizes("recvBufferSize");
  }

  setRecvBufferSize(_bytes: number): void {
    throw noBufferSizes("setRecvBufferSize");
  }

  sendBufferSize(): number {
    throw noBufferSizes("sendBufferSize");
  }

  setSendBufferSize(_bytes: number): void {
    throw noBufferSizes("setSendBufferSize");
  }

  joinMulticast(group: string, iface?: string): void {
    this.#membership("addMembership", "joinMulticast", "join", group, iface);
  }

  leaveMulticast(group: string, iface?: string): void {
    this.#membership("dropMembership", "leaveMulticast", "leave", group, iface);
  }

  /** Joins or leaves `group` through the socket's `name` method; a failure is MULTICAST_FAILED naming the group. */
  #membership(
    name: OptionMethod,
    option: string,
    verb: "join" | "leave",
    group: string,
    iface: string | undefined,
  ): void {
    const change = this.#method(name, option);
    try {
      iface === undefined ? change.call(this.#socket, group) : change.call(this.#socket, group, iface);
    } catch (error) {
      const cause = error as Error;
      throw new NetError("MULTICAST_FAILED", `could not ${verb} multicast group ${group}: ${cause.message}`, { cause });
    }
  }

  close(): void {
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }

  /** The socket's `name` method, or `UNSUPPORTED` naming `option` when this Bun lacks it. */
  #method(name: OptionMethod, option: string): (...args: unknown[]) => unknown {
    const method = (this.#socket as unknown as Record<string, unknown>)[name];
    if (typeof method !== "function") {
      throw unsupportedOption(
        option,
        "bun",
        `its Bun.udpSocket socket has no ${name}()`,
        'use backend "node:dgram" for it',
      );
    }
    return method as (...args: unknown[]) => unknown;
  }
}

function noBufferSizes(option: string): NetError {
  return unsupportedOption(option, "bun", "Bun.udpSocket has no buffer sizes", 'use backend "node:dgram" for it');
}

/** uSockets' bind flags, as Bun's own `node:dgram` passes them to `Bun.udpSocket`. */
const SOCKET_IPV6_ONLY = 8;
const LISTEN_REUSE_ADDR = 16;

// The slice of Bun's API this backend uses (declared here: the package's tsconfig has no Bun types,
// and Bun's own declare the error handler wrongly, see the class doc).
type OptionMethod =
  | "setBroadcast"
  | "setTTL"
  | "setMulticastLoopback"
  | "setMulticastTTL"
  | "setMulticastInterface"
  | "addMembership"
  | "dropMembership";
interface BunError extends Error {
  readonly syscall?: string;
  readonly errqueue?: boolean;
}
interface BunUdpSocket {
  readonly address: { readonly address: string; readonly family: string; readonly port: number };
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): boolean;
  setBroadcast?(on: boolean): boolean;
  setTTL?(ttl: number): number;
  setMulticastLoopback?(on: boolean): boolean;
  setMulticastTTL?(ttl: number): number;
  setMulticastInterface?(iface: string): boolean;
  addMembership?(group: string, iface?: string): boolean;
  dropMembership?(group: string, iface?: string): boolean;
  close(): void;
}
interface BunGlobal {
  udpSocket(options: {
    hostname: string;
    port: number;
    flags: number;
    binaryType: "uint8array";
    socket: {
      data(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void;
      drain(socket: BunUdpSocket): void;
      error(first: unknown, second?: unknown): void;
    };
  }): Promise<BunUdpSocket>;
}
