import { describe, HOST_RUNTIME, SpindleError } from "@spindle/core";
import { BunUdpBackend } from "./bun-udp-backend.ts";
import { DenoDatagramBackend } from "./deno-datagram-backend.ts";
import { NodeDgramBackend } from "./node-dgram-backend.ts";
import type { UdpBackend } from "./udp-backend.ts";

/**
 * The runtime UDP APIs a socket can use: `"node:dgram"` (Node's API, which Deno and Bun also
 * implement), `"deno"` (`Deno.listenDatagram`: Deno with `--unstable-net` only; elsewhere binding
 * throws `INVALID_ARGUMENT` saying what is missing), `"bun"` (`Bun.udpSocket`: Bun only; elsewhere
 * binding throws `INVALID_ARGUMENT` naming the runtime), or `"auto"`, the default: `"bun"` on
 * Bun, `"deno"` on Deno with `--unstable-net`, `"node:dgram"` elsewhere.
 */
export type BackendChoice = "auto" | "node:dgram" | "deno" | "bun";

const BACKENDS: Record<Exclude<BackendChoice, "auto">, () => UdpBackend> = {
  "node:dgram": () => new NodeDgramBackend(),
  "deno": () => new DenoDatagramBackend(),
  "bun": () => new BunUdpBackend(),
};

/**
 * What `"auto"` picks: the runtime's own API where it has one, which measured fastest through a
 * socket (docs/benchmarks.md, udp section: on Bun `bun` beat `node:dgram` by 7–17 % in
 * throughput; on Deno `deno` was about twice as fast as `node:dgram`, which Deno emulates).
 */
function autoBackend(): UdpBackend {
  if (HOST_RUNTIME === "Bun") return BACKENDS.bun();
  const deno = (globalThis as { Deno?: { listenDatagram?: unknown } }).Deno;
  if (typeof deno?.listenDatagram === "function") return BACKENDS.deno();
  return BACKENDS["node:dgram"]();
}

/** The backend for `choice` on this runtime; throws `INVALID_ARGUMENT` naming an unknown one. */
export function createBackend(choice: unknown): UdpBackend {
  if (choice === "auto") return autoBackend();
  if (typeof choice === "string" && Object.hasOwn(BACKENDS, choice)) return BACKENDS[choice as keyof typeof BACKENDS]();
  throw new SpindleError(
    "INVALID_ARGUMENT",
    `backend must be one of ${["auto", ...Object.keys(BACKENDS)].map((b) => `"${b}"`).join(", ")}, got ${
      describe(choice)
    }`,
  );
}
