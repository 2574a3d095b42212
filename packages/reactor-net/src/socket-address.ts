import { describe, unreadableError } from "@spindle/core";
import { isIPv4, isIPv6 } from "node:net";
import { NetError } from "./errors.ts";

/** Makes an address from parts a runtime reported (already valid): no checks, for every datagram. */
export let trustedAddress: (address: string, port: number, family: "IPv4" | "IPv6") => SocketAddress;

/** An IP address and a port: where a datagram comes from or goes to. */
export class SocketAddress {
  /** The IP address, without brackets (`"127.0.0.1"`, `"::1"`). */
  readonly address: string;
  /** The port, 0–65535. */
  readonly port: number;
  /** `"IPv4"` or `"IPv6"`. */
  readonly family: "IPv4" | "IPv6";

  /**
   * An address from its parts; throws `INVALID_ADDRESS` naming the bad part. Only IP literals are
   * accepted (`UdpSocket.bind`, `connect` and `sendTo` resolve host names).
   */
  constructor(address: string, port: number) {
    if (typeof address !== "string" || !(isIPv4(address) || isIPv6(address))) {
      throw new NetError(
        "INVALID_ADDRESS",
        `not an IPv4 or IPv6 address: ${
          describe(address)
        } (a SocketAddress holds an IP address; UdpSocket.bind, connect and sendTo also take host names)`,
      );
    }
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new NetError("INVALID_ADDRESS", `a port must be an integer from 0 to 65535, got ${describe(port)}`);
    }
    this.address = address;
    this.port = port;
    this.family = isIPv4(address) ? "IPv4" : "IPv6";
  }

  static {
    trustedAddress = (address, port, family) => {
      const trusted: SocketAddress = Object.create(SocketAddress.prototype);
      return Object.assign(trusted, { address, port, family });
    };
  }

  /**
   * Parses `"127.0.0.1:8080"` or `"[::1]:8080"`, or takes a `SocketAddress` as it is; throws
   * `INVALID_ADDRESS` naming the value.
   *
   * @example
   * ```ts
   * import { SocketAddress } from "@spindle/reactor-net";
   *
   * const v6 = SocketAddress.from("[::1]:53");
   * console.log(v6.family, v6.address, v6.port, `${v6}`); // IPv6 ::1 53 [::1]:53
   * ```
   */
  static from(value: string | SocketAddress): SocketAddress {
    if (isSocketAddress(value)) return value;
    if (typeof value !== "string") {
      throw new NetError("INVALID_ADDRESS", `expected "ip:port" or a SocketAddress, got ${describe(value)}`);
    }
    const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(value);
    if (match === null) {
      throw new NetError("INVALID_ADDRESS", `expected "ip:port" (IPv6 as "[ip]:port"), got ${describe(value)}`);
    }
    return new SocketAddress((match[1] ?? match[2])!, Number(match[3]));
  }

  /** Whether `other` is the same address and port. */
  equals(other: SocketAddress): boolean {
    return this.port === other.port && this.address === other.address;
  }

  /** `"ip:port"`, with brackets around an IPv6 address. */
  toString(): string {
    return this.family === "IPv6" ? `[${this.address}]:${this.port}` : `${this.address}:${this.port}`;
  }
}

/**
 * `value instanceof SocketAddress`, or core's typed error for a value that cannot be read (a
 * revoked Proxy), as core's `isInstance` gives. Written out, not through `isInstance`: with the
 * class a constant, V8 compiles the check to a prototype comparison, where `isInstance`'s
 * `instanceof` of a class passed in ran the generic builtins (`InstanceOf`,
 * `Function.prototype[Symbol.hasInstance]`, a `prototype` lookup) on every send: with the
 * datagram's `Uint8Array` check, 218 instructions per datagram (callgrind, Node 24).
 */
function isSocketAddress(value: unknown): value is SocketAddress {
  try {
    return value instanceof SocketAddress;
  } catch (cause) {
    throw unreadableError(value, `expected "ip:port" or a SocketAddress`, cause);
  }
}
