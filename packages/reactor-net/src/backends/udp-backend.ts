import type { SocketAddress } from "../socket-address.ts";

/** What a socket asks of the runtime's UDP API; one implementation per runtime API. */
export interface UdpBackend {
  /** The backend's name, as `UdpSocket.backend` reports it. */
  readonly name: string;
  /** Binds; resolves with the bound address (the port filled in when 0 was asked). */
  bind(address: SocketAddress, options: BindOptions, events: BackendEvents): Promise<SocketAddress>;
  /**
   * Hands one datagram to the runtime; `done` is called once (perhaps before `send` returns), with
   * the runtime's error, or `null` / nothing once sent (a runtime's own callback can be `done`). A runtime that can refuse a send (Bun's `send` returns `false`
   * when the kernel would block) makes `send` return `false`: nothing was sent, `done` is never
   * called, the caller still has the datagram, and the backend calls `events.writable()` once the
   * runtime takes sends again. Any other return (`true`, or nothing from a backend whose runtime
   * queues every send) means the runtime took the datagram.
   */
  send(data: Uint8Array, to: SocketAddress, done: (error?: Error | null) => void): boolean | void;
  /**
   * Makes `peer` the socket's only destination, connecting the kernel socket where the runtime
   * can (`node:dgram`: then the kernel reports ICMP errors for it through `events.unreachable`),
   * replacing an earlier peer. From the call on, `send` is only asked to send to `peer`. Rejects
   * with the runtime's error when the kernel refuses (the socket is then unconnected).
   */
  connect(peer: SocketAddress): Promise<void>;
  setBroadcast(on: boolean): void;
  setTtl(ttl: number): void;
  joinMulticast(group: string, iface?: string): void;
  leaveMulticast(group: string, iface?: string): void;
  close(): void;
}

/** Socket options a backend applies at bind time. */
export interface BindOptions {
  readonly reuseAddress: boolean;
  readonly ipv6Only: boolean;
}

/** How a backend reports to its socket. */
export interface BackendEvents {
  /** A datagram arrived; the socket queues it, or drops and counts it when its queue is full. */
  datagram(data: Uint8Array, from: SocketAddress): void;
  /** The runtime reported an error outside any send. */
  error(error: Error): void;
  /**
   * The runtime reported an ICMP error (`ECONNREFUSED`, `EHOSTUNREACH`…) for a datagram the socket
   * sent. The socket reports it when connected (its peer is the only destination) and drops it
   * otherwise, as the kernel does for an unconnected socket.
   */
  unreachable(error: Error): void;
  /**
   * Whether the receive queue has room. A backend that pulls datagrams (one receive at a time)
   * pulls only while it has; one that is pushed to cannot wait, and the socket drops instead.
   */
  hasRoom(): boolean;
  /** Resolves once the receive queue has room (at once if it has). */
  whenRoom(): Promise<void>;
  /**
   * The runtime takes sends again after a `send` returned `false` (Bun's `drain`). Calling it
   * when no send was refused is harmless.
   */
  writable(): void;
}
