import { HOST_RUNTIME, SpindleError } from "@spindle/core";
import { closedError, NetError, unsupportedOption } from "../errors.ts";
import { type SocketAddress, trustedAddress } from "../socket-address.ts";
import { CopyPool } from "./copy-pool.ts";
import { SendChain } from "./send-chain.ts";
import { SenderCache } from "./sender-cache.ts";
import type { BackendEvents, BindOptions, UdpBackend } from "./udp-backend.ts";

/**
 * The `Deno.listenDatagram` backend (`backend: "deno"`): Deno's own UDP API, one promise per
 * datagram. It exists only on Deno started with `--unstable-net`; choosing it anywhere else throws
 * `INVALID_ARGUMENT` saying what is missing.
 *
 * Receiving: exactly one `receive` is outstanding at a time, into one reused 65,536-byte buffer
 * (larger than any UDP payload, so nothing is truncated), and only while the socket's receive queue
 * has room (`events.hasRoom()`, else `await events.whenRoom()`). A full queue therefore stops the
 * pulling: datagrams wait in the kernel's receive buffer and, when that is full too, the kernel
 * drops them (its `RcvbufErrors` counter) — never JavaScript, so the socket's `dropped` stays 0 and
 * `received` counts exactly what the application got. Because the buffer is reused, each datagram
 * is copied out of it once before it is queued: the one copy this runtime forces. Datagrams up to
 * 4 KiB are copied into a shared pool ({@linkcode CopyPool}, as Node pools small `Buffer`s), since a
 * new `ArrayBuffer` per datagram costs more on Deno than the rest of receiving it.
 * (Deno's `receive()` without a buffer would allocate 65,507 bytes per datagram and hand out a view
 * of it, so a queue of small datagrams would hold 64 KiB each.)
 *
 * Sending: Deno reverses the order of sends issued without awaiting the previous one (seen here on
 * every fresh socket's first burst: 100 sends arrived 99…0), so sends go through a
 * {@linkcode SendChain}: issued one at a time, each after the runtime reported on the previous.
 *
 * Connecting: `Deno.listenDatagram` has no `connect` (nor does any other Deno API for UDP: Deno's
 * `node:dgram` emulates it in JavaScript), so `connect` only names the peer and the socket filters
 * other senders in JavaScript. The kernel socket stays unconnected and Deno sets no `IP_RECVERR`,
 * so no ICMP error reaches it: measured on Deno 2.9.6, a `receive` stayed pending 300 ms after
 * three sends to a closed loopback port, and every send resolved. A peer's refusal is therefore
 * never reported on Deno (the README's support table says so).
 *
 * Closing fails the sends still waiting in the chain with `CLOSED` at once.
 *
 * Options, mapped to what `Deno.listenDatagram` offers (Deno 2.9):
 * - `reuseAddress`: its `reuseAddress` option (`SO_REUSEADDR` on Linux).
 * - `ipv6Only: true`: not offered (an IPv6 socket is always dual-stack): `UNSUPPORTED`.
 * - `broadcast`: Deno turns `SO_BROADCAST` on for every UDP socket and offers no way to turn it
 *   off, so `broadcast: true` / `setBroadcast(true)` change nothing and `setBroadcast(false)` throws
 *   `UNSUPPORTED`. A Deno socket may send to broadcast addresses even without `broadcast: true`.
 * - `ttl` / `setTtl`: not offered (only the multicast TTL of a joined group is): `UNSUPPORTED`.
 * - `setMulticastLoopV4/V6`, `setMulticastTtlV4`: Deno offers them only on a joined group's
 *   membership (`setLoopback`, `setTTL`; each sets the socket's option, for every group). So they
 *   need a group of the socket's family joined first (else `UNSUPPORTED` saying so), and apply
 *   asynchronously, as joins do: a failure arrives later through `takeError()` as `OPTION_FAILED`.
 * - `setMulticastInterface`, `tos`, buffer sizes: not offered: `UNSUPPORTED`.
 * - `joinMulticast` / `leaveMulticast`: `joinMulticastV4(group, interfaceAddress)` and
 *   `joinMulticastV6(group, interfaceIndex)`, then the membership's `leave()`. Deno joins
 *   asynchronously: the call returns at once, and a failure (no such interface, not a multicast
 *   group) arrives later as {@linkcode UdpSocket.takeError}. For IPv6, `iface` is an interface
 *   index (`"4"`, `"%4"`) or name (`"eth0"`, `"::%eth0"`) that has a link-local address.
 *   Multicast loopback is turned on (Deno's default is off), as the system and `node:dgram` have it.
 */
