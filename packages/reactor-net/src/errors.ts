/**
 * What went wrong with a socket, as a stable code:
 *
 * - `INVALID_ADDRESS`: an address or port that cannot be used (the message names it).
 * - `DATAGRAM_TOO_LARGE`: more bytes than one UDP datagram can carry.
 * - `CLOSED`: the socket was closed (also for operations that were waiting when it closed).
 * - `NOT_CONNECTED`: `send` / `recv` on a socket without a peer (see `connect`).
 * - `BIND_FAILED`: the runtime could not bind (address in use, permission…); `cause` has its error.
 * - `CONNECT_FAILED`: the runtime could not connect the socket to the peer (`EACCES` for a broadcast
 *   address without `broadcast`…); `cause` has its error, and the socket is left unconnected.
 * - `CONNECTION_REFUSED`: the connected peer's host answered a datagram with ICMP port unreachable
 *   (nothing listens on that port); `cause` has the runtime's error, whose `code` is `ECONNREFUSED`.
 * - `PEER_UNREACHABLE`: another ICMP error for a datagram to the connected peer (host or network
 *   unreachable…); `cause` has the runtime's error and its `code` (`EHOSTUNREACH`…).
 * - `SEND_FAILED`: the runtime reported a send error; `cause` has its error.
 * - `UNSUPPORTED`: the chosen backend's runtime API cannot do what was asked (the message names the
 *   option and the backend).
 * - `MULTICAST_FAILED`: the runtime failed to join or leave a multicast group; `cause` has its error.
 */
export type NetErrorCode =
  | "INVALID_ADDRESS"
  | "DATAGRAM_TOO_LARGE"
  | "CLOSED"
  | "NOT_CONNECTED"
  | "BIND_FAILED"
  | "CONNECT_FAILED"
  | "CONNECTION_REFUSED"
  | "PEER_UNREACHABLE"
  | "SEND_FAILED"
  | "UNSUPPORTED"
  | "MULTICAST_FAILED";

/**
 * The error of every socket operation of this package, with a `code` to branch on.
 *
 * @example
 * ```ts
 * import { NetError, UdpSocket } from "@spindle/reactor-net";
 *
 * try {
 *   await UdpSocket.bind("127.0.0.1:99999");
 * } catch (error) {
 *   if (error instanceof NetError) console.log(error.code); // INVALID_ADDRESS
 * }
 * ```
 */
export class NetError extends Error {
  /** The stable code of this error. */
  readonly code: NetErrorCode;

  /** Creates an error with a code and a message naming the problem. */
  constructor(code: NetErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NetError";
    this.code = code;
  }
}

/** The error every operation on a closed socket fails with. */
export function closedError(): NetError {
  return new NetError("CLOSED", "the socket is closed");
}

/**
 * The error the connected `peer`'s ICMP report (`cause`, as the runtime gave it) fails an
 * operation with: `CONNECTION_REFUSED` for `ECONNREFUSED`, else `PEER_UNREACHABLE`.
 */
export function peerError(peer: string, cause: Error): NetError {
  const code = (cause as { code?: unknown }).code;
  return code === "ECONNREFUSED"
    ? new NetError(
      "CONNECTION_REFUSED",
      `the peer ${peer} refused a datagram (ICMP port unreachable: nothing listens on that port)`,
      { cause },
    )
    : new NetError("PEER_UNREACHABLE", `the peer ${peer} is unreachable: ${cause.message}`, { cause });
}

/**
 * The `code`s of errors that the kernel reports for an ICMP message about an earlier datagram
 * (on Linux, `icmp_err_convert`), rather than for the operation that returned them.
 */
const ICMP_CODES: ReadonlySet<unknown> = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"]);

/** Whether `error` is the kernel's report of an ICMP error (see `ICMP_CODES`). */
export function isIcmpError(error: unknown): boolean {
  return ICMP_CODES.has((error as { code?: unknown } | null)?.code);
}
