import { checkTypeOf, readErrorOptions } from "@spindle/core";

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
 * - `OPTION_FAILED`: the runtime refused a socket option's value (a multicast interface that is not
 *   local…); `cause` has its error.
 * - `RESOLVE_FAILED`: a host name did not resolve (the runtime's resolver found no address of the
 *   needed family); `cause` has the resolver's error when it gave one (`code` `ENOTFOUND`…).
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
  | "MULTICAST_FAILED"
  | "OPTION_FAILED"
  | "RESOLVE_FAILED";

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
    checkTypeOf(code, "string", "new NetError(): code");
    checkTypeOf(message, "string", "new NetError(): message");
    super(message, readErrorOptions(options, "new NetError()"));
    this.name = "NetError";
    this.code = code;
  }
}

/** This runtime and its version, for error messages: `"Node 24.1.0"`, `"Deno 2.9.6"`, `"Bun 1.4.5"`. */
export function runtimeLabel(): string {
  const host = globalThis as unknown as {
    Bun?: { version?: string };
    Deno?: { version?: { deno?: string } };
    process?: { versions?: { node?: string } };
  };
  if (host.Bun !== undefined) return `Bun ${host.Bun.version ?? ""}`.trim();
  if (host.Deno !== undefined) return `Deno ${host.Deno.version?.deno ?? ""}`.trim();
  return `Node ${host.process?.versions?.node ?? ""}`.trim();
}

/**
 * `UNSUPPORTED` for `option` on `backend`: the message names the option, the runtime and the
 * backend, says why (`why`), and what to use instead when there is something.
 */
export function unsupportedOption(option: string, backend: string, why: string, instead?: string): NetError {
  return new NetError(
    "UNSUPPORTED",
    `${option} is not supported on ${runtimeLabel()} by backend "${backend}": ${why}${instead ? `; ${instead}` : ""}`,
  );
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