export class DenoDatagramBackend implements UdpBackend {
  readonly name = "deno";
  readonly broadcastByDefault = true;
  readonly #deno: DenoNet;
  readonly #listenDatagram: ListenDatagram;
  #conn: DatagramConn | null = null;
  #family: "IPv4" | "IPv6" = "IPv4";
  #events: BackendEvents | null = null;
  #closed = false;
  /** Joined groups (`group|iface`), each as its pending or settled membership. */
  readonly #memberships = new Map<string, Promise<Membership | null>>();
  /** Senders seen recently, so that datagrams from one peer share one address object. */
  readonly #senders = new SenderCache();
  /** Sends, one at a time and in order (see the class doc). */
  readonly #sends = new SendChain((data, to) => {
    const conn = this.#conn;
    if (conn === null) return Promise.reject(closedError());
    return conn.send(data, this.#denoAddress(to));
  });
  /**
   * The last destination, and it as Deno's `send` takes it: a socket usually sends to one peer
   * again and again, and Deno only reads the object (its `hostname` and `port`), so it is made
   * once per destination, not once per datagram.
   */
  #lastTo: SocketAddress | null = null;
  #lastDenoTo: DenoAddr & { transport: "udp" } = { transport: "udp", hostname: "", port: 0 };

  /** Throws `INVALID_ARGUMENT` when `Deno.listenDatagram` is not available (see the class doc). */
  constructor() {
    const deno = (globalThis as unknown as { Deno?: DenoNet }).Deno;
    if (deno === undefined) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `backend "deno" needs Deno's Deno.listenDatagram, which ${HOST_RUNTIME} does not have; use "node:dgram" or "auto"`,
      );
    }
    if (typeof deno.listenDatagram !== "function") {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `backend "deno" needs Deno.listenDatagram, which Deno offers only with the --unstable-net flag (start deno with --unstable-net, or use "node:dgram" or "auto")`,
      );
    }
    this.#deno = deno;
    this.#listenDatagram = deno.listenDatagram;
  }

  bind(address: SocketAddress, options: BindOptions, events: BackendEvents): Promise<SocketAddress> {
    if (options.ipv6Only) {
      return Promise.reject(
        unsupported("ipv6Only: true", "has no IPv6-only option (its IPv6 sockets are always dual-stack)"),
      );
    }
    let conn: DatagramConn;
    try {
      conn = this.#listenDatagram.call(this.#deno, {
        transport: "udp",
        hostname: address.address,
        port: address.port,
        reuseAddress: options.reuseAddress,
        loopback: true,
      });
    } catch (error) {
      const cause = error as Error;
      return Promise.reject(new NetError("BIND_FAILED", `could not bind ${address}: ${cause.message}`, { cause }));
    }
    this.#conn = conn;
    this.#family = address.family;
    this.#events = events;
    // The loop catches everything it awaits; this catch is for a bug in it, never a silent one.
    this.#receive(conn, events).catch((error: unknown) => events.error(error as Error));
    return Promise.resolve(trustedAddress(conn.addr.hostname, conn.addr.port, address.family));
  }

  send(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): void {
    this.#sends.push(data, to, done);
  }

  /** Names the peer only: Deno cannot connect a UDP socket (see the class doc). */
  connect(_peer: SocketAddress): Promise<void> {
    return Promise.resolve();
  }

  setBroadcast(on: boolean): void {
    // Deno sets SO_BROADCAST on every UDP socket it opens: on is what there is.
    if (!on) throw unsupported("broadcast: false", "turns SO_BROADCAST on for every UDP socket and cannot turn it off");
  }

  setTtl(_ttl: number): void {
    throw unsupported("ttl", "cannot set the TTL of outgoing datagrams (only a joined multicast group's)");
  }

  setMulticastLoop(on: boolean): void {
    const option = `multicastLoop${this.#family === "IPv4" ? "V4" : "V6"}`;
    this.#throughMemberships(option, this.#family, (membership) => membership.setLoopback(on));
  }

  setMulticastTtl(ttl: number): void {
    this.#throughMemberships("multicastTtlV4", "IPv4", (membership) => membership.setTTL!(ttl));
  }

  setMulticastInterface(_iface: string): void {
    throw unsupportedOption(
      "multicastInterface",
      this.name,
      "Deno.listenDatagram has no multicast interface option (a join names its interface)",
    );
  }

  setTos(_tos: number): void {
    throw this.#noTos();
  }

  tos(): number {
    throw this.#noTos();
  }

  #noTos(): NetError {
    return unsupportedOption("tos", this.name, "Deno.listenDatagram has no IP_TOS option", "nor has node:dgram");
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

  /**
   * Sets a multicast option through every joined group of `family` (Deno sets it on the socket
   * through any of them; see the class doc). A failure arrives through `takeError()`.
   */
  #throughMemberships(option: string, family: "IPv4" | "IPv6", apply: (membership: Membership) => Promise<void>): void {
    const joined = [...this.#memberships].filter(([key]) =>
      isIPv6Group(key.slice(0, key.indexOf("|"))) === (family === "IPv6")
    );
    if (joined.length === 0) {
      throw unsupported(
        option,
        `sets it only through a joined ${family} multicast group's membership: join a group first`,
      );
    }
    for (const [, membership] of joined) {
      membership
        .then((member) => (member === null ? undefined : apply(member)))
        .catch((error: Error) =>
          this.#report(new NetError("OPTION_FAILED", `could not set ${option}: ${error.message}`, { cause: error }))
        );
    }
  }

  joinMulticast(group: string, iface?: string): void {
    const conn = this.#conn!;
    const key = `${group}|${iface ?? ""}`;
    if (this.#memberships.has(key)) return; // joined (or joining) already
    const joining = isIPv6Group(group)
      ? conn.joinMulticastV6(group, this.#interfaceIndex(iface))
      : conn.joinMulticastV4(group, iface ?? "0.0.0.0");
    const membership: Promise<Membership | null> = joining.catch((error: Error) => {
      if (this.#memberships.get(key) === membership) this.#memberships.delete(key);
      this.#report(
        new NetError("MULTICAST_FAILED", `could not join multicast group ${group}: ${error.message}`, { cause: error }),
      );
      return null;
    });
    this.#memberships.set(key, membership);
  }

  leaveMulticast(group: string, iface?: string): void {
    const key = `${group}|${iface ?? ""}`;
    const membership = this.#memberships.get(key);
    if (membership === undefined) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `leaveMulticast: this socket has not joined ${group}${iface === undefined ? "" : ` on ${iface}`}`,
      );
    }
    this.#memberships.delete(key);
    membership
      .then((joined) => joined?.leave())
      .catch((error: Error) => {
        this.#report(
          new NetError("MULTICAST_FAILED", `could not leave multicast group ${group}: ${error.message}`, {
            cause: error,
          }),
        );
      });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const conn = this.#conn;
    this.#conn = null;
    // Ends the outstanding receive: Deno rejects it with `Interrupted`, which the loop expects.
    conn?.close();
    this.#sends.cancel(closedError);
  }

  /**
   * The receive loop: one `receive` at a time, into one buffer, only while the queue has room.
   * Each datagram is copied out of the buffer before the next `receive` overwrites it.
   */
  async #receive(conn: DatagramConn, events: BackendEvents): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER);
    const copies = new CopyPool();
    for (;;) {
      if (!events.hasRoom()) await events.whenRoom(); // resolves on close too
      if (this.#closed) return;
      let received: [Uint8Array, DenoAddr];
      try {
        received = await conn.receive(buffer);
      } catch (error) {
        if (this.#closed) return; // close() interrupted the receive: the expected end
        if (isGone(error)) return;
        // Any other failure is reported (see `takeError`) and the loop goes on, after a turn of
        // the event loop so that an error that persists cannot starve it.
        events.error(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 0));
        continue;
      }
      if (this.#closed) return;
      const [view, from] = received;
      events.datagram(copies.copy(view), this.#sender(from));
    }
  }

  /**
   * The address object for a datagram's sender. Deno hands out each sender address as a
   * dictionary-mode object with a hidden class of its own, so a named load (`from.hostname`) misses
   * V8's megamorphic cache every time and calls into the runtime: about 100 ns for the two fields
   * here. `Reflect.get` looks the dictionary up inline, in about 15 ns.
   */
  #sender(from: DenoAddr): SocketAddress {
    return this.#senders.get(Reflect.get(from, "hostname"), Reflect.get(from, "port"));
  }

  /** `to` as Deno's `send` takes it (see `#lastTo`). */
  #denoAddress(to: SocketAddress): DenoAddr & { transport: "udp" } {
    if (to !== this.#lastTo) {
      this.#lastTo = to;
      this.#lastDenoTo = { transport: "udp", hostname: to.address, port: to.port };
    }
    return this.#lastDenoTo;
  }

  #report(error: Error): void {
    if (!this.#closed) this.#events?.error(error);
  }

  /** Deno joins IPv6 groups by interface index; `iface` gives one, or names the interface. */
  #interfaceIndex(iface: string | undefined): number {
    if (iface === undefined) return 0;
    const name = iface.includes("%") ? iface.slice(iface.lastIndexOf("%") + 1) : iface;
    if (/^\d+$/.test(name)) return Number(name);
    const found = this.#deno.networkInterfaces().find((i) => i.name === name && i.family === "IPv6" && i.scopeid);
    if (found?.scopeid == null) {
      throw new NetError(
        "INVALID_ADDRESS",
        `Deno joins IPv6 multicast groups by interface index, and found none for ${
          JSON.stringify(iface)
        } (give it as "%<index>")`,
      );
    }
    return found.scopeid;
  }
}

