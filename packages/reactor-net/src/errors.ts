/**
 * What went wrong with a socket, as a stable code:
 *
 * - `INVALID_ADDRESS`: an address or port that cannot be used (the message names it).
 * - `DATAGRAM_TOO_LARGE`: more bytes than one UDP datagram can carry.
 * - `CLOSED`: the socket was closed (also for operations that were waiting when it closed).
 * - `NOT_CONNECTED`: `send` / `recv` on a socket without a peer (see `connect`).
 * - `BIND_FAILED`: the runtime could not bind (address in use, permission…); `cause` has its error.
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
