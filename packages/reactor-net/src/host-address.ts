import dns from "node:dns";
import { isIP } from "node:net";
import { describe, permissionDenied } from "@spindle/core";
import { NetError } from "./errors.ts";
import { SocketAddress } from "./socket-address.ts";

/** A host name and a port, not yet resolved (see {@linkcode parseAddress}). */
export interface HostAndPort {
  readonly host: string;
  readonly port: number;
}

/**
 * `value` as an address: a {@linkcode SocketAddress} at once for an IP literal or a
 * `SocketAddress` (the fast path: no resolver call), else the host name and port to resolve.
 * Throws `INVALID_ADDRESS` naming the value when it is neither.
 */
export function parseAddress(value: string | SocketAddress): SocketAddress | HostAndPort {
  if (typeof value !== "string") return SocketAddress.from(value);
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const host = match?.[1];
  if (host === undefined || isIP(host) !== 0 || !isHostName(host)) return SocketAddress.from(value);
  const port = Number(match![2]);
  if (port > 65_535) {
    throw new NetError("INVALID_ADDRESS", `a port must be an integer from 0 to 65535, got ${port}`);
  }
  return { host, port };
}

/**
 * Whether `host` is a DNS host name: labels of letters, digits and hyphens, 1–63 long, at most 253
 * in all, the last not all digits (so `"300.1.1.1"` stays a bad IP address, not a name).
 */
function isHostName(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.endsWith(".") ? host.slice(0, -1).split(".") : host.split(".");
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/**
 * Resolves `target` once through the runtime's resolver (`node:dns` `lookup`, the system's
 * `getaddrinfo`, which Node, Deno and Bun all implement; it reads `/etc/hosts`, where
 * `Deno.resolveDns` asks DNS servers only and would not find `localhost`): every address, in the
 * resolver's order, of `family` when given. Rejects with `RESOLVE_FAILED` naming the host when it
 * has none.
 */
export async function resolveHost(target: HostAndPort, family?: "IPv4" | "IPv6"): Promise<SocketAddress[]> {
  const { host, port } = target;
  let found: dns.LookupAddress[];
  try {
    found = await lookup(host, family === "IPv6" ? 6 : family === "IPv4" ? 4 : 0);
  } catch (error) {
    const cause = error as Error;
    throw permissionDenied(error, `resolving the host name ${describe(host)}`) ??
      new NetError("RESOLVE_FAILED", `could not resolve host name ${describe(host)}: ${cause.message}`, { cause });
  }
  if (found.length === 0) {
    throw new NetError("RESOLVE_FAILED", `host name ${describe(host)} has no ${family ?? "IP"} address`);
  }
  return found.map(({ address }) => new SocketAddress(address, port));
}

/** `dns.lookup` for every address, read from the module object at each call (tests count calls). */
function lookup(host: string, family: 0 | 4 | 6): Promise<dns.LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dns.lookup(host, { all: true, family }, (error, addresses) => (error ? reject(error) : resolve(addresses)))
  );
}