/** More than the largest UDP payload (65,527 bytes over IPv6), so no datagram is truncated. */
const RECEIVE_BUFFER = 65_536;

function noBufferSizes(option: string): NetError {
  return unsupportedOption(
    option,
    "deno",
    "Deno.listenDatagram has no buffer sizes",
    "nor has Deno's node:dgram (it keeps the size in JavaScript only)",
  );
}

/** `UNSUPPORTED` for what `Deno.listenDatagram` cannot do but Deno's `node:dgram` can. */
function unsupported(option: string, why: string): NetError {
  return unsupportedOption(option, "deno", `Deno.listenDatagram ${why}`, 'use backend "node:dgram" for it');
}

const isIPv6Group = (group: string): boolean => group.includes(":");

/** Whether a receive failed because the socket is gone (closed underneath), not transiently. */
function isGone(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "BadResource" || name === "Interrupted";
}

// The slice of Deno's unstable network API this backend uses (declared here: the package's
// tsconfig has no Deno types, and Deno's own are only complete with --unstable-net).
interface DenoAddr {
  readonly hostname: string;
  readonly port: number;
}
interface Membership {
  leave(): Promise<void>;
  setLoopback(loopback: boolean): Promise<void>;
  /** IPv4 memberships only. */
  setTTL?(ttl: number): Promise<void>;
}
interface DatagramConn {
  readonly addr: DenoAddr;
  receive(buffer?: Uint8Array): Promise<[Uint8Array, DenoAddr]>;
  send(data: Uint8Array, to: DenoAddr & { transport: "udp" }): Promise<number>;
  joinMulticastV4(group: string, interfaceAddress: string): Promise<Membership>;
  joinMulticastV6(group: string, interfaceIndex: number): Promise<Membership>;
  close(): void;
}
type ListenDatagram = (options: {
  transport: "udp";
  hostname: string;
  port: number;
  reuseAddress: boolean;
  loopback: boolean;
}) => DatagramConn;
interface DenoNet {
  listenDatagram?: ListenDatagram;
  networkInterfaces(): { name: string; family: string; scopeid: number | null }[];
}
