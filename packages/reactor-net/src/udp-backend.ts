import type { SocketAddress } from "./socket-address.ts";

/** What a socket asks of the runtime's UDP API; one implementation per runtime API. */
export interface UdpBackend {
  /** The backend's name, as `UdpSocket.backend` reports it. */
  readonly name: string;
  /**
   * Whether sends must be issued one at a time to arrive in order (Deno reverses the order of
   * sends issued without waiting for the previous one).
   */
  readonly serializesSends: boolean;
  /** Binds; resolves with the bound address (the port filled in when 0 was asked). */
  bind(address: SocketAddress, options: BindOptions, events: BackendEvents): Promise<SocketAddress>;
  /** Hands one datagram to the runtime; `done` is called once, with the runtime's error if any. */
  send(data: Uint8Array, to: SocketAddress, done: (error: Error | null) => void): void;
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
   * Whether the receive queue has room. A backend that pulls datagrams (one receive at a time)
   * pulls only while it has; one that is pushed to cannot wait, and the socket drops instead.
   */
  hasRoom(): boolean;
  /** Resolves once the receive queue has room (at once if it has). */
  whenRoom(): Promise<void>;
}
